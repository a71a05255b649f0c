package tasks

import (
	"context"
	"fmt"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A job whose handler says Later goes back to the queue for that long without counting the
// attempt: a handler that finds what it needs busy can say so any number of times and the
// job is never parked for it; a real failure afterwards counts from one.
func TestLaterPostponesWithoutCountingAttempts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{now: time.Now()}
		r := newRunner(db, c)
		busy, runs := 0, 0
		r.Handle("busy", func(context.Context, *store.Job) error {
			runs++
			if busy > 0 {
				busy--
				return &Later{After: time.Minute, Reason: "slot taken"}
			}
			return fmt.Errorf("the server is down")
		}, Policy{MaxAttempts: 2, First: time.Hour, Max: time.Hour})
		if _, err := db.Enqueue(ctx, "busy", struct{}{}, c.Now()); err != nil {
			t.Fatal(err)
		}
		busy = 5
		for i := range 5 {
			if n, err := r.RunOnce(ctx); err != nil || n != 1 {
				t.Fatalf("round %d: ran %d, %v", i, n, err)
			}
			if n, _ := r.RunOnce(ctx); n != 0 {
				t.Fatalf("round %d: the postponed job ran again at once", i)
			}
			row := storetest.Strings(t, db, `SELECT state || ' ' || attempts || ' ' || last_error FROM jobs`)
			if len(row) != 1 || row[0] != "waiting 0 " {
				t.Fatalf("round %d: job %q, want waiting with no attempt counted and no error", i, row)
			}
			c.Add(time.Minute)
		}
		// now it fails for real: attempts count from one, and the second parks it
		for i := range 2 {
			if n, err := r.RunOnce(ctx); err != nil || n != 1 {
				t.Fatalf("failure %d: ran %d, %v", i, n, err)
			}
			c.Add(2 * time.Hour)
		}
		if row := storetest.Strings(t, db, `SELECT state || ' ' || attempts FROM jobs`); len(row) != 1 || row[0] != "parked 2" || runs != 7 {
			t.Errorf("after two failures: job %q, %d runs", row, runs)
		}
	})
}
