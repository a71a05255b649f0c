package store

import (
	"context"
	"fmt"
)

// Generation is the store's generation: a number that grows with every committed
// transaction that changes a table whose rows pages show (migration 00006 has the triggers
// and the list of tables without one). Whatever was computed after reading generation n
// is current for as long as the generation stays n: a reader reads it first, then the
// data, so that the data is never older than the number it is kept under.
func (q *Queries) Generation(ctx context.Context) (int64, error) {
	var n int64
	// One row on SQLite; on PostgreSQL 16, each commit raising one (migration 00006).
	if err := q.queryRow(ctx, `SELECT CAST(SUM(n) AS BIGINT) FROM generation`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: generation: %w", err)
	}
	return n, nil
}

// untracked are the tables whose changes leave the generation alone: nothing a page shows
// from a cache is read from them.
var untracked = map[string]bool{
	"sessions": true, "rate_limits": true, "jobs": true, "oidc_auth_requests": true, "oidc_tokens": true,
	"pending_signups": true, "email_confirmations": true,
	"incoming_mails": true, "permission_tokens": true, "search_index": true, "generation": true,
	"activitypub_keys": true, "activitypub_remote_actors": true,
	"activitypub_objects": true, "activitypub_deliveries": true, "activitypub_instances": true,
	"activitypub_replies": true, "activitypub_conversation_notes": true,
	"activitypub_retired_keys": true, "slug_reservations": true,
}

// Untracked tells whether changes of table leave the generation alone.
func Untracked(table string) bool { return untracked[table] }
