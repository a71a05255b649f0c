package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"grouprise.org/grouprise/internal/config"
)

// BackupSQLite writes a consistent copy of an SQLite database to path (VACUUM INTO), while
// the daemons keep using it. PostgreSQL databases are copied by pg_dump instead.
func (db *DB) BackupSQLite(ctx context.Context, path string) error {
	if db.dialect != SQLite {
		return errors.New("store: BackupSQLite on a PostgreSQL database")
	}
	// VACUUM INTO writes into an empty file as it finds it: made first, it is private
	// whatever the umask.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, FileMode)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	f.Close()
	if err := os.Chmod(path, FileMode); err != nil {
		os.Remove(path)
		return fmt.Errorf("store: backup: %w", err)
	}
	if _, err := db.sql.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return fmt.Errorf("store: backup to %s: %w", path, err)
	}
	return nil
}

// PostgresConnString is the libpq connection string of a configured PostgreSQL database,
// for pg_dump.
func PostgresConnString(cfg config.Database) string { return postgresDSN(cfg) }

// LeaveWAL switches an SQLite file back to the rollback journal that other programs (the
// Django grouprise) expect, after Open turned on WAL; the WAL files go away with it.
func LeaveWAL(ctx context.Context, path string) error {
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		return fmt.Errorf("store: %s: %w", path, err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, "PRAGMA journal_mode=DELETE"); err != nil {
		return fmt.Errorf("store: %s: leave WAL mode: %w", path, err)
	}
	return nil
}
