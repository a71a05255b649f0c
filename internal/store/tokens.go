package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"
)

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
	if len(gestaltIDs) == 0 {
		return map[int64]*Token{}, nil
	}
	args := []any{groupID, feature}
	for _, id := range gestaltIDs {
		args = append(args, id)
	}
	rows, err := q.query(ctx, `SELECT `+tokenColumns+` FROM permission_tokens
		WHERE group_id = ? AND feature_key = ? AND expires_at IS NULL
		AND gestalt_id IN (`+placeholders(len(gestaltIDs))+`) ORDER BY id`, args...)
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

// DeleteTokens removes a person's tokens of a feature.
func (q *Queries) DeleteTokens(ctx context.Context, gestaltID int64, feature string) error {
	if _, err := q.exec(ctx, `DELETE FROM permission_tokens WHERE gestalt_id = ? AND feature_key = ?`, gestaltID, feature); err != nil {
		return fmt.Errorf("store: delete tokens: %w", err)
	}
	return nil
}

// DeleteToken removes one token (after its one use).
func (q *Queries) DeleteToken(ctx context.Context, id int64) error {
	if _, err := q.exec(ctx, `DELETE FROM permission_tokens WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: delete token: %w", err)
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
