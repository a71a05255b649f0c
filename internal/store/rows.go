package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// DataTables are the tables that hold a site's data, in an order where every table comes
// after the tables it refers to (applications and contributions refer to each other; an
// application's attached_to_id is filled after the contributions). Dumps, restores and imports
// write them in this order; sessions, rate limits, the memory of incoming mails and the OIDC
// provider's requests and tokens are ephemeral and left out.
var DataTables = []string{
	"site_settings",
	"gestalten", "gestalt_settings", "email_addresses", "email_confirmations", "pending_signups",
	"groups", "entity_slugs", "memberships", "subscriptions",
	"images", "polls", "contents", "content_versions", "files", "gallery_images",
	"poll_options", "poll_votes", "conversations", "associations",
	"applications", "contributions", "unconfirmed_senders",
	"tags", "content_tags", "group_tags", "event_attendances",
	"permission_tokens", "inbox_notifications", "imported_feed_entries",
	"matrix_rooms", "matrix_room_invitations", "oidc_clients", "oidc_consents", "jobs",
	"old_media_names",
}

// LateColumns are references that may point to rows written later in the order of
// DataTables (an application's text is a contribution; a contribution may answer a later
// one after an import): a restore writes them as NULL first and fills them in at the end.
var LateColumns = map[string][]string{
	"applications":  {"attached_to_id"},
	"contributions": {"in_reply_to_id", "attached_to_id"},
}

// keyless are the data tables without an id column (no identity to reset after a restore).
var keyless = map[string]bool{
	"site_settings": true, "entity_slugs": true, "content_tags": true, "group_tags": true,
	"oidc_consents": true, "unconfirmed_senders": true, "old_media_names": true,
}

// IsEmpty tells whether the store holds no site data (people, groups, contents or
// conversations): an import or a restore only writes into an empty store.
func (q *Queries) IsEmpty(ctx context.Context) (bool, error) {
	for _, t := range []string{"gestalten", "groups", "contents", "conversations"} {
		n, err := q.Count(ctx, t)
		if err != nil {
			return false, err
		}
		if n > 0 {
			return false, nil
		}
	}
	return true, nil
}

func checkName(kind, name string) error {
	if name == "" {
		return fmt.Errorf("store: empty %s name", kind)
	}
	for _, c := range name {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return fmt.Errorf("store: invalid %s name %q", kind, name)
		}
	}
	return nil
}

// InsertRow writes one row as given, its id included: imports and restores keep the ids of
// their source so that links and reply addresses stay valid. Call ResetIdentities afterwards.
func (q *Queries) InsertRow(ctx context.Context, table string, cols []string, vals []any) error {
	if len(cols) != len(vals) {
		return fmt.Errorf("store: insert into %s: %d columns, %d values", table, len(cols), len(vals))
	}
	if err := checkName("table", table); err != nil {
		return err
	}
	for _, c := range cols {
		if err := checkName("column", c); err != nil {
			return err
		}
	}
	query := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	if _, err := q.exec(ctx, query, vals...); err != nil {
		return fmt.Errorf("store: insert into %s: %w", table, err)
	}
	return nil
}

// SetColumn changes one column of the row with the given id (the second pass of an import,
// for references to rows written later).
func (q *Queries) SetColumn(ctx context.Context, table string, id int64, col string, val any) error {
	if err := checkName("table", table); err != nil {
		return err
	}
	if err := checkName("column", col); err != nil {
		return err
	}
	if _, err := q.exec(ctx, "UPDATE "+table+" SET "+col+" = ? WHERE id = ?", val, id); err != nil {
		return fmt.Errorf("store: update %s %d: %w", table, id, err)
	}
	return nil
}

// ResetIdentities moves PostgreSQL's identity sequences past the ids written by InsertRow,
// so that the next row gets a fresh id. SQLite's AUTOINCREMENT follows explicit ids itself.
func (q *Queries) ResetIdentities(ctx context.Context) error {
	if q.d != Postgres {
		return nil
	}
	for _, t := range DataTables {
		if keyless[t] {
			continue
		}
		query := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s', 'id'),
			GREATEST((SELECT COALESCE(MAX(id), 0) FROM %[1]s), 1),
			(SELECT COUNT(*) > 0 FROM %[1]s))`, t)
		if _, err := q.exec(ctx, query); err != nil {
			return fmt.Errorf("store: reset the identity of %s: %w", t, err)
		}
	}
	return nil
}

// ScanTable calls fn for every row of a data table, ordered by its first column, with the
// column names and the values in portable types: nil, bool, int64, float64, string, []byte
// or time.Time (UTC).
func (q *Queries) ScanTable(ctx context.Context, table string, fn func(cols []string, vals []any) error) error {
	if err := checkName("table", table); err != nil {
		return err
	}
	rows, err := q.query(ctx, "SELECT * FROM "+table+" ORDER BY 1")
	if err != nil {
		return fmt.Errorf("store: read %s: %w", table, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return fmt.Errorf("store: read %s: %w", table, err)
	}
	cols := make([]string, len(types))
	for i, ct := range types {
		cols[i] = ct.Name()
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("store: read %s: %w", table, err)
		}
		for i, v := range vals {
			vals[i] = portable(v, types[i])
		}
		if err := fn(cols, vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read %s: %w", table, err)
	}
	return nil
}

// portable turns a driver value into one that both dialects accept back: SQLite hands out
// BOOLEAN columns as integers and some texts as bytes.
func portable(v any, ct *sql.ColumnType) any {
	typ := strings.ToUpper(ct.DatabaseTypeName())
	switch x := v.(type) {
	case int64:
		if typ == "BOOLEAN" || typ == "BOOL" {
			return x != 0
		}
		return x
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case float32:
		return float64(x)
	case []byte:
		if typ == "BLOB" || typ == "BYTEA" {
			return append([]byte(nil), x...)
		}
		return string(x)
	case time.Time:
		return x.UTC()
	}
	return v
}

// ReadSnapshot runs fn in a read-only transaction that sees one consistent state of the
// database while the daemons go on writing (SQLite's WAL snapshot; PostgreSQL's repeatable
// read).
func (db *DB) ReadSnapshot(ctx context.Context, fn func(q *Queries) error) error {
	if db.dialect == SQLite {
		// The DSN makes transactions IMMEDIATE (they take the write lock at once); a dump must
		// not hold off the writers, so it begins a deferred one on a connection of its own.
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: begin snapshot: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
			return fmt.Errorf("store: begin snapshot: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return fn(&Queries{q: conn, d: db.dialect})
	}
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("store: begin snapshot: %w", err)
	}
	defer tx.Rollback()
	return fn(&Queries{q: tx, d: db.dialect, tx: tx})
}
