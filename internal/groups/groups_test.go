package groups

import (
	"context"
	"errors"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func reserved(s string) bool { return s == "stadt" }

func TestCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gr := New(db, reserved, nil)
		alice := &store.Gestalt{Username: "alice", DateJoined: gr.now()}
		if err := db.Tx(ctx, func(q *store.Queries) error { _, err := q.CreateGestalt(ctx, alice); return err }); err != nil {
			t.Fatal(err)
		}
		garden, err := gr.Create(ctx, NewGroup{Name: "Stadtgarten", Creator: alice})
		if err != nil {
			t.Fatal(err)
		}
		if garden.Slug != "stadtgarten" {
			t.Errorf("slug %q", garden.Slug)
		}
		if ok, _ := db.IsMember(ctx, garden.ID, alice.ID); !ok {
			t.Error("the creator is no member")
		}
		if subs, _ := db.Subscribers(ctx, garden.ID); len(subs) != 1 {
			t.Errorf("subscribers %v, want the creator", subs)
		}
		slugFor := map[string]string{"Stadtgarten": "stadtgarten-1", "Alice": "alice-1", "Stadt": "stadt-1", "Über Uns": "ueber-uns"}
		for name, want := range slugFor {
			g, err := gr.Create(ctx, NewGroup{Name: name})
			if err != nil || g.Slug != want {
				t.Errorf("Create(%q): slug %v, %v; want %s", name, g, err, want)
			}
		}
		refused := []struct {
			n    NewGroup
			want error
		}{
			{NewGroup{Name: "Garten", Slug: "STADTGARTEN"}, ErrSlugTaken},
			{NewGroup{Name: "Garten", Slug: "Alice"}, ErrSlugTaken},
			{NewGroup{Name: "Garten", Slug: "stadt"}, ErrSlugBlocked},
			{NewGroup{Name: "Garten", Slug: "gar ten"}, ErrSlugInvalid},
			{NewGroup{Name: "  "}, ErrNameMissing},
		}
		for _, r := range refused {
			if _, err := gr.Create(ctx, r.n); !errors.Is(err, r.want) {
				t.Errorf("Create(%+v): got %v, want %v", r.n, err, r.want)
			}
		}
	})
}

func TestMembershipSubscribes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gr := New(db, reserved, nil)
		bob := &store.Gestalt{Username: "bob", DateJoined: gr.now()}
		if err := db.Tx(ctx, func(q *store.Queries) error { _, err := q.CreateGestalt(ctx, bob); return err }); err != nil {
			t.Fatal(err)
		}
		g, err := gr.Create(ctx, NewGroup{Name: "Fahrradwerkstatt", Closed: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := gr.AddMember(ctx, g.ID, bob.ID, bob.ID); err != nil {
			t.Fatal(err)
		}
		if err := gr.AddMember(ctx, g.ID, bob.ID, bob.ID); !errors.Is(err, ErrAlreadyMember) {
			t.Errorf("second join: got %v, want ErrAlreadyMember", err)
		}
		if subs, _ := db.Subscribers(ctx, g.ID); len(subs) != 1 || subs[0].ID != bob.ID {
			t.Errorf("subscribers after joining: %v", subs)
		}
		if err := gr.RemoveMember(ctx, g.ID, bob.ID); err != nil {
			t.Fatal(err)
		}
		if subs, _ := db.Subscribers(ctx, g.ID); len(subs) != 0 {
			t.Errorf("subscribers after leaving: %v", subs)
		}
		if err := gr.RemoveMember(ctx, g.ID, bob.ID); !errors.Is(err, ErrNotMember) {
			t.Errorf("second leave: got %v, want ErrNotMember", err)
		}
	})
}

func TestImportMembersProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gr := New(db, reserved, nil)
		bob := &store.Gestalt{Username: "bob", DateJoined: gr.now()}
		if err := db.Tx(ctx, func(q *store.Queries) error { _, err := q.CreateGestalt(ctx, bob); return err }); err != nil {
			t.Fatal(err)
		}
		g, err := gr.Create(ctx, NewGroup{Name: "Fahrradwerkstatt"})
		if err != nil {
			t.Fatal(err)
		}
		addresses := []string{"anna@example.org", "ben@example.org", "cem@example.org"}
		var got []string
		progress := func(done, total int64, what string) {
			if done != int64(len(got)+1) || total != int64(len(addresses)) {
				t.Errorf("progress %d of %d after %d calls", done, total, len(got))
			}
			got = append(got, what)
		}
		res := gr.ImportMembers(ctx, g, bob, addresses, ImportOptions{Progress: progress})
		if len(res.Added) != 3 || len(got) != 3 || got[2] != "cem@example.org" {
			t.Errorf("added %v, progress %q", res.Added, got)
		}
	})
}
