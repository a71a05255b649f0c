package store

import (
	"context"
	"fmt"
	"time"
)

// RetireKey keeps a private key (PEM) that queued deliveries still sign with, until expires;
// their jobs name it by the id it returns, so that no job carries a key. Expired keys go
// here (and in Cleanup).
func (q *Queries) RetireKey(ctx context.Context, pem string, now, expires time.Time) (int64, error) {
	if _, err := q.exec(ctx, `DELETE FROM activitypub_retired_keys WHERE expires_at <= ?`, now); err != nil {
		return 0, fmt.Errorf("store: retire a key: %w", err)
	}
	id, err := q.insert(ctx, `INSERT INTO activitypub_retired_keys (pem, expires_at) VALUES (?, ?)`, pem, expires)
	if err != nil {
		return 0, fmt.Errorf("store: retire a key: %w", err)
	}
	return id, nil
}

// RetiredKey is a retired key's PEM; ErrNotFound once it has expired (it is removed then).
func (q *Queries) RetiredKey(ctx context.Context, id int64, now time.Time) (string, error) {
	var pem string
	var expires time.Time
	err := classify(q.queryRow(ctx, `SELECT pem, expires_at FROM activitypub_retired_keys WHERE id = ?`, id).Scan(&pem, &expires))
	if err == nil && !expires.After(now) {
		if _, err = q.exec(ctx, `DELETE FROM activitypub_retired_keys WHERE id = ?`, id); err == nil {
			err = ErrNotFound
		}
	}
	if err != nil {
		return "", fmt.Errorf("store: retired key %d: %w", id, err)
	}
	return pem, nil
}
