package contents

import (
	"context"
	"time"

	"grouprise.org/grouprise/internal/store"
)

// ImportArticle publishes an entry of a group website's feed as an article of the group by
// author (the importer account), announced to the group's subscribers, and remembers the
// entry's key, in one transaction. An entry remembered already (another runner was faster)
// is left alone: false. store.ErrConflict means another runner remembers it at this moment.
func (s *Service) ImportArticle(ctx context.Context, author *store.Gestalt, groupID int64, key string, d Draft, at time.Time) (bool, error) {
	created := false
	err := s.db.Tx(ctx, func(q *store.Queries) error {
		if seen, err := q.FeedEntryImported(ctx, key); err != nil || seen {
			return err
		}
		if err := Validate(Article, &d); err != nil {
			return err
		}
		if _, err := s.create(ctx, q, author, groupID, Article, d, true); err != nil {
			return err
		}
		created = true
		return q.RememberFeedEntry(ctx, key, at)
	})
	return created && err == nil, err
}
