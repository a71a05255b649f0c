package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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
	Avatar      string // a file below media_root, "" for none
	Background  string // the profile's cover picture below media_root, "" for none
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
	g.is_staff, g.is_active, g.date_joined, g.last_login, g.about, g.avatar_color, g.public, g.score, g.language, g.avatar, g.background`

func scanGestalt(row interface{ Scan(...any) error }) (*Gestalt, error) {
	var g Gestalt
	err := row.Scan(&g.ID, &g.Username, &g.FirstName, &g.LastName, &g.Password, &g.IsSuperuser,
		&g.IsStaff, &g.IsActive, &g.DateJoined, &g.LastLogin, &g.About, &g.AvatarColor, &g.Public, &g.Score, &g.Language, &g.Avatar, &g.Background)
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

// GestaltByEmail finds the person whom an address identifies, ignoring case: a confirmed
// address, or the primary address of a shadow account (made for that address and without a
// password). An address someone merely added and never confirmed identifies nobody:
// ErrNotFound. (CAST: see GroupBySlug.)
func (q *Queries) GestaltByEmail(ctx context.Context, email string) (*Gestalt, error) {
	g, err := scanGestalt(q.queryRow(ctx, `SELECT `+gestaltColumns+` FROM email_addresses e
		JOIN gestalten g ON g.id = e.gestalt_id WHERE e.email_key = CAST(? AS TEXT)
		AND (e.verified OR (e.is_primary AND (g.password = '' OR substr(g.password, 1, 1) = '!')))`, Fold(email)))
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

// SlugTaken tells whether a group or a person already uses slug, ignoring case, or a group
// gave it up recently (ReserveSlug): every new group, person and slug change asks here. It
// asks at the wall clock (accounts); the groups package, which reserves with its own clock,
// asks SlugTakenFor with it.
func (q *Queries) SlugTaken(ctx context.Context, slug string) (bool, error) {
	return q.SlugTakenFor(ctx, slug, 0, time.Now())
}

// SlugTakenFor is SlugTaken at now for a group that may take back a slug it gave up (0: for
// a new group or a person).
func (q *Queries) SlugTakenFor(ctx context.Context, slug string, groupID int64, now time.Time) (bool, error) {
	var taken bool
	err := q.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM entity_slugs WHERE slug_key = ?)
		OR EXISTS (SELECT 1 FROM slug_reservations WHERE slug_key = ? AND expires_at > ? AND group_id <> ?)`,
		Fold(slug), Fold(slug), now, groupID).Scan(&taken)
	if err != nil {
		return false, fmt.Errorf("store: slug %q: %w", slug, classify(err))
	}
	return taken, nil
}

// updateOne runs an UPDATE or DELETE that must hit exactly one row; none is ErrNotFound.
func (q *Queries) updateOne(ctx context.Context, what, query string, args ...any) error {
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, classify(err))
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

// Profile is what a person edits about themself.
type Profile struct {
	Username  string
	FirstName string
	LastName  string
	About     string
	Public    bool
}

// UpdateProfile stores a person's profile; a new username moves their slug in the namespace
// shared with groups (ErrConflict when taken). Run it inside Tx.
func (q *Queries) UpdateProfile(ctx context.Context, id int64, p Profile) error {
	if err := q.updateOne(ctx, "update profile", `UPDATE gestalten SET username = ?, first_name = ?, last_name = ?,
		about = ?, public = ? WHERE id = ?`, p.Username, p.FirstName, p.LastName, p.About, p.Public, id); err != nil {
		return err
	}
	if _, err := q.exec(ctx, `UPDATE entity_slugs SET slug_key = ? WHERE gestalt_id = ?`, Fold(p.Username), id); err != nil {
		return fmt.Errorf("store: move slug to %s: %w", p.Username, err)
	}
	return nil
}

// SetAvatar stores the name of a person's avatar file below media_root ("" for none).
func (q *Queries) SetAvatar(ctx context.Context, id int64, file string) error {
	return q.updateOne(ctx, "set avatar", `UPDATE gestalten SET avatar = ? WHERE id = ?`, file, id)
}

// Avatar returns the stored avatar file of a person ("" for none).
func (q *Queries) Avatar(ctx context.Context, id int64) (string, error) {
	var f string
	if err := q.queryRow(ctx, `SELECT avatar FROM gestalten WHERE id = ?`, id).Scan(&f); err != nil {
		return "", fmt.Errorf("store: avatar of %d: %w", id, classify(err))
	}
	return f, nil
}

// TouchLogin records a successful login.
func (q *Queries) TouchLogin(ctx context.Context, id int64, now time.Time) error {
	return q.updateOne(ctx, "touch login", `UPDATE gestalten SET last_login = ? WHERE id = ?`, now, id)
}

// RemoveEmailAddress removes one of a person's addresses (not the primary one).
func (q *Queries) RemoveEmailAddress(ctx context.Context, gestaltID, addressID int64) error {
	return q.updateOne(ctx, "remove e-mail address", `DELETE FROM email_addresses WHERE id = ? AND gestalt_id = ? AND NOT is_primary`,
		addressID, gestaltID)
}

// MakePrimary makes a verified address the one mail goes to.
func (q *Queries) MakePrimary(ctx context.Context, gestaltID, addressID int64) error {
	var ok bool
	if err := q.queryRow(ctx, `SELECT verified FROM email_addresses WHERE id = ? AND gestalt_id = ?`, addressID, gestaltID).Scan(&ok); err != nil {
		return fmt.Errorf("store: make primary: %w", classify(err))
	}
	if !ok {
		return fmt.Errorf("store: make primary: the address is not verified: %w", ErrNotFound)
	}
	if _, err := q.exec(ctx, `UPDATE email_addresses SET is_primary = FALSE WHERE gestalt_id = ? AND is_primary`, gestaltID); err != nil {
		return fmt.Errorf("store: make primary: %w", err)
	}
	return q.updateOne(ctx, "make primary", `UPDATE email_addresses SET is_primary = TRUE WHERE id = ?`, addressID)
}

// PublicGestalten lists the people with public profiles, the most active first.
func (q *Queries) PublicGestalten(ctx context.Context, limit, offset int) ([]*Gestalt, error) {
	rows, err := q.query(ctx, `SELECT `+gestaltColumns+` FROM gestalten g WHERE g.public AND g.is_active
		ORDER BY g.score DESC, g.date_joined DESC, g.id DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: public gestalten: %w", err)
	}
	return collect(rows, scanGestalt)
}

// HandOver gives what a person published, wrote and created to another person (the unknown
// gestalt), before the person is deleted, as the original did.
func (q *Queries) HandOver(ctx context.Context, from, to int64) error {
	for _, stmt := range []string{
		`UPDATE associations SET gestalt_id = ? WHERE gestalt_id = ?`,
		`UPDATE contributions SET author_id = ? WHERE author_id = ?`,
		`UPDATE content_versions SET author_id = ? WHERE author_id = ?`,
		`UPDATE images SET creator_id = ? WHERE creator_id = ?`,
		`UPDATE memberships SET created_by_id = ? WHERE created_by_id = ? AND member_id <> created_by_id`,
		`UPDATE groups SET gestalt_created_id = ? WHERE gestalt_created_id = ?`,
	} {
		if _, err := q.exec(ctx, stmt, to, from); err != nil {
			return fmt.Errorf("store: hand over %d to %d: %w", from, to, err)
		}
	}
	// Votes keep their ballot; an option can hold one vote of the unknown gestalt only.
	if _, err := q.exec(ctx, `UPDATE poll_votes SET voter_id = ? WHERE voter_id = ?
		AND NOT EXISTS (SELECT 1 FROM poll_votes o WHERE o.option_id = poll_votes.option_id AND o.voter_id = ?)`, to, from, to); err != nil {
		return fmt.Errorf("store: hand over votes: %w", err)
	}
	if _, err := q.exec(ctx, `DELETE FROM poll_votes WHERE voter_id = ?`, from); err != nil {
		return fmt.Errorf("store: hand over votes: %w", err)
	}
	return nil
}

// Footprint counts what a person has published and written (shown before deleting an account).
type Footprint struct{ Contents, Contributions, Memberships, Subscriptions int }

// FootprintOf counts a person's contents, contributions, memberships and subscriptions.
func (q *Queries) FootprintOf(ctx context.Context, id int64) (Footprint, error) {
	var f Footprint
	err := q.queryRow(ctx, `SELECT
		(SELECT COUNT(DISTINCT content_id) FROM content_versions WHERE author_id = ?),
		(SELECT COUNT(*) FROM contributions WHERE author_id = ? AND deleted IS NULL),
		(SELECT COUNT(*) FROM memberships WHERE member_id = ?),
		(SELECT COUNT(*) FROM subscriptions WHERE subscriber_id = ?)`, id, id, id, id).
		Scan(&f.Contents, &f.Contributions, &f.Memberships, &f.Subscriptions)
	if err != nil {
		return f, fmt.Errorf("store: footprint of %d: %w", id, classify(err))
	}
	return f, nil
}

// SearchGestalten finds people by username, name or e-mail address (for administrators).
func (q *Queries) SearchGestalten(ctx context.Context, term string, limit int) ([]*Gestalt, error) {
	pattern := "%" + strings.ToLower(escapeLike(term)) + "%"
	rows, err := q.query(ctx, `SELECT `+gestaltColumns+` FROM gestalten g WHERE lower(g.username) LIKE ?
		OR lower(g.first_name || ' ' || g.last_name) LIKE ?
		OR EXISTS (SELECT 1 FROM email_addresses e WHERE e.gestalt_id = g.id AND e.email_key LIKE ?)
		ORDER BY g.date_joined DESC, g.id DESC LIMIT ?`, pattern, pattern, pattern, limit)
	if err != nil {
		return nil, fmt.Errorf("store: search gestalten: %w", err)
	}
	return collect(rows, scanGestalt)
}
