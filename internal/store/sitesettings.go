package store

import (
	"context"
	"errors"
	"fmt"
)

// SiteSetting returns a value stored for the whole site, or fallback.
func (q *Queries) SiteSetting(ctx context.Context, key, fallback string) (string, error) {
	var v string
	err := q.queryRow(ctx, `SELECT value FROM site_settings WHERE key = ?`, key).Scan(&v)
	if err = classify(err); errors.Is(err, ErrNotFound) {
		return fallback, nil
	} else if err != nil {
		return "", fmt.Errorf("store: site setting %s: %w", key, err)
	}
	return v, nil
}

// SetSiteSetting stores a value for the whole site.
func (q *Queries) SetSiteSetting(ctx context.Context, key, value string) error {
	_, err := q.exec(ctx, `INSERT INTO site_settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: site setting %s: %w", key, err)
	}
	return nil
}
