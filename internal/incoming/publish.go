package incoming

import (
	"context"
	"errors"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/store"
)

// text is the mail's text, or a note when it has none (a mail of attachments only).
func (s *Service) text(m *Mail, lang string) string {
	t := m.Text
	if strings.TrimSpace(t) == "" { // as the conversations and comments judge it
		t = s.catalog.Printer(lang).T("lmtp.no_text")
	}
	for _, name := range m.TooLarge {
		t += "\n\n" + s.catalog.Printer(lang).T("lmtp.too_large", "Name", name, "MB", s.cfg.UploadLimit()>>20)
	}
	return t
}

// toGroup starts a conversation with a group from one of its members (F89).
func (s *Service) toGroup(ctx context.Context, q *store.Queries, author *store.Gestalt, m *Mail, at time.Time) (int64, error) {
	var authorID int64
	if author != nil {
		authorID = author.ID
	}
	groupID, member, err := q.GroupMember(ctx, m.GroupSlug, authorID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, errNoGroup
	}
	if err != nil {
		return 0, err
	}
	if !member {
		return 0, errNotMember
	}
	subject := m.Subject
	if subject == "" {
		subject = s.catalog.Printer(s.cfg.LanguageCode).T("mail.untitled")
	}
	started, err := s.conversations.StartIn(ctx, q, conversations.Message{Author: author, Subject: subject,
		Text: s.text(m, author.Language), GroupID: groupID, Time: at})
	if err != nil {
		return 0, err
	}
	return started.ContributionID, nil
}

// toThread adds a reply to the thread its token names: a comment on a content (internal, as
// in the original) or a message in a conversation (F90).
func (s *Service) toThread(ctx context.Context, q *store.Queries, author *store.Gestalt, m *Mail, at time.Time) (int64, error) {
	token, err := q.TokenBySecret(ctx, store.FeatureReply, m.Token, m.Received)
	if errors.Is(err, store.ErrNotFound) {
		return 0, errUnknownToken
	}
	if err != nil {
		return 0, err
	}
	if author == nil || author.ID != token.GestaltID {
		return 0, errWrongSender
	}
	contentID, conversationID := token.ContentID, int64(0)
	if token.ContributionID != 0 {
		c, err := q.ContributionByID(ctx, token.ContributionID)
		if errors.Is(err, store.ErrNotFound) {
			return 0, errGone
		}
		if err != nil {
			return 0, err
		}
		contentID, conversationID = c.ContentID, c.ConversationID
	}
	if contentID == 0 && conversationID == 0 {
		return 0, errUnknownToken
	}
	a, err := q.AssociationOf(ctx, contentID, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, errGone
	}
	if err != nil {
		return 0, err
	}
	// The token's owner must still be allowed in the thread (they may have left the group).
	v, err := access.Load(ctx, q, author)
	if err != nil {
		return 0, err
	}
	text := s.text(m, author.Language)
	if conversationID != 0 {
		starter, err := q.ConversationStarter(ctx, conversationID)
		if err != nil {
			return 0, err
		}
		if !conversations.CanView(v, a, starter) {
			return 0, errGone
		}
		return s.conversations.ReplyIn(ctx, q, conversationID, author, text, m.InReplyTo, at)
	}
	// A comment by mail is for members only (as in the original), so on a group's content
	// only its members may write one, as on the web form; membership decides, not an old
	// comment or an old reply address.
	if a.GroupID != 0 && !contents.CanWriteInternal(v, a) {
		return 0, errMembersOnly
	}
	if !contents.CanComment(v, a) {
		return 0, errGone
	}
	return s.contents.CommentIn(ctx, q, a, author, text, m.InReplyTo, true, at)
}

// attach stores a mail's attachments below media_root and as file contributions attached to
// its text; it returns the stored names, for the caller to remove when the transaction fails.
func (s *Service) attach(ctx context.Context, q *store.Queries, textID, authorID int64, attachments []Attachment, at time.Time) ([]string, error) {
	if len(attachments) == 0 {
		return nil, nil
	}
	text, err := q.ContributionByID(ctx, textID)
	if err != nil {
		return nil, err
	}
	var saved []string
	for _, att := range attachments {
		name, err := files.SaveBytes(s.cfg.MediaRoot, att.Data, att.Filename)
		if err != nil {
			return saved, err
		}
		saved = append(saved, name)
		fileID, err := q.AddFile(ctx, &store.File{File: name, Filename: att.Filename})
		if err != nil {
			return saved, err
		}
		if _, err := q.AddContribution(ctx, &store.Contribution{ContentID: text.ContentID, ConversationID: text.ConversationID,
			AuthorID: authorID, Kind: "file", FileID: fileID, AttachedToID: textID, TimeCreated: at, Public: text.Public}); err != nil {
			return saved, err
		}
	}
	return saved, nil
}
