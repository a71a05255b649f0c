package groups

import (
	"context"
	"fmt"

	"grouprise.org/grouprise/internal/store"
)

// Subscribe makes a person follow a group's news (again: nothing changes).
func (g *Groups) Subscribe(ctx context.Context, groupID, personID int64) error {
	if err := g.db.Tx(ctx, func(q *store.Queries) error { return q.Subscribe(ctx, groupID, personID) }); err != nil {
		return fmt.Errorf("groups: subscribe: %w", err)
	}
	return nil
}

// Unsubscribe ends a person's subscription to a group (there may have been none); a member
// stays a member.
func (g *Groups) Unsubscribe(ctx context.Context, groupID, personID int64) error {
	if err := g.db.Tx(ctx, func(q *store.Queries) error { return q.Unsubscribe(ctx, groupID, personID) }); err != nil {
		return fmt.Errorf("groups: unsubscribe: %w", err)
	}
	return nil
}
