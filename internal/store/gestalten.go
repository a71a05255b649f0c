package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Gestalt is a person: the account (username, password, e-mail addresses) and the profile.
type Gestalt struct {
	ID          int64
	Username    string
	FirstName   string
	LastName    string
	Password    string // a hash; empty or starting with "!" when unusable (shadow accounts)
	IsSuperuser bool
	IsStaff     bool
	IsActive    bool
	DateJoined  time.Time
	LastLogin   sql.Null[time.Time]
	About       string
	AvatarColor string
	Public      bool
	Score       int
	Language    string
}

// Name is the display name: first and last name, or the username when both are empty.
func (g *Gestalt) Name() string {
	switch {
	case g.FirstName != "" && g.LastName != "":
		return g.FirstName + " " + g.LastName
	case g.FirstName != "" || g.LastName != "":
		return g.FirstName + g.LastName
	}
	return g.Username
}

// EmailAddress is one of a person's addresses; is_primary marks the one mail goes to.
type EmailAddress struct {
	ID        int64
	GestaltID int64
	Email     string
	Verified  bool
	Primary   bool
}

const gestaltColumns = `g.id, g.username, g.first_name, g.last_name, g.password, g.is_superuser,
	g.is_staff, g.is_active, g.date_joined, g.last_login, g.about, g.avatar_color, g.public, g.score, g.language`

func scanGestalt(row interface{ Scan(...any) error }) (*Gestalt, error) {
	var g Gestalt
	err := row.Scan(&g.ID, &g.Username, &g.FirstName, &g.LastName, &g.Password, &g.IsSuperuser,
		&g.IsStaff, &g.IsActive, &g.DateJoined, &g.LastLogin, &g.About, &g.AvatarColor, &g.Public, &g.Score, &g.Language)
	if err != nil {
		return nil, classify(err)
	}
	return &g, nil
}

// CreateGestalt inserts a person and claims the username in the namespace shared with groups.
// Run it inside Tx: the two rows belong together.
func (q *Queries) CreateGestalt(ctx context.Context, g *Gestalt) (int64, error) {
	id, err := q.insert(ctx, `INSERT INTO gestalten (username, first_name, last_name, password, is_superuser,
		is_staff, is_active, date_joined, about, avatar_color, public, language)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.Username, g.FirstName, g.LastName, g.Password, g.IsSuperuser, g.IsStaff, g.IsActive, g.DateJoined,
		g.About, g.AvatarColor, g.Public, g.Language)
	if err != nil {
		return 0, fmt.Errorf("store: create gestalt %s: %w", g.Username, err)
	}
	if _, err := q.exec(ctx, `INSERT INTO entity_slugs (slug_key, gestalt_id) VALUES (?, ?)`, Fold(g.Username), id); err != nil {
		return 0, fmt.Errorf("store: claim slug %s: %w", g.Username, err)
	}
	g.ID = id
	return id, nil
}

// GestaltByID returns the person with that id.
func (q *Queries) GestaltByID(ctx context.Context, id int64) (*Gestalt, error) {
	g, err := scanGestalt(q.queryRow(ctx, `SELECT `+gestaltColumns+` FROM gestalten g WHERE g.id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: gestalt %d: %w", id, err)
	}
	return g, nil
}

// GestaltByUsername finds a person by username, ignoring case.
func (q *Queries) GestaltByUsername(ctx context.Context, username string) (*Gestalt, error) {
	g, err := scanGestalt(q.queryRow(ctx, `SELECT `+gestaltColumns+` FROM entity_slugs s
		JOIN gestalten g ON g.id = s.gestalt_id WHERE s.slug_key = ?`, Fold(username)))
	if err != nil {
		return nil, fmt.Errorf("store: gestalt %q: %w", username, err)
	}
	return g, nil
}

// GestaltByEmail finds the person owning an address (verified or not), ignoring case.
func (q *Queries) GestaltByEmail(ctx context.Context, email string) (*Gestalt, error) {
	g, err := scanGestalt(q.queryRow(ctx, `SELECT `+gestaltColumns+` FROM email_addresses e
		JOIN gestalten g ON g.id = e.gestalt_id WHERE e.email_key = ?`, Fold(email)))
	if err != nil {
		return nil, fmt.Errorf("store: gestalt with e-mail %q: %w", email, err)
	}
	return g, nil
}

// Gestalten lists all people by username.
func (q *Queries) Gestalten(ctx context.Context) ([]*Gestalt, error) {
	rows, err := q.query(ctx, `SELECT `+gestaltColumns+` FROM gestalten g ORDER BY g.username`)
	if err != nil {
		return nil, fmt.Errorf("store: list gestalten: %w", err)
	}
	return collect(rows, scanGestalt)
}

// DeleteGestalt removes a person with their memberships, subscriptions, addresses and tokens.
// What they published must have been handed to the unknown gestalt before.
func (q *Queries) DeleteGestalt(ctx context.Context, id int64) error {
	return q.updateOne(ctx, "delete gestalt", `DELETE FROM gestalten WHERE id = ?`, id)
}

// SetPassword replaces a person's password hash.
func (q *Queries) SetPassword(ctx context.Context, id int64, hash string) error {
	return q.updateOne(ctx, "set password", `UPDATE gestalten SET password = ? WHERE id = ?`, hash, id)
}

// SetSuperuser grants or revokes the site administrator's rights.
func (q *Queries) SetSuperuser(ctx context.Context, id int64, on bool) error {
	return q.updateOne(ctx, "set superuser", `UPDATE gestalten SET is_superuser = ?, is_staff = ? WHERE id = ?`, on, on, id)
}

// AddEmailAddress adds an address to a person; a primary address replaces the former primary.
func (q *Queries) AddEmailAddress(ctx context.Context, a *EmailAddress) (int64, error) {
	if a.Primary {
		if _, err := q.exec(ctx, `UPDATE email_addresses SET is_primary = FALSE WHERE gestalt_id = ? AND is_primary`,
			a.GestaltID); err != nil {
			return 0, fmt.Errorf("store: demote primary address: %w", err)
		}
	}
	id, err := q.insert(ctx, `INSERT INTO email_addresses (gestalt_id, email, email_key, verified, is_primary)
		VALUES (?, ?, ?, ?, ?)`, a.GestaltID, a.Email, Fold(a.Email), a.Verified, a.Primary)
	if err != nil {
		return 0, fmt.Errorf("store: add e-mail address %s: %w", a.Email, err)
	}
	a.ID = id
	return id, nil
}

// EmailAddresses lists a person's addresses, the primary one first.
func (q *Queries) EmailAddresses(ctx context.Context, gestaltID int64) ([]*EmailAddress, error) {
	rows, err := q.query(ctx, `SELECT id, gestalt_id, email, verified, is_primary FROM email_addresses
		WHERE gestalt_id = ? ORDER BY is_primary DESC, id`, gestaltID)
	if err != nil {
		return nil, fmt.Errorf("store: e-mail addresses of %d: %w", gestaltID, err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*EmailAddress, error) {
		var a EmailAddress
		return &a, r.Scan(&a.ID, &a.GestaltID, &a.Email, &a.Verified, &a.Primary)
	})
}

// SlugTaken tells whether a group or a person already uses slug, ignoring case.
func (q *Queries) SlugTaken(ctx context.Context, slug string) (bool, error) {
	var taken bool
	err := q.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM entity_slugs WHERE slug_key = ?)`, Fold(slug)).Scan(&taken)
	if err != nil {
		return false, fmt.Errorf("store: slug %q: %w", slug, classify(err))
	}
	return taken, nil
}

// updateOne runs an UPDATE that must hit exactly one row; none is ErrNotFound.
func (q *Queries) updateOne(ctx context.Context, what, query string, args ...any) error {
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	} else if n == 0 {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return nil
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (*T, error)) ([]*T, error) {
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: rows: %w", classify(err))
	}
	return out, nil
}

// Preferences are how a person wants to be notified and in which language.
type Preferences struct {
	Language string // "" for the site's language
	ByEmail  bool
	ByInbox  bool
	ByMatrix bool
}

// SetPreferences stores a person's notification channels and language.
func (q *Queries) SetPreferences(ctx context.Context, id int64, p Preferences) error {
	return q.updateOne(ctx, "set preferences", `UPDATE gestalten SET language = ?, receives_email_notifications = ?,
		receives_builtin_inbox_notifications = ?, receives_matrix_notifications = ? WHERE id = ?`,
		p.Language, p.ByEmail, p.ByInbox, p.ByMatrix, id)
}
