package store

import (
	"context"
	"fmt"
	"time"
)

// PostponeJob gives a job that could not start (what it needs is busy) back to the queue at
// runAt without counting the attempt: it did not fail.
func (q *Queries) PostponeJob(ctx context.Context, j *Job, runAt time.Time) error {
	res, err := q.exec(ctx, `UPDATE jobs SET state = 'waiting', run_at = ?, attempts = attempts - 1, lease_until = NULL,
		locked_by = '', updated_at = ? WHERE id = ? AND locked_by = ? AND state = 'running'`,
		runAt, time.Now(), j.ID, j.Worker)
	if err != nil {
		return fmt.Errorf("store: postpone job %d: %w", j.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: postpone job %d: %w", j.ID, err)
	} else if n == 0 {
		return fmt.Errorf("store: postpone job %d: %w", j.ID, ErrLeaseLost)
	}
	return nil
}
