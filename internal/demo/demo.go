// Package demo fills an empty store with a small invented site: groups, people, articles,
// events and a conversation, so that a development site has something to show.
package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

// Password is the password of every demo account.
const Password = "demo-password"

// ErrNotEmpty: demo data goes only into a store without people.
var ErrNotEmpty = errors.New("demo: the database is not empty; demo data goes into a new one only")

// Site is what the demo writes through: the site's services (app.Services), so that demo
// accounts and groups are made as any are.
type Site struct {
	DB       *store.DB
	Accounts *accounts.Accounts
	Groups   *groups.Groups
}

// Fill writes the demo site through plain services on db (no hook scripts, no Matrix
// rooms) and returns the usernames that can log in.
func Fill(ctx context.Context, db *store.DB, reserved func(string) bool, now time.Time) ([]string, error) {
	return Site{DB: db, Accounts: accounts.New(db, reserved, nil), Groups: groups.New(db, reserved, nil)}.Fill(ctx, now)
}

// Fill writes the demo site and returns the usernames that can log in.
func (s Site) Fill(ctx context.Context, now time.Time) ([]string, error) {
	db, acc, gr := s.DB, s.Accounts, s.Groups
	if n, err := db.Count(ctx, "gestalten"); err != nil {
		return nil, err
	} else if n > 0 {
		return nil, ErrNotEmpty
	}
	people := map[string]*store.Gestalt{}
	var names []string
	for _, p := range []struct{ user, first, last string }{
		{"admin", "Ada", "Admin"}, {"alice", "Alice", "Amsel"}, {"bob", "Bob", "Biber"},
		{"carol", "Carol", "Chamäleon"}, {"dave", "Dave", "Dachs"}, {"eve", "Eve", "Eule"},
	} {
		g, err := acc.Create(ctx, accounts.NewAccount{Username: p.user, Email: p.user + "@example.org", FirstName: p.first,
			LastName: p.last, Password: Password, Superuser: p.user == "admin", Verified: true})
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		people[p.user] = g
		names = append(names, p.user)
	}
	for _, u := range []string{"alice", "bob", "carol", "eve"} {
		g := people[u]
		if err := db.Tx(ctx, func(q *store.Queries) error {
			return q.UpdateProfile(ctx, g.ID, store.Profile{Username: g.Username, FirstName: g.FirstName, LastName: g.LastName,
				About: "Ich wohne im Viertel und mache gern mit.", Public: true})
		}); err != nil {
			return nil, err
		}
	}
	groupSpecs := []struct {
		name, description, address string
		closed                     bool
		creator                    string
		members                    []string
	}{
		{"Plattform-Betrieb", "Die Gruppe der Betreiber*innen dieser Plattform.", "", false, "admin", nil},
		{"Stadtgarten", "Wir gärtnern gemeinsam im Stadtgarten am Fluss. Neue Leute sind willkommen!", "Gartenweg 1\n12345 Musterstadt", false, "alice", []string{"bob", "carol", "eve"}},
		{"Fahrradwerkstatt", "Selbsthilfewerkstatt: Wir reparieren Fahrräder zusammen.", "Hinterhof 5\n12345 Musterstadt", false, "bob", []string{"alice", "dave"}},
		{"Nachbarschaftshilfe", "Einkaufen, Umzug, Kinderbetreuung – wir helfen einander.", "", true, "carol", []string{"dave"}},
	}
	gs := map[string]*store.Group{}
	for _, spec := range groupSpecs {
		g, err := gr.Create(ctx, groups.NewGroup{Name: spec.name, Closed: spec.closed, Creator: people[spec.creator]})
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		if err := gr.UpdateSettings(ctx, g, store.GroupSettings{Name: g.Name, Slug: g.Slug, Description: spec.description,
			Address: spec.address, DateFounded: now.AddDate(-3, 0, 0), Closed: spec.closed}); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		for _, m := range spec.members {
			if err := gr.AddMember(ctx, g.ID, people[m].ID, people[m].ID); err != nil {
				return nil, fmt.Errorf("demo: %w", err)
			}
		}
		gs[spec.name] = g
	}
	if err := db.Subscribe(ctx, gs["Stadtgarten"].ID, people["dave"].ID); err != nil {
		return nil, err
	}
	day := func(d, hour int) sql.Null[time.Time] {
		t := time.Date(now.Year(), now.Month(), now.Day(), hour, 0, 0, 0, time.UTC).AddDate(0, 0, d)
		return sql.Null[time.Time]{V: t, Valid: true}
	}
	contents := []struct {
		group, author, title, slug, text, place string
		public, pinned                          bool
		starts, ends                            sql.Null[time.Time]
		age                                     time.Duration
	}{
		{"Plattform-Betrieb", "admin", "Willkommen auf der Plattform", "willkommen",
			"Hier stellen sich Gruppen aus dem Viertel vor. Schau dich um und abonniere, was dich interessiert.", "", true, true, sql.Null[time.Time]{}, sql.Null[time.Time]{}, 72 * time.Hour},
		{"Stadtgarten", "alice", "Frühjahrsputz im Stadtgarten", "fruehjahrsputz",
			"Am Samstag räumen wir die Beete auf.\n\n- Handschuhe mitbringen\n- Werkzeug ist vorhanden", "", true, false, sql.Null[time.Time]{}, sql.Null[time.Time]{}, 48 * time.Hour},
		{"Stadtgarten", "bob", "Pflanzentauschbörse", "pflanzentauschboerse", "Bringt Ableger und Samen mit!", "Stadtgarten, am Geräteschuppen",
			true, false, day(3, 14), day(3, 17), 24 * time.Hour},
		{"Stadtgarten", "carol", "Gießplan (intern)", "giessplan", "Wer gießt wann? Tragt euch bitte ein.", "", false, false, sql.Null[time.Time]{}, sql.Null[time.Time]{}, 20 * time.Hour},
		{"Fahrradwerkstatt", "bob", "Offene Werkstatt", "offene-werkstatt", "Wir reparieren gemeinsam Fahrräder.", "Hinterhof 5",
			true, false, day(1, 16), day(1, 19), 12 * time.Hour},
		{"Fahrradwerkstatt", "dave", "Neue Werkzeugwand", "werkzeugwand", "Endlich hat jedes Werkzeug seinen Platz.", "", true, false, sql.Null[time.Time]{}, sql.Null[time.Time]{}, 6 * time.Hour},
	}
	for _, c := range contents {
		err := db.Tx(ctx, func(q *store.Queries) error {
			content := &store.Content{Title: c.title, Place: c.place, StartsAt: c.starts, EndsAt: c.ends}
			if _, err := q.CreateContent(ctx, content, &store.Version{AuthorID: people[c.author].ID, Text: c.text,
				TimeCreated: now.Add(-c.age)}); err != nil {
				return err
			}
			_, err := q.CreateAssociation(ctx, &store.Association{ContentID: content.ID, GroupID: gs[c.group].ID,
				Public: c.public, Pinned: c.pinned, Slug: c.slug})
			if err != nil {
				return err
			}
			if c.slug == "fruehjahrsputz" {
				for i, who := range []string{"bob", "carol"} {
					if _, err := q.AddContribution(ctx, &store.Contribution{ContentID: content.ID, AuthorID: people[who].ID,
						Text: []string{"Ich bringe Kuchen mit.", "Super, bis Samstag!"}[i], TimeCreated: now.Add(-c.age / 2), Public: true}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	if err := db.Tx(ctx, func(q *store.Queries) error { return q.RebuildSearchIndex(ctx) }); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := db.SetSiteSetting(ctx, "name", "Stadtgestalten (Demo)"); err != nil {
		return nil, err
	}
	return names, nil
}
