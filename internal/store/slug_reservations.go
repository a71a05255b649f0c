package store

import (
	"context"
	"fmt"
	"time"
)

// ReserveSlug keeps a slug that a group changed away from for it alone until until: no other
// group or person takes it meanwhile (SlugTaken). Expired reservations go here (and in
// Cleanup).
func (q *Queries) ReserveSlug(ctx context.Context, slug string, groupID int64, now, until time.Time) error {
	if _, err := q.exec(ctx, `DELETE FROM slug_reservations WHERE expires_at <= ?`, now); err != nil {
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

// SlugReserved tells whether a slug that no group or person uses is reserved for the group
// that gave it up.
func (q *Queries) SlugReserved(ctx context.Context, slug string) (bool, error) {
	var reserved bool
	err := q.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM slug_reservations WHERE slug_key = ? AND expires_at > ?)
		AND NOT EXISTS (SELECT 1 FROM entity_slugs WHERE slug_key = ?)`, Fold(slug), time.Now(), Fold(slug)).Scan(&reserved)
	if err != nil {
		return false, fmt.Errorf("store: slug %q: %w", slug, classify(err))
	}
	return reserved, nil
}
