// Package djangoimport reads the database and media of a Django grouprise 5.x and writes
// them into an empty grouprise store, keeping every id, so that old links, reply addresses
// and calendar URLs stay valid and people log in with their old passwords.
package djangoimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "github.com/mattn/go-sqlite3"    // the "sqlite3" driver
)

// sourceKind is the kind of database a Django grouprise runs on.
type sourceKind int

const (
	sqliteSource sourceKind = iota
	postgresSource
	mysqlSource
)

// Source is an open Django grouprise database, read only.
type Source struct {
	db   *sql.DB
	kind sourceKind
	// Location names the source for messages.
	Location string
	tables   map[string]bool
	types    map[string]int64 // "app.model" → django_content_type id
}

// IsPostgresURL tells whether spec names a PostgreSQL database rather than an SQLite file.
func IsPostgresURL(spec string) bool {
	return strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://") ||
		strings.Contains(spec, "dbname=")
}

// IsFile tells whether spec names an SQLite file rather than a database server.
func IsFile(spec string) bool { return !IsPostgresURL(spec) && !IsMySQLURL(spec) }

// Open opens the Django database that spec names: the path of an SQLite file, a PostgreSQL
// URL or connection string, or a MySQL/MariaDB URL (mysql://). It checks that the database
// is a Django grouprise.
func Open(ctx context.Context, spec string) (*Source, error) {
	s := &Source{Location: spec}
	var err error
	switch {
	case IsMySQLURL(spec):
		s.kind = mysqlSource
		s.Location = redact(spec)
		s.db, err = openMySQL(spec)
	case IsPostgresURL(spec):
		s.kind = postgresSource
		s.Location = redact(spec)
		s.db, err = sql.Open("pgx", spec)
	default:
		if strings.ContainsAny(spec, "?#") {
			return nil, fmt.Errorf("django database %s: the file name may not contain ? or #", spec)
		}
		if _, err := os.Stat(spec); err != nil {
			return nil, fmt.Errorf("django database: %w", err)
		}
		s.db, err = sql.Open("sqlite3", "file:"+spec+"?mode=ro&_busy_timeout=10000")
	}
	if err != nil {
		return nil, fmt.Errorf("django database %s: %w", s.Location, err)
	}
	if err := s.load(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the source database.
func (s *Source) Close() error { return s.db.Close() }

// redact hides the password of a database URL in messages. A URL that does not parse, or
// parses without a user (a password with a raw /, ? or #), loses all between :// and its
// last @.
func redact(spec string) string {
	if i := strings.Index(spec, "://"); i >= 0 {
		// (mysql://u:12/x@host/db parses, as host u port 12: no user part is as suspect.)
		if u, err := url.Parse(spec); err != nil || u.User == nil {
			if at := strings.LastIndex(spec, "@"); at > i {
				return spec[:i+3] + "***" + spec[at:]
			}
			return spec
		}
		rest := spec[i+3:]
		authority := rest
		if end := strings.IndexAny(rest, "/?#"); end >= 0 {
			authority = rest[:end]
		}
		// The last @ ends the user part, as in url.Parse: a password may hold an @.
		if at := strings.LastIndex(authority, "@"); at >= 0 {
			if colon := strings.Index(rest[:at], ":"); colon >= 0 {
				return spec[:i+3] + rest[:colon] + ":***" + rest[at:]
			}
		}
	}
	return spec
}

func (s *Source) load(ctx context.Context) error {
	query := `SELECT name FROM sqlite_master WHERE type = 'table'`
	switch s.kind {
	case postgresSource:
		query = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	case mysqlSource:
		query = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'`
	}
	rows, err := s.db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("django database %s: %w", s.Location, err)
	}
	s.tables = map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("django database %s: %w", s.Location, err)
		}
		s.tables[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("django database %s: %w", s.Location, err)
	}
	var missing []string
	for _, t := range required {
		if !s.tables[t] {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("django database %s is not a Django grouprise 5.x: tables missing: %s",
			s.Location, strings.Join(missing, ", "))
	}
	s.types = map[string]int64{}
	return s.each(ctx, `SELECT id, app_label, model FROM django_content_type`, func(scan scanFunc) error {
		var id int64
		var app, model string
		if err := scan(&id, &app, &model); err != nil {
			return err
		}
		s.types[app+"."+model] = id
		return nil
	})
}

// required are the tables every Django grouprise 5.x has.
var required = []string{
	"django_migrations", "django_content_type", "auth_user", "account_emailaddress",
	"gestalten_gestalt", "groups_group", "memberships_membership", "memberships_application",
	"subscriptions_subscription", "associations_association", "content2_content",
	"content2_version", "contributions_contribution", "contributions_text",
	"conversations_conversation", "polls_workaroundpoll", "polls_option", "polls_vote",
	"files_file", "images_image", "galleries_galleryimage", "taggit_tag", "taggit_taggeditem",
	"core_permissiontoken", "events_attendancestatement",
}

// Has tells whether the source has a table.
func (s *Source) Has(table string) bool { return s.tables[table] }

// Type returns the django_content_type id of app.model, or 0 when the source has none.
func (s *Source) Type(appModel string) int64 { return s.types[appModel] }

type scanFunc func(dest ...any) error

// each runs a query on the source and calls fn for every row.
func (s *Source) each(ctx context.Context, query string, fn func(scan scanFunc) error) error {
	rows, err := s.db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("django database: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("django database: %w", err)
	}
	return nil
}

// count returns the number of rows of a source table (0 if it does not exist).
func (s *Source) count(ctx context.Context, table string) (int, error) {
	if !s.tables[table] {
		return 0, nil
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+strings.ReplaceAll(table, `"`, `""`)+`"`).Scan(&n); err != nil {
		return 0, fmt.Errorf("django database: count %s: %w", table, err)
	}
	return n, nil
}

// errDryRun rolls the import's transaction back after a complete run.
var errDryRun = errors.New("dry run")
