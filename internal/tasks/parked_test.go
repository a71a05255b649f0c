package tasks

import (
	"context"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestRetryParked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		var ids []int64
		for i := range 3 {
			id, err := db.Enqueue(ctx, "test.fails", map[string]int{"n": i}, now.Add(-time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		jobs, err := db.ClaimJobs(ctx, "w", 10, now, now.Add(time.Minute))
		if err != nil || len(jobs) != 3 {
			t.Fatalf("claimed %d, %v", len(jobs), err)
		}
		for _, j := range jobs {
			if err := db.RetryJob(ctx, j, "broken", now, true); err != nil {
				t.Fatal(err)
			}
		}
		parked := func() int {
			list, err := db.ParkedJobs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		if n := parked(); n != 3 {
			t.Fatalf("%d parked, want 3", n)
		}
		if n, err := RetryParked(ctx, db, ids[0]); err != nil || n != 1 || parked() != 2 {
			t.Errorf("one retried: %d, %v; %d still parked, want 1 and 2", n, err, parked())
		}
		if n, err := RetryParked(ctx, db); err != nil || n != 2 || parked() != 0 {
			t.Errorf("the rest retried: %d, %v; %d still parked, want 2 and 0", n, err, parked())
		}
		again, err := db.ClaimJobs(ctx, "w", 10, time.Now().Add(time.Second), time.Now().Add(time.Minute))
		if err != nil || len(again) != 3 {
			t.Errorf("%d jobs to run again, %v; want 3", len(again), err)
		}
	})
}
