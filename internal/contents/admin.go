package contents

import (
	"context"

	"grouprise.org/grouprise/internal/store"
)

// The site administrators' changes (the chat bot's `content` and `comment` commands): they
// act on any association, a content's or a conversation's, and bring a content's search
// entry up to date in the same transaction.

// SetPublic makes an association public or private; the rest of a (slug, pinned) is written
// as given.
func (s *Service) SetPublic(ctx context.Context, a *store.Association, public bool) error {
	return s.db.Tx(ctx, func(q *store.Queries) error {
		changed := *a
		changed.Public = public
		if err := q.UpdateAssociation(ctx, &changed); err != nil {
			return err
		}
		*a = changed
		if err := s.federate(ctx, q, a.ID); err != nil {
			return err
		}
		return reindex(ctx, q, a.ContentID)
	})
}

// Move gives an association to a group (groupID) or a person (gestaltID); store.ErrConflict
// when the new owner publishes something under the same short name already.
func (s *Service) Move(ctx context.Context, a *store.Association, groupID, gestaltID int64) error {
	return s.db.Tx(ctx, func(q *store.Queries) error {
		if err := q.MoveAssociation(ctx, a.ID, groupID, gestaltID); err != nil {
			return err
		}
		if err := s.federate(ctx, q, a.ID); err != nil {
			return err
		}
		return reindex(ctx, q, a.ContentID)
	})
}

// Remove deletes an association for good, with its search entry; the content stays,
// unpublished.
func (s *Service) Remove(ctx context.Context, a *store.Association) error {
	return s.db.Tx(ctx, func(q *store.Queries) error {
		if err := q.RemoveAssociation(ctx, a.ID); err != nil {
			return err
		}
		return s.federate(ctx, q, a.ID)
	})
}

// RemoveComment deletes a comment or message for good, and the words of a comment from its
// content's search entry.
func (s *Service) RemoveComment(ctx context.Context, c *store.Contribution) error {
	return s.db.Tx(ctx, func(q *store.Queries) error {
		if err := q.RemoveContribution(ctx, c.ID); err != nil {
			return err
		}
		return reindex(ctx, q, c.ContentID)
	})
}

// reindex brings a content's search entry up to date (a conversation, contentID 0, has none).
func reindex(ctx context.Context, q *store.Queries, contentID int64) error {
	if contentID == 0 {
		return nil
	}
	return q.IndexContent(ctx, contentID)
}
