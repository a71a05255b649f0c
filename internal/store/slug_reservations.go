package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ReserveSlug keeps a slug that a group changed away from, or had when it was deleted, for it
// alone until until: no other group or person takes it meanwhile (SlugTaken). A group keeps
// its newest keep reservations: the older ones go, so that renaming a group again and again
// does not lock name after name. Expired reservations go here too (and in Cleanup).
func (q *Queries) ReserveSlug(ctx context.Context, slug string, groupID int64, now, until time.Time, keep int) error {
	if _, err := q.exec(ctx, `DELETE FROM slug_reservations WHERE expires_at <= ?`, now); err != nil {
		return fmt.Errorf("store: reserve slug %q: %w", slug, err)
	}
	// the older ones first, the new one is kept whatever its expiry
	if _, err := q.exec(ctx, `DELETE FROM slug_reservations WHERE group_id = ? AND slug_key <> ?
		AND slug_key NOT IN (SELECT slug_key FROM slug_reservations WHERE group_id = ? AND slug_key <> ?
			ORDER BY expires_at DESC, slug_key LIMIT ?)`,
		groupID, Fold(slug), groupID, Fold(slug), max(keep-1, 0)); err != nil {
		return fmt.Errorf("store: reserve slug %q: %w", slug, err)
	}
	_, err := q.exec(ctx, `INSERT INTO slug_reservations (slug_key, group_id, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (slug_key) DO UPDATE SET group_id = excluded.group_id, expires_at = excluded.expires_at`,
		Fold(slug), groupID, until)
	if err != nil {
		return fmt.Errorf("store: reserve slug %q: %w", slug, err)
	}
	return nil
}

// ReleaseSlug ends a group's reservation of a slug (it took the slug back).
func (q *Queries) ReleaseSlug(ctx context.Context, slug string, groupID int64) error {
	if _, err := q.exec(ctx, `DELETE FROM slug_reservations WHERE slug_key = ? AND group_id = ?`, Fold(slug), groupID); err != nil {
		return fmt.Errorf("store: release slug %q: %w", slug, err)
	}
	return nil
}

// ReleaseSlugReservation ends the reservation of a slug whichever group holds it (the
// operator frees it); ErrNotFound when it has none that holds at now.
func (q *Queries) ReleaseSlugReservation(ctx context.Context, slug string, now time.Time) error {
	return q.updateOne(ctx, fmt.Sprintf("release slug %q", slug),
		`DELETE FROM slug_reservations WHERE slug_key = ? AND expires_at > ?`, Fold(slug), now)
}

// SlugReservation is a slug kept for the group that gave it up.
type SlugReservation struct {
	Slug    string // folded, as compared
	GroupID int64
	// Group is the group's slug now; "" when it was deleted.
	Group   string
	Expires time.Time
}

// SlugReservations lists the reservations that hold at now, the first to expire first.
func (q *Queries) SlugReservations(ctx context.Context, now time.Time) ([]*SlugReservation, error) {
	rows, err := q.query(ctx, `SELECT r.slug_key, r.group_id, g.slug, r.expires_at
		FROM slug_reservations r LEFT JOIN groups g ON g.id = r.group_id
		WHERE r.expires_at > ? ORDER BY r.expires_at, r.slug_key`, now)
	if err != nil {
		return nil, fmt.Errorf("store: slug reservations: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*SlugReservation, error) {
		var s SlugReservation
		var group sql.NullString
		err := r.Scan(&s.Slug, &s.GroupID, &group, &s.Expires)
		s.Group = group.String
		return &s, err
	})
}

// SlugReserved tells whether a slug that no group or person uses is reserved at now for the
// group that gave it up.
func (q *Queries) SlugReserved(ctx context.Context, slug string, now time.Time) (bool, error) {
	var reserved bool
	err := q.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM slug_reservations WHERE slug_key = ? AND expires_at > ?)
		AND NOT EXISTS (SELECT 1 FROM entity_slugs WHERE slug_key = ?)`, Fold(slug), now, Fold(slug)).Scan(&reserved)
	if err != nil {
		return false, fmt.Errorf("store: slug %q: %w", slug, classify(err))
	}
	return reserved, nil
}
