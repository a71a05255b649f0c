// Package storetest gives tests a fresh, migrated store on SQLite and on PostgreSQL. Without
// GROUPRISE_TEST_POSTGRES_URL it starts a throwaway PostgreSQL cluster from Debian's binaries.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
)

// Main runs the tests of a package and stops the PostgreSQL cluster that they started.
// Use it from TestMain: func TestMain(m *testing.M) { storetest.Main(m) }.
func Main(m *testing.M) {
	requireFTS5()
	code := m.Run()
	stopCluster()
	os.Exit(code)
}

// Each runs fn as a subtest named "sqlite" and one named "postgres", each with its own fresh,
// migrated database. The PostgreSQL half is skipped when no server can be had, unless
// GROUPRISE_TEST_REQUIRE_POSTGRES=1, which turns that into a failure.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh, migrated database of dialect d, closed and removed when t ends.
func Open(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	return OpenConfig(t, Config(t, d), d == store.SQLite)
}

// OpenConfig opens another connection pool to a database from Config, as a second process
// would; migrate applies the migrations first (needed once for SQLite).
func OpenConfig(t testing.TB, cfg config.Database, migrate bool) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, cfg, store.OpenOptions{Create: true})
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if migrate {
		if _, err := db.Migrate(ctx, nil); err != nil {
			t.Fatalf("storetest: migrate: %v", err)
		}
	}
	return db
}

// Config returns the database settings of a fresh database of dialect d: an empty SQLite file
// name, or a PostgreSQL database created from the migrated template.
func Config(t testing.TB, d store.Dialect) config.Database {
	t.Helper()
	if d == store.SQLite {
		return config.Database{Engine: "sqlite", Name: filepath.Join(t.TempDir(), "grouprise.sqlite3")}
	}
	return config.Database{Engine: "postgresql", Name: newPostgresDatabase(t, true)}
}

// EmptyPostgres returns the settings of a new PostgreSQL database without any schema.
func EmptyPostgres(t testing.TB) config.Database {
	t.Helper()
	return config.Database{Engine: "postgresql", Name: newPostgresDatabase(t, false)}
}

var (
	pgOnce     sync.Once
	pgAdminURL string // connection URL of the maintenance database
	pgTemplate string // database with the current schema, copied for every test
	pgErr      error
	dbCounter  atomic.Int64
)

// newPostgresDatabase creates a database for one test and drops it when the test ends.
func newPostgresDatabase(t testing.TB, migrated bool) string {
	t.Helper()
	pgOnce.Do(setupPostgres)
	if pgErr != nil {
		if os.Getenv("GROUPRISE_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("storetest: PostgreSQL required but unavailable: %v", pgErr)
		}
		t.Skipf("storetest: no PostgreSQL (%v); set GROUPRISE_TEST_POSTGRES_URL or install postgresql", pgErr)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbCounter.Add(1))
	create := "CREATE DATABASE " + name
	if migrated {
		create += " TEMPLATE " + pgTemplate
	}
	if err := adminExec(create); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		if err := adminExec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return withDatabase(pgAdminURL, name)
}

func setupPostgres() {
	pgAdminURL = os.Getenv("GROUPRISE_TEST_POSTGRES_URL")
	if pgAdminURL == "" {
		if pgAdminURL, pgErr = startCluster(); pgErr != nil {
			return
		}
	}
	pgTemplate = fmt.Sprintf("tmpl%d", os.Getpid())
	if pgErr = adminExec("CREATE DATABASE " + pgTemplate); pgErr != nil {
		return
	}
	ctx := context.Background()
	db, err := store.Open(ctx, config.Database{Engine: "postgresql", Name: withDatabase(pgAdminURL, pgTemplate)},
		store.OpenOptions{})
	if err != nil {
		pgErr = err
		return
	}
	defer db.Close() // no connection may stay open on a template
	if _, err := db.Migrate(ctx, nil); err != nil {
		pgErr = err
	}
}

func adminExec(query string) error {
	db, err := sql.Open("pgx", pgAdminURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	return nil
}

// withDatabase replaces the database name in a postgres:// URL.
func withDatabase(url, name string) string {
	base, query, _ := strings.Cut(url, "?")
	if i := strings.LastIndex(base, "/"); i >= len("postgres://") {
		base = base[:i]
	}
	out := base + "/" + name
	if query != "" {
		out += "?" + query
	}
	return out
}

// Exec runs statements on the database of db over a connection of its own, beside the
// store: for tests that break the database on purpose (a trigger that fails, a lock).
func Exec(t testing.TB, db *store.DB, statements ...string) {
	t.Helper()
	driver := "sqlite3"
	if db.Dialect() == store.Postgres {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, db.Location)
	if err != nil {
		t.Fatalf("storetest: exec: %v", err)
	}
	defer raw.Close()
	for _, s := range statements {
		if _, err := raw.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("storetest: exec %q: %v", s, err)
		}
	}
}

// PostgresFromSQL returns the URL of a new PostgreSQL database into which psql has read a
// plain SQL file (a pg_dump), for tests that read a database written by other software.
func PostgresFromSQL(t testing.TB, file string) string {
	t.Helper()
	url := EmptyPostgres(t).Name
	psql := "psql"
	if bin, err := postgresBin(); err == nil {
		psql = filepath.Join(bin, "psql")
	}
	cmd := exec.Command(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", file)
	cmd.Env = append(os.Environ(), "PGOPTIONS=--client-min-messages=warning")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("storetest: psql -f %s: %v: %s", file, err, out)
	}
	return url
}

// Rows runs a query on the database of db over a connection of its own and returns each row
// as its values joined by "|" (NULL as "NULL", times in UTC as 2006-01-02 15:04:05), for
// tests that compare what a command wrote.
func Rows(t testing.TB, db *store.DB, query string) []string {
	t.Helper()
	driver := "sqlite3"
	if db.Dialect() == store.Postgres {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, db.Location)
	if err != nil {
		t.Fatalf("storetest: rows: %v", err)
	}
	defer raw.Close()
	rows, err := raw.QueryContext(context.Background(), db.Dialect().Rebind(query))
	if err != nil {
		t.Fatalf("storetest: %s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("storetest: %s: %v", query, err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case time.Time:
				parts[i] = x.UTC().Format("2006-01-02 15:04:05")
			case []byte:
				parts[i] = string(x)
			case bool:
				parts[i] = map[bool]string{true: "1", false: "0"}[x]
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("storetest: %s: %v", query, err)
	}
	return out
}

// Strings is Rows for a query of one column: its values as text, for tests that look at the
// schema or at rows no method reads.
func Strings(t testing.TB, db *store.DB, query string) []string {
	t.Helper()
	return Rows(t, db, query)
}
