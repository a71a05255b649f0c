package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// SiteSettingRow is one stored site setting.
type SiteSettingRow struct{ Key, Value string }

// SiteSettingsWithPrefix lists the settings whose keys begin with prefix, by key.
func (q *Queries) SiteSettingsWithPrefix(ctx context.Context, prefix string) ([]SiteSettingRow, error) {
	rows, err := q.query(ctx, `SELECT key, value FROM site_settings WHERE substr(key, 1, ?) = ? ORDER BY key`, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("store: site settings %s*: %w", prefix, err)
	}
	defer rows.Close()
	var out []SiteSettingRow
	for rows.Next() {
		var s SiteSettingRow
		if err := rows.Scan(&s.Key, &s.Value); err != nil {
			return nil, fmt.Errorf("store: site settings %s*: %w", prefix, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SiteSettingsPresent returns those of keys that are stored.
func (q *Queries) SiteSettingsPresent(ctx context.Context, keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	rows, err := q.query(ctx, `SELECT key FROM site_settings WHERE key IN (?`+strings.Repeat(", ?", len(keys)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: site settings present: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("store: site settings present: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// DeleteSiteSetting removes a setting; it reports whether there was one.
func (q *Queries) DeleteSiteSetting(ctx context.Context, key string) (bool, error) {
	res, err := q.exec(ctx, `DELETE FROM site_settings WHERE key = ?`, key)
	if err != nil {
		return false, fmt.Errorf("store: delete site setting %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
