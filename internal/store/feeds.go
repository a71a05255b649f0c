package store

import (
	"context"
	"fmt"
	"time"
)

// GroupsWithFeeds lists the groups whose website's feed is imported (url_import_feed and a
// website), by id.
func (q *Queries) GroupsWithFeeds(ctx context.Context) ([]*Group, error) {
	rows, err := q.query(ctx, `SELECT `+groupColumns+` FROM groups gr
		WHERE gr.url_import_feed AND gr.url <> '' ORDER BY gr.id`)
	if err != nil {
		return nil, fmt.Errorf("store: groups with feeds: %w", err)
	}
	return collect(rows, scanGroup)
}

// FeedEntryImported tells whether a feed entry (its id or link) was imported before.
func (q *Queries) FeedEntryImported(ctx context.Context, key string) (bool, error) {
	var seen bool
	err := q.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM imported_feed_entries WHERE key = ?)`, key).Scan(&seen)
	if err != nil {
		return false, fmt.Errorf("store: feed entry: %w", classify(err))
	}
	return seen, nil
}

// RememberFeedEntry records an imported feed entry, in the transaction of its article; a
// second runner importing the same entry at the same time fails with ErrConflict.
func (q *Queries) RememberFeedEntry(ctx context.Context, key string, at time.Time) error {
	if _, err := q.exec(ctx, `INSERT INTO imported_feed_entries (key, imported_at) VALUES (?, ?)`, key, at); err != nil {
		return fmt.Errorf("store: remember feed entry: %w", err)
	}
	return nil
}
