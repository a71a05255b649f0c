package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// CreateConversation inserts a conversation (its messages are contributions).
func (q *Queries) CreateConversation(ctx context.Context, subject string) (int64, error) {
	id, err := q.insert(ctx, `INSERT INTO conversations (subject) VALUES (?)`, subject)
	if err != nil {
		return 0, fmt.Errorf("store: create conversation: %w", err)
	}
	return id, nil
}

// ConversationSubject returns a conversation's subject.
func (q *Queries) ConversationSubject(ctx context.Context, id int64) (string, error) {
	var s string
	if err := q.queryRow(ctx, `SELECT subject FROM conversations WHERE id = ?`, id).Scan(&s); err != nil {
		return "", fmt.Errorf("store: conversation %d: %w", id, classify(err))
	}
	return s, nil
}

// ConversationItem is a conversation as lists show it.
type ConversationItem struct {
	AssociationID int64
	Subject       string
	Messages      int
	Latest        time.Time
	LastAuthor    EntityRef
	// LastByGuest: the last message was sent in the name of an address that its owner has
	// not confirmed; LastAuthor is empty then.
	LastByGuest bool
}

// ConversationStarter is the author of a conversation's first message.
func (q *Queries) ConversationStarter(ctx context.Context, conversationID int64) (int64, error) {
	c, err := q.FirstContribution(ctx, 0, conversationID)
	if err != nil {
		return 0, err
	}
	return c.AuthorID, nil
}

// GroupConversations lists a group's conversations, the latest activity first: all of them
// for members (all true), else those the viewer started.
func (q *Queries) GroupConversations(ctx context.Context, groupID, viewerID int64, all bool, limit, offset int) ([]*ConversationItem, error) {
	filter := ""
	args := []any{groupID}
	if !all {
		filter = ` AND (SELECT x.author_id FROM contributions x WHERE x.conversation_id = a.conversation_id
			ORDER BY x.time_created, x.id LIMIT 1) = ?`
		args = append(args, viewerID)
	}
	args = append(args, limit, offset)
	rows, err := q.query(ctx, `WITH page AS (
			SELECT a.id AS aid, a.conversation_id AS cid,
				(SELECT MAX(c.time_created) FROM contributions c WHERE c.conversation_id = a.conversation_id AND c.deleted IS NULL) AS latest
			FROM associations a WHERE a.group_id = ? AND a.conversation_id IS NOT NULL AND a.deleted IS NULL`+filter+`
			ORDER BY latest DESC, a.id DESC LIMIT ? OFFSET ?)
		SELECT page.aid, cv.subject,
			(SELECT COUNT(*) FROM contributions c WHERE c.conversation_id = page.cid AND c.deleted IS NULL AND c.kind = 'text'),
			last.time_created, COALESCE(g.id, 0), COALESCE(g.username, ''), COALESCE(g.first_name, ''),
			COALESCE(g.last_name, ''), COALESCE(g.avatar_color, ''), us.contribution_id IS NOT NULL
		FROM page JOIN conversations cv ON cv.id = page.cid
		LEFT JOIN contributions last ON last.id = (SELECT c.id FROM contributions c WHERE c.conversation_id = page.cid
			AND c.deleted IS NULL ORDER BY c.time_created DESC, c.id DESC LIMIT 1)
		LEFT JOIN unconfirmed_senders us ON us.contribution_id = last.id
		LEFT JOIN gestalten g ON g.id = last.author_id AND us.contribution_id IS NULL
		ORDER BY page.latest DESC, page.aid DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: conversations of group %d: %w", groupID, err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*ConversationItem, error) {
		var c ConversationItem
		var latest sql.Null[time.Time]
		err := r.Scan(&c.AssociationID, &c.Subject, &c.Messages, &latest, &c.LastAuthor.ID, &c.LastAuthor.Slug,
			&c.LastAuthor.FirstName, &c.LastAuthor.LastName, &c.LastAuthor.Color, &c.LastByGuest)
		c.Latest = latest.V
		return &c, err
	})
}
