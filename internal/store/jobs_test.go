package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestJobLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		// A job enqueued in a transaction that rolls back never existed.
		err := db.Tx(ctx, func(q *store.Queries) error {
			if _, err := q.Enqueue(ctx, "mail", map[string]string{"to": "a@example.org"}, now); err != nil {
				return err
			}
			return errors.New("the announced data could not be written")
		})
		if err == nil || count(t, db, "jobs") != 0 {
			t.Fatalf("rolled back enqueue left %d jobs (err %v)", count(t, db, "jobs"), err)
		}
		later, _ := db.Enqueue(ctx, "mail", 2, now.Add(time.Hour))
		first, _ := db.Enqueue(ctx, "notify", 1, now.Add(-time.Minute))
		second, _ := db.Enqueue(ctx, "mail", 3, now)

		jobs, err := db.ClaimJobs(ctx, "runner-a", 10, now, now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) != 2 || jobs[0].ID != first || jobs[1].ID != second || string(jobs[0].Payload) != "1" ||
			jobs[0].Attempts != 1 || jobs[0].Kind != "notify" {
			t.Fatalf("claimed %+v, want jobs %d and %d", jobs, first, second)
		}
		if again, _ := db.ClaimJobs(ctx, "runner-b", 10, now, now.Add(time.Minute)); len(again) != 0 {
			t.Fatalf("leased jobs claimed again: %+v", again)
		}
		if err := db.CompleteJob(ctx, jobs[0]); err != nil {
			t.Fatal(err)
		}
		if err := db.RetryJob(ctx, jobs[1], "421 try later", now.Add(30*time.Second), false); err != nil {
			t.Fatal(err)
		}
		stats, err := db.QueueStats(ctx, now)
		if err != nil || stats.Waiting != 2 || stats.Running != 0 || stats.Parked != 0 || !stats.OldestDue.IsZero() {
			t.Fatalf("stats %+v, %v", stats, err)
		}
		// The retry is due after its backoff, and its error stays with it.
		jobs, _ = db.ClaimJobs(ctx, "runner-b", 10, now.Add(31*time.Second), now.Add(2*time.Minute))
		if len(jobs) != 1 || jobs[0].ID != second || jobs[0].Attempts != 2 || jobs[0].LastError != "421 try later" {
			t.Fatalf("after backoff claimed %+v", jobs)
		}
		if err := db.RetryJob(ctx, jobs[0], "550 no such user", now, true); err != nil {
			t.Fatal(err)
		}
		parked, err := db.ParkedJobs(ctx)
		if err != nil || len(parked) != 1 || parked[0].LastError != "550 no such user" {
			t.Fatalf("parked %+v, %v", parked, err)
		}
		if jobs, _ := db.ClaimJobs(ctx, "runner-b", 10, now.Add(time.Hour), now.Add(2*time.Hour)); len(jobs) != 1 || jobs[0].ID != later {
			t.Fatalf("parked jobs must not run: claimed %+v", jobs)
		}
		if n, err := db.RetryParkedJobs(ctx, now); err != nil || n != 1 {
			t.Fatalf("retry parked: %d, %v", n, err)
		}
		if stats, _ := db.QueueStats(ctx, now.Add(time.Second)); stats.Parked != 0 || stats.Waiting != 1 || stats.Running != 1 {
			t.Fatalf("stats after retrying parked: %+v", stats)
		}
	})
}

func TestExpiredLeaseIsTakenOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		db.Enqueue(ctx, "mail", nil, now)
		crashed, _ := db.ClaimJobs(ctx, "crashed", 1, now, now.Add(time.Minute))
		if len(crashed) != 1 {
			t.Fatal("nothing claimed")
		}
		if jobs, _ := db.ClaimJobs(ctx, "other", 1, now.Add(59*time.Second), now.Add(2*time.Minute)); len(jobs) != 0 {
			t.Fatal("a live lease was taken over")
		}
		jobs, _ := db.ClaimJobs(ctx, "other", 1, now.Add(61*time.Second), now.Add(3*time.Minute))
		if len(jobs) != 1 || jobs[0].Attempts != 2 {
			t.Fatalf("expired lease not taken over: %+v", jobs)
		}
		// The first runner comes back: its result no longer counts.
		if err := db.CompleteJob(ctx, crashed[0]); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("complete with a lost lease: got %v, want ErrLeaseLost", err)
		}
		if err := db.CompleteJob(ctx, jobs[0]); err != nil {
			t.Fatal(err)
		}
		// A runner that stops hands its jobs back without using up an attempt.
		db.Enqueue(ctx, "mail", nil, now)
		db.ClaimJobs(ctx, "stopping", 5, now, now.Add(time.Hour))
		if n, err := db.ReleaseJobs(ctx, "stopping"); err != nil || n != 1 {
			t.Fatalf("released %d, %v", n, err)
		}
		if jobs, _ := db.ClaimJobs(ctx, "next", 5, now, now.Add(time.Hour)); len(jobs) != 1 || jobs[0].Attempts != 1 {
			t.Fatalf("after release: %+v", jobs)
		}
	})
}

// Several runners on separate connection pools claim from one queue: every job is claimed
// exactly once.
func TestConcurrentClaimsNeverOverlap(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			cfg := storetest.Config(t, d)
			first := storetest.OpenConfig(t, cfg, true)
			const total = 600
			err := first.Tx(ctx, func(q *store.Queries) error {
				for i := range total {
					if _, err := q.Enqueue(ctx, "mail", i, time.Now().Add(-time.Second)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			seen := map[int64]string{}
			var wg sync.WaitGroup
			for r := range 4 {
				db := first
				if r > 0 {
					db = storetest.OpenConfig(t, cfg, false)
				}
				worker := fmt.Sprintf("runner-%d", r)
				wg.Go(func() {
					for {
						now := time.Now()
						jobs, err := db.ClaimJobs(ctx, worker, 7, now, now.Add(time.Hour))
						if err != nil {
							t.Error(err)
							return
						}
						if len(jobs) == 0 {
							return
						}
						for _, j := range jobs {
							mu.Lock()
							if other, dup := seen[j.ID]; dup {
								t.Errorf("job %d claimed by %s and %s", j.ID, other, worker)
							}
							seen[j.ID] = worker
							mu.Unlock()
							if err := db.CompleteJob(ctx, j); err != nil {
								t.Error(err)
							}
						}
					}
				})
			}
			wg.Wait()
			if len(seen) != total || count(t, first, "jobs") != 0 {
				t.Errorf("claimed %d of %d jobs, %d left", len(seen), total, count(t, first, "jobs"))
			}
		})
	}
}

func TestEnqueueUnique(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		for i, want := range []bool{true, false} {
			added, err := db.EnqueueUnique(ctx, "scores@2026-11-23T03:23", "scores", nil, now)
			if err != nil || added != want {
				t.Errorf("attempt %d: added %v, %v; want %v", i, added, err, want)
			}
		}
		if added, _ := db.EnqueueUnique(ctx, "scores@2026-11-23T06:23", "scores", nil, now); !added {
			t.Error("the next slot was not added")
		}
		db.Enqueue(ctx, "mail", nil, now)
		db.Enqueue(ctx, "mail", nil, now)
		if n := count(t, db, "jobs"); n != 4 {
			t.Errorf("%d jobs, want 4 (jobs without a key never conflict)", n)
		}
	})
}
