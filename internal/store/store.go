// Package store keeps grouprise's data in SQLite or PostgreSQL through database/sql. Queries
// are written once with ? placeholders and rebound for PostgreSQL; migrations are per dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/mattn/go-sqlite3"

	"grouprise.org/grouprise/internal/config"
)

// Dialect is the SQL flavour of the open database.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgresql"
	}
	return "sqlite"
}

var (
	// ErrNotFound is returned when a row that was asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict is returned when a write would break a unique constraint.
	ErrConflict = errors.New("already exists")
	// ErrNoDatabase is returned by Open when the SQLite file does not exist yet.
	ErrNoDatabase = errors.New("the database does not exist yet; run `grouprise migrate`")
)

// DB is an open store. Its embedded Queries run outside a transaction; Tx runs them inside one.
type DB struct {
	*Queries
	sql     *sql.DB
	dialect Dialect
	// Location names the database for messages: the SQLite file or the PostgreSQL target.
	Location string
}

// Queries holds every query of the store; it runs on the database or on a transaction.
type Queries struct {
	q     queryer
	d     Dialect
	stmts *stmtCache
	tx    *sql.Tx // set inside Tx
}

type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// OpenOptions change how Open treats a database that does not exist yet.
type OpenOptions struct {
	// Create allows Open to create a missing SQLite file (only `grouprise migrate` does).
	Create bool
}

// Open connects to the database that cfg describes and checks that it answers.
func Open(ctx context.Context, cfg config.Database, opts OpenOptions) (*DB, error) {
	var (
		driver, dsn, where string
		dialect            Dialect
	)
	switch cfg.Engine {
	case "sqlite":
		if !opts.Create {
			if _, err := os.Stat(cfg.Name); errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("store: %s: %w", cfg.Name, ErrNoDatabase)
			}
		}
		if _, err := os.Stat(filepath.Dir(cfg.Name)); err != nil {
			return nil, fmt.Errorf("store: directory of the database: %w", err)
		}
		if err := privateSQLite(cfg.Name, opts.Create); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		driver, dsn, where, dialect = "sqlite3", sqliteDSN(cfg.Name), cfg.Name, SQLite
	case "postgresql":
		driver, dsn, dialect = "pgx", postgresDSN(cfg), Postgres
		where = postgresTarget(cfg)
	default:
		return nil, fmt.Errorf("store: unsupported database engine %q", cfg.Engine)
	}
	sqlDB, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", where, err)
	}
	if dialect == SQLite {
		// WAL lets readers run beside the one writer; more connections only queue on the lock.
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
	} else {
		sqlDB.SetMaxOpenConns(16)
		sqlDB.SetMaxIdleConns(8)
	}
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", where, err)
	}
	stmts := &stmtCache{db: sqlDB, m: map[string]*sql.Stmt{}}
	return &DB{Queries: &Queries{q: sqlDB, d: dialect, stmts: stmts}, sql: sqlDB, dialect: dialect, Location: where}, nil
}

// FileMode is the mode of SQLite databases and of backups (SQLite and pg_dump): they hold every
// password hash and session, so the service and its group read them, nobody else, whatever
// the umask. SQLite gives the WAL and shared-memory files the database file's mode.
const FileMode = 0o640

// privateSQLite makes a missing database file with FileMode (when create), and takes
// away what others may do with an existing one and its WAL and shared-memory files (a
// database made before, when SQLite's 0644 was the default). Files of another owner are left.
func privateSQLite(name string, create bool) error {
	if create {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, FileMode)
		switch {
		case err == nil:
			f.Close()
			if err := os.Chmod(name, FileMode); err != nil {
				return err
			}
		case !errors.Is(err, os.ErrExist):
			return err
		}
	}
	for _, f := range []string{name, name + "-wal", name + "-shm"} {
		if fi, err := os.Stat(f); err == nil && fi.Mode().Perm()&0o007 != 0 {
			os.Chmod(f, fi.Mode().Perm()&^0o007)
		}
	}
	return nil
}

// sqliteDSN sets every connection's pragmas in the DSN: a busy timeout before WAL (so that
// switching the journal mode waits for other processes), foreign keys, and immediate write
// transactions so that two writers never deadlock on a lock upgrade.
func sqliteDSN(path string) string {
	v := url.Values{}
	v.Set("_busy_timeout", "10000")
	v.Set("_journal_mode", "WAL")
	v.Set("_synchronous", "NORMAL")
	v.Set("_foreign_keys", "on")
	v.Set("_txlock", "immediate")
	v.Set("_loc", "UTC")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
}

// postgresDSN builds a keyword/value connection string; a name that is a postgres:// URL is
// used as it is. Without a host, libpq's default unix socket is used (peer authentication).
func postgresDSN(cfg config.Database) string {
	if strings.HasPrefix(cfg.Name, "postgres://") || strings.HasPrefix(cfg.Name, "postgresql://") {
		return cfg.Name
	}
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"='"+strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v)+"'")
		}
	}
	add("host", cfg.Host)
	if cfg.Host == "" {
		add("host", "/var/run/postgresql")
	}
	if cfg.Port != 0 {
		add("port", strconv.Itoa(cfg.Port))
	}
	add("dbname", cfg.Name)
	add("user", cfg.User)
	add("password", cfg.Password)
	add("application_name", "grouprise")
	return strings.Join(parts, " ")
}

// postgresTarget names a PostgreSQL database for messages, without its password.
func postgresTarget(cfg config.Database) string {
	if u, err := url.Parse(cfg.Name); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		return u.Redacted()
	}
	host := cfg.Host
	if host == "" {
		host = "/var/run/postgresql"
	}
	if cfg.Port != 0 {
		host += ":" + strconv.Itoa(cfg.Port)
	}
	return fmt.Sprintf("postgresql database %q on %s", cfg.Name, host)
}

// Close closes the prepared statements and the connection pool.
func (db *DB) Close() error {
	db.stmts.close()
	return db.sql.Close()
}

// Dialect tells which SQL flavour the database speaks.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", db.Location, err)
	}
	return nil
}

// Tx runs fn in one transaction: committed when fn returns nil, rolled back otherwise.
func (db *DB) Tx(ctx context.Context, fn func(q *Queries) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(&Queries{q: tx, d: db.dialect, stmts: db.stmts, tx: tx}); err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("store: rollback: %w", rerr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// PoolStats are the connection pool's numbers (for the metrics).
func (db *DB) PoolStats() sql.DBStats { return db.sql.Stats() }

// Dialect tells which SQL flavour the queries are written for.
func (q *Queries) Dialect() Dialect { return q.d }

func (q *Queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		res, err := st.ExecContext(ctx, normalize(args)...)
		return res, classify(err)
	}
	res, err := q.q.ExecContext(ctx, q.d.Rebind(query), normalize(args)...)
	return res, classify(err)
}

func (q *Queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.stmt(ctx, query); st != nil {
		rows, err := st.QueryContext(ctx, normalize(args)...)
		return rows, classify(err)
	}
	rows, err := q.q.QueryContext(ctx, q.d.Rebind(query), normalize(args)...)
	return rows, classify(err)
}

func (q *Queries) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, normalize(args)...)
	}
	return q.q.QueryRowContext(ctx, q.d.Rebind(query), normalize(args)...)
}

// stmt returns the prepared statement of a query (for this transaction, if in one), or nil
// when it cannot be prepared here; then the query runs unprepared.
func (q *Queries) stmt(ctx context.Context, query string) *sql.Stmt {
	if q.stmts == nil {
		return nil
	}
	st := q.stmts.get(ctx, query, q.d)
	if st == nil || q.tx == nil {
		return st
	}
	return q.tx.StmtContext(ctx, st)
}

// stmtCache keeps the prepared statements of the store's queries: parsing and planning a
// query costs SQLite more than running most of them.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

// maxStatements bounds the cache; queries built with a variable number of placeholders
// beyond it run unprepared.
const maxStatements = 1000

func (c *stmtCache) get(ctx context.Context, query string, d Dialect) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.m[query]
	c.mu.RUnlock()
	if ok {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= maxStatements {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, d.Rebind(query))
	if err != nil {
		return nil // the query reports its error when it runs
	}
	c.m[query] = st
	return st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, st := range c.m {
		st.Close()
		delete(c.m, k)
	}
}

// insert runs an INSERT … RETURNING id (both dialects support RETURNING) and returns the id.
func (q *Queries) insert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := q.queryRow(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, classify(err)
}

// Rebind turns ? placeholders into $1, $2, … for PostgreSQL, leaving quoted text alone.
func (d Dialect) Rebind(query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// normalize stores every time in UTC, so that SQLite's text timestamps compare in order.
func normalize(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = v.UTC()
		case *time.Time:
			if v != nil {
				args[i] = v.UTC()
			} else {
				args[i] = nil
			}
		}
	}
	return args
}

// classify maps driver errors onto the store's sentinels.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var serr sqlite3.Error
	if errors.As(err, &serr) && (serr.ExtendedCode == sqlite3.ErrConstraintUnique ||
		serr.ExtendedCode == sqlite3.ErrConstraintPrimaryKey) {
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	var perr *pgconn.PgError
	if errors.As(err, &perr) && perr.Code == "23505" {
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	return err
}

// Count returns the number of rows of a table (for checks, summaries and tests).
func (q *Queries) Count(ctx context.Context, table string) (int, error) {
	for _, c := range table {
		if (c < 'a' || c > 'z') && c != '_' {
			return 0, fmt.Errorf("store: count: invalid table name %q", table)
		}
	}
	var n int
	if err := q.queryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count %s: %w", table, classify(err))
	}
	return n, nil
}

// Fold is the case-insensitive form of slugs and e-mail addresses, as stored in *_key columns.
func Fold(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}
