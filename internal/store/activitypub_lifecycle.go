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
	// A plain column keeps its type in SQLite, where MIN(…) would return text.
	err := q.queryRow(ctx, `SELECT created_at FROM jobs WHERE kind = ? AND state IN ('waiting', 'running')
		ORDER BY created_at LIMIT 1`, kind).Scan(&t)
	if err = classify(err); err != nil && !errors.Is(err, ErrNotFound) {
		return t, fmt.Errorf("store: oldest job %s: %w", kind, err)
	}
	return t, nil
}
