package store

import (
	"context"
	"fmt"
	"time"
)

// Cleanup removes what has expired: sessions, tokens with an expiry, unconfirmed e-mail
// confirmations older than a week, the memory of incoming mails older than 30 days, and the
// OIDC provider's authorization requests and access tokens, the retired keys of ActivityPub
// deliveries and the reservations of slugs, each after its expiry.
// It returns the number of rows removed per table.
func (q *Queries) Cleanup(ctx context.Context, now time.Time) (map[string]int64, error) {
	steps := []struct {
		table, query string
		arg          time.Time
	}{
		{"sessions", `DELETE FROM sessions WHERE expiry < ?`, now},
		{"rate_limits", `DELETE FROM rate_limits WHERE window_start < ?`, now.Add(-24 * time.Hour)},
		{"permission_tokens", `DELETE FROM permission_tokens WHERE expires_at IS NOT NULL AND expires_at < ?`, now},
		{"email_confirmations", `DELETE FROM email_confirmations WHERE created_at < ?`, now.Add(-7 * 24 * time.Hour)},
		{"pending_signups", `DELETE FROM pending_signups WHERE created_at < ?`, now.Add(-7 * 24 * time.Hour)},
		{"incoming_mails", `DELETE FROM incoming_mails WHERE received_at < ?`, now.Add(-30 * 24 * time.Hour)},
		{"oidc_auth_requests", `DELETE FROM oidc_auth_requests WHERE expires_at < ?`, now},
		{"oidc_tokens", `DELETE FROM oidc_tokens WHERE expires_at < ?`, now},
		{"activitypub_retired_keys", `DELETE FROM activitypub_retired_keys WHERE expires_at <= ?`, now},
		{"slug_reservations", `DELETE FROM slug_reservations WHERE expires_at <= ?`, now},
	}
	removed := map[string]int64{}
	for _, s := range steps {
		res, err := q.exec(ctx, s.query, s.arg)
		if err != nil {
			return removed, fmt.Errorf("store: clean up %s: %w", s.table, err)
		}
		if removed[s.table], err = res.RowsAffected(); err != nil {
			return removed, fmt.Errorf("store: clean up %s: %w", s.table, err)
		}
	}
	return removed, nil
}
