package store

import (
	"context"
	"fmt"
	"time"
)

// AddAttempts counts n attempts at once under key (n may be negative, to take back what was
// counted), in a window that starts with the first attempt like CountAttempt's, and returns
// how many the window holds now.
func (q *Queries) AddAttempts(ctx context.Context, key string, n int, now time.Time, window time.Duration) (int, error) {
	var total int
	err := q.queryRow(ctx, `INSERT INTO rate_limits (key, window_start, attempts) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET
			attempts = CASE WHEN rate_limits.window_start < ? THEN excluded.attempts ELSE rate_limits.attempts + excluded.attempts END,
			window_start = CASE WHEN rate_limits.window_start < ? THEN excluded.window_start ELSE rate_limits.window_start END
		RETURNING attempts`, key, now, n, now.Add(-window), now.Add(-window)).Scan(&total)
	if err != nil {
		return 0, fmt.Errorf("store: add attempts: %w", classify(err))
	}
	return total, nil
}
