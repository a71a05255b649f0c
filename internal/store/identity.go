package store

import (
	"context"
	"fmt"
	"time"
)

// EmailHolder returns the row that holds an address, confirmed or not, ignoring case: the
// address is unique in the store, so whoever holds it blocks others from adding it.
func (q *Queries) EmailHolder(ctx context.Context, email string) (*EmailAddress, error) {
	var a EmailAddress
	err := q.queryRow(ctx, `SELECT id, gestalt_id, email, verified, is_primary FROM email_addresses
		WHERE email_key = ?`, Fold(email)).Scan(&a.ID, &a.GestaltID, &a.Email, &a.Verified, &a.Primary)
	if err != nil {
		return nil, fmt.Errorf("store: holder of e-mail %q: %w", email, classify(err))
	}
	return &a, nil
}

// ReleaseUnconfirmedEmail removes an address that someone added to their account and never
// confirmed (with its confirmation links), so that its real owner can use it; a primary
// address is kept. It tells whether a row was removed.
func (q *Queries) ReleaseUnconfirmedEmail(ctx context.Context, email string) (bool, error) {
	res, err := q.exec(ctx, `DELETE FROM email_addresses WHERE email_key = ? AND NOT verified AND NOT is_primary`, Fold(email))
	if err != nil {
		return false, fmt.Errorf("store: release e-mail %q: %w", email, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: release e-mail %q: %w", email, err)
	}
	return n > 0, nil
}

// ReplacePassword gives a person a new password hash because they changed or reset it: the
// access tokens that services got with the old one (OpenID Connect) end with it, as the
// web sessions do (they carry a stamp of the hash). Run it inside Tx.
func (q *Queries) ReplacePassword(ctx context.Context, id int64, hash string) error {
	if err := q.SetPassword(ctx, id, hash); err != nil {
		return err
	}
	if _, err := q.exec(ctx, `DELETE FROM oidc_tokens WHERE gestalt_id = ?`, id); err != nil {
		return fmt.Errorf("store: revoke the access tokens of %d: %w", id, err)
	}
	return nil
}

// EmailConfirmation returns the address that a confirmation key would confirm.
func (q *Queries) EmailConfirmation(ctx context.Context, key string) (*EmailAddress, error) {
	var a EmailAddress
	err := q.queryRow(ctx, `SELECT e.id, e.gestalt_id, e.email, e.verified, e.is_primary FROM email_confirmations c
		JOIN email_addresses e ON e.id = c.email_address_id WHERE c.key = ?`, key).
		Scan(&a.ID, &a.GestaltID, &a.Email, &a.Verified, &a.Primary)
	if err != nil {
		return nil, fmt.Errorf("store: e-mail confirmation: %w", classify(err))
	}
	return &a, nil
}

// VerifyEmailAddress marks an address as confirmed by its owner.
func (q *Queries) VerifyEmailAddress(ctx context.Context, id int64) error {
	return q.updateOne(ctx, "verify e-mail address", `UPDATE email_addresses SET verified = TRUE WHERE id = ?`, id)
}

// PendingSignup is a signup waiting for its mailed link: the password is chosen and the
// account made (or a shadow account claimed) only when the address's owner follows it.
type PendingSignup struct {
	ID       int64
	Email    string
	Language string
	Key      string
	Created  time.Time
}

// CreatePendingSignup stores a signup until its link is followed.
func (q *Queries) CreatePendingSignup(ctx context.Context, p *PendingSignup) error {
	id, err := q.insert(ctx, `INSERT INTO pending_signups (email, email_key, language, key, created_at)
		VALUES (?, ?, ?, ?, ?)`, p.Email, Fold(p.Email), p.Language, p.Key, p.Created)
	if err != nil {
		return fmt.Errorf("store: pending signup: %w", err)
	}
	p.ID = id
	return nil
}

// PendingSignupByKey returns the signup of a link made after notBefore.
func (q *Queries) PendingSignupByKey(ctx context.Context, key string, notBefore time.Time) (*PendingSignup, error) {
	var p PendingSignup
	err := q.queryRow(ctx, `SELECT id, email, language, key, created_at FROM pending_signups
		WHERE key = ? AND created_at >= ?`, key, notBefore).Scan(&p.ID, &p.Email, &p.Language, &p.Key, &p.Created)
	if err != nil {
		return nil, fmt.Errorf("store: pending signup: %w", classify(err))
	}
	return &p, nil
}

// DeletePendingSignups removes every signup waiting for an address (after one was confirmed).
func (q *Queries) DeletePendingSignups(ctx context.Context, email string) error {
	if _, err := q.exec(ctx, `DELETE FROM pending_signups WHERE email_key = ?`, Fold(email)); err != nil {
		return fmt.Errorf("store: delete pending signups: %w", err)
	}
	return nil
}

// MarkSenderUnconfirmed records that a contribution was sent in the name of an address whose
// owner has not confirmed it yet; key is the secret of the link that confirms it.
func (q *Queries) MarkSenderUnconfirmed(ctx context.Context, contributionID int64, key string, now time.Time) error {
	if _, err := q.exec(ctx, `INSERT INTO unconfirmed_senders (contribution_id, key, created_at) VALUES (?, ?, ?)`,
		contributionID, key, now); err != nil {
		return fmt.Errorf("store: unconfirmed sender of %d: %w", contributionID, err)
	}
	return nil
}

// ConfirmSender confirms the sender of a contribution by the key of its link and returns the
// contribution's id.
func (q *Queries) ConfirmSender(ctx context.Context, key string) (int64, error) {
	var id int64
	if err := q.queryRow(ctx, `SELECT contribution_id FROM unconfirmed_senders WHERE key = ?`, key).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: confirm sender: %w", classify(err))
	}
	if _, err := q.exec(ctx, `DELETE FROM unconfirmed_senders WHERE contribution_id = ?`, id); err != nil {
		return 0, fmt.Errorf("store: confirm sender: %w", err)
	}
	return id, nil
}

// UnconfirmedSenders tells which of the contributions were sent in the name of an address
// that is not confirmed yet.
func (q *Queries) UnconfirmedSenders(ctx context.Context, contributionIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(contributionIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(contributionIDs))
	for i, id := range contributionIDs {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT contribution_id FROM unconfirmed_senders WHERE contribution_id IN (`+
		placeholders(len(args))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unconfirmed senders: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: unconfirmed senders: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}
