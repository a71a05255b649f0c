package notify_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/matrix"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// fixture: garten with members alice and bob (both follow it), dave follows it without being
// a member, gustav is in no group; everybody wants mail, inbox rows and Matrix messages.
type fixture struct {
	t        *testing.T
	db       *store.DB
	notifier *notify.Notifier
	people   map[string]*store.Gestalt
	names    map[int64]string
	garden   int64
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(
		"domain: grouprise.test\nlanguage_code: de-de\ndata_path: " + t.TempDir() + "\nmatrix_chat: {enabled: true, bot_access_token: test-token}\n")}}, "/test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, people: map[string]*store.Gestalt{}, names: map[int64]string{}}
	if f.notifier, err = notify.New(cfg, catalog); err != nil {
		t.Fatal(err)
	}
	acc := accounts.New(db, cfg.SlugReserved, nil)
	for _, name := range []string{"alice", "bob", "dave", "gustav"} {
		g, err := acc.Create(ctx, accounts.NewAccount{Username: name, Email: name + "@example.org", Password: name + "-password", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetPreferences(ctx, g.ID, store.Preferences{ByEmail: true, ByInbox: true, ByMatrix: true}); err != nil {
			t.Fatal(err)
		}
		f.people[name], f.names[g.ID] = g, name
	}
	gr := groups.New(db, cfg.SlugReserved, nil)
	garden, err := gr.Create(ctx, groups.NewGroup{Name: "Garten", Creator: f.people["alice"]})
	if err != nil {
		t.Fatal(err)
	}
	f.garden = garden.ID
	if err := gr.AddMember(ctx, f.garden, f.people["bob"].ID, f.people["alice"].ID); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice", "bob", "dave"} {
		if err := db.Subscribe(ctx, f.garden, f.people[name].ID); err != nil {
			t.Fatal(err)
		}
	}
	f.deliver() // the membership news
	return f
}

// content publishes a content of alice's in the garden (groupID) or on her profile (0).
func (f *fixture) content(title string, groupID int64, public bool) *store.Association {
	f.t.Helper()
	ctx := context.Background()
	a := &store.Association{GroupID: groupID, Public: public, Slug: title}
	if groupID == 0 {
		a.GestaltID = f.people["alice"].ID
	}
	err := f.db.Tx(ctx, func(q *store.Queries) error {
		c := &store.Content{Title: title}
		if _, err := q.CreateContent(ctx, c, &store.Version{AuthorID: f.people["alice"].ID, Text: "Text", TimeCreated: time.Now()}); err != nil {
			return err
		}
		a.ContentID = c.ID
		_, err := q.CreateAssociation(ctx, a)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// comment adds a comment; announce tells whether it is announced (the first comments of the
// fixtures are history).
func (f *fixture) comment(a *store.Association, author string, public, announce bool) int64 {
	f.t.Helper()
	ctx := context.Background()
	c := &store.Contribution{ContentID: a.ContentID, ConversationID: a.ConversationID, AuthorID: f.people[author].ID,
		Text: "Hallo", TimeCreated: time.Now(), Public: public}
	err := f.db.Tx(ctx, func(q *store.Queries) error {
		if _, err := q.AddContribution(ctx, c); err != nil {
			return err
		}
		if announce {
			return notify.ContributionCreated(ctx, q, c.ID, time.Now())
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return c.ID
}

// heard is who was told of an item, by channel.
type heard struct {
	mail, inbox, matrix []string
}

// deliver runs the notify jobs and collects the mails and personal Matrix messages they
// queued (and drops every other job).
func (f *fixture) deliver() heard {
	f.t.Helper()
	ctx := context.Background()
	var h heard
	for round := 0; round < 3; round++ {
		jobs, err := f.db.ClaimJobs(ctx, "test", 1000, time.Now().Add(time.Second), time.Now().Add(time.Hour))
		if err != nil {
			f.t.Fatal(err)
		}
		for _, j := range jobs {
			err := f.db.Tx(ctx, func(q *store.Queries) error {
				switch j.Kind {
				case notify.JobKind:
					if err := f.notifier.Fanout(ctx, q, j); err != nil {
						return err
					}
				case mail.JobKind:
					var m mail.Job
					if err := json.Unmarshal(j.Payload, &m); err != nil {
						return err
					}
					for _, to := range m.Envelope.To {
						h.mail = append(h.mail, to)
					}
				case matrix.JobSend:
					var m matrix.SendJob
					if err := json.Unmarshal(j.Payload, &m); err != nil {
						return err
					}
					if m.Target.GestaltID != 0 {
						h.matrix = append(h.matrix, f.names[m.Target.GestaltID])
					}
				}
				return q.CompleteJob(ctx, j)
			})
			if err != nil {
				f.t.Fatal(err)
			}
		}
	}
	for i, address := range h.mail {
		h.mail[i] = address[:len(address)-len("@example.org")]
	}
	slices.Sort(h.mail)
	slices.Sort(h.matrix)
	return h
}

// inbox is who has an inbox row about the contribution.
func (f *fixture) inbox(contributionID int64) []string {
	f.t.Helper()
	var out []string
	for _, name := range []string{"alice", "bob", "dave", "gustav"} {
		rows, err := f.db.Inbox(context.Background(), f.people[name].ID, 100, 0)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, r := range rows {
			if r.ContributionID == contributionID {
				out = append(out, name)
			}
		}
	}
	return out
}

// The audience of a comment per role: the member (bob), the outsider who wrote first
// (gustav), the follower who is no member (dave) and the author (alice, who gets a copy by
// mail only). Internal comments and comments on internal contents reach members only.
func TestInternalStaysWithMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, c := range []struct {
			name         string
			groupID      int64
			public       bool // the content
			publicRemark bool // the comment
			want         heard
		}{
			{"public comment on public content", f.garden, true, true,
				heard{mail: []string{"alice", "bob", "dave", "gustav"}, inbox: []string{"bob", "dave", "gustav"}, matrix: []string{"bob", "dave", "gustav"}}},
			{"internal comment on public content", f.garden, true, false,
				heard{mail: []string{"alice", "bob"}, inbox: []string{"bob"}, matrix: []string{"bob"}}},
			{"comment on internal content", f.garden, false, true,
				heard{mail: []string{"alice", "bob"}, inbox: []string{"bob"}, matrix: []string{"bob"}}},
			{"internal comment on internal content", f.garden, false, false,
				heard{mail: []string{"alice", "bob"}, inbox: []string{"bob"}, matrix: []string{"bob"}}},
			{"comment on public personal content", 0, true, true,
				heard{mail: []string{"alice", "gustav"}, inbox: []string{"gustav"}, matrix: []string{"gustav"}}},
			{"comment on internal personal content", 0, false, true,
				heard{mail: []string{"alice"}}},
		} {
			t.Run(c.name, func(t *testing.T) {
				a := f.content(c.name, c.groupID, c.public)
				// gustav wrote first (while the content was public, or while he was a member)
				f.comment(a, "gustav", true, false)
				id := f.comment(a, "alice", c.publicRemark, true)
				got := f.deliver()
				got.inbox = f.inbox(id)
				if !slices.Equal(got.mail, c.want.mail) {
					t.Errorf("mail to %v, want %v", got.mail, c.want.mail)
				}
				if !slices.Equal(got.inbox, c.want.inbox) {
					t.Errorf("inbox rows of %v, want %v", got.inbox, c.want.inbox)
				}
				if !slices.Equal(got.matrix, c.want.matrix) {
					t.Errorf("Matrix messages to %v, want %v", got.matrix, c.want.matrix)
				}
			})
		}
	})
}

// A group conversation started by an outsider keeps him in it: conversations are no
// internal contents.
func TestConversationKeepsItsOutsider(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		a := &store.Association{GroupID: f.garden}
		err := db.Tx(ctx, func(q *store.Queries) error {
			var err error
			if a.ConversationID, err = q.CreateConversation(ctx, "Frage"); err != nil {
				return err
			}
			_, err = q.CreateAssociation(ctx, a)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		f.comment(a, "gustav", true, false)
		f.comment(a, "alice", true, true)
		if got := f.deliver(); !slices.Contains(got.mail, "gustav") {
			t.Errorf("the outsider who asked hears nothing of the answer: %v", got.mail)
		}
	})
}
