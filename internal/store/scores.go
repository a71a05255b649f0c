package store

import (
	"context"
	"fmt"
	"time"
)

// Activity is one dated contribution to the scores: a content version or a comment/message.
type Activity struct {
	GestaltID int64 // the author
	GroupID   int64 // 0 outside groups
	Public    bool  // visible to everybody (counts for the subscribers' part of a group's score)
	Time      time.Time
}

// ActivitySince lists content versions and public, undeleted contributions since a time,
// with the group they belong to (if any).
func (q *Queries) ActivitySince(ctx context.Context, since time.Time) ([]Activity, error) {
	rows, err := q.query(ctx, `
		SELECT v.author_id, COALESCE(a.group_id, 0), COALESCE(a.public, FALSE), v.time_created
		FROM content_versions v LEFT JOIN associations a ON a.content_id = v.content_id AND a.deleted IS NULL
		WHERE v.time_created >= ?
		UNION ALL
		SELECT c.author_id, COALESCE(a.group_id, 0), a.public, c.time_created
		FROM contributions c LEFT JOIN associations a ON a.content_id = c.content_id AND a.deleted IS NULL
		WHERE c.content_id IS NOT NULL AND c.public AND c.deleted IS NULL AND c.time_created >= ?
		UNION ALL
		SELECT c.author_id, COALESCE(a.group_id, 0), FALSE, c.time_created
		FROM contributions c LEFT JOIN associations a ON a.conversation_id = c.conversation_id AND a.deleted IS NULL
		WHERE c.conversation_id IS NOT NULL AND c.public AND c.deleted IS NULL AND c.time_created >= ?`,
		since, since, since)
	if err != nil {
		return nil, fmt.Errorf("store: activity: %w", err)
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() {
		var a Activity
		var public *bool
		if err := rows.Scan(&a.GestaltID, &a.GroupID, &public, &a.Time); err != nil {
			return nil, fmt.Errorf("store: activity: %w", err)
		}
		a.Public = public != nil && *public
		out = append(out, a)
	}
	return out, rows.Err()
}

// GroupSizes returns the number of members and of subscribers of every group.
func (q *Queries) GroupSizes(ctx context.Context) (members, subscribers map[int64]int, err error) {
	members, subscribers = map[int64]int{}, map[int64]int{}
	for table, m := range map[string]map[int64]int{"memberships": members, "subscriptions": subscribers} {
		rows, err := q.query(ctx, `SELECT group_id, COUNT(*) FROM `+table+` GROUP BY group_id`)
		if err != nil {
			return nil, nil, fmt.Errorf("store: group sizes: %w", err)
		}
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("store: group sizes: %w", err)
			}
			m[id] = n
		}
		rows.Close()
	}
	return members, subscribers, nil
}

// SetScores stores new scores; groups and people not listed get 0.
func (q *Queries) SetScores(ctx context.Context, groups, gestalten map[int64]int) error {
	for _, t := range []struct {
		table  string
		scores map[int64]int
	}{{"groups", groups}, {"gestalten", gestalten}} {
		if _, err := q.exec(ctx, `UPDATE `+t.table+` SET score = 0 WHERE score <> 0`); err != nil {
			return fmt.Errorf("store: reset scores: %w", err)
		}
		for id, score := range t.scores {
			if _, err := q.exec(ctx, `UPDATE `+t.table+` SET score = ? WHERE id = ?`, score, id); err != nil {
				return fmt.Errorf("store: set score: %w", err)
			}
		}
	}
	return nil
}
