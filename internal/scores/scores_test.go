package scores

import (
	"context"
	"math"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
		ago := func(days int) time.Time { return now.AddDate(0, 0, -days) }
		var alice, bob, carol, garden, deleted int64
		err := db.Tx(ctx, func(q *store.Queries) error {
			for _, p := range []struct {
				name string
				id   *int64
			}{{"alice", &alice}, {"bob", &bob}, {"carol", &carol}} {
				g := &store.Gestalt{Username: p.name, DateJoined: now}
				if _, err := q.CreateGestalt(ctx, g); err != nil {
					return err
				}
				*p.id = g.ID
			}
			g := &store.Group{Slug: "garten", Name: "Garten", DateCreated: now, TimeModified: now, DateFounded: now}
			if _, err := q.CreateGroup(ctx, g); err != nil {
				return err
			}
			garden = g.ID
			for _, m := range []int64{alice, bob} {
				if _, err := q.AddMembership(ctx, &store.Membership{GroupID: garden, MemberID: m, DateJoined: now}); err != nil {
					return err
				}
			}
			for _, s := range []int64{alice, bob, carol} {
				if err := q.Subscribe(ctx, garden, s); err != nil {
					return err
				}
			}
			// alice: a public article 10 days ago (90 points) with bob's comment 50 days ago (50)
			// and carol's deleted comment; an internal article of bob 20 days ago (80); a personal
			// article of carol 150 days ago (outside the window).
			public := &store.Content{Title: "A"}
			if _, err := q.CreateContent(ctx, public, &store.Version{AuthorID: alice, TimeCreated: ago(10)}); err != nil {
				return err
			}
			q.CreateAssociation(ctx, &store.Association{ContentID: public.ID, GroupID: garden, Public: true, Slug: "a"})
			q.AddContribution(ctx, &store.Contribution{ContentID: public.ID, AuthorID: bob, TimeCreated: ago(50), Public: true})
			del := &store.Contribution{ContentID: public.ID, AuthorID: carol, TimeCreated: ago(5), Public: true}
			q.AddContribution(ctx, del)
			deleted = del.ID
			internal := &store.Content{Title: "B"}
			if _, err := q.CreateContent(ctx, internal, &store.Version{AuthorID: bob, TimeCreated: ago(20)}); err != nil {
				return err
			}
			q.CreateAssociation(ctx, &store.Association{ContentID: internal.ID, GroupID: garden, Slug: "b"})
			old := &store.Content{Title: "C"}
			if _, err := q.CreateContent(ctx, old, &store.Version{AuthorID: carol, TimeCreated: ago(150)}); err != nil {
				return err
			}
			q.CreateAssociation(ctx, &store.Association{ContentID: old.ID, GestaltID: carol, Public: true, Slug: "c"})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteContribution(ctx, deleted, now); err != nil {
			t.Fatal(err)
		}
		if err := Update(ctx, db, 100, now); err != nil {
			t.Fatal(err)
		}
		want := map[int64]int{alice: 90, bob: 50 + 80, carol: 0}
		for id, w := range want {
			g, _ := db.GestaltByID(ctx, id)
			if g.Score != w {
				t.Errorf("%s: score %d, want %d", g.Username, g.Score, w)
			}
		}
		// ln(2 members) × all 220 points + 10 × ln(3 subscribers) × the 140 public points.
		wantGroup := int(math.Log(2)*220 + 10*math.Log(3)*140)
		if g, _ := db.GroupByID(ctx, garden); g.Score != wantGroup {
			t.Errorf("group score %d, want %d", g.Score, wantGroup)
		}
	})
}
