package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"grouprise.org/grouprise/internal/avatars"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/slugs"
	"grouprise.org/grouprise/internal/store"
)

// Signup asks the owner of an address to prove it: nothing becomes anybody's before the
// mailed link is followed, and the password is chosen only there (ConfirmSignup), so that
// whoever filled in the form cannot hand the address's owner an account whose password they
// know. The answer is the same whether the address is new, belongs to a shadow account or to
// an account with a password: in the last case its owner is told by mail that someone tried
// to sign up, with links to log in and to reset the password, and the visitor learns nothing.
func (a *Accounts) Signup(ctx context.Context, email, language, baseURL string) error {
	email = strings.TrimSpace(email)
	if !ValidEmail(email) {
		return ErrEmailInvalid
	}
	if a.letters == nil {
		return errNoLetters
	}
	err := a.db.Tx(ctx, func(q *store.Queries) error {
		// Mail goes to the address as stored where it is known (a typed spelling may match
		// it only by case folding).
		to := email
		if h, err := q.EmailHolder(ctx, email); err == nil {
			to = h.Email
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		g, err := q.GestaltByEmail(ctx, email)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if g != nil && PasswordUsable(g.Password) {
			return a.letters.Queue(ctx, q, notify.Letter{Template: "signup_exists.txt", Subject: "mail.signup_exists.subject",
				To: mail.Address{Name: g.Name(), Address: to}, Language: g.Language,
				Data: map[string]any{"Username": g.Username, "LoginURL": baseURL + "/stadt/login/",
					"ResetURL": baseURL + "/stadt/password/reset/"}})
		}
		p := &store.PendingSignup{Email: to, Language: language, Key: linkKey(), Created: a.now()}
		if err := q.CreatePendingSignup(ctx, p); err != nil {
			return err
		}
		return a.letters.Queue(ctx, q, notify.Letter{Template: "signup_confirm.txt", Subject: "mail.signup_confirm.subject",
			To: mail.Address{Address: to}, Language: language,
			Data: map[string]any{"Email": to, "URL": baseURL + "/stadt/signup/confirm/" + p.Key + "/",
				"Hours": int(ConfirmationValid.Hours())}})
	})
	if err != nil {
		return fmt.Errorf("accounts: sign up: %w", err)
	}
	return nil
}

// PendingSignup returns the signup of a link that still works (ErrLinkInvalid otherwise), for
// the page that asks for the password.
func (a *Accounts) PendingSignup(ctx context.Context, key string) (*store.PendingSignup, error) {
	p, err := a.db.PendingSignupByKey(ctx, key, a.now().Add(-ConfirmationValid))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrLinkInvalid
	}
	return p, err
}

// ConfirmSignup completes a signup whose link was followed, which proves the address, with
// the password chosen now: a new account is made, or the account that the address
// identifies without a password (a shadow account, or one imported with an unconfirmed main
// address) becomes the signer's, with the address confirmed. claimed tells the latter.
func (a *Accounts) ConfirmSignup(ctx context.Context, key, password string) (g *store.Gestalt, claimed bool, err error) {
	if len([]rune(password)) < MinPasswordLength {
		return nil, false, ErrPasswordShort
	}
	if _, err := a.PendingSignup(ctx, key); err != nil {
		return nil, false, err
	}
	hash, err := a.hashPassword(ctx, password)
	if err != nil {
		return nil, false, err
	}
	err = a.db.Tx(ctx, func(q *store.Queries) error {
		p, err := q.PendingSignupByKey(ctx, key, a.now().Add(-ConfirmationValid))
		if errors.Is(err, store.ErrNotFound) {
			return ErrLinkInvalid
		} else if err != nil {
			return err
		}
		if err := q.DeletePendingSignups(ctx, p.Email); err != nil {
			return err
		}
		holder, err := q.EmailHolder(ctx, p.Email)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		switch {
		case holder != nil && holder.Verified:
			owner, err := q.GestaltByID(ctx, holder.GestaltID)
			if err != nil {
				return err
			}
			if PasswordUsable(owner.Password) {
				// Someone confirmed the address for an account of theirs meanwhile.
				return ErrEmailRegistered
			}
			g, claimed = owner, true
		case holder != nil && holder.Primary:
			if g, err = q.GestaltByID(ctx, holder.GestaltID); err != nil {
				return err
			}
			claimed = true
		case holder != nil:
			if _, err := q.ReleaseUnconfirmedEmail(ctx, p.Email); err != nil {
				return err
			}
		}
		if claimed {
			// Whatever was logged in or connected with the account before ends now.
			if err := q.ReplacePassword(ctx, g.ID, hash); err != nil {
				return err
			}
			if !holder.Verified {
				if err := q.VerifyEmailAddress(ctx, holder.ID); err != nil {
					return err
				}
			}
			g.Password = hash
			return nil
		}
		g, err = a.newAccount(ctx, q, p, hash)
		return err
	})
	if errors.Is(err, ErrLinkInvalid) || errors.Is(err, ErrEmailRegistered) {
		return nil, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("accounts: confirm signup: %w", err)
	}
	return g, claimed, nil
}

// newAccount makes the account of a confirmed signup, with a username made from the address.
func (a *Accounts) newAccount(ctx context.Context, q *store.Queries, p *store.PendingSignup, hash string) (*store.Gestalt, error) {
	local, _, _ := strings.Cut(p.Email, "@")
	username, err := slugs.Unique(ctx, slugs.Make(local), func(ctx context.Context, s string) (bool, error) {
		if a.reserved(s) {
			return true, nil
		}
		return q.SlugTaken(ctx, s)
	})
	if err != nil {
		return nil, err
	}
	g := &store.Gestalt{Username: username, Password: hash, IsActive: true, Language: p.Language,
		DateJoined: a.now(), AvatarColor: avatars.RandomColor()}
	if _, err := q.CreateGestalt(ctx, g); err != nil {
		return nil, err
	}
	if _, err := q.AddEmailAddress(ctx, &store.EmailAddress{GestaltID: g.ID, Email: p.Email, Verified: true, Primary: true}); err != nil {
		return nil, err
	}
	return g, nil
}

// RequestSenderConfirmation is for a message that a visitor sent in the name of an address
// (no login): it shows as from a guest until the address's owner follows the mailed link
// (ConfirmSender). It runs in the transaction that writes the message.
func (a *Accounts) RequestSenderConfirmation(ctx context.Context, q *store.Queries, sender *store.Gestalt, email string,
	contributionID int64, subject, baseURL string) error {
	if a.letters == nil {
		return errNoLetters
	}
	h, err := q.EmailHolder(ctx, email)
	if err != nil {
		return err
	}
	key := linkKey()
	if err := q.MarkSenderUnconfirmed(ctx, contributionID, key, a.now()); err != nil {
		return err
	}
	return a.letters.Queue(ctx, q, notify.Letter{Template: "sender_confirm.txt", Subject: "mail.sender_confirm.subject",
		To: mail.Address{Name: sender.Name(), Address: h.Email}, Language: sender.Language,
		Data: map[string]any{"Email": h.Email, "Subject": subject, "URL": baseURL + "/stadt/conversations/confirm/" + key + "/"}})
}

// ConfirmSender lets the owner of an address own a message sent in its name; it returns the
// message's contribution id.
func (a *Accounts) ConfirmSender(ctx context.Context, key string) (int64, error) {
	var id int64
	err := a.db.Tx(ctx, func(q *store.Queries) error {
		var err error
		id, err = q.ConfirmSender(ctx, key)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return 0, ErrLinkInvalid
	}
	if err != nil {
		return 0, fmt.Errorf("accounts: confirm sender: %w", err)
	}
	return id, nil
}
