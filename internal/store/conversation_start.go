package store

import (
	"context"
	"fmt"
)

// StartConversation writes a conversation, its association a and its first message text,
// and sets their ids and conversation ids. On PostgreSQL the three rows go in one statement:
// one round trip instead of three, for every conversation and every mail to a group.
func (q *Queries) StartConversation(ctx context.Context, subject string, a *Association, text *Contribution) (int64, error) {
	if q.d != Postgres {
		id, err := q.CreateConversation(ctx, subject)
		if err != nil {
			return 0, err
		}
		a.ConversationID, text.ConversationID = id, id
		if _, err := q.CreateAssociation(ctx, a); err != nil {
			return 0, err
		}
		if _, err := q.AddContribution(ctx, text); err != nil {
			return 0, err
		}
		return id, nil
	}
	if text.Kind == "" {
		text.Kind = "text"
	}
	var slug any
	if a.Slug != "" {
		slug = a.Slug
	}
	var id int64
	err := q.queryRow(ctx, `WITH conversation AS (INSERT INTO conversations (subject) VALUES (?) RETURNING id),
		association AS (INSERT INTO associations (conversation_id, group_id, gestalt_id, public, pinned, slug)
			VALUES ((SELECT id FROM conversation), ?, ?, ?, ?, ?) RETURNING id),
		message AS (INSERT INTO contributions (conversation_id, author_id, kind, text, file_id, application_id,
			in_reply_to_id, attached_to_id, time_created, public)
			VALUES ((SELECT id FROM conversation), ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id)
		SELECT (SELECT id FROM conversation), (SELECT id FROM association), (SELECT id FROM message)`,
		subject, nullID(a.GroupID), nullID(a.GestaltID), a.Public, a.Pinned, slug,
		text.AuthorID, text.Kind, text.Text, nullID(text.FileID), nullID(text.ApplicationID),
		nullID(text.InReplyToID), nullID(text.AttachedToID), text.TimeCreated, text.Public).Scan(&id, &a.ID, &text.ID)
	if err != nil {
		return 0, fmt.Errorf("store: start conversation: %w", classify(err))
	}
	a.ConversationID, text.ConversationID = id, id
	return id, nil
}
