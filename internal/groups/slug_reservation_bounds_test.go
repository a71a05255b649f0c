package groups

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// reservationsOf lists the slugs reserved for a group, sorted.
func reservationsOf(t *testing.T, db *store.DB, groupID int64) []string {
	t.Helper()
	got := storetest.Strings(t, db, fmt.Sprintf(`SELECT slug_key FROM slug_reservations WHERE group_id = %d`, groupID))
	slices.Sort(got)
	return got
}

// TestSlugReservationsKept: a group renamed 50 times holds its newest SlugReservationsKept
// old slugs, not all 50 (with the clock moving and with the clock standing still); the older
// ones are free for groups and people again, another group's reservation stays.
func TestSlugReservationsKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gr := New(db, reserved, nil)
		clock := time.Now()
		gr.now = func() time.Time { return clock }
		rename := func(id int64, slug string) {
			t.Helper()
			if err := renameGroup(t, gr, id, slug); err != nil {
				t.Fatalf("rename group %d to %s: %v", id, slug, err)
			}
		}
		garten, err := gr.Create(ctx, NewGroup{Name: "Garten"})
		if err != nil {
			t.Fatal(err)
		}
		hof, err := gr.Create(ctx, NewGroup{Name: "Hof"})
		if err != nil {
			t.Fatal(err)
		}
		rename(hof.ID, "scheune")
		for i := 1; i <= 50; i++ {
			clock = clock.Add(time.Minute)
			rename(garten.ID, fmt.Sprintf("name-%d", i))
			if n := len(reservationsOf(t, db, garten.ID)); n > SlugReservationsKept {
				t.Fatalf("after rename %d: %d reservations, want at most %d", i, n, SlugReservationsKept)
			}
		}
		if got := reservationsOf(t, db, garten.ID); !slices.Equal(got, []string{"name-48", "name-49"}) {
			t.Errorf("garten's reservations %v, want its two newest old slugs name-48 and name-49", got)
		}
		if got := reservationsOf(t, db, hof.ID); !slices.Equal(got, []string{"hof"}) {
			t.Errorf("hof's reservations %v, want hof (another group's renames leave it)", got)
		}

		people := accounts.New(db, reserved, nil)
		if g, err := gr.Create(ctx, NewGroup{Name: "Garten"}); err != nil || g.Slug != "garten" {
			t.Errorf("a new group Garten: %v, %v; want the slug garten, no longer reserved", g, err)
		}
		if p, err := people.Create(ctx, accounts.NewAccount{Username: "name-1", Email: "n1@example.org"}); err != nil || p.Username != "name-1" {
			t.Errorf("a person named name-1: %v, %v; want it free", p, err)
		}
		if _, err := people.Create(ctx, accounts.NewAccount{Username: "name-49", Email: "n49@example.org"}); !errors.Is(err, accounts.ErrUsernameTaken) {
			t.Errorf("a person named name-49: %v, want ErrUsernameTaken", err)
		}
		if p, _, err := people.OwnerOrShadow(ctx, "name-48@example.org"); err != nil || p.Username != "name-48-1" {
			t.Errorf("an account made from name-48@example.org: %v, %v; want the variant name-48-1", p, err)
		}

		// a standing clock gives all reservations the same expiry: still two
		for i := 1; i <= 10; i++ {
			rename(garten.ID, fmt.Sprintf("still-%d", i))
		}
		if n := len(reservationsOf(t, db, garten.ID)); n != SlugReservationsKept {
			t.Errorf("after 10 renames at one moment: %d reservations, want %d", n, SlugReservationsKept)
		}
	})
}

// TestDeletedGroupSlugReserved: a deleted group's slug is reserved for SlugReservation (by
// the groups' clock): no group and no person takes it, a person's account made from it gets a
// variant; the operator lists and releases it; afterwards, or after the reservation, it is
// free.
func TestDeletedGroupSlugReserved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gr := New(db, reserved, nil)
		people := accounts.New(db, reserved, nil)
		start := time.Now()
		clock := start
		gr.now = func() time.Time { return clock }
		garten, err := gr.Create(ctx, NewGroup{Name: "Garten"})
		if err != nil {
			t.Fatal(err)
		}
		hof, err := gr.Create(ctx, NewGroup{Name: "Hof"})
		if err != nil {
			t.Fatal(err)
		}
		if err := gr.Delete(ctx, garten.ID); err != nil {
			t.Fatal(err)
		}

		if _, err := gr.Create(ctx, NewGroup{Name: "Neu", Slug: "Garten"}); !errors.Is(err, ErrSlugTaken) {
			t.Errorf("a new group named garten: %v, want ErrSlugTaken", err)
		}
		if g, err := gr.Create(ctx, NewGroup{Name: "Garten"}); err != nil || g.Slug != "garten-1" {
			t.Errorf("a new group made from the name Garten: %v, %v; want garten-1", g, err)
		}
		if err := renameGroup(t, gr, hof.ID, "garten"); !errors.Is(err, ErrSlugTaken) {
			t.Errorf("hof takes garten: %v, want ErrSlugTaken", err)
		}
		if _, err := people.Create(ctx, accounts.NewAccount{Username: "garten", Email: "g@example.org"}); !errors.Is(err, accounts.ErrUsernameTaken) {
			t.Errorf("a person named garten: %v, want ErrUsernameTaken", err)
		}
		if p, _, err := people.OwnerOrShadow(ctx, "garten@example.org"); err != nil || p.Username != "garten-2" {
			t.Errorf("an account made from garten@example.org: %v, %v; want the variant garten-2", p, err)
		}

		list, err := gr.SlugReservations(ctx)
		if err != nil || len(list) != 1 || list[0].Slug != "garten" || list[0].GroupID != garten.ID || list[0].Group != "" ||
			list[0].Expires.Sub(start.Add(SlugReservation)).Abs() > time.Millisecond {
			t.Fatalf("reservations %+v, %v; want garten of the deleted group until %v", list, err, start.Add(SlugReservation))
		}

		// a second before its end it holds; after it, not (the groups' clock, not the wall clock)
		clock = start.Add(SlugReservation - time.Second)
		if _, err := gr.Create(ctx, NewGroup{Name: "Neu", Slug: "garten"}); !errors.Is(err, ErrSlugTaken) {
			t.Errorf("a second before the end: %v, want ErrSlugTaken", err)
		}
		if err := gr.ReleaseSlug(ctx, "GARTEN"); err != nil {
			t.Fatalf("release garten: %v", err)
		}
		if err := gr.ReleaseSlug(ctx, "garten"); !errors.Is(err, ErrNoSlugReservation) {
			t.Errorf("release garten twice: %v, want ErrNoSlugReservation", err)
		}
		if err := gr.ReleaseSlug(ctx, "hof"); !errors.Is(err, ErrNoSlugReservation) {
			t.Errorf("release a slug in use: %v, want ErrNoSlugReservation", err)
		}
		if g, err := gr.Create(ctx, NewGroup{Name: "Neu", Slug: "garten"}); err != nil || g.Slug != "garten" {
			t.Errorf("garten after its release: %v, %v", g, err)
		}

		// the reservation ends by the clock as well
		if err := gr.Delete(ctx, hof.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := gr.Create(ctx, NewGroup{Name: "Hof"}); err != nil {
			t.Fatal(err)
		}
		if _, err := gr.Create(ctx, NewGroup{Name: "X", Slug: "hof"}); !errors.Is(err, ErrSlugTaken) {
			t.Errorf("hof just after its deletion: %v, want ErrSlugTaken", err)
		}
		if gone, err := db.SlugReserved(ctx, "hof", clock); err != nil || !gone {
			t.Errorf("hof reserved (its actor gone) just after its deletion: %t, %v", gone, err)
		}
		clock = clock.Add(SlugReservation + time.Second)
		if gone, err := db.SlugReserved(ctx, "hof", clock); err != nil || gone {
			t.Errorf("hof reserved (its actor gone) after the reservation: %t, %v", gone, err)
		}
		if list, err := gr.SlugReservations(ctx); err != nil || len(list) != 0 {
			t.Errorf("reservations after their end: %+v, %v", list, err)
		}
		if err := gr.ReleaseSlug(ctx, "hof"); !errors.Is(err, ErrNoSlugReservation) {
			t.Errorf("release an expired reservation: %v, want ErrNoSlugReservation", err)
		}
		if g, err := gr.Create(ctx, NewGroup{Name: "X", Slug: "hof"}); err != nil || g.Slug != "hof" {
			t.Errorf("hof after its reservation: %v, %v", g, err)
		}
	})
}
