package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrations embed.FS

// ErrSchemaOutdated is returned by CheckSchema when migrations are pending.
var ErrSchemaOutdated = errors.New("the database schema is outdated")

// ErrDjangoDatabase is returned by Migrate and CheckSchema for a database that a Django
// grouprise wrote: it is imported (grouprise import-django), never migrated in place.
var ErrDjangoDatabase = errors.New("the database belongs to a Django grouprise")

// IsDjango tells whether the database holds the tables of a Django site.
func (db *DB) IsDjango(ctx context.Context) (bool, error) {
	q := "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations')"
	if db.dialect == Postgres {
		q = "SELECT to_regclass('django_migrations') IS NOT NULL"
	}
	var django bool
	if err := db.sql.QueryRowContext(ctx, q).Scan(&django); err != nil {
		return false, fmt.Errorf("store: %s: %w", db.Location, err)
	}
	return django, nil
}

func (db *DB) refuseDjango(ctx context.Context) error {
	django, err := db.IsDjango(ctx)
	if err != nil {
		return err
	}
	if django {
		return fmt.Errorf("%w: %s; import it into a new database with `grouprise import-django` "+
			"(for SQLite in place: `grouprise migrate --convert-django`; see README.Debian)", ErrDjangoDatabase, db.Location)
	}
	return nil
}

// SchemaState is the database's schema version and the newest one this binary knows.
type SchemaState struct {
	Current, Latest int64
}

// Pending tells whether `grouprise migrate` has work to do.
func (s SchemaState) Pending() bool { return s.Current < s.Latest }

func (db *DB) provider(logger *slog.Logger) (*goose.Provider, error) {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if logger != nil {
		opts = append(opts, goose.WithSlog(logger))
	}
	if db.dialect == Postgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
		// An advisory lock makes two concurrent `grouprise migrate` runs take turns.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("store: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	p, err := goose.NewProvider(dialect, db.sql, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return p, nil
}

// Migrate applies all pending migrations and returns the versions it applied.
func (db *DB) Migrate(ctx context.Context, logger *slog.Logger) ([]int64, error) {
	if err := db.refuseDjango(ctx); err != nil {
		return nil, err
	}
	p, err := db.provider(logger)
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate %s: %w", db.Location, err)
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	if db.dialect == SQLite {
		// Fold the migration's pages into the main file, so that the WAL starts small.
		if _, err := db.sql.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			return applied, fmt.Errorf("store: checkpoint: %w", err)
		}
	}
	return applied, nil
}

// MigrateTo applies the migrations up to version only: a restore brings a new database to
// the schema of its dump first, and Migrate takes it on from there.
func (db *DB) MigrateTo(ctx context.Context, version int64) error {
	if err := db.refuseDjango(ctx); err != nil {
		return err
	}
	p, err := db.provider(nil)
	if err != nil {
		return err
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("store: migrate %s to version %d: %w", db.Location, version, err)
	}
	return nil
}

// Schema reads the schema version without changing anything.
func (db *DB) Schema(ctx context.Context) (SchemaState, error) {
	p, err := db.provider(nil)
	if err != nil {
		return SchemaState{}, err
	}
	sources := p.ListSources()
	state := SchemaState{}
	if len(sources) > 0 {
		state.Latest = sources[len(sources)-1].Version
	}
	var exists bool
	q := "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version')"
	if db.dialect == Postgres {
		q = "SELECT to_regclass('goose_db_version') IS NOT NULL"
	}
	if err := db.sql.QueryRowContext(ctx, q).Scan(&exists); err != nil {
		return state, fmt.Errorf("store: schema version of %s: %w", db.Location, err)
	}
	if !exists {
		return state, nil
	}
	if state.Current, err = p.GetDBVersion(ctx); err != nil {
		return state, fmt.Errorf("store: schema version of %s: %w", db.Location, err)
	}
	return state, nil
}

// CheckSchema refuses a database whose schema is older or newer than this binary's.
func (db *DB) CheckSchema(ctx context.Context) error {
	if err := db.refuseDjango(ctx); err != nil {
		return err
	}
	s, err := db.Schema(ctx)
	if err != nil {
		return err
	}
	switch {
	case s.Pending():
		return fmt.Errorf("%w: %s is at version %d, this grouprise needs %d; run `grouprise migrate`",
			ErrSchemaOutdated, db.Location, s.Current, s.Latest)
	case s.Current > s.Latest:
		return fmt.Errorf("store: %s is at schema version %d, newer than this grouprise (%d); upgrade grouprise",
			db.Location, s.Current, s.Latest)
	}
	return nil
}
