package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"grouprise.org/grouprise/internal/avatars"
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

// Signup makes an account for an e-mail address and a password, with a username made from
// the address. An address of a shadow account (made when someone subscribed or was added by
// e-mail) claims that account. The confirmation mail is queued with the account.
func (a *Accounts) Signup(ctx context.Context, email, password, baseURL string) (g *store.Gestalt, claimed bool, err error) {
	email = strings.TrimSpace(email)
	if !ValidEmail(email) {
		return nil, false, ErrEmailInvalid
	}
	if len([]rune(password)) < MinPasswordLength {
		return nil, false, ErrPasswordShort
	}
	err = a.db.Tx(ctx, func(q *store.Queries) error {
		existing, err := q.GestaltByEmail(ctx, email)
		switch {
		case err == nil && PasswordUsable(existing.Password):
			return ErrEmailRegistered
		case err == nil:
			g, claimed = existing, true
			if err := q.SetPassword(ctx, g.ID, HashPassword(password)); err != nil {
				return err
			}
		case errors.Is(err, store.ErrNotFound):
			local, _, _ := strings.Cut(email, "@")
			username, err := slugs.Unique(ctx, slugs.Make(local), func(ctx context.Context, s string) (bool, error) {
				if a.reserved(s) {
					return true, nil
				}
				return q.SlugTaken(ctx, s)
			})
			if err != nil {
				return err
			}
			g = &store.Gestalt{Username: username, Password: HashPassword(password), IsActive: true,
				DateJoined: a.now(), AvatarColor: avatars.RandomColor()}
			if _, err := q.CreateGestalt(ctx, g); err != nil {
				return err
			}
			if _, err := q.AddEmailAddress(ctx, &store.EmailAddress{GestaltID: g.ID, Email: email, Primary: true}); err != nil {
				return err
			}
		default:
			return err
		}
		addrs, err := q.EmailAddresses(ctx, g.ID)
		if err != nil {
			return err
		}
		for _, addr := range addrs {
			if strings.EqualFold(addr.Email, email) && !addr.Verified {
				return a.RequestConfirmation(ctx, q, g, addr, baseURL)
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrEmailRegistered) {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("accounts: sign up: %w", err)
	}
	return g, claimed, nil
}

// ChangePassword replaces a password after checking the current one; an account without a
// usable password sets one without.
func (a *Accounts) ChangePassword(ctx context.Context, id int64, current, next string) error {
	g, err := a.db.GestaltByID(ctx, id)
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	if PasswordUsable(g.Password) && !CheckPassword(g.Password, current) {
		return ErrPasswordWrong
	}
	if len([]rune(next)) < MinPasswordLength {
		return ErrPasswordShort
	}
	return a.db.SetPassword(ctx, id, HashPassword(next))
}

// UpdateProfile stores a person's profile; the username follows the rules of slugs.
func (a *Accounts) UpdateProfile(ctx context.Context, g *store.Gestalt, p store.Profile) error {
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
	err := a.db.Tx(ctx, func(q *store.Queries) error {
		if !strings.EqualFold(p.Username, g.Username) {
			if taken, err := q.SlugTaken(ctx, p.Username); err != nil {
				return err
			} else if taken {
				return ErrUsernameTaken
			}
		}
		return q.UpdateProfile(ctx, g.ID, p)
	})
	if errors.Is(err, store.ErrConflict) {
		return ErrUsernameTaken
	}
	return err
}

// AddAddress adds an unconfirmed address to an account and mails its confirmation link.
func (a *Accounts) AddAddress(ctx context.Context, g *store.Gestalt, email, baseURL string) error {
	email = strings.TrimSpace(email)
	if !ValidEmail(email) {
		return ErrEmailInvalid
	}
	err := a.db.Tx(ctx, func(q *store.Queries) error {
		if _, err := q.GestaltByEmail(ctx, email); err == nil {
			return ErrEmailTaken
		} else if !errors.Is(err, store.ErrNotFound) {
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
