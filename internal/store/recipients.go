package store

import (
	"context"
	"fmt"
)

// Recipient is a person as a notification sees them: name, address and preferences.
type Recipient struct {
	ID        int64
	Username  string
	FirstName string
	LastName  string
	Email     string // the primary address; "" if none
	Language  string
	ByEmail   bool
	ByInbox   bool
	ByMatrix  bool
	// CanLogIn is false for shadow accounts (no usable password).
	CanLogIn bool
	// MatrixID is the person's own Matrix ID; "" for the site's default.
	MatrixID string
}

const recipientColumns = `g.id, g.username, g.first_name, g.last_name, COALESCE(e.email, ''), g.language,
	g.receives_email_notifications, g.receives_builtin_inbox_notifications, g.receives_matrix_notifications,
	CASE WHEN g.password = '' OR g.password LIKE '!%' THEN 0 ELSE 1 END, g.matrix_id`

const recipientFrom = ` FROM gestalten g LEFT JOIN email_addresses e ON e.gestalt_id = g.id AND e.is_primary`

func (q *Queries) recipients(ctx context.Context, query string, args ...any) ([]*Recipient, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: recipients: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*Recipient, error) {
		var p Recipient
		return &p, r.Scan(&p.ID, &p.Username, &p.FirstName, &p.LastName, &p.Email, &p.Language,
			&p.ByEmail, &p.ByInbox, &p.ByMatrix, &p.CanLogIn, &p.MatrixID)
	})
}

// SubscriberRecipients are the people following a group.
func (q *Queries) SubscriberRecipients(ctx context.Context, groupID int64) ([]*Recipient, error) {
	return q.recipients(ctx, `SELECT `+recipientColumns+recipientFrom+`
		JOIN subscriptions s ON s.subscriber_id = g.id WHERE s.group_id = ? AND g.is_active ORDER BY g.id`, groupID)
}

// SubscribedMemberRecipients are the members of a group who also follow it.
func (q *Queries) SubscribedMemberRecipients(ctx context.Context, groupID int64) ([]*Recipient, error) {
	return q.recipients(ctx, `SELECT `+recipientColumns+recipientFrom+`
		JOIN memberships m ON m.member_id = g.id
		JOIN subscriptions s ON s.subscriber_id = g.id AND s.group_id = m.group_id
		WHERE m.group_id = ? AND g.is_active ORDER BY g.id`, groupID)
}

// MemberRecipients are all members of a group.
func (q *Queries) MemberRecipients(ctx context.Context, groupID int64) ([]*Recipient, error) {
	return q.recipients(ctx, `SELECT `+recipientColumns+recipientFrom+`
		JOIN memberships m ON m.member_id = g.id WHERE m.group_id = ? AND g.is_active ORDER BY g.id`, groupID)
}

// RecipientByID is one person as a recipient.
func (q *Queries) RecipientByID(ctx context.Context, id int64) (*Recipient, error) {
	list, err := q.recipients(ctx, `SELECT `+recipientColumns+recipientFrom+` WHERE g.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("store: recipient %d: %w", id, ErrNotFound)
	}
	return list[0], nil
}

// ActiveRecipientsByIDs are the people with these ids whose accounts are active, in the
// order of their ids.
func (q *Queries) ActiveRecipientsByIDs(ctx context.Context, ids []int64) ([]*Recipient, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return q.recipients(ctx, `SELECT `+recipientColumns+recipientFrom+` WHERE g.id IN (`+placeholders(len(ids))+`) AND g.is_active ORDER BY g.id`, args...)
}

// Name is the display name.
func (r *Recipient) Name() string {
	g := Gestalt{Username: r.Username, FirstName: r.FirstName, LastName: r.LastName}
	return g.Name()
}
