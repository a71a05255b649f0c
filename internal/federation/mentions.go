package federation

import (
	"context"
	"errors"
	"fmt"
	"html"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/mentions"
	"grouprise.org/grouprise/internal/store"
)

// Conversations from the Fediverse: a post that mentions a group whose members chose so
// starts a conversation with them (private to the members, whatever the post's audience),
// written by the author's stand-in. The members' answers go back to the author alone as Notes
// of the group, and the author's replies to them join the conversation.

// Budgets a rolling hour, so that nobody fills the members' mailboxes: new conversations and
// messages in all, of a remote actor, of all actors of a registrable domain (actors cost
// nothing, domains money), and to a group from everywhere.
const (
	maxNewConversations    = 10
	maxRemoteMessages      = 30
	maxDomainConversations = 30
	maxDomainMessages      = 90
	maxGroupConversations  = 60
	maxGroupMessages       = 180
	conversationWindow     = time.Hour
	maxConversationTitle   = 80 // characters of a subject made from the text
	maxTitleWords          = 10
	maxMentionedGroups     = 5 // of our addresses in a post, the first that are looked up
)

func newConversationsKey(actor string) string { return "activitypub.conversations:" + actor }
func remoteMessagesKey(actor string) string   { return "activitypub.messages:" + actor }

// A budget is a count a rolling hour and its bound.
type budget struct {
	key string
	max int
}

// messageBudgets are what a remote actor's message to a group's conversation costs.
func messageBudgets(actor string, groupID int64) []budget {
	group := strconv.FormatInt(groupID, 10)
	return []budget{{remoteMessagesKey(actor), maxRemoteMessages},
		{"activitypub.messages-domain:" + domainOf(actor), maxDomainMessages},
		{"activitypub.messages-group:" + group, maxGroupMessages}}
}

// conversationBudgets are what a remote actor's new conversation with a group costs: its
// first message too.
func conversationBudgets(actor string, groupID int64) []budget {
	group := strconv.FormatInt(groupID, 10)
	return append([]budget{{newConversationsKey(actor), maxNewConversations},
		{"activitypub.conversations-domain:" + domainOf(actor), maxDomainConversations},
		{"activitypub.conversations-group:" + group, maxGroupConversations}},
		messageBudgets(actor, groupID)...)
}

// ConversationsOn tells whether a group takes posts that mention it as conversations.
func (s *Service) ConversationsOn(ctx context.Context, g *store.Group) (bool, error) {
	if !s.Enabled() {
		return false, nil
	}
	return s.db.FediverseConversations(ctx, g.ID)
}

// SetConversations records a group's choice; the caller has checked that the viewer may
// change the group.
func (s *Service) SetConversations(ctx context.Context, g *store.Group, on bool) error {
	if !s.Enabled() {
		return ErrNotFound
	}
	return s.db.Tx(ctx, func(q *store.Queries) error {
		return q.SetFediverseConversations(ctx, g.ID, on, !g.Closed)
	})
}

// takesConversations tells whether a group is visible in the Fediverse and takes
// conversations from there (federation is on).
func takesConversations(ctx context.Context, q *store.Queries, g *store.Group) (bool, error) {
	if ok, err := visibleIn(ctx, q, g); err != nil || !ok {
		return false, err
	}
	return q.FediverseConversations(ctx, g.ID)
}

// conversationPost takes a Create of a Note that is no comment on a content of ours: an
// answer in a conversation with the Fediverse, or a post that mentions a group that takes
// conversations. handled is false for the posts it leaves to reply.
func (s *Service) conversationPost(ctx context.Context, act *activitypub.Activity, post *activitypub.Post) (handled, queued bool, err error) {
	if !activitypub.SameOrigin(post.ID, string(act.Actor)) {
		return false, false, nil // reply refuses it
	}
	if post.InReplyTo != "" {
		n, err := s.db.ConversationNoteByNote(ctx, string(post.InReplyTo))
		if err == nil {
			queued, err := s.answer(ctx, act, post, n)
			return true, queued, err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return true, false, err
		}
		// a reply to a content of ours is a comment
		if _, err := s.db.FediverseObjectByID(ctx, string(post.InReplyTo)); !errors.Is(err, store.ErrNotFound) {
			return err != nil, false, err
		}
	}
	g, err := s.mentionedGroup(ctx, post)
	if err != nil || g == nil {
		return err != nil, false, err
	}
	queued, err = s.startConversation(ctx, act, post, g)
	return true, queued, err
}

// mentionedGroup is the first group the post mentions (a Mention tag or its audience) that
// takes conversations; nil when there is none.
func (s *Service) mentionedGroup(ctx context.Context, post *activitypub.Post) (*store.Group, error) {
	var iris []string
	for _, t := range post.Tag {
		if t.Type == activitypub.TypeMention {
			iris = append(iris, t.Href)
		}
	}
	iris = append(append(iris, post.To...), post.Cc...)
	seen := map[string]bool{}
	for _, iri := range iris {
		if seen[iri] || !strings.HasPrefix(iri, s.base+"/") {
			continue
		}
		// each costs a look-up: a post naming hundreds of our addresses gets a few
		if seen[iri] = true; len(seen) > maxMentionedGroups {
			break
		}
		g, err := s.groupOfActor(ctx, iri)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if ok, err := takesConversations(ctx, s.db.Queries, g); err != nil {
			return nil, err
		} else if ok {
			return g, nil
		}
	}
	return nil, nil
}

// remoteText is a remote post's text for a conversation: sanitised and bounded as replies
// are, without its leading mention of the group.
func (s *Service) remoteText(post *activitypub.Post, g *store.Group) (string, error) {
	text, err := postText(post)
	switch {
	case err != nil:
		return "", fmt.Errorf("%w: note %s: %w", ErrIgnored, post.ID, err)
	case len(text) > MaxReplyText:
		return "", fmt.Errorf("%w: note %s longer than %d bytes", ErrIgnored, post.ID, MaxReplyText)
	}
	if text = withoutMention(text, s.ActorURL(g.Slug)); text == "" {
		return "", fmt.Errorf("%w: note %s without text", ErrIgnored, post.ID)
	}
	return text, nil
}

// withinBudgets refuses a message whose budgets are used up, before anything of it (its
// author's stand-in, an avatar job) is written; spend counts it.
func withinBudgets(ctx context.Context, q *store.Queries, budgets []budget, now time.Time) error {
	for _, b := range budgets {
		n, err := q.Attempts(ctx, b.key, now, conversationWindow)
		if err != nil {
			return err
		}
		if n >= b.max {
			return fmt.Errorf("%w: %s", ErrRateLimited, b.key)
		}
	}
	return nil
}

// spend counts a message of a remote actor in its budgets and refuses it beyond them. It runs
// in the transaction that writes the message, so that only what is written counts.
func spend(ctx context.Context, q *store.Queries, budgets []budget, now time.Time) error {
	for _, b := range budgets {
		n, err := q.AddAttempts(ctx, b.key, 1, now, conversationWindow)
		if err != nil {
			return err
		}
		if n > b.max {
			return fmt.Errorf("%w: %s", ErrRateLimited, b.key)
		}
	}
	return nil
}

// startConversation makes a post that mentions g a conversation with g's members, once per
// Note, notified to them as any conversation.
func (s *Service) startConversation(ctx context.Context, act *activitypub.Activity, post *activitypub.Post, g *store.Group) (bool, error) {
	text, err := s.remoteText(post, g)
	if err != nil {
		return false, err
	}
	if _, err := s.db.ConversationNoteByNote(ctx, post.ID); err == nil {
		return false, fmt.Errorf("%w: note %s taken before", ErrIgnored, post.ID)
	}
	return s.takeNote(ctx, act, post, g, conversationBudgets(string(act.Actor), g.ID),
		func(q *store.Queries, author *store.RemoteAuthor, now time.Time) (store.ConversationNote, error) {
			started, err := conversations.New(s.db).StartIn(ctx, q, conversations.Message{Author: &store.Gestalt{ID: author.GestaltID},
				Subject: subjectOf(post, text), Text: text, GroupID: g.ID, Time: now})
			if err != nil {
				return store.ConversationNote{}, err
			}
			return store.ConversationNote{ContributionID: started.ContributionID, ConversationID: started.ConversationID}, nil
		})
}

// takeNote writes a remote author's Note into a conversation of g by write, once per Note and
// within budgets: checked before the author's stand-in is made (a refused post leaves nothing
// behind) and spent in the transaction that writes, where g's choice to take conversations
// is read again.
func (s *Service) takeNote(ctx context.Context, act *activitypub.Activity, post *activitypub.Post, g *store.Group, budgets []budget,
	write func(q *store.Queries, author *store.RemoteAuthor, now time.Time) (store.ConversationNote, error)) (bool, error) {
	if err := withinBudgets(ctx, s.db.Queries, budgets, s.now()); err != nil {
		return false, err
	}
	author, err := s.remoteAuthor(ctx, string(act.Actor))
	if err != nil {
		return false, err
	}
	now := s.now()
	err = s.db.Tx(ctx, func(q *store.Queries) error {
		if ok, err := takesConversations(ctx, q, g); err != nil || !ok {
			return errors.Join(fmt.Errorf("%w: note %s to %s, which takes no conversations", ErrIgnored, post.ID, g.Slug), err)
		}
		if err := spend(ctx, q, budgets, now); err != nil {
			return err
		}
		n, err := write(q, author, now)
		if err != nil {
			return err
		}
		n.NoteID, n.ActorID = post.ID, author.ActorID
		return q.AddConversationNote(ctx, n)
	})
	if errors.Is(err, store.ErrConflict) {
		return false, fmt.Errorf("%w: note %s taken at the same time", ErrIgnored, post.ID)
	}
	if err != nil {
		return false, fmt.Errorf("federation: conversation note %s: %w", post.ID, err)
	}
	return true, nil
}

// answer adds the remote author's reply to a Note of a conversation (ours or its own) to that
// conversation; anybody else's is dropped.
func (s *Service) answer(ctx context.Context, act *activitypub.Activity, post *activitypub.Post, to *store.ConversationNote) (bool, error) {
	if _, err := s.db.ConversationNoteByNote(ctx, post.ID); err == nil {
		return false, fmt.Errorf("%w: note %s taken before", ErrIgnored, post.ID)
	}
	first, err := s.db.LatestRemoteNote(ctx, to.ConversationID, math.MaxInt64)
	if err != nil {
		return false, err
	}
	if first.ActorID != string(act.Actor) {
		return false, fmt.Errorf("%w: %s answers in a conversation with %s", ErrIgnored, act.Actor, first.ActorID)
	}
	a, err := s.db.AssociationOf(ctx, 0, to.ConversationID)
	if err != nil {
		return false, err
	}
	if a.Deleted.Valid || a.GroupID == 0 {
		return false, fmt.Errorf("%w: note %s to a deleted conversation", ErrIgnored, post.ID)
	}
	g, err := s.db.GroupByID(ctx, a.GroupID)
	if err != nil {
		return false, err
	}
	text, err := s.remoteText(post, g)
	if err != nil {
		return false, err
	}
	return s.takeNote(ctx, act, post, g, messageBudgets(string(act.Actor), g.ID),
		func(q *store.Queries, author *store.RemoteAuthor, now time.Time) (store.ConversationNote, error) {
			id, err := conversations.New(s.db).ReplyIn(ctx, q, to.ConversationID, &store.Gestalt{ID: author.GestaltID},
				text, to.ContributionID, now)
			return store.ConversationNote{ContributionID: id, ConversationID: to.ConversationID}, err
		})
}

// deleteNote takes a Delete of a Note: its author's message in a conversation loses its
// place there (deleted as a member deletes a comment: no page shows it); else it may be a
// comment (deleteReply).
func (s *Service) deleteNote(ctx context.Context, act *activitypub.Activity) error {
	n, err := s.db.ConversationNoteByNote(ctx, act.Object.ID())
	if errors.Is(err, store.ErrNotFound) {
		return s.deleteReply(ctx, act)
	}
	if err != nil {
		return err
	}
	if n.ActorID != string(act.Actor) {
		return fmt.Errorf("%w: Delete by %s of a note by %q", activitypub.ErrBadSignature, act.Actor, n.ActorID)
	}
	return s.db.Tx(ctx, func(q *store.Queries) error { return s.removeMessage(ctx, q, n) })
}

// removeMessage deletes a remote author's message in a conversation.
func (s *Service) removeMessage(ctx context.Context, q *store.Queries, n *store.ConversationNote) error {
	err := q.DeleteContribution(ctx, n.ContributionID, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted before
	}
	return err
}

// subjectOf is a conversation's subject: the post's summary, else its first words.
func subjectOf(post *activitypub.Post, text string) string {
	if subject := plainText(post.Summary); subject != "" {
		return bounded(subject, 255)
	}
	words := strings.Fields(plainText(post.Content))
	for len(words) > 0 && strings.HasPrefix(words[0], "@") {
		words = words[1:] // the mentions it starts with
	}
	if len(words) == 0 {
		words = strings.Fields(text)
	}
	cut := len(words) > maxTitleWords
	if cut {
		words = words[:maxTitleWords]
	}
	subject := strings.Join(words, " ")
	if utf8.RuneCountInString(subject) > maxConversationTitle {
		subject, cut = string([]rune(subject)[:maxConversationTitle]), true
	}
	if cut {
		subject += "…"
	}
	return subject
}

var (
	textOnly = bluemonday.StrictPolicy()
	// paragraphEnds keep the words of two paragraphs apart when the tags go
	paragraphEnds = strings.NewReplacer("</p>", " </p>", "<br", " <br")
)

// plainText is remote HTML as one line of text, without control and format characters.
func plainText(s string) string {
	if len(s) > maxReplyHTML {
		s = s[:maxReplyHTML]
	}
	return displayName(html.UnescapeString(textOnly.Sanitize(paragraphEnds.Replace(s))))
}

// bounded is s cut to at most n characters.
func bounded(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// noteURL is the id of the Note that carries a member's message to the remote author.
func (s *Service) noteURL(g *store.Group, contributionID int64) string {
	return s.ActorURL(g.Slug) + "-/notes/" + strconv.FormatInt(contributionID, 10)
}

// MessageAdded queues, in the transaction that adds a member's message to a conversation that
// somebody in the Fediverse started, its delivery to that person: a Create of a Note by the
// group, to the author alone, in reply to the author's latest Note. Messages of remote
// authors, and conversations with nobody in the Fediverse, are left alone.
func (s *Service) MessageAdded(ctx context.Context, q *store.Queries, conversationID, contributionID, authorID int64, at time.Time) error {
	if !s.Enabled() {
		return nil
	}
	latest, g, remote, err := answerTarget(ctx, q, conversationID, contributionID)
	if err != nil || latest == nil {
		return err
	}
	if fromRemote, err := q.IsRemoteAuthor(ctx, authorID); err != nil || fromRemote {
		return err
	}
	c, err := q.ContributionByID(ctx, contributionID)
	if err != nil {
		return err
	}
	note, err := s.conversationNote(ctx, q, g, c, latest)
	if err != nil {
		return err
	}
	if err := q.AddConversationNote(ctx, store.ConversationNote{ContributionID: c.ID, ConversationID: conversationID,
		NoteID: note.ID}); err != nil {
		return err
	}
	body, err := activitypub.Encode(&activitypub.Activity{ID: note.ID + "#create", Type: activitypub.TypeCreate,
		Actor: note.AttributedTo, Object: activitypub.Embed(note), To: note.To, Published: note.Published})
	if err != nil {
		return err
	}
	id, err := q.AddDelivery(ctx, g.ID, note.ID+"#create", remote.Inbox, at)
	if errors.Is(err, store.ErrConflict) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = q.Enqueue(ctx, JobDeliver, Delivery{GroupID: g.ID, Inbox: remote.Inbox, Activity: body, DeliveryID: id}, at)
	return err
}

// answerTarget is where a member's answer before the message before goes: the remote
// author's latest Note it answers, the group, and the author's actor; nil when it stays here
// (a conversation with nobody in the Fediverse, a group that takes no more conversations, an
// author whose inbox is not on its own server).
func answerTarget(ctx context.Context, q *store.Queries, conversationID, before int64) (*store.ConversationNote, *store.Group, *store.RemoteActor, error) {
	latest, err := q.LatestRemoteNote(ctx, conversationID, before)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	a, err := q.AssociationOf(ctx, 0, conversationID)
	if err != nil {
		return nil, nil, nil, err
	}
	g, err := q.GroupByID(ctx, a.GroupID)
	if err != nil {
		return nil, nil, nil, err
	}
	if ok, err := takesConversations(ctx, q, g); err != nil || !ok {
		return nil, nil, nil, err // the group left: its members' answers stay here
	}
	remote, err := q.RemoteActorByID(ctx, latest.ActorID)
	if err != nil {
		return nil, nil, nil, err
	}
	if !activitypub.SameOrigin(remote.Inbox, remote.ID) {
		return nil, nil, nil, nil // answers go to the author's own server only
	}
	return latest, g, remote, nil
}

// AnswersGoTo is the person in the Fediverse whom the members' answers in a conversation
// reach now (with their names: conversationNote); nil when they stay here.
func (s *Service) AnswersGoTo(ctx context.Context, conversationID int64) (*store.RemoteAuthor, error) {
	if !s.Enabled() {
		return nil, nil
	}
	latest, _, _, err := answerTarget(ctx, s.db.Queries, conversationID, math.MaxInt64)
	if err != nil || latest == nil {
		return nil, err
	}
	return s.db.RemoteAuthorByActor(ctx, latest.ActorID)
}

// conversationNote is a member's message as the Note the remote author gets: the author's
// handle and who of the group writes first, then the message as our HTML.
func (s *Service) conversationNote(ctx context.Context, q *store.Queries, g *store.Group, c *store.Contribution, latest *store.ConversationNote) (*activitypub.Post, error) {
	ra, err := q.RemoteAuthorByActor(ctx, latest.ActorID)
	if err != nil {
		return nil, err
	}
	member, err := q.GestaltByID(ctx, c.AuthorID)
	if err != nil {
		return nil, err
	}
	body, err := markdown.New(s.base, mentions.Resolver{Q: q}).HTML(ctx, markdown.Options{Preset: markdown.Content, HeadingBase: 2}, c.Text)
	if err != nil {
		return nil, err
	}
	head := `<p><span class="h-card"><a href="` + html.EscapeString(ra.ProfileURL) + `" class="u-url mention">` +
		html.EscapeString(ra.Handle) + `</a></span> <strong>` + html.EscapeString(member.Name()) + `</strong> (` +
		html.EscapeString(g.Name) + `):</p>`
	return &activitypub.Post{ID: s.noteURL(g, c.ID), Type: activitypub.TypeNote, AttributedTo: activitypub.IRI(s.ActorURL(g.Slug)),
		InReplyTo: activitypub.IRI(latest.NoteID), Content: head + string(body), MediaType: "text/html",
		Published: c.TimeCreated.UTC().Truncate(time.Second), To: activitypub.Audience{latest.ActorID},
		Tag: activitypub.Tags{{Type: activitypub.TypeMention, Href: latest.ActorID, Name: ra.Handle}}}, nil
}

// ConversationNote answers a GET of a Note that carried a member's message: to its addressee
// only, signed by it; ErrNotFound to everybody else.
func (s *Service) ConversationNote(ctx context.Context, r *http.Request, slug, id string) (activitypub.Document, error) {
	g, err := s.visibleGroup(ctx, slug)
	if err != nil {
		return nil, err
	}
	cid, err := strconv.ParseInt(id, 10, 64)
	if err != nil || cid <= 0 || !strings.EqualFold(r.Host, s.domain) {
		return nil, ErrNotFound
	}
	n, err := s.db.ConversationNoteByContribution(ctx, cid)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (n.ActorID != "" || n.NoteID != s.noteURL(g, cid))) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	latest, err := s.db.LatestRemoteNote(ctx, n.ConversationID, cid)
	if err != nil {
		return nil, err
	}
	key, err := s.verifier.Verify(ctx, r, nil)
	if err != nil || key.Owner != latest.ActorID {
		return nil, ErrNotFound
	}
	c, err := s.db.ContributionByID(ctx, cid)
	if err != nil {
		return nil, err
	}
	if c.Deleted.Valid {
		return nil, ErrNotFound
	}
	return s.conversationNote(ctx, s.db.Queries, g, c, latest)
}
