package store

import (
	"context"
	"fmt"
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
