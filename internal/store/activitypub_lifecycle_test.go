package store_test

import (
	"context"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestOldestJob: the oldest job of a kind that waits or runs, by when it was queued; parked
// jobs and other kinds do not count; zero when there is none.
func TestOldestJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if got, err := db.OldestJob(ctx, "activitypub.deliver"); err != nil || !got.IsZero() {
			t.Fatalf("empty queue: %v, %v", got, err)
		}
		before := time.Now()
		later := before.Add(time.Hour) // retried: waits, not due
		var ids []int64
		err := db.Tx(ctx, func(q *store.Queries) error {
			for _, kind := range []string{"activitypub.deliver", "activitypub.deliver", "notify"} {
				id, err := q.Enqueue(ctx, kind, map[string]int{}, later)
				if err != nil {
					return err
				}
				ids = append(ids, id)
				time.Sleep(10 * time.Millisecond)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		first, err := db.OldestJob(ctx, "activitypub.deliver")
		if err != nil || first.Before(before.Add(-time.Second)) || first.After(time.Now()) {
			t.Fatalf("oldest delivery queued at %v (%v), want after %v", first, err, before)
		}
		// the first one parked: the second is the oldest
		jobs, err := db.ClaimJobs(ctx, "test", 1, later, later.Add(time.Hour))
		if err != nil || len(jobs) != 1 || jobs[0].ID != ids[0] {
			t.Fatalf("claimed %v (%v)", jobs, err)
		}
		if err := db.RetryJob(ctx, jobs[0], "refused", later, true); err != nil {
			t.Fatal(err)
		}
		second, err := db.OldestJob(ctx, "activitypub.deliver")
		if err != nil || !second.After(first) {
			t.Errorf("oldest after parking the first: %v (%v), want after %v", second, err, first)
		}
		if got, _ := db.OldestJob(ctx, "mail"); !got.IsZero() {
			t.Errorf("no mail jobs, got %v", got)
		}
	})
}

// TestRemoveFollowers: all of a group's follows end, accepted and pending; other groups'
// stay.
func TestRemoveFollowers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		var gs []*store.Group
		err := db.Tx(ctx, func(q *store.Queries) error {
			for _, slug := range []string{"garten", "hof"} {
				g := &store.Group{Slug: slug, Name: slug, DateCreated: now, TimeModified: now, DateFounded: now}
				if _, err := q.CreateGroup(ctx, g); err != nil {
					return err
				}
				gs = append(gs, g)
				for i, actor := range []string{"https://a.example/users/1", "https://a.example/users/2"} {
					if err := q.AddFollower(ctx, store.Follower{GroupID: g.ID, ActorID: actor, FollowID: actor + "#f",
						Inbox: actor + "/inbox", Accepted: i == 0, CreatedAt: now}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := db.RemoveFollowers(ctx, gs[0].ID); n != 2 || err != nil {
			t.Errorf("removed %d (%v), want 2", n, err)
		}
		if list, _ := db.Followers(ctx, gs[0].ID); len(list) != 0 {
			t.Errorf("%d follows of garten left", len(list))
		}
		if list, _ := db.Followers(ctx, gs[1].ID); len(list) != 2 {
			t.Errorf("%d follows of hof, want 2", len(list))
		}
	})
}
