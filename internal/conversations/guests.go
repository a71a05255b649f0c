package conversations

import (
	"context"

	"grouprise.org/grouprise/internal/store"
)

// Guests keep the accounts of visitors who write without logging in (*accounts.Accounts).
type Guests interface {
	// ShadowAccount returns the person owning email, or makes an account without password
	// for it, in the caller's transaction.
	ShadowAccount(ctx context.Context, q *store.Queries, email string) (*store.Gestalt, bool, error)
	// RequestSenderConfirmation mails the address's owner a link to own the message.
	RequestSenderConfirmation(ctx context.Context, q *store.Queries, sender *store.Gestalt, email string,
		contributionID int64, subject, baseURL string) error
}

// StartAsGuest starts a conversation for a visitor who is not logged in and gave an address:
// the message is written in the name of the address's owner (a shadow account when nobody
// owns it), and, since nobody proved the address, shows as from a guest until its owner
// follows the link mailed to it. Whoever owns the address, it goes the same way, so that
// the form tells nobody whether the address has an account. All in one transaction.
func (c *Conversations) StartAsGuest(ctx context.Context, guests Guests, email, baseURL string, m Message) (Started, error) {
	var s Started
	err := c.db.Tx(ctx, func(q *store.Queries) error {
		author, _, err := guests.ShadowAccount(ctx, q, email)
		if err != nil {
			return err
		}
		m.Author = author
		if err := check(m.Subject, m.Text); err != nil {
			return err
		}
		if err := c.start(ctx, q, m, &s); err != nil {
			return err
		}
		return guests.RequestSenderConfirmation(ctx, q, m.Author, email, s.ContributionID, m.Subject, baseURL)
	})
	return s, err
}
