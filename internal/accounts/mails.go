package accounts

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
)

// How long the links in account mails work.
const (
	ConfirmationValid = 3 * 24 * time.Hour
	ResetValid        = 24 * time.Hour
)

// Errors of the mailed links.
var (
	ErrLinkInvalid = errors.New("the link is invalid or has expired")
	errNoLetters   = errors.New("accounts: no mail service configured")
)

// RequestConfirmation mails a link that confirms an address of a person, in the caller's
// transaction (so that a signup and its mail commit together).
func (a *Accounts) RequestConfirmation(ctx context.Context, q *store.Queries, g *store.Gestalt, addr *store.EmailAddress, baseURL string) error {
	if a.letters == nil {
		return errNoLetters
	}
	key := linkKey()
	if err := q.CreateEmailConfirmation(ctx, addr.ID, key, a.now()); err != nil {
		return err
	}
	return a.letters.Queue(ctx, q, notify.Letter{Template: "confirm_email.txt", Subject: "mail.confirm.subject",
		To: mail.Address{Name: g.Name(), Address: addr.Email}, Language: g.Language,
		Data: map[string]any{"Email": addr.Email, "Username": g.Username, "URL": baseURL + "/stadt/confirm/" + key + "/"}})
}

// linkKey is the secret of a mailed link: 40 characters of base32 (200 bits).
func linkKey() string {
	return strings.ToLower(rand.Text() + rand.Text())[:40]
}

// ErrOtherAccount: a confirmation link followed by someone other than the account that
// added the address (who might be its owner, tricked into confirming it for a stranger).
var ErrOtherAccount = errors.New("the link confirms an address for another account")

// ConfirmAddress marks the address of a confirmation link as verified, when the person who
// follows it is the account that added it (by, who must be logged in), and returns the address.
func (a *Accounts) ConfirmAddress(ctx context.Context, key string, by int64) (*store.EmailAddress, error) {
	var addr *store.EmailAddress
	err := a.db.Tx(ctx, func(q *store.Queries) error {
		var err error
		if addr, err = q.ConfirmEmail(ctx, key, a.now().Add(-ConfirmationValid)); err != nil {
			return err
		}
		if addr.GestaltID != by {
			return ErrOtherAccount // and the confirmation is rolled back
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrLinkInvalid
	}
	if errors.Is(err, ErrOtherAccount) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: confirm: %w", err)
	}
	return addr, nil
}

// RequestPasswordReset mails a link to set a new password to the owner of an address. For an
// unknown address nothing is sent, and nothing tells the requester so.
func (a *Accounts) RequestPasswordReset(ctx context.Context, email, baseURL string) error {
	if a.letters == nil {
		return errNoLetters
	}
	return a.db.Tx(ctx, func(q *store.Queries) error {
		g, err := q.GestaltByEmail(ctx, email)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if !g.IsActive {
			return nil
		}
		// The mail goes to the address as it is stored, never to the spelling typed: case
		// folding matches more than the mail system does (a Kelvin sign K matches k).
		addr, err := q.EmailHolder(ctx, email)
		if err != nil {
			return err
		}
		now := a.now()
		t := &store.Token{GestaltID: g.ID, Feature: store.FeaturePasswordReset, Created: now, ExpiresAt: now.Add(ResetValid)}
		if err := q.CreateToken(ctx, t); err != nil {
			return err
		}
		return a.letters.Queue(ctx, q, notify.Letter{Template: "password_reset.txt", Subject: "mail.reset.subject",
			To: mail.Address{Name: g.Name(), Address: addr.Email}, Language: g.Language,
			Data: map[string]any{"Username": g.Username, "URL": baseURL + "/stadt/password/reset/key/" + t.Secret + "/",
				"Hours": int(ResetValid.Hours())}})
	})
}

// ResetPassword sets a new password with a mailed link; the link (and any other reset link of
// the person) stops working.
func (a *Accounts) ResetPassword(ctx context.Context, secret, password string) (*store.Gestalt, error) {
	if len([]rune(password)) < MinPasswordLength {
		return nil, ErrPasswordShort
	}
	hash, err := a.hashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	var g *store.Gestalt
	err = a.db.Tx(ctx, func(q *store.Queries) error {
		t, err := q.TokenBySecret(ctx, store.FeaturePasswordReset, secret, a.now())
		if err != nil {
			return err
		}
		if before, err := q.GestaltByID(ctx, t.GestaltID); err != nil {
			return err
		} else if !PasswordUsable(before.Password) {
			// A shadow account is found only by its main address, so the link went there:
			// it is proven now, and stays the account's identity with the new password.
			if err := verifyPrimary(ctx, q, t.GestaltID); err != nil {
				return err
			}
		}
		if err := q.ReplacePassword(ctx, t.GestaltID, hash); err != nil {
			return err
		}
		if err := q.DeleteTokens(ctx, t.GestaltID, store.FeaturePasswordReset); err != nil {
			return err
		}
		g, err = q.GestaltByID(ctx, t.GestaltID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: reset password: %w", err)
	}
	return g, nil
}

// verifyPrimary marks a person's main address as confirmed.
func verifyPrimary(ctx context.Context, q *store.Queries, id int64) error {
	addrs, err := q.EmailAddresses(ctx, id)
	if err != nil {
		return err
	}
	for _, addr := range addrs {
		if addr.Primary && !addr.Verified {
			return q.VerifyEmailAddress(ctx, addr.ID)
		}
	}
	return nil
}
