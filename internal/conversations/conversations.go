// Package conversations starts private threads with a group or a person, adds messages to
// them, and carries membership applications to closed groups.
package conversations

import (
	"context"
	"errors"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
)

// Errors a person can fix.
var (
	ErrSubjectMissing = errors.New("a message needs a subject")
	ErrTextMissing    = errors.New("a message needs a text")
	ErrTooLong        = errors.New("the subject has at most 255 characters")
)

// Conversations starts and continues conversations.
type Conversations struct {
	db  *store.DB
	now func() time.Time
	fed Fediverse // nil: no conversations with the Fediverse
}

// New returns the conversation service.
func New(db *store.DB) *Conversations { return &Conversations{db: db, now: time.Now} }

// Fediverse passes the answers in conversations that somebody in the Fediverse started on to
// that person (*federation.Service).
type Fediverse interface {
	// MessageAdded runs in the transaction that adds a message to a conversation: it queues
	// the message's delivery when the conversation is one with the Fediverse.
	MessageAdded(ctx context.Context, q *store.Queries, conversationID, contributionID, authorID int64, at time.Time) error
}

// WithFediverse sends the members' answers in conversations with the Fediverse there.
func (c *Conversations) WithFediverse(f Fediverse) *Conversations { c.fed = f; return c }

// Started is a new conversation: its association (the page is /stadt/conversations/<id>/).
type Started struct {
	AssociationID, ConversationID, ContributionID int64
}

// Message is a first message.
type Message struct {
	Author  *store.Gestalt
	Subject string
	Text    string
	// GroupID or GestaltID is the addressee.
	GroupID, GestaltID int64
	// Apply makes the message a membership application (closed groups).
	Apply bool
	// Time is when it was written (a mail's date); zero for now.
	Time time.Time
}

func check(subject, text string) error {
	switch {
	case strings.TrimSpace(subject) == "":
		return ErrSubjectMissing
	case len([]rune(subject)) > 255:
		return ErrTooLong
	case strings.TrimSpace(text) == "":
		return ErrTextMissing
	}
	return nil
}

// Start writes a conversation, its first message (and the application), and its
// notifications in one transaction.
func (c *Conversations) Start(ctx context.Context, m Message) (Started, error) {
	if err := check(m.Subject, m.Text); err != nil {
		return Started{}, err
	}
	var s Started
	err := c.db.Tx(ctx, func(q *store.Queries) error {
		return c.start(ctx, q, m, &s)
	})
	return s, err
}

// StartIn is Start in the caller's transaction (an anonymous sender's shadow account first).
func (c *Conversations) StartIn(ctx context.Context, q *store.Queries, m Message) (Started, error) {
	if err := check(m.Subject, m.Text); err != nil {
		return Started{}, err
	}
	var s Started
	return s, c.start(ctx, q, m, &s)
}

func (c *Conversations) start(ctx context.Context, q *store.Queries, m Message, s *Started) error {
	now := m.Time
	if now.IsZero() {
		now = c.now()
	}
	a := &store.Association{GroupID: m.GroupID, GestaltID: m.GestaltID}
	text := &store.Contribution{AuthorID: m.Author.ID, Text: m.Text, TimeCreated: now, Public: true}
	var err error
	if s.ConversationID, err = q.StartConversation(ctx, strings.TrimSpace(m.Subject), a, text); err != nil {
		return err
	}
	s.AssociationID, s.ContributionID = a.ID, text.ID
	if m.Apply && m.GroupID != 0 {
		appID, err := q.CreateApplication(ctx, m.GroupID, text.ID)
		if err != nil {
			return err
		}
		if _, err := q.AddContribution(ctx, &store.Contribution{ConversationID: s.ConversationID, AuthorID: m.Author.ID,
			Kind: "application", ApplicationID: appID, AttachedToID: text.ID, TimeCreated: now, Public: true}); err != nil {
			return err
		}
	}
	return notify.ContributionCreated(ctx, q, text.ID, now)
}

// Reply adds a message to a conversation (inReplyTo may be 0).
func (c *Conversations) Reply(ctx context.Context, conversationID int64, author *store.Gestalt, text string, inReplyTo int64) (int64, error) {
	var id int64
	err := c.db.Tx(ctx, func(q *store.Queries) error {
		var err error
		id, err = c.ReplyIn(ctx, q, conversationID, author, text, inReplyTo, c.now())
		return err
	})
	return id, err
}

// ReplyIn is Reply in the caller's transaction, written at a given time (a mail's date). A
// reply to a message of another thread is taken as a message of its own.
func (c *Conversations) ReplyIn(ctx context.Context, q *store.Queries, conversationID int64, author *store.Gestalt, text string, inReplyTo int64, at time.Time) (int64, error) {
	if strings.TrimSpace(text) == "" {
		return 0, ErrTextMissing
	}
	if inReplyTo != 0 {
		if parent, err := q.ContributionByID(ctx, inReplyTo); err != nil || parent.ConversationID != conversationID {
			inReplyTo = 0
		}
	}
	id, err := q.AddContribution(ctx, &store.Contribution{ConversationID: conversationID, AuthorID: author.ID, Text: text,
		InReplyToID: inReplyTo, TimeCreated: at, Public: true})
	if err != nil {
		return 0, err
	}
	if c.fed != nil {
		if err := c.fed.MessageAdded(ctx, q, conversationID, id, author.ID, at); err != nil {
			return 0, err
		}
	}
	return id, notify.ContributionCreated(ctx, q, id, at)
}

// CanView: the addressed group's members, the addressed person, and whoever started it
// (starter, the author of its first message) — the same people who hear of its messages.
// Having written in it grants nothing more: a member who leaves the group loses its
// conversations, except the ones she started.
func CanView(v *access.Viewer, a *store.Association, starter int64) bool {
	if !v.LoggedIn() || a.Deleted.Valid {
		return false
	}
	return v.IsMember(a.GroupID) || v.Is(a.GestaltID) || v.Is(starter)
}
