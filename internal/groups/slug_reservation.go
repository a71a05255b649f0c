package groups

import (
	"context"
	"errors"
	"fmt"
	"time"

	"grouprise.org/grouprise/internal/store"
)

// SlugReservation is how long a slug that a group changed away from, or had when it was
// deleted, stays its own: links, mails to its address and the Fediverse (@old@domain, the old
// actor, which remote servers may still write to or follow) may still name it, and must not
// reach another group or person meanwhile.
const SlugReservation = 30 * 24 * time.Hour

// SlugReservationsKept is how many slugs a group holds reserved at most, the newest: one
// rename and its way back, not every name it ever had (else renaming a group through name
// after name would lock them all for a month).
const SlugReservationsKept = 2

// ErrNoSlugReservation: the slug is reserved for no group.
var ErrNoSlugReservation = errors.New("the short name is not reserved")

// reserveSlug keeps the group's slug for it (it changes its slug, or is deleted). A deleted
// group's slug is reserved whether or not the Fediverse could know it: links, bookmarks and
// mails to the group's address name it as well, and must not reach a new group of that name.
func reserveSlug(ctx context.Context, q *store.Queries, group *store.Group, now time.Time) error {
	return q.ReserveSlug(ctx, group.Slug, group.ID, now, now.Add(SlugReservation), SlugReservationsKept)
}

// reserveOldSlug keeps a group's old slug for it, and ends its reservation of the new one if
// it took that back.
func reserveOldSlug(ctx context.Context, q *store.Queries, group *store.Group, newSlug string, now time.Time) error {
	if err := reserveSlug(ctx, q, group, now); err != nil {
		return err
	}
	return q.ReleaseSlug(ctx, newSlug, group.ID)
}

// SlugReservations lists the reserved slugs, the first to expire first (for the operator).
func (g *Groups) SlugReservations(ctx context.Context) ([]*store.SlugReservation, error) {
	return g.db.SlugReservations(ctx, g.now())
}

// ReleaseSlug frees a reserved slug at once, whichever group gave it up (the operator
// decides that nobody needs the old name any more); ErrNoSlugReservation if none holds it.
func (g *Groups) ReleaseSlug(ctx context.Context, slug string) error {
	err := g.db.ReleaseSlugReservation(ctx, slug, g.now())
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoSlugReservation
	}
	if err != nil {
		return fmt.Errorf("groups: release slug %s: %w", slug, err)
	}
	return nil
}
