package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// FindSession returns the data of an unexpired session.
func (q *Queries) FindSession(ctx context.Context, token string, now time.Time) ([]byte, bool, error) {
	var data []byte
	err := q.queryRow(ctx, `SELECT data FROM sessions WHERE token = ? AND expiry > ?`, token, now).Scan(&data)
	if err = classify(err); errors.Is(err, ErrNotFound) {
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("store: find session: %w", err)
	}
	return data, true, nil
}

// CommitSession stores a session's data until expiry.
func (q *Queries) CommitSession(ctx context.Context, token string, data []byte, expiry time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, token, data, expiry)
	if err != nil {
		return fmt.Errorf("store: commit session: %w", err)
	}
	return nil
}

// DeleteSession ends a session.
func (q *Queries) DeleteSession(ctx context.Context, token string) error {
	if _, err := q.exec(ctx, `DELETE FROM sessions WHERE token = ?`, token); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// CountAttempt counts an attempt under key within a window that starts with the first attempt
// and lasts window; it returns the attempts in the current window, this one included.
func (q *Queries) CountAttempt(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	var n int
	err := q.queryRow(ctx, `INSERT INTO rate_limits (key, window_start, attempts) VALUES (?, ?, 1)
		ON CONFLICT (key) DO UPDATE SET
			attempts = CASE WHEN rate_limits.window_start < ? THEN 1 ELSE rate_limits.attempts + 1 END,
			window_start = CASE WHEN rate_limits.window_start < ? THEN excluded.window_start ELSE rate_limits.window_start END
		RETURNING attempts`, key, now, now.Add(-window), now.Add(-window)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count attempt: %w", classify(err))
	}
	return n, nil
}

// Attempts returns the attempts counted under key in the current window.
func (q *Queries) Attempts(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT attempts FROM rate_limits WHERE key = ? AND window_start >= ?`, key, now.Add(-window)).Scan(&n)
	if err = classify(err); errors.Is(err, ErrNotFound) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("store: attempts: %w", err)
	}
	return n, nil
}

// ResetAttempts forgets the attempts under key (after a successful login).
func (q *Queries) ResetAttempts(ctx context.Context, key string) error {
	if _, err := q.exec(ctx, `DELETE FROM rate_limits WHERE key = ?`, key); err != nil {
		return fmt.Errorf("store: reset attempts: %w", err)
	}
	return nil
}

// ClaimOnce records key and tells whether it was new: a thing done once per key (one error
// report per place and hour). The keys are forgotten a day later with the rate limits.
func (q *Queries) ClaimOnce(ctx context.Context, key string, now time.Time) (bool, error) {
	res, err := q.exec(ctx, `INSERT INTO rate_limits (key, window_start, attempts) VALUES (?, ?, 1)
		ON CONFLICT (key) DO NOTHING`, key, now)
	if err != nil {
		return false, fmt.Errorf("store: claim %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: claim %s: %w", key, err)
	}
	return n == 1, nil
}
