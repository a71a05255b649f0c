package groups

import (
	"context"
	"fmt"
	"time"
)

// TakeRecommendations counts n recommendation mails against a sender's budget of perHour
// ("person:<id>" or "ip:<client address>") and tells whether they fit into the hour; those
// that do not are taken back, so that a refused form costs nothing.
func (g *Groups) TakeRecommendations(ctx context.Context, sender string, n, perHour int) (bool, error) {
	key := "recommend:" + sender
	total, err := g.db.AddAttempts(ctx, key, n, g.now(), time.Hour)
	if err != nil {
		return false, fmt.Errorf("groups: recommendation budget: %w", err)
	}
	if total <= perHour {
		return true, nil
	}
	if _, err := g.db.AddAttempts(ctx, key, -n, g.now(), time.Hour); err != nil {
		return false, fmt.Errorf("groups: recommendation budget: %w", err)
	}
	return false, nil
}
