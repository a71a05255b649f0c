package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RemoveFollowers ends every follow of a group, accepted or pending (its actor was deleted
// or left the Fediverse); it returns how many ended.
func (q *Queries) RemoveFollowers(ctx context.Context, groupID int64) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM activitypub_followers WHERE group_id = ?`, groupID)
	if err != nil {
		return 0, fmt.Errorf("store: remove followers of %d: %w", groupID, err)
	}
	return res.RowsAffected()
}

// OldestJob is when the oldest job of a kind that waits or runs was queued (zero when there
// is none): for deliveries, how far the Fediverse lags behind, retries included.
func (q *Queries) OldestJob(ctx context.Context, kind string) (time.Time, error) {
	var t time.Time
	err := q.queryRow(ctx, oldestJobQuery, kind).Scan(&t)
	if err = classify(err); err != nil && !errors.Is(err, ErrNotFound) {
		return t, fmt.Errorf("store: oldest job %s: %w", kind, err)
	}
	return t, nil
}

// oldestJobQuery walks the jobs in the order of their ids, which is the order they were
// queued in, and stops at the first that matches: the primary key serves it, where ordering
// by created_at read every waiting job on each scrape of the metrics. An index of its own
// would cost on every write of the queue, the busiest table. A plain column keeps its type in
// SQLite, where MIN(…) would return text.
const oldestJobQuery = `SELECT created_at FROM jobs WHERE kind = ? AND state IN ('waiting', 'running')
	ORDER BY id LIMIT 1`
