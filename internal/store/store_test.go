package store_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var day = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func newGestalt(t *testing.T, q *store.Queries, username string) *store.Gestalt {
	t.Helper()
	g := &store.Gestalt{Username: username, IsActive: true, DateJoined: day.Add(13 * time.Hour)}
	if _, err := q.CreateGestalt(context.Background(), g); err != nil {
		t.Fatalf("create gestalt %s: %v", username, err)
	}
	return g
}

func newGroup(t *testing.T, q *store.Queries, slug string) *store.Group {
	t.Helper()
	g := &store.Group{Slug: slug, Name: slug, DateCreated: day, TimeModified: day, DateFounded: day}
	if _, err := q.CreateGroup(context.Background(), g); err != nil {
		t.Fatalf("create group %s: %v", slug, err)
	}
	return g
}

func TestMigrateFromEmpty(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			cfg := storetest.Config(t, d)
			if d == store.Postgres {
				cfg = storetest.EmptyPostgres(t)
			}
			if _, err := store.Open(ctx, cfg, store.OpenOptions{}); d == store.SQLite && !errors.Is(err, store.ErrNoDatabase) {
				t.Fatalf("open without Create: got %v, want ErrNoDatabase", err)
			}
			db, err := store.Open(ctx, cfg, store.OpenOptions{Create: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()

			if err := db.CheckSchema(ctx); !errors.Is(err, store.ErrSchemaOutdated) {
				t.Fatalf("CheckSchema on an empty database: got %v, want ErrSchemaOutdated", err)
			}
			applied, err := db.Migrate(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			state, err := db.Schema(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) == 0 || state.Current != state.Latest || applied[len(applied)-1] != state.Latest {
				t.Fatalf("applied %v, schema %+v", applied, state)
			}
			if err := db.CheckSchema(ctx); err != nil {
				t.Fatalf("CheckSchema after migrate: %v", err)
			}
			if again, err := db.Migrate(ctx, nil); err != nil || len(again) != 0 {
				t.Fatalf("second migrate applied %v, %v; want nothing", again, err)
			}
			// Every table of the domain exists and is empty.
			for _, table := range []string{"gestalten", "email_addresses", "groups", "entity_slugs", "memberships",
				"subscriptions", "associations", "contents", "content_versions", "contributions", "conversations",
				"polls", "poll_options", "poll_votes", "event_attendances", "files", "images", "gallery_images",
				"tags", "content_tags", "group_tags", "permission_tokens", "inbox_notifications", "applications",
				"jobs", "sessions", "incoming_mails", "gestalt_settings", "matrix_rooms", "site_settings"} {
				if n := count(t, db, table); n != 0 {
					t.Errorf("table %s has %d rows", table, n)
				}
			}
		})
	}
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	n, err := db.Count(context.Background(), table)
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestUniqueSlugsAndAddresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var alice *store.Gestalt
		err := db.Tx(ctx, func(q *store.Queries) error {
			alice = newGestalt(t, q, "alice")
			newGroup(t, q, "Stadtgarten")
			_, err := q.AddEmailAddress(ctx, &store.EmailAddress{GestaltID: alice.ID, Email: "Alice@Example.org", Primary: true})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		conflicts := []struct {
			name string
			fn   func(q *store.Queries) error
		}{
			{"group slug in other case", func(q *store.Queries) error {
				_, err := q.CreateGroup(ctx, &store.Group{Slug: "stadtGARTEN", Name: "x", DateCreated: day, TimeModified: day, DateFounded: day})
				return err
			}},
			{"group slug taken by a person", func(q *store.Queries) error {
				_, err := q.CreateGroup(ctx, &store.Group{Slug: "ALICE", Name: "x", DateCreated: day, TimeModified: day, DateFounded: day})
				return err
			}},
			{"username taken by a group", func(q *store.Queries) error {
				_, err := q.CreateGestalt(ctx, &store.Gestalt{Username: "stadtgarten", DateJoined: day})
				return err
			}},
			{"username with umlaut in other case", func(q *store.Queries) error {
				if _, err := q.CreateGestalt(ctx, &store.Gestalt{Username: "jörg", DateJoined: day}); err != nil {
					return err
				}
				_, err := q.CreateGestalt(ctx, &store.Gestalt{Username: "JÖRG", DateJoined: day})
				return err
			}},
			{"e-mail address in other case", func(q *store.Queries) error {
				bob := newGestalt(t, q, "bob")
				_, err := q.AddEmailAddress(ctx, &store.EmailAddress{GestaltID: bob.ID, Email: "alice@EXAMPLE.org"})
				return err
			}},
		}
		for _, c := range conflicts {
			err := db.Tx(ctx, c.fn)
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("%s: got %v, want ErrConflict", c.name, err)
			}
		}
		// The failed transactions left nothing behind.
		if n := count(t, db, "gestalten"); n != 1 {
			t.Errorf("%d gestalten after the conflicts, want 1", n)
		}
		if n := count(t, db, "entity_slugs"); n != 2 {
			t.Errorf("%d slugs after the conflicts, want 2", n)
		}

		got, err := db.GestaltByEmail(ctx, "ALICE@example.ORG")
		if err != nil || got.ID != alice.ID {
			t.Errorf("GestaltByEmail: %v, %v", got, err)
		}
		if g, err := db.GroupBySlug(ctx, "STADTGARTEN"); err != nil || g.Slug != "Stadtgarten" {
			t.Errorf("GroupBySlug: %v, %v", g, err)
		}
		if _, err := db.GroupBySlug(ctx, "alice"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GroupBySlug of a person's slug: got %v, want ErrNotFound", err)
		}
		if g, err := db.GestaltByID(ctx, alice.ID); err != nil || !g.DateJoined.Equal(day.Add(13*time.Hour)) || g.LastLogin.Valid {
			t.Errorf("GestaltByID: %+v, %v", g, err)
		}
	})
}

func TestOnePrimaryAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.Tx(ctx, func(q *store.Queries) error {
			g := newGestalt(t, q, "carol")
			for _, a := range []store.EmailAddress{
				{GestaltID: g.ID, Email: "carol@example.org", Verified: true, Primary: true},
				{GestaltID: g.ID, Email: "carol.privat@example.net", Verified: true, Primary: true},
			} {
				if _, err := q.AddEmailAddress(ctx, &a); err != nil {
					return err
				}
			}
			list, err := q.EmailAddresses(ctx, g.ID)
			if err != nil {
				return err
			}
			if len(list) != 2 || list[0].Email != "carol.privat@example.net" || !list[0].Primary || list[1].Primary {
				t.Errorf("addresses: %+v %+v", list[0], list[1])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestMembershipsAndSubscriptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var g *store.Group
		var alice, bob *store.Gestalt
		err := db.Tx(ctx, func(q *store.Queries) error {
			g = newGroup(t, q, "fahrradwerkstatt")
			alice, bob = newGestalt(t, q, "alice"), newGestalt(t, q, "bob")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		m := &store.Membership{GroupID: g.ID, MemberID: alice.ID, CreatedByID: sql.Null[int64]{V: bob.ID, Valid: true}, DateJoined: day}
		if _, err := db.AddMembership(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddMembership(ctx, m); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second membership: got %v, want ErrConflict", err)
		}
		for range 2 {
			if err := db.Subscribe(ctx, g.ID, alice.ID); err != nil {
				t.Fatal(err)
			}
		}
		members, err := db.Members(ctx, g.ID)
		if err != nil || len(members) != 1 || members[0].Username != "alice" {
			t.Errorf("members: %v, %v", members, err)
		}
		subs, err := db.Subscribers(ctx, g.ID)
		if err != nil || len(subs) != 1 {
			t.Errorf("subscribers: %v, %v", subs, err)
		}
		if ok, err := db.IsMember(ctx, g.ID, bob.ID); err != nil || ok {
			t.Errorf("bob is member: %v, %v", ok, err)
		}
		list, err := db.Groups(ctx)
		if err != nil || len(list) != 1 || list[0].Members != 1 || list[0].Slug != "fahrradwerkstatt" {
			t.Errorf("groups: %v, %v", list, err)
		}
		if err := db.RemoveMembership(ctx, g.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.RemoveMembership(ctx, g.ID, alice.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("removing again: got %v, want ErrNotFound", err)
		}
		// Deleting a person removes their memberships and subscriptions with them.
		if err := db.Subscribe(ctx, g.ID, bob.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddMembership(ctx, &store.Membership{GroupID: g.ID, MemberID: bob.ID, DateJoined: day}); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteGestalt(ctx, bob.ID); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "memberships"); n != 0 {
			t.Errorf("%d memberships left", n)
		}
		if n := count(t, db, "subscriptions"); n != 1 {
			t.Errorf("%d subscriptions left, want alice's", n)
		}
		if ok, err := db.SlugTaken(ctx, "BOB"); err != nil || ok {
			t.Errorf("slug of a deleted person still taken: %v %v", ok, err)
		}
	})
}

func TestRebind(t *testing.T) {
	cases := map[string]string{
		"SELECT 1":     "SELECT 1",
		"SELECT ? , ?": "SELECT $1 , $2",
		"SELECT '?' || ? FROM t WHERE \"a?\" = ?":      "SELECT '?' || $1 FROM t WHERE \"a?\" = $2",
		"UPDATE t SET a = 'it''s ?' WHERE b = ? AND ?": "UPDATE t SET a = 'it''s ?' WHERE b = $1 AND $2",
	}
	for in, want := range cases {
		if got := store.Postgres.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
		if got := store.SQLite.Rebind(in); got != in {
			t.Errorf("SQLite Rebind changed %q to %q", in, got)
		}
	}
}

func TestSessionsAndAttempts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		if err := db.CommitSession(ctx, "tok", []byte("one"), now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.CommitSession(ctx, "tok", []byte("two"), now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if data, ok, err := db.FindSession(ctx, "tok", now); err != nil || !ok || string(data) != "two" {
			t.Errorf("find: %q %v %v", data, ok, err)
		}
		if _, ok, _ := db.FindSession(ctx, "tok", now.Add(2*time.Hour)); ok {
			t.Error("an expired session was found")
		}
		db.DeleteSession(ctx, "tok")
		if _, ok, _ := db.FindSession(ctx, "tok", now); ok {
			t.Error("a deleted session was found")
		}
		for i := 1; i <= 3; i++ {
			if n, err := db.CountAttempt(ctx, "login:alice", now.Add(time.Duration(i)*time.Minute), 15*time.Minute); err != nil || n != i {
				t.Fatalf("attempt %d counted as %d, %v", i, n, err)
			}
		}
		if n, _ := db.Attempts(ctx, "login:alice", now.Add(5*time.Minute), 15*time.Minute); n != 3 {
			t.Errorf("attempts %d, want 3", n)
		}
		// After the window a new one starts.
		if n, _ := db.CountAttempt(ctx, "login:alice", now.Add(time.Hour), 15*time.Minute); n != 1 {
			t.Errorf("after the window: %d, want 1", n)
		}
		db.ResetAttempts(ctx, "login:alice")
		if n, _ := db.Attempts(ctx, "login:alice", now.Add(time.Hour), 15*time.Minute); n != 0 {
			t.Errorf("after reset: %d", n)
		}
	})
}
