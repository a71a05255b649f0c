package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// GestaltActivity is what administrators see of an account.
type GestaltActivity struct {
	Contributions int
	Memberships   int
	Latest        sql.Null[time.Time] // the newest contribution or version
}

// ActivityOf counts a person's contributions and memberships.
func (q *Queries) ActivityOf(ctx context.Context, id int64) (GestaltActivity, error) {
	var a GestaltActivity
	var latest sql.NullString
	err := q.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM contributions WHERE author_id = ?) + (SELECT COUNT(*) FROM content_versions WHERE author_id = ?),
		(SELECT COUNT(*) FROM memberships WHERE member_id = ?),
		(SELECT MAX(t) FROM (SELECT MAX(time_created) AS t FROM contributions WHERE author_id = ?
			UNION ALL SELECT MAX(time_created) FROM content_versions WHERE author_id = ?) x)`,
		id, id, id, id, id).Scan(&a.Contributions, &a.Memberships, &latest)
	if err != nil {
		return a, fmt.Errorf("store: activity of %d: %w", id, classify(err))
	}
	if latest.Valid {
		if t, ok := parseTime(latest.String); ok {
			a.Latest = sql.Null[time.Time]{V: t, Valid: true}
		}
	}
	return a, nil
}

// parseTime reads a time that an aggregate returned as text (SQLite) or in Go's format.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999-07"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// UnusedGestalten are accounts that never did anything: no publications, contributions,
// versions, groups created, images, memberships, subscriptions or votes; joined more than
// 30 days ago; never logged in after signing up (last login empty or within a minute of
// joining). except names accounts that never count (the unknown and importer accounts).
// Oldest first.
func (q *Queries) UnusedGestalten(ctx context.Context, now time.Time, except []int64, limit int) ([]*Gestalt, int, error) {
	where := `FROM gestalten g WHERE g.date_joined < ?
		AND NOT EXISTS (SELECT 1 FROM associations WHERE gestalt_id = g.id)
		AND NOT EXISTS (SELECT 1 FROM contributions WHERE author_id = g.id)
		AND NOT EXISTS (SELECT 1 FROM content_versions WHERE author_id = g.id)
		AND NOT EXISTS (SELECT 1 FROM groups WHERE gestalt_created_id = g.id)
		AND NOT EXISTS (SELECT 1 FROM images WHERE creator_id = g.id)
		AND NOT EXISTS (SELECT 1 FROM memberships WHERE member_id = g.id)
		AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE subscriber_id = g.id)
		AND NOT EXISTS (SELECT 1 FROM poll_votes WHERE voter_id = g.id)
		AND (g.last_login IS NULL OR ` + q.withinMinuteOfJoining() + `)`
	args := []any{now.Add(-30 * 24 * time.Hour)}
	for _, id := range except {
		where += ` AND g.id <> ?`
		args = append(args, id)
	}
	var total int
	if err := q.queryRow(ctx, `SELECT COUNT(*) `+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: unused accounts: %w", err)
	}
	rows, err := q.query(ctx, `SELECT `+gestaltColumns+` `+where+` ORDER BY g.date_joined, g.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unused accounts: %w", err)
	}
	list, err := collect(rows, scanGestalt)
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// withinMinuteOfJoining is "never logged in after signing up": the last login less than a
// minute after joining.
func (q *Queries) withinMinuteOfJoining() string {
	if q.d == Postgres {
		return `g.last_login < g.date_joined + INTERVAL '1 minute'`
	}
	return `julianday(g.last_login) < julianday(g.date_joined) + 1.0 / 1440`
}

// GroupActivity counts a group's publications and tells when it was last active.
func (q *Queries) GroupActivity(ctx context.Context, groupID int64) (int, sql.Null[time.Time], error) {
	var n int
	var latest sql.NullString
	err := q.queryRow(ctx, `SELECT COUNT(*), MAX(t) FROM (
		SELECT COALESCE((SELECT MAX(c.time_created) FROM contributions c WHERE c.content_id = a.content_id
			OR c.conversation_id = a.conversation_id), co.time_created) AS t
		FROM associations a LEFT JOIN contents co ON co.id = a.content_id
		WHERE a.group_id = ? AND a.deleted IS NULL) x`, groupID).Scan(&n, &latest)
	if err != nil {
		return 0, sql.Null[time.Time]{}, fmt.Errorf("store: activity of group %d: %w", groupID, classify(err))
	}
	var out sql.Null[time.Time]
	if latest.Valid {
		if t, ok := parseTime(latest.String); ok {
			out = sql.Null[time.Time]{V: t, Valid: true}
		}
	}
	return n, out, nil
}

// MoveAssociation publishes an association under another group or person (one of the two
// ids); a slug taken there gives ErrConflict.
func (q *Queries) MoveAssociation(ctx context.Context, id, groupID, gestaltID int64) error {
	return q.updateOne(ctx, "move association", `UPDATE associations SET group_id = ?, gestalt_id = ? WHERE id = ?`,
		nullID(groupID), nullID(gestaltID), id)
}

// RemoveAssociation deletes an association for good (the content stays, unpublished).
func (q *Queries) RemoveAssociation(ctx context.Context, id int64) error {
	if err := q.setSearchEntry(ctx, contentSearchID(id), "", ""); err != nil {
		return err
	}
	return q.updateOne(ctx, "remove association", `DELETE FROM associations WHERE id = ?`, id)
}

// RemoveContribution deletes a comment or message for good.
func (q *Queries) RemoveContribution(ctx context.Context, id int64) error {
	return q.updateOne(ctx, "remove contribution", `DELETE FROM contributions WHERE id = ?`, id)
}

// Admins lists the site administrators.
func (q *Queries) Admins(ctx context.Context) ([]*Gestalt, error) {
	rows, err := q.query(ctx, `SELECT `+gestaltColumns+` FROM gestalten g WHERE g.is_superuser OR g.is_staff ORDER BY g.username`)
	if err != nil {
		return nil, fmt.Errorf("store: administrators: %w", err)
	}
	return collect(rows, scanGestalt)
}
