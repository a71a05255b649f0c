package store

import (
	"context"
	"fmt"
	"time"
)

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
		WHERE n.receiver_id = ? AND `+inboxVisible()+` ORDER BY n.created_on DESC, n.id DESC LIMIT ? OFFSET ?`, receiverID, limit, offset)
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

// inboxFrom joins an inbox entry with what it announces.
const inboxFrom = `FROM inbox_notifications n
		LEFT JOIN contributions x ON x.id = n.contribution_id
		JOIN associations a ON a.deleted IS NULL AND (a.content_id = COALESCE(n.content_id, x.content_id)
			OR a.conversation_id = x.conversation_id)`

// inboxVisible keeps the entries whose item the receiver may still see: a content as
// visibleTo says (so that leaving a group takes its internal titles out of the inbox too),
// a comment of it only when it is public or the receiver may read internal comments (a
// member of its group, or the content is their own); messages stay with their participants.
// internal/contents/visibility_test.go holds it to contents.CanView and CanViewInternal.
func inboxVisible() string {
	return `(a.conversation_id IS NOT NULL OR (` + visibleToPersonIn("n.receiver_id") +
		` AND (COALESCE(x.public, TRUE) OR a.gestalt_id = n.receiver_id OR ` + memberIn("n.receiver_id") + `)))`
}

// UnreadCount counts a person's unread inbox entries (those they may still see).
func (q *Queries) UnreadCount(ctx context.Context, receiverID int64) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) `+inboxFrom+` WHERE n.receiver_id = ? AND NOT n.is_read AND `+inboxVisible(),
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
