package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"
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

// Name is the display name.
func (r *Recipient) Name() string {
	g := Gestalt{Username: r.Username, FirstName: r.FirstName, LastName: r.LastName}
	return g.Name()
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

// Token is a secret that stands for a person in a link or address (reply-by-mail, calendar
// feeds, confirmations). Its target is at most one of the *ID fields.
type Token struct {
	ID             int64
	GestaltID      int64
	Secret         string
	Feature        string
	Created        time.Time
	ExpiresAt      time.Time // zero: never
	GroupID        int64
	ContentID      int64
	ContributionID int64
	ConversationID int64
}

// Token features, as the Django grouprise named them.
const (
	FeatureReply       = "notification-reply"
	FeatureCalendar    = "calendar"
	FeatureJoin        = "group-join"
	FeatureResign      = "group-resign"
	FeatureUnsubscribe = "group-unsubscribe"
	// FeaturePasswordReset is new: the Django grouprise made reset links without a table.
	FeaturePasswordReset = "password-reset"
)

// NewSecret is 15 random characters of [a-z0-9], the form of the original's tokens.
func NewSecret() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 0, 15)
	buf := make([]byte, 32)
	for len(out) < 15 {
		rand.Read(buf)
		for _, b := range buf {
			// 252 = 7 × 36: larger bytes are dropped, so every letter is equally likely.
			if b < 252 && len(out) < 15 {
				out = append(out, letters[b%36])
			}
		}
	}
	return string(out)
}

// CreateToken stores a token with a new secret (unless one is set).
func (q *Queries) CreateToken(ctx context.Context, t *Token) error {
	if t.Secret == "" {
		t.Secret = NewSecret()
	}
	var expires any
	if !t.ExpiresAt.IsZero() {
		expires = t.ExpiresAt
	}
	id, err := q.insert(ctx, `INSERT INTO permission_tokens (gestalt_id, secret_key, feature_key, time_created, expires_at,
		group_id, content_id, contribution_id, conversation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.GestaltID, t.Secret, t.Feature, t.Created, expires, nullID(t.GroupID), nullID(t.ContentID),
		nullID(t.ContributionID), nullID(t.ConversationID))
	if err != nil {
		return fmt.Errorf("store: create token: %w", err)
	}
	t.ID = id
	return nil
}

// CreateTokens stores many tokens at once (the reply addresses of a fan-out), giving each a
// new secret unless it has one.
func (q *Queries) CreateTokens(ctx context.Context, tokens []*Token) error {
	rows := make([][]any, len(tokens))
	for i, t := range tokens {
		if t.Secret == "" {
			t.Secret = NewSecret()
		}
		var expires any
		if !t.ExpiresAt.IsZero() {
			expires = t.ExpiresAt
		}
		rows[i] = []any{t.GestaltID, t.Secret, t.Feature, t.Created, expires, nullID(t.GroupID), nullID(t.ContentID),
			nullID(t.ContributionID), nullID(t.ConversationID)}
	}
	return q.insertMany(ctx, "permission_tokens", []string{"gestalt_id", "secret_key", "feature_key", "time_created",
		"expires_at", "group_id", "content_id", "contribution_id", "conversation_id"}, rows)
}

const tokenColumns = `id, gestalt_id, secret_key, feature_key, time_created, expires_at, COALESCE(group_id, 0),
	COALESCE(content_id, 0), COALESCE(contribution_id, 0), COALESCE(conversation_id, 0)`

func scanToken(r interface{ Scan(...any) error }) (*Token, error) {
	var t Token
	var expires *time.Time
	err := r.Scan(&t.ID, &t.GestaltID, &t.Secret, &t.Feature, &t.Created, &expires, &t.GroupID, &t.ContentID,
		&t.ContributionID, &t.ConversationID)
	if err != nil {
		return nil, classify(err)
	}
	if expires != nil {
		t.ExpiresAt = *expires
	}
	return &t, nil
}

// TokenBySecret finds a token of a feature by its secret; expired tokens are not found.
func (q *Queries) TokenBySecret(ctx context.Context, feature, secret string, now time.Time) (*Token, error) {
	t, err := scanToken(q.queryRow(ctx, `SELECT `+tokenColumns+` FROM permission_tokens
		WHERE secret_key = ? AND feature_key = ? AND (expires_at IS NULL OR expires_at > ?)`, secret, feature, now))
	if err != nil {
		return nil, fmt.Errorf("store: token: %w", err)
	}
	return t, nil
}

// GroupTokens returns, for each of the people, their token of a feature for a group, making
// the missing ones (one unsubscribe link per person and group serves every mail).
func (q *Queries) GroupTokens(ctx context.Context, groupID int64, feature string, gestaltIDs []int64, now time.Time) (map[int64]*Token, error) {
	rows, err := q.query(ctx, `SELECT `+tokenColumns+` FROM permission_tokens
		WHERE group_id = ? AND feature_key = ? AND expires_at IS NULL ORDER BY id`, groupID, feature)
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	existing, err := collect(rows, scanToken)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Token, len(gestaltIDs))
	for _, t := range existing {
		if _, ok := out[t.GestaltID]; !ok {
			out[t.GestaltID] = t
		}
	}
	var missing []*Token
	for _, id := range gestaltIDs {
		if _, ok := out[id]; !ok {
			t := &Token{GestaltID: id, GroupID: groupID, Feature: feature, Created: now}
			out[id] = t
			missing = append(missing, t)
		}
	}
	if err := q.CreateTokens(ctx, missing); err != nil {
		return nil, err
	}
	return out, nil
}

// InboxRow is one entry of a person's activity inbox: a new content or contribution.
type InboxRow struct {
	ReceiverID, ContentID, ContributionID int64
}

// AddInboxNotifications adds rows to people's activity inboxes.
func (q *Queries) AddInboxNotifications(ctx context.Context, list []InboxRow, now time.Time) error {
	rows := make([][]any, len(list))
	for i, r := range list {
		rows[i] = []any{r.ReceiverID, nullID(r.ContentID), nullID(r.ContributionID), now, false}
	}
	return q.insertMany(ctx, "inbox_notifications", []string{"receiver_id", "content_id", "contribution_id",
		"created_on", "is_read"}, rows)
}

// SiteSetting returns a value stored for the whole site, or fallback.
func (q *Queries) SiteSetting(ctx context.Context, key, fallback string) (string, error) {
	var v string
	err := q.queryRow(ctx, `SELECT value FROM site_settings WHERE key = ?`, key).Scan(&v)
	if err = classify(err); errors.Is(err, ErrNotFound) {
		return fallback, nil
	} else if err != nil {
		return "", fmt.Errorf("store: site setting %s: %w", key, err)
	}
	return v, nil
}

// SetSiteSetting stores a value for the whole site.
func (q *Queries) SetSiteSetting(ctx context.Context, key, value string) error {
	_, err := q.exec(ctx, `INSERT INTO site_settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: site setting %s: %w", key, err)
	}
	return nil
}

// DeleteTokens removes a person's tokens of a feature.
func (q *Queries) DeleteTokens(ctx context.Context, gestaltID int64, feature string) error {
	if _, err := q.exec(ctx, `DELETE FROM permission_tokens WHERE gestalt_id = ? AND feature_key = ?`, gestaltID, feature); err != nil {
		return fmt.Errorf("store: delete tokens: %w", err)
	}
	return nil
}

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

// DeleteToken removes one token (after its one use).
func (q *Queries) DeleteToken(ctx context.Context, id int64) error {
	if _, err := q.exec(ctx, `DELETE FROM permission_tokens WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: delete token: %w", err)
	}
	return nil
}

// InboxItem is an entry of a person's activity inbox, with what it points to.
type InboxItem struct {
	ID             int64
	Created        time.Time
	Read           bool
	AssociationID  int64
	Conversation   bool   // the item is a message (else a content or a comment)
	Title          string // the content's title or the conversation's subject
	Author         string
	Entity         EntityRef
	ContributionID int64
}

// Inbox lists a person's activity, newest first.
func (q *Queries) Inbox(ctx context.Context, receiverID int64, limit, offset int) ([]*InboxItem, error) {
	rows, err := q.query(ctx, `SELECT n.id, n.created_on, n.is_read, a.id, a.conversation_id IS NOT NULL,
			COALESCE(co.title, cv.subject, ''), au.username, au.first_name, au.last_name,
			COALESCE(gr.slug, ge.username, ''), COALESCE(gr.name, ''), COALESCE(ge.first_name, ''), COALESCE(ge.last_name, ''),
			gr.id IS NOT NULL, COALESCE(n.contribution_id, 0),
			n.contribution_id IS NULL AND gr.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM memberships m
				WHERE m.group_id = gr.id AND m.member_id = n.receiver_id)
		`+inboxFrom+`
		LEFT JOIN contents co ON co.id = a.content_id
		LEFT JOIN conversations cv ON cv.id = a.conversation_id
		LEFT JOIN groups gr ON gr.id = a.group_id
		LEFT JOIN gestalten ge ON ge.id = a.gestalt_id
		JOIN gestalten au ON au.id = COALESCE(x.author_id, (SELECT v.author_id FROM content_versions v
			WHERE v.content_id = n.content_id ORDER BY v.time_created, v.id LIMIT 1))
		WHERE n.receiver_id = ? AND `+inboxVisible+` ORDER BY n.created_on DESC, n.id DESC LIMIT ? OFFSET ?`, receiverID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: inbox of %d: %w", receiverID, err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*InboxItem, error) {
		var it InboxItem
		var user, first, last string
		var groupOnly bool
		err := r.Scan(&it.ID, &it.Created, &it.Read, &it.AssociationID, &it.Conversation, &it.Title, &user, &first, &last,
			&it.Entity.Slug, &it.Entity.Name, &it.Entity.FirstName, &it.Entity.LastName, &it.Entity.IsGroup, &it.ContributionID,
			&groupOnly)
		it.Author = (&Gestalt{Username: user, FirstName: first, LastName: last}).Name()
		if groupOnly {
			// Who wrote a group's content is for its members; others see the group, as on
			// its page.
			it.Author = it.Entity.Name
		}
		return &it, err
	})
}

// inboxFrom joins an inbox entry with what it announces; inboxVisible keeps the entries
// whose item the receiver may still see: an internal content or comment only while they are
// a member of its group (or it is their own), so that leaving a group takes its internal
// titles out of the inbox too. Conversations stay with their participants.
const (
	inboxFrom = `FROM inbox_notifications n
		LEFT JOIN contributions x ON x.id = n.contribution_id
		JOIN associations a ON a.deleted IS NULL AND (a.content_id = COALESCE(n.content_id, x.content_id)
			OR a.conversation_id = x.conversation_id)`
	inboxVisible = `(a.conversation_id IS NOT NULL
		OR (a.public AND COALESCE(x.public, TRUE))
		OR (a.group_id IS NULL AND a.gestalt_id = n.receiver_id)
		OR EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = a.group_id AND m.member_id = n.receiver_id))`
)

// UnreadCount counts a person's unread inbox entries (those they may still see).
func (q *Queries) UnreadCount(ctx context.Context, receiverID int64) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) `+inboxFrom+` WHERE n.receiver_id = ? AND NOT n.is_read AND `+inboxVisible,
		receiverID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: unread count: %w", classify(err))
	}
	return n, nil
}

// MarkAllRead marks a person's inbox as read.
func (q *Queries) MarkAllRead(ctx context.Context, receiverID int64) error {
	if _, err := q.exec(ctx, `UPDATE inbox_notifications SET is_read = TRUE WHERE receiver_id = ? AND NOT is_read`, receiverID); err != nil {
		return fmt.Errorf("store: mark read: %w", err)
	}
	return nil
}

// StoredTokens returns a person's tokens of a feature for a group (groupID 0: for
// themselves), oldest first.
func (q *Queries) StoredTokens(ctx context.Context, gestaltID int64, feature string, groupID int64) ([]*Token, error) {
	target := "group_id = ?"
	args := []any{gestaltID, feature, groupID}
	if groupID == 0 {
		target = "group_id IS NULL AND content_id IS NULL AND contribution_id IS NULL AND conversation_id IS NULL"
		args = args[:2]
	}
	rows, err := q.query(ctx, `SELECT `+tokenColumns+` FROM permission_tokens
		WHERE gestalt_id = ? AND feature_key = ? AND `+target+` AND expires_at IS NULL ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: tokens of %d: %w", gestaltID, err)
	}
	return collect(rows, scanToken)
}
