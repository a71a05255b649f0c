package store

import (
	"context"
	"errors"
	"fmt"
)

// FediverseConversations tells whether a group takes posts that mention it in the Fediverse
// as conversations with its members (off unless the group chose so).
func (q *Queries) FediverseConversations(ctx context.Context, groupID int64) (bool, error) {
	var on bool
	err := classify(q.queryRow(ctx, `SELECT conversations FROM activitypub_group_settings WHERE group_id = ?`, groupID).Scan(&on))
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store: fediverse conversations of %d: %w", groupID, err)
	}
	return on, nil
}

// SetFediverseConversations records a group's choice to take posts that mention it as
// conversations; visible is its visibility when it has chosen none yet (the default).
func (q *Queries) SetFediverseConversations(ctx context.Context, groupID int64, on, visible bool) error {
	_, err := q.exec(ctx, `INSERT INTO activitypub_group_settings (group_id, visible, conversations) VALUES (?, ?, ?)
		ON CONFLICT (group_id) DO UPDATE SET conversations = excluded.conversations`, groupID, visible, on)
	if err != nil {
		return fmt.Errorf("store: set fediverse conversations of %d: %w", groupID, classify(err))
	}
	return nil
}

// ConversationNote is a message of a conversation with somebody in the Fediverse and its
// Note: the remote author's (ActorID names the author) or the group's answer (ActorID "").
type ConversationNote struct {
	ContributionID int64
	ConversationID int64
	NoteID         string
	ActorID        string
}

const conversationNoteColumns = `n.contribution_id, n.conversation_id, n.note_id, n.actor_id`

func scanConversationNote(r interface{ Scan(...any) error }) (*ConversationNote, error) {
	var n ConversationNote
	if err := classify(r.Scan(&n.ContributionID, &n.ConversationID, &n.NoteID, &n.ActorID)); err != nil {
		return nil, err
	}
	return &n, nil
}

// ConversationNotesByActor are the messages that came from one remote actor's Notes.
func (q *Queries) ConversationNotesByActor(ctx context.Context, actorID string) ([]ConversationNote, error) {
	rows, err := q.query(ctx, `SELECT `+conversationNoteColumns+` FROM activitypub_conversation_notes n
		WHERE n.actor_id = ? ORDER BY n.contribution_id`, actorID)
	if err != nil {
		return nil, fmt.Errorf("store: conversation notes of %s: %w", actorID, classify(err))
	}
	defer rows.Close()
	var out []ConversationNote
	for rows.Next() {
		n, err := scanConversationNote(rows)
		if err != nil {
			return nil, fmt.Errorf("store: conversation notes of %s: %w", actorID, err)
		}
		out = append(out, *n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: conversation notes of %s: %w", actorID, classify(err))
	}
	return out, nil
}

// AddConversationNote ties a message to its Note; ErrConflict when the Note has a message.
func (q *Queries) AddConversationNote(ctx context.Context, n ConversationNote) error {
	_, err := q.exec(ctx, `INSERT INTO activitypub_conversation_notes (contribution_id, conversation_id, note_id, actor_id)
		VALUES (?, ?, ?, ?)`, n.ContributionID, n.ConversationID, n.NoteID, n.ActorID)
	if err != nil {
		return fmt.Errorf("store: add conversation note %s: %w", n.NoteID, classify(err))
	}
	return nil
}

// ConversationNoteByNote finds the message of a Note; ErrNotFound when there is none.
func (q *Queries) ConversationNoteByNote(ctx context.Context, noteID string) (*ConversationNote, error) {
	n, err := scanConversationNote(q.queryRow(ctx, `SELECT `+conversationNoteColumns+`
		FROM activitypub_conversation_notes n WHERE n.note_id = ?`, noteID))
	if err != nil {
		return nil, fmt.Errorf("store: conversation note %s: %w", noteID, err)
	}
	return n, nil
}

// ConversationNoteByContribution finds the Note of a message; ErrNotFound when it has none.
func (q *Queries) ConversationNoteByContribution(ctx context.Context, id int64) (*ConversationNote, error) {
	n, err := scanConversationNote(q.queryRow(ctx, `SELECT `+conversationNoteColumns+`
		FROM activitypub_conversation_notes n WHERE n.contribution_id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: conversation note of message %d: %w", id, err)
	}
	return n, nil
}

// LatestRemoteNote is the remote author's latest Note in a conversation before the message
// before (one not deleted first); ErrNotFound when the conversation is not one with the
// Fediverse.
func (q *Queries) LatestRemoteNote(ctx context.Context, conversationID, before int64) (*ConversationNote, error) {
	n, err := scanConversationNote(q.queryRow(ctx, `SELECT `+conversationNoteColumns+`
		FROM activitypub_conversation_notes n JOIN contributions c ON c.id = n.contribution_id
		WHERE n.conversation_id = ? AND n.actor_id <> '' AND n.contribution_id < ?
		ORDER BY CASE WHEN c.deleted IS NULL THEN 0 ELSE 1 END, n.contribution_id DESC LIMIT 1`, conversationID, before))
	if err != nil {
		return nil, fmt.Errorf("store: latest remote note of conversation %d: %w", conversationID, err)
	}
	return n, nil
}

// RemoteAuthorsOfConversation are the remote authors of a conversation's messages, by gestalt.
func (q *Queries) RemoteAuthorsOfConversation(ctx context.Context, conversationID int64) (map[int64]*RemoteAuthor, error) {
	rows, err := q.query(ctx, `SELECT `+remoteAuthorColumns+` FROM activitypub_remote_authors
		WHERE gestalt_id IN (SELECT author_id FROM contributions WHERE conversation_id = ?)`, conversationID)
	if err != nil {
		return nil, fmt.Errorf("store: remote authors of conversation %d: %w", conversationID, err)
	}
	defer rows.Close()
	m := map[int64]*RemoteAuthor{}
	for rows.Next() {
		a, err := scanRemoteAuthor(rows)
		if err != nil {
			return nil, fmt.Errorf("store: remote authors of conversation %d: %w", conversationID, err)
		}
		m[a.GestaltID] = a
	}
	return m, rows.Err()
}
