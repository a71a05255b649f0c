package contents

import (
	"context"
	"errors"
	"fmt"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/store"
)

// errNoTag: the name has nothing a tag's slug is made of.
var errNoTag = errors.New("no tag can be made of the name")

// TagGroup gives one of the viewer's groups a tag, made when nothing carried it yet, and
// puts the group under the tag in the search index. Only a member may (else ErrNotAllowed).
func (s *Service) TagGroup(ctx context.Context, v *access.Viewer, groupID int64, name string) error {
	if !v.IsMember(groupID) {
		return ErrNotAllowed
	}
	err := s.db.Tx(ctx, func(q *store.Queries) error {
		ids, err := q.EnsureTags(ctx, []store.Tag{{Name: name, Slug: markdown.TagSlug(name)}})
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return errNoTag
		}
		return q.TagGroup(ctx, groupID, ids[0])
	})
	if err != nil {
		return fmt.Errorf("contents: tag group %d with %q: %w", groupID, name, err)
	}
	return nil
}
