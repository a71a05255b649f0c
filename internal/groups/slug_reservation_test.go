package groups

import (
	"context"
	"errors"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func settingsOf(g *store.Group) store.GroupSettings {
	return store.GroupSettings{Name: g.Name, Slug: g.Slug, Description: g.Description, Address: g.Address, URL: g.URL,
		DateFounded: g.DateFounded, Closed: g.Closed}
}

// renameGroup gives a group a new slug, as its settings page does.
func renameGroup(t *testing.T, gr *Groups, id int64, slug string) error {
	t.Helper()
	g, err := gr.db.GroupByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	s := settingsOf(g)
	s.Slug = slug
	return gr.UpdateSettings(context.Background(), g, s)
}

// TestSlugReservation: a slug that a group changed away from stays its own for
// SlugReservation: no other group takes it (named, or made from a name), no group changes to
// it, no person signs up with it; the group that gave it up takes it back. After the
// reservation it is free again.
func TestSlugReservation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gr := New(db, reserved, nil)
		rename := func(g *store.Group, slug string) error {
			t.Helper()
			return renameGroup(t, gr, g.ID, slug)
		}
		garten, err := gr.Create(ctx, NewGroup{Name: "Garten"})
		if err != nil {
			t.Fatal(err)
		}
		hof, err := gr.Create(ctx, NewGroup{Name: "Hof"})
		if err != nil {
			t.Fatal(err)
		}
		if err := rename(garten, "beet"); err != nil {
			t.Fatal(err)
		}

		if _, err := gr.Create(ctx, NewGroup{Name: "Neu", Slug: "garten"}); !errors.Is(err, ErrSlugTaken) {
			t.Errorf("a new group named garten: %v, want ErrSlugTaken", err)
		}
		if _, err := gr.Create(ctx, NewGroup{Name: "GARTEN", Slug: "Garten"}); !errors.Is(err, ErrSlugTaken) {
			t.Errorf("a new group named Garten: %v, want ErrSlugTaken", err)
		}
		if g, err := gr.Create(ctx, NewGroup{Name: "Garten"}); err != nil || g.Slug != "garten-1" {
			t.Errorf("a new group made from the name Garten: %v, %v; want garten-1", g, err)
		}
		if err := rename(hof, "garten"); !errors.Is(err, ErrSlugTaken) {
			t.Errorf("hof takes garten: %v, want ErrSlugTaken", err)
		}
		people := accounts.New(db, reserved, nil)
		if _, err := people.Create(ctx, accounts.NewAccount{Username: "garten", Email: "g@example.org"}); !errors.Is(err, accounts.ErrUsernameTaken) {
			t.Errorf("a person named garten: %v, want ErrUsernameTaken", err)
		}

		// the group takes it back; its new slug is reserved now, the old one is its own
		if err := rename(garten, "garten"); err != nil {
			t.Fatalf("garten takes its slug back: %v", err)
		}
		if err := rename(hof, "beet"); !errors.Is(err, ErrSlugTaken) {
			t.Errorf("hof takes beet: %v, want ErrSlugTaken", err)
		}
		if n := storetest.Strings(t, db, `SELECT slug_key FROM slug_reservations`); len(n) != 1 || n[0] != "beet" {
			t.Errorf("reservations %v, want beet alone", n)
		}

		// a reservation that expired holds nothing
		if err := db.ReserveSlug(ctx, "beet", garten.ID, time.Now(), time.Now().Add(-time.Second), SlugReservationsKept); err != nil {
			t.Fatal(err)
		}
		if err := rename(hof, "beet"); err != nil {
			t.Errorf("hof takes beet after its reservation: %v", err)
		}
	})
}
