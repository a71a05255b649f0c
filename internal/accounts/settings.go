package accounts

import (
	"context"
	"errors"
	"fmt"

	"grouprise.org/grouprise/internal/store"
)

// Errors of a person's address settings.
var (
	ErrAddressNotVerified = errors.New("only a confirmed address of one's own can be the main one")
	ErrAddressIsPrimary   = errors.New("the main address cannot be removed")
)

// SetAdministrator makes a person a site administrator (or, with on false, takes that away).
func (a *Accounts) SetAdministrator(ctx context.Context, id int64, on bool) error {
	if err := a.db.Tx(ctx, func(q *store.Queries) error { return q.SetSuperuser(ctx, id, on) }); err != nil {
		return fmt.Errorf("accounts: administrator %d: %w", id, err)
	}
	return nil
}

// SetPreferences stores how a person is told of news and in which language.
func (a *Accounts) SetPreferences(ctx context.Context, id int64, p store.Preferences) error {
	if err := a.db.Tx(ctx, func(q *store.Queries) error { return q.SetPreferences(ctx, id, p) }); err != nil {
		return fmt.Errorf("accounts: preferences of %d: %w", id, err)
	}
	return nil
}

// SetAvatar stores a person's new avatar (a file below media_root; "" removes it).
func (a *Accounts) SetAvatar(ctx context.Context, id int64, file string) error {
	if err := a.db.Tx(ctx, func(q *store.Queries) error { return q.SetAvatar(ctx, id, file) }); err != nil {
		return fmt.Errorf("accounts: avatar of %d: %w", id, err)
	}
	return nil
}

// SetBackground stores the cover picture of a person's profile (a file below media_root;
// "" removes it).
func (a *Accounts) SetBackground(ctx context.Context, id int64, file string) error {
	if err := a.db.Tx(ctx, func(q *store.Queries) error { return q.SetBackground(ctx, id, file) }); err != nil {
		return fmt.Errorf("accounts: background of %d: %w", id, err)
	}
	return nil
}

// MakePrimary makes one of a person's confirmed addresses the one mail goes to; an address
// that is not confirmed or not theirs is ErrAddressNotVerified.
func (a *Accounts) MakePrimary(ctx context.Context, id, addressID int64) error {
	err := a.db.Tx(ctx, func(q *store.Queries) error { return q.MakePrimary(ctx, id, addressID) })
	if errors.Is(err, store.ErrNotFound) {
		return ErrAddressNotVerified
	}
	if err != nil {
		return fmt.Errorf("accounts: main address of %d: %w", id, err)
	}
	return nil
}

// RemoveAddress removes one of a person's addresses; the main one stays (as does one that
// is not theirs): ErrAddressIsPrimary.
func (a *Accounts) RemoveAddress(ctx context.Context, id, addressID int64) error {
	err := a.db.Tx(ctx, func(q *store.Queries) error { return q.RemoveEmailAddress(ctx, id, addressID) })
	if errors.Is(err, store.ErrNotFound) {
		return ErrAddressIsPrimary
	}
	if err != nil {
		return fmt.Errorf("accounts: remove address of %d: %w", id, err)
	}
	return nil
}

// MarkInboxRead marks all of a person's inbox notifications as read.
func (a *Accounts) MarkInboxRead(ctx context.Context, id int64) error {
	if err := a.db.Tx(ctx, func(q *store.Queries) error { return q.MarkAllRead(ctx, id) }); err != nil {
		return fmt.Errorf("accounts: mark inbox of %d read: %w", id, err)
	}
	return nil
}

// WithdrawConsent forgets that a person allowed a service (an OpenID Connect client) to know
// them, and revokes the service's tokens for them, in one transaction.
func (a *Accounts) WithdrawConsent(ctx context.Context, id int64, clientID string) error {
	if err := a.db.Tx(ctx, func(q *store.Queries) error { return q.WithdrawOIDCConsent(ctx, id, clientID) }); err != nil {
		return fmt.Errorf("accounts: withdraw consent of %d to %s: %w", id, clientID, err)
	}
	return nil
}
