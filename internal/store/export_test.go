package store

import (
	"context"
	"database/sql"
)

// OldestJobQuery is OldestJob's statement, for the test of its query plan.
const OldestJobQuery = oldestJobQuery

// QueryRowForTest runs a statement as the store runs its own (prepared, rebound), for
// benchmarks that compare a statement with the one it replaced.
func (q *Queries) QueryRowForTest(ctx context.Context, query string, args ...any) *sql.Row {
	return q.queryRow(ctx, query, args...)
}
