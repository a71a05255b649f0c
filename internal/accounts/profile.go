package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"grouprise.org/grouprise/internal/slugs"
	"grouprise.org/grouprise/internal/store"
)

// More errors a person can fix.
var (
	ErrEmailRegistered = errors.New("an account with this e-mail address exists; log in or reset its password")
	ErrPasswordWrong   = errors.New("the current password is wrong")
	ErrNotVerified     = errors.New("only a confirmed address can become the main one")
	ErrPrimary         = errors.New("the main address cannot be removed")
	ErrAboutTooLong    = errors.New("the text about yourself is too long")
	ErrNameTooLong     = errors.New("a name has at most 150 characters")
	ErrNoUnknown       = errors.New("accounts: unknown_gestalt_id names no account; content cannot be handed over")
)

// ChangePassword replaces a password after checking the current one; an account without a
// usable password sets one without.
func (a *Accounts) ChangePassword(ctx context.Context, id int64, current, next string) error {
	g, err := a.db.GestaltByID(ctx, id)
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	if len([]rune(next)) < MinPasswordLength {
		return ErrPasswordShort
	}
	if PasswordUsable(g.Password) {
		if ok, err := a.checkPassword(ctx, g.Password, current); err != nil {
			return err
		} else if !ok {
			return ErrPasswordWrong
		}
	}
	hash, err := a.hashPassword(ctx, next)
	if err != nil {
		return err
	}
	return a.db.Tx(ctx, func(q *store.Queries) error { return q.ReplacePassword(ctx, id, hash) })
}

// UpdateProfile stores a person's profile; the username follows the rules of slugs.
func (a *Accounts) UpdateProfile(ctx context.Context, g *store.Gestalt, p store.Profile) error {
	if err := a.checkProfile(&p); err != nil {
		return err
	}
	err := a.db.Tx(ctx, func(q *store.Queries) error { return storeProfile(ctx, q, g, p) })
	if errors.Is(err, store.ErrConflict) {
		return ErrUsernameTaken
	}
	return err
}

// checkProfile trims a profile and checks it against the rules.
func (a *Accounts) checkProfile(p *store.Profile) error {
	p.Username = strings.ToLower(strings.TrimSpace(p.Username))
	p.FirstName, p.LastName = strings.TrimSpace(p.FirstName), strings.TrimSpace(p.LastName)
	switch {
	case !slugs.Valid(p.Username):
		return ErrUsernameInvalid
	case a.reserved(p.Username):
		return ErrUsernameBlocked
	case len([]rune(p.FirstName)) > 150 || len([]rune(p.LastName)) > 150:
		return ErrNameTooLong
	case len(p.About) > 20000:
		return ErrAboutTooLong
	}
	return nil
}

// storeProfile writes a checked profile in the caller's transaction; a username that
// another person or a group has is ErrUsernameTaken.
func storeProfile(ctx context.Context, q *store.Queries, g *store.Gestalt, p store.Profile) error {
	if !strings.EqualFold(p.Username, g.Username) {
		if taken, err := q.SlugTaken(ctx, p.Username); err != nil {
			return err
		} else if taken {
			return ErrUsernameTaken
		}
	}
	return q.UpdateProfile(ctx, g.ID, p)
}

// AddAddress adds an unconfirmed address to an account and mails its confirmation link.
func (a *Accounts) AddAddress(ctx context.Context, g *store.Gestalt, email, baseURL string) error {
	email = strings.TrimSpace(email)
	if !ValidEmail(email) {
		return ErrEmailInvalid
	}
	err := a.db.Tx(ctx, func(q *store.Queries) error {
		if err := claimAddress(ctx, q, email); err != nil {
			return err
		}
		addr := &store.EmailAddress{GestaltID: g.ID, Email: email}
		if _, err := q.AddEmailAddress(ctx, addr); err != nil {
			return err
		}
		return a.RequestConfirmation(ctx, q, g, addr, baseURL)
	})
	if errors.Is(err, store.ErrConflict) {
		return ErrEmailTaken
	}
	return err
}

// ResendConfirmation mails the confirmation link of an unconfirmed address again.
func (a *Accounts) ResendConfirmation(ctx context.Context, g *store.Gestalt, addressID int64, baseURL string) error {
	return a.db.Tx(ctx, func(q *store.Queries) error {
		addrs, err := q.EmailAddresses(ctx, g.ID)
		if err != nil {
			return err
		}
		for _, addr := range addrs {
			if addr.ID == addressID && !addr.Verified {
				return a.RequestConfirmation(ctx, q, g, addr, baseURL)
			}
		}
		return store.ErrNotFound
	})
}

// Delete removes an account. What the person published and wrote goes to the unknown
// gestalt (unknown_gestalt_id), so that threads and group pages stay whole.
func (a *Accounts) Delete(ctx context.Context, id, unknownID int64) error {
	if id == unknownID {
		return fmt.Errorf("accounts: the unknown gestalt itself cannot be deleted")
	}
	return a.db.Tx(ctx, func(q *store.Queries) error {
		if _, err := q.GestaltByID(ctx, unknownID); errors.Is(err, store.ErrNotFound) {
			return ErrNoUnknown
		} else if err != nil {
			return err
		}
		if err := q.HandOver(ctx, id, unknownID); err != nil {
			return err
		}
		return q.DeleteGestalt(ctx, id)
	})
}
