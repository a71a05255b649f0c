package store

import (
	"context"
	"fmt"
	"time"
)

// CreateEmailConfirmation stores the key of a link that confirms an address.
func (q *Queries) CreateEmailConfirmation(ctx context.Context, addressID int64, key string, now time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO email_confirmations (email_address_id, key, created_at, sent_at) VALUES (?, ?, ?, ?)`,
		addressID, key, now, now)
	if err != nil {
		return fmt.Errorf("store: email confirmation: %w", err)
	}
	return nil
}

// ConfirmEmail marks the address of a confirmation key created after notBefore as verified and
// removes the address's confirmation keys; ErrNotFound for an unknown or expired key.
func (q *Queries) ConfirmEmail(ctx context.Context, key string, notBefore time.Time) (*EmailAddress, error) {
	var a EmailAddress
	err := q.queryRow(ctx, `SELECT e.id, e.gestalt_id, e.email, e.verified, e.is_primary FROM email_confirmations c
		JOIN email_addresses e ON e.id = c.email_address_id WHERE c.key = ? AND c.created_at >= ?`, key, notBefore).
		Scan(&a.ID, &a.GestaltID, &a.Email, &a.Verified, &a.Primary)
	if err != nil {
		return nil, fmt.Errorf("store: confirm e-mail: %w", classify(err))
	}
	if _, err := q.exec(ctx, `UPDATE email_addresses SET verified = TRUE WHERE id = ?`, a.ID); err != nil {
		return nil, fmt.Errorf("store: confirm e-mail: %w", err)
	}
	if _, err := q.exec(ctx, `DELETE FROM email_confirmations WHERE email_address_id = ?`, a.ID); err != nil {
		return nil, fmt.Errorf("store: confirm e-mail: %w", err)
	}
	a.Verified = true
	return &a, nil
}
