package store

import (
	"context"
	"fmt"
)

// Follower returns one actor's follow of a group, accepted or pending.
func (q *Queries) Follower(ctx context.Context, groupID int64, actorID string) (*Follower, error) {
	var f Follower
	err := q.queryRow(ctx, `SELECT group_id, actor_id, follow_id, inbox, shared_inbox, accepted, created_at
		FROM activitypub_followers WHERE group_id = ? AND actor_id = ?`, groupID, actorID).
		Scan(&f.GroupID, &f.ActorID, &f.FollowID, &f.Inbox, &f.SharedInbox, &f.Accepted, &f.CreatedAt)
	if err = classify(err); err != nil {
		return nil, fmt.Errorf("store: follower %s of %d: %w", actorID, groupID, err)
	}
	return &f, nil
}

// AcceptFollower accepts a pending follow; it reports whether one was pending (false when
// it was accepted already or is gone).
func (q *Queries) AcceptFollower(ctx context.Context, groupID int64, actorID string) (bool, error) {
	res, err := q.exec(ctx, `UPDATE activitypub_followers SET accepted = TRUE WHERE group_id = ? AND actor_id = ? AND NOT accepted`,
		groupID, actorID)
	if err != nil {
		return false, fmt.Errorf("store: accept follower %s of %d: %w", actorID, groupID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// FollowingActors lists the remote actors that follow (or asked to follow) any group.
func (q *Queries) FollowingActors(ctx context.Context) ([]string, error) {
	rows, err := q.query(ctx, `SELECT DISTINCT actor_id FROM activitypub_followers ORDER BY actor_id`)
	if err != nil {
		return nil, fmt.Errorf("store: following actors: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: following actors: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// RemoveFollowerEverywhere ends an actor's follows of every group; it returns how many.
func (q *Queries) RemoveFollowerEverywhere(ctx context.Context, actorID string) (int, error) {
	res, err := q.exec(ctx, `DELETE FROM activitypub_followers WHERE actor_id = ?`, actorID)
	if err != nil {
		return 0, fmt.Errorf("store: remove follower %s: %w", actorID, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
