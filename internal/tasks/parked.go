package tasks

import (
	"context"
	"fmt"
	"time"

	"grouprise.org/grouprise/internal/store"
)

// RetryParked queues parked jobs (those that kept failing) again, to run at once: the ones
// named by ids, or all without ids. It returns how many it queued; the caller wakes the
// runner. The administrator's page and `grouprise tasks jobs retry` use it.
func RetryParked(ctx context.Context, db *store.DB, ids ...int64) (int64, error) {
	n, err := db.RetryParkedJobs(ctx, time.Now(), ids...)
	if err != nil {
		return 0, fmt.Errorf("tasks: retry parked jobs: %w", err)
	}
	return n, nil
}
