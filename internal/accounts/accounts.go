// Package accounts creates people and their logins: usernames, e-mail addresses, passwords
// (argon2id, with the Django grouprise's hashes still accepted) and shadow accounts.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"grouprise.org/grouprise/internal/avatars"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/slugs"
	"grouprise.org/grouprise/internal/store"
)

// Errors a person can fix; the web and the CLI turn them into messages.
var (
	ErrUsernameInvalid = errors.New("a username consists of letters, digits, '-' and '_', at most 50")
	ErrUsernameTaken   = errors.New("the username is taken by a person or a group")
	ErrUsernameBlocked = errors.New("the username is reserved")
	ErrEmailInvalid    = errors.New("the e-mail address is not valid")
	ErrEmailTaken      = errors.New("the e-mail address belongs to another account")
	ErrEmailPending    = errors.New("the e-mail address waits for its owner's confirmation")
	ErrPasswordShort   = fmt.Errorf("a password has at least %d characters", MinPasswordLength)
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 8

// Accounts manages people's accounts.
type Accounts struct {
	db       *store.DB
	reserved func(string) bool
	letters  Letters
	hashing  *hashLimiter
	now      func() time.Time
}

// Letters queues the mails of accounts (a *notify.Notifier).
type Letters interface {
	Queue(ctx context.Context, q *store.Queries, l notify.Letter) error
}

// New returns the account service; reserved tells which slugs nobody may take. letters may be
// nil where no mail is sent (the command line).
func New(db *store.DB, reserved func(string) bool, letters Letters) *Accounts {
	return &Accounts{db: db, reserved: reserved, letters: letters, hashing: defaultHashLimiter(), now: time.Now}
}

// NewAccount describes an account to create. Without a password the account cannot log in
// until its owner sets one.
type NewAccount struct {
	Username  string
	Email     string
	FirstName string
	LastName  string
	Password  string
	Superuser bool
	// Verified marks the address as confirmed (accounts made by an administrator).
	Verified bool
}

// Create makes an account with a primary e-mail address.
func (a *Accounts) Create(ctx context.Context, n NewAccount) (*store.Gestalt, error) {
	username := strings.ToLower(strings.TrimSpace(n.Username))
	email := strings.TrimSpace(n.Email)
	if !slugs.Valid(username) {
		return nil, ErrUsernameInvalid
	}
	if a.reserved(username) {
		return nil, ErrUsernameBlocked
	}
	if !ValidEmail(email) {
		return nil, ErrEmailInvalid
	}
	hash := UnusablePassword()
	if n.Password != "" {
		if len([]rune(n.Password)) < MinPasswordLength {
			return nil, ErrPasswordShort
		}
		var err error
		if hash, err = a.hashPassword(ctx, n.Password); err != nil {
			return nil, err
		}
	}
	g := &store.Gestalt{
		Username: username, FirstName: strings.TrimSpace(n.FirstName), LastName: strings.TrimSpace(n.LastName),
		Password: hash, IsSuperuser: n.Superuser, IsStaff: n.Superuser, IsActive: true,
		DateJoined: a.now(), AvatarColor: avatars.RandomColor(),
	}
	err := a.db.Tx(ctx, func(q *store.Queries) error {
		if err := checkFree(ctx, q, username, email); err != nil {
			return err
		}
		if _, err := q.CreateGestalt(ctx, g); err != nil {
			return err
		}
		_, err := q.AddEmailAddress(ctx, &store.EmailAddress{GestaltID: g.ID, Email: email, Verified: n.Verified, Primary: true})
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		// Someone else took the name or the address between the check and the insert.
		return nil, ErrUsernameTaken
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: create %s: %w", username, err)
	}
	return g, nil
}

func checkFree(ctx context.Context, q *store.Queries, username, email string) error {
	if taken, err := q.SlugTaken(ctx, username); err != nil {
		return err
	} else if taken {
		return ErrUsernameTaken
	}
	return claimAddress(ctx, q, email)
}

// claimAddress makes an address free for a new owner: an address someone added to their
// account and never confirmed gives way; a confirmed or a primary one is taken.
func claimAddress(ctx context.Context, q *store.Queries, email string) error {
	h, err := q.EmailHolder(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if h.Verified || h.Primary {
		return ErrEmailTaken
	}
	_, err = q.ReleaseUnconfirmedEmail(ctx, email)
	return err
}

// OwnerOrShadow is ShadowAccount in a transaction of its own (`grouprise group add-member`).
func (a *Accounts) OwnerOrShadow(ctx context.Context, email string) (*store.Gestalt, bool, error) {
	var g *store.Gestalt
	var created bool
	err := a.db.Tx(ctx, func(q *store.Queries) error {
		var err error
		g, created, err = a.ShadowAccount(ctx, q, email)
		return err
	})
	return g, created, err
}

// ShadowAccount returns the person owning email, or makes a shadow account for it: a person
// without a usable password, whose address is claimed when someone signs up with it.
// It runs in the caller's transaction.
func (a *Accounts) ShadowAccount(ctx context.Context, q *store.Queries, email string) (g *store.Gestalt, created bool, err error) {
	email = strings.TrimSpace(email)
	if !ValidEmail(email) {
		return nil, false, ErrEmailInvalid
	}
	if g, err := q.GestaltByEmail(ctx, email); err == nil {
		return g, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, false, err
	}
	// The address identifies nobody. An account that merely lists it unconfirmed loses it;
	// one whose main address it is (imported from the Django grouprise, never confirmed)
	// keeps it until its owner confirms or gives it up.
	if err := claimAddress(ctx, q, email); errors.Is(err, ErrEmailTaken) {
		return nil, false, ErrEmailPending
	} else if err != nil {
		return nil, false, err
	}
	local, _, _ := strings.Cut(email, "@")
	username, err := slugs.Unique(ctx, slugs.Make(local), func(ctx context.Context, s string) (bool, error) {
		if a.reserved(s) {
			return true, nil
		}
		return q.SlugTaken(ctx, s)
	})
	if err != nil {
		return nil, false, err
	}
	g = &store.Gestalt{Username: username, Password: UnusablePassword(), IsActive: true,
		DateJoined: a.now(), AvatarColor: avatars.RandomColor()}
	if _, err := q.CreateGestalt(ctx, g); err != nil {
		return nil, false, err
	}
	if _, err := q.AddEmailAddress(ctx, &store.EmailAddress{GestaltID: g.ID, Email: email, Primary: true}); err != nil {
		return nil, false, err
	}
	return g, true, nil
}

// SetPassword gives an account a new password.
func (a *Accounts) SetPassword(ctx context.Context, username, password string) error {
	if len([]rune(password)) < MinPasswordLength {
		return ErrPasswordShort
	}
	g, err := a.db.GestaltByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	hash, err := a.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return a.db.Tx(ctx, func(q *store.Queries) error { return q.ReplacePassword(ctx, g.ID, hash) })
}

// Promote makes an account a site administrator (or, with on false, takes that away).
func (a *Accounts) Promote(ctx context.Context, username string, on bool) error {
	g, err := a.db.GestaltByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	return a.db.SetSuperuser(ctx, g.ID, on)
}

// Authenticate finds the account by username or confirmed e-mail address and checks the
// password. Unknown names, shadow and inactive accounts cost the time of one hash too, so
// that the answer's time tells nothing. A matching hash of an older kind (Django's pbkdf2 and
// argon2, our own with other parameters) is replaced by a current one.
func (a *Accounts) Authenticate(ctx context.Context, login, password string) (*store.Gestalt, error) {
	g, err := a.byLogin(ctx, login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("accounts: authenticate: %w", err)
	}
	stored := ""
	if g != nil && g.IsActive {
		stored = g.Password
	}
	ok, err := a.checkPassword(ctx, stored, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrBadLogin
	}
	if NeedsRehash(g.Password) {
		hash, err := a.hashPassword(ctx, password)
		if err != nil {
			return nil, err
		}
		if err := a.db.SetPassword(ctx, g.ID, hash); err != nil {
			return nil, fmt.Errorf("accounts: rehash: %w", err)
		}
		g.Password = hash
	}
	if err := a.db.TouchLogin(ctx, g.ID, a.now()); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	return g, nil
}

// ErrBadLogin is the one answer to a wrong login name or password.
var ErrBadLogin = errors.New("the login name or the password is wrong")

// ErrBusy says that too many passwords are being checked at once: the caller answers
// "try again shortly" (HTTP 503 with Retry-After) instead of waiting without bound.
var ErrBusy = errors.New("accounts: too many password checks at once")

// dummyHash is an argon2id hash with the current parameters that no password matches in
// practice; checking it costs as much as checking a real one.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$gcKyl4tgU0LSF2F5FZ5lAg$eLmHFE7jT1zzECe2ZKn1KIc5aC+SieFXMp5mcb7UsW8"

// ValidEmail accepts a plain address like someone@example.org (no display name).
func ValidEmail(s string) bool {
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(domain, ".") && !strings.ContainsAny(s, " \t\r\n") && !foldsAway(s)
}

// foldsAway tells whether s has a character that case folding turns into another character's
// spelling (the Kelvin sign K becomes k, the Ångström sign becomes å, İ becomes i):
// addresses are compared case-folded, so such a spelling would match another person's
// address that a mail system keeps apart.
func foldsAway(s string) bool {
	for _, r := range s {
		if l := unicode.ToLower(r); l != r && unicode.ToUpper(l) != r {
			return true
		}
	}
	return false
}
