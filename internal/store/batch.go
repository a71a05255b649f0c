package store

import (
	"context"
	"fmt"
	"strings"
)

// batchRows is how many rows one multi-row INSERT carries: far below both databases' limits
// on parameters, large enough that a fan-out to thousands of people takes few round trips.
const batchRows = 200

// insertMany inserts rows in as few statements as the batch size allows.
func (q *Queries) insertMany(ctx context.Context, table string, columns []string, rows [][]any) error {
	row := "(" + placeholders(len(columns)) + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES "
	for start := 0; start < len(rows); start += batchRows {
		chunk := rows[start:min(start+batchRows, len(rows))]
		var sb strings.Builder
		sb.WriteString(head)
		args := make([]any, 0, len(chunk)*len(columns))
		for i, r := range chunk {
			if len(r) != len(columns) {
				return fmt.Errorf("store: insert into %s: %d values for %d columns", table, len(r), len(columns))
			}
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(row)
			args = append(args, r...)
		}
		if _, err := q.exec(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("store: insert into %s: %w", table, err)
		}
	}
	return nil
}
