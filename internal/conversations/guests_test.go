package conversations

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// guests is the account service with its letters, as the web front end has it.
func guests(t *testing.T, db *store.DB) *accounts.Accounts {
	t.Helper()
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/c.yaml": []byte("domain: grouprise.test\n")}}, "/c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	n, err := notify.New(cfg, catalog)
	if err != nil {
		t.Fatal(err)
	}
	return accounts.New(db, cfg.SlugReserved, n)
}

// mailsTo claims the queued jobs and returns the recipients of the mails among them.
func mailsTo(t *testing.T, db *store.DB) []string {
	t.Helper()
	jobs, err := db.ClaimJobs(context.Background(), "test", 100, time.Now().Add(time.Hour), time.Now().Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, j := range jobs {
		var m mail.Job
		if j.Kind == mail.JobKind {
			if err := json.Unmarshal(j.Payload, &m); err != nil {
				t.Fatal(err)
			}
			to = append(to, m.Envelope.To...)
		}
	}
	return to
}

func TestStartAsGuest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, a := New(db), guests(t, db)
		now := time.Now()
		bob := &store.Gestalt{Username: "bob", Password: accounts.HashPassword("secret"), IsActive: true, DateJoined: now}
		var groupID int64
		err := db.Tx(ctx, func(q *store.Queries) error {
			if _, err := q.CreateGestalt(ctx, bob); err != nil {
				return err
			}
			if _, err := q.AddEmailAddress(ctx, &store.EmailAddress{GestaltID: bob.ID, Email: "bob@example.org", Verified: true, Primary: true}); err != nil {
				return err
			}
			var err error
			groupID, err = q.CreateGroup(ctx, &store.Group{Slug: "garten", Name: "Garten", DateCreated: now, TimeModified: now, DateFounded: now})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		people := func() int {
			n, err := db.Count(ctx, "gestalten")
			if err != nil {
				t.Fatal(err)
			}
			return n
		}

		cases := []struct {
			name, email string
			m           Message
			want        error
			author      string // username of the message's author; "" when refused
			people      int    // accounts afterwards
		}{
			{"a stranger's address gets a shadow account", "new@example.org",
				Message{GroupID: groupID, Subject: "Beete", Text: "Gibt es noch Beete?"}, nil, "new", 2},
			{"an account's address writes in its name, unconfirmed", "BOB@example.org",
				Message{GroupID: groupID, Subject: "Beete", Text: "Ich bin's"}, nil, "bob", 2},
			{"a message without text makes no account", "other@example.org",
				Message{GroupID: groupID, Subject: "Beete", Text: " "}, ErrTextMissing, "", 2},
			{"no address", "nobody",
				Message{GroupID: groupID, Subject: "Beete", Text: "Hallo"}, accounts.ErrEmailInvalid, "", 2},
		}
		for _, tc := range cases {
			started, err := c.StartAsGuest(ctx, a, tc.email, "https://grouprise.test", tc.m)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
				continue
			}
			if n := people(); n != tc.people {
				t.Errorf("%s: %d accounts, want %d", tc.name, n, tc.people)
			}
			to := mailsTo(t, db)
			if tc.want != nil {
				if len(to) != 0 {
					t.Errorf("%s: mails to %v", tc.name, to)
				}
				continue
			}
			contribution, err := db.ContributionByID(ctx, started.ContributionID)
			if err != nil {
				t.Fatal(err)
			}
			author, err := db.GestaltByID(ctx, contribution.AuthorID)
			if err != nil || author.Username != tc.author {
				t.Errorf("%s: author %v, %v; want %s", tc.name, author, err, tc.author)
			}
			unconfirmed, err := db.UnconfirmedSenders(ctx, []int64{started.ContributionID})
			if err != nil || !unconfirmed[started.ContributionID] {
				t.Errorf("%s: the message counts as its author's before the address was confirmed (%v)", tc.name, err)
			}
			if want := strings.ToLower(tc.email); len(to) != 1 || to[0] != want {
				t.Errorf("%s: mails to %v, want one confirmation link to %s", tc.name, to, want)
			}
		}
	})
}
