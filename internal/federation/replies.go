package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	htmltomarkdown "github.com/JohannesKaufmann/html-to-markdown/v2"
	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
)

// Replies from the Fediverse: a public Note in reply to one of our published contents becomes
// a comment on it by a remote author (a shadow gestalt with the actor's name, handle, avatar
// and profile), notified to the members as any comment. Its author's Update and Delete change
// and remove it; anybody else's are refused.

// MaxReplyText bounds a reply's text (as Markdown, in bytes); a longer reply is dropped.
const MaxReplyText = 20000

// maxAuthorName bounds the remote author's name as the comments show it.
const maxAuthorName = 100

// replyPolicy is what of a remote post's HTML is read before it becomes Markdown: text
// structure and http(s) links; everything else (scripts, styles, images, attributes) goes.
var replyPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowURLSchemes("http", "https")
	p.RequireParseableURLs(true)
	p.AllowAttrs("href").OnElements("a")
	p.AllowElements("a", "p", "br", "em", "i", "strong", "b", "blockquote", "code", "pre", "ul", "ol", "li", "span")
	return p
}()

// maxReplyHTML bounds a remote post's HTML before anything reads it, and maxReplyDepth how
// deeply its elements may nest: the HTML-to-Markdown converter's work grows with depth times
// lines (500 nested quotes over 20 KB of lines took 6 s and 60 GB of allocations at 260 KB),
// and a reply is converted while its inbox POST waits.
const (
	maxReplyHTML  = 4 * MaxReplyText
	maxReplyDepth = 16
)

// errReplyShape is a remote post's HTML that is too long or nests too deeply to be read.
var errReplyShape = errors.New("HTML too long or nested too deeply")

// replyText is a remote post's HTML as our Markdown: sanitised first, so that nothing but text
// and links reaches the converter; "" when nothing is left.
func replyText(html string) (string, error) {
	if len(html) > maxReplyHTML || nestsDeeper(html, maxReplyDepth) {
		return "", errReplyShape
	}
	clean := replyPolicy.Sanitize(html)
	md, err := htmltomarkdown.ConvertString(clean)
	if err != nil {
		return "", err
	}
	// PostgreSQL keeps no NUL in text.
	return strings.TrimSpace(strings.ReplaceAll(md, "\x00", "")), nil
}

// nestsDeeper tells whether elements nest deeper than max in html (counted by the tokenizer:
// start tags open, end tags close, void and self-closing elements do neither).
func nestsDeeper(s string, max int) bool {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	depth := 0
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return false
		case xhtml.StartTagToken:
			name, _ := z.TagName()
			if !voidElements[string(name)] {
				if depth++; depth > max {
					return true
				}
			}
		case xhtml.EndTagToken:
			if depth > 0 {
				depth--
			}
		}
	}
}

// voidElements have no end tag.
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// postText is a remote post's text as our Markdown: its content, after its content warning
// (summary) in bold when it has one, since our comments show everything at once.
func postText(p *activitypub.Post) (string, error) {
	text, err := replyText(p.Content)
	if err != nil || text == "" || p.Summary == "" {
		return text, err
	}
	warning, err := replyText(p.Summary)
	if err != nil || warning == "" {
		return text, err
	}
	return "**" + strings.ReplaceAll(warning, "\n", " ") + "**\n\n" + text, nil
}

// withoutMention is a reply's text without the mention of the group it starts with (the
// Fediverse delivers a reply to the group only when it mentions the group; on the group's
// page that is noise), after the content warning if there is one.
func withoutMention(text, actorURL string) string {
	re := regexp.MustCompile(`^(\*\*[^\n]*\*\*\n\n)?\[@[^\]\n]*\]\(` + regexp.QuoteMeta(actorURL) + `\)\s*`)
	return strings.TrimSpace(re.ReplaceAllString(text, "$1"))
}

// reply takes a Create of a Note: a comment when it answers a public content of ours.
func (s *Service) reply(ctx context.Context, act *activitypub.Activity) (bool, error) {
	post, err := act.Object.Post()
	if err != nil {
		return false, fmt.Errorf("%w: Create: %w", ErrIgnored, err)
	}
	if string(post.AttributedTo) != string(act.Actor) {
		return false, fmt.Errorf("%w: Create by %s of a post by %s", activitypub.ErrBadSignature, act.Actor, post.AttributedTo)
	}
	if handled, queued, err := s.conversationPost(ctx, act, post); handled {
		return queued, err // a conversation with a group (mentions.go)
	}
	if post.InReplyTo == "" {
		return false, fmt.Errorf("%w: Create of %s, not a reply", ErrIgnored, post.ID)
	}
	// A note's id lives on its author's server: nobody takes another server's id first.
	if !activitypub.SameOrigin(post.ID, string(act.Actor)) {
		return false, fmt.Errorf("%w: note %s of %s on another server", activitypub.ErrBadSignature, post.ID, act.Actor)
	}
	// Only what is public becomes a public comment: not a reply to followers or a direct one.
	if !post.To.Contains(activitypub.Public) && !post.Cc.Contains(activitypub.Public) {
		return false, fmt.Errorf("%w: reply %s is not public", ErrIgnored, post.ID)
	}
	obj, err := s.db.FediverseObjectByID(ctx, string(post.InReplyTo))
	if errors.Is(err, store.ErrNotFound) {
		return false, fmt.Errorf("%w: reply %s to %s, not ours", ErrIgnored, post.ID, post.InReplyTo)
	}
	if err != nil {
		return false, err
	}
	if obj.DeletedAt.Valid {
		return false, fmt.Errorf("%w: reply %s to the deleted %s", ErrIgnored, post.ID, obj.ObjectID)
	}
	text, err := postText(post)
	switch {
	case err != nil:
		return false, fmt.Errorf("%w: reply %s: %w", ErrIgnored, post.ID, err)
	case text == "":
		return false, fmt.Errorf("%w: reply %s without text", ErrIgnored, post.ID)
	case len(text) > MaxReplyText:
		return false, fmt.Errorf("%w: reply %s longer than %d bytes", ErrIgnored, post.ID, MaxReplyText)
	}
	if _, err := s.db.FediverseReplyByNote(ctx, post.ID); err == nil {
		return false, fmt.Errorf("%w: reply %s taken before", ErrIgnored, post.ID)
	}
	author, err := s.remoteAuthor(ctx, string(act.Actor))
	if err != nil {
		return false, err
	}
	err = s.db.Tx(ctx, func(q *store.Queries) error {
		a, g, err := s.publicContent(ctx, q, obj.AssociationID)
		if err != nil {
			return err
		}
		if a == nil {
			return fmt.Errorf("%w: reply %s to %s, not public", ErrIgnored, post.ID, obj.ObjectID)
		}
		if text = withoutMention(text, s.ActorURL(g.Slug)); text == "" {
			return fmt.Errorf("%w: reply %s is only a mention", ErrIgnored, post.ID)
		}
		now := s.now()
		id, err := q.AddContribution(ctx, &store.Contribution{ContentID: a.ContentID, AuthorID: author.GestaltID,
			Kind: "text", Text: text, TimeCreated: now, Public: true})
		if err != nil {
			return err
		}
		pictures, err := s.budgetPictures(ctx, q, author.ActorID, picturesOf(post))
		if err != nil {
			return err
		}
		r := store.FediverseReply{ContributionID: id, NoteID: post.ID, ActorID: author.ActorID, Pictures: pictures}
		if err := q.AddFediverseReply(ctx, r); err != nil {
			return err
		}
		if err := s.queuePictures(ctx, q, id, r.Pictures); err != nil {
			return err
		}
		if err := s.announceReply(ctx, q, g, r, now); err != nil {
			return err
		}
		if err := q.IndexContent(ctx, a.ContentID); err != nil {
			return err
		}
		return notify.ContributionCreated(ctx, q, id, now)
	})
	if errors.Is(err, store.ErrConflict) {
		return false, fmt.Errorf("%w: reply %s taken at the same time", ErrIgnored, post.ID)
	}
	if err != nil {
		return false, fmt.Errorf("federation: reply %s: %w", post.ID, err)
	}
	return true, nil
}

// replyOf is the comment a remote author's Update or Delete names: ErrIgnored when the object
// is no reply of ours, ErrBadSignature when another actor wrote it.
func (s *Service) replyOf(ctx context.Context, act *activitypub.Activity, noteID string) (*store.FediverseReply, error) {
	r, err := s.db.FediverseReplyByNote(ctx, noteID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s of %s", ErrIgnored, act.Type, noteID)
	}
	if err != nil {
		return nil, err
	}
	if r.ActorID != string(act.Actor) {
		return nil, fmt.Errorf("%w: %s by %s of a reply by %s", activitypub.ErrBadSignature, act.Type, act.Actor, r.ActorID)
	}
	return r, nil
}

// updateReply takes an Update of a Note: its author's new text replaces the comment's; an
// Update of a remote author's profile changes what its comments show.
func (s *Service) updateReply(ctx context.Context, act *activitypub.Activity) error {
	if actor, err := act.Object.Actor(); err == nil {
		return s.updateAuthor(ctx, act, actor)
	}
	post, err := act.Object.Post()
	if err != nil {
		return fmt.Errorf("%w: Update: %w", ErrIgnored, err)
	}
	r, err := s.replyOf(ctx, act, post.ID)
	if err != nil {
		return err
	}
	if string(post.AttributedTo) != r.ActorID {
		return fmt.Errorf("%w: Update of %s attributed to %s", activitypub.ErrBadSignature, post.ID, post.AttributedTo)
	}
	text, err := postText(post)
	if err != nil || text == "" || len(text) > MaxReplyText {
		return errors.Join(fmt.Errorf("%w: Update of %s: no text or too long", ErrIgnored, post.ID), err)
	}
	return s.db.Tx(ctx, func(q *store.Queries) error {
		c, err := q.ContributionByID(ctx, r.ContributionID)
		if err != nil {
			return err
		}
		if c.Deleted.Valid {
			return fmt.Errorf("%w: Update of the deleted %s", ErrIgnored, post.ID)
		}
		a, err := q.AssociationOf(ctx, c.ContentID, 0)
		if err != nil {
			return err
		}
		g, err := q.GroupByID(ctx, a.GroupID)
		if err != nil {
			return err
		}
		text = withoutMention(text, s.ActorURL(g.Slug))
		if text == "" {
			return fmt.Errorf("%w: Update of %s to only a mention", ErrIgnored, post.ID)
		}
		if err := q.SetContributionText(ctx, c.ID, text); err != nil {
			return err
		}
		if err := s.replacePictures(ctx, q, r, picturesOf(post)); err != nil {
			return err
		}
		return q.IndexContent(ctx, c.ContentID)
	})
}

// deleteReply takes a Delete of a Note (named or as a Tombstone): its author's comment goes
// with its pictures. An actor's Delete of itself takes its avatar away.
func (s *Service) deleteReply(ctx context.Context, act *activitypub.Activity) error {
	if act.Object.ID() == string(act.Actor) {
		return s.authorGone(ctx, act)
	}
	r, err := s.replyOf(ctx, act, act.Object.ID())
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q *store.Queries) error { return s.removeReply(ctx, q, r) })
}

// removeReply deletes the comment a reply became, its pictures and its boost.
func (s *Service) removeReply(ctx context.Context, q *store.Queries, r *store.FediverseReply) error {
	c, err := q.ContributionByID(ctx, r.ContributionID)
	if err != nil {
		return err
	}
	if c.Deleted.Valid {
		return nil
	}
	if err := q.DeleteContribution(ctx, c.ID, s.now()); err != nil {
		return err
	}
	if err := s.dropPictures(ctx, q, c.ID); err != nil {
		return err
	}
	if err := s.replyGone(ctx, q, r); err != nil {
		return err
	}
	return q.IndexContent(ctx, c.ContentID)
}

// updateAuthor takes an actor's Update of its own profile when it commented here.
func (s *Service) updateAuthor(ctx context.Context, act *activitypub.Activity, actor *activitypub.Actor) error {
	if actor.ID != string(act.Actor) {
		return fmt.Errorf("%w: Update by %s of the profile of %s", activitypub.ErrBadSignature, act.Actor, actor.ID)
	}
	old, err := s.db.RemoteAuthorByActor(ctx, actor.ID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: Update of the profile of %s, who never commented", ErrIgnored, actor.ID)
	}
	if err != nil {
		return err
	}
	a := authorOf(actor)
	if a.Handle == old.Handle && a.Name == old.Name && a.AvatarURL == old.AvatarURL && a.ProfileURL == old.ProfileURL {
		// Nothing the comments show changed: no write, so that repeated Updates do not
		// empty the web daemons' memo (every write raises the store's generation).
		return nil
	}
	a.GestaltID, a.FetchedAt = old.GestaltID, s.now()
	return s.db.Tx(ctx, func(q *store.Queries) error {
		if err := s.budgetAvatar(ctx, q, a, old.AvatarURL); err != nil {
			return err
		}
		if err := q.UpdateRemoteAuthor(ctx, a); err != nil || a.AvatarURL == old.AvatarURL {
			return err
		}
		if a.AvatarURL == "" {
			return s.dropAvatar(ctx, q, a)
		}
		// The avatar shown stays until the new one is fetched, which replaces it.
		return s.queueAvatar(ctx, q, a)
	})
}

// remoteAuthor is the remote author of an actor: known, or fetched (signed by the instance
// actor) and recorded with its shadow gestalt.
func (s *Service) remoteAuthor(ctx context.Context, actorID string) (*store.RemoteAuthor, error) {
	if a, err := s.db.RemoteAuthorByActor(ctx, actorID); !errors.Is(err, store.ErrNotFound) {
		return a, err
	}
	signer, err := s.signer(ctx, 0, s.InstanceActorURL())
	if err != nil {
		return nil, err
	}
	actor, err := s.client.FetchActor(ctx, actorID, &signer)
	if err != nil {
		return nil, fmt.Errorf("federation: author %s: %w", actorID, err)
	}
	if actor.ID != actorID {
		return nil, fmt.Errorf("%w: author %s answers as %s", activitypub.ErrInvalid, actorID, actor.ID)
	}
	a := authorOf(actor)
	a.FetchedAt = s.now()
	sum := sha256.Sum256([]byte(actorID))
	err = s.db.Tx(ctx, func(q *store.Queries) error {
		if err := s.budgetAvatar(ctx, q, a, ""); err != nil {
			return err
		}
		if err := q.AddRemoteAuthor(ctx, a, config.RemoteAuthorPrefix+hex.EncodeToString(sum[:8])); err != nil {
			return err
		}
		return s.queueAvatar(ctx, q, a)
	})
	if errors.Is(err, store.ErrConflict) {
		// recorded by another request at the same time
		return s.db.RemoteAuthorByActor(ctx, actorID)
	}
	return a, err
}

// authorOf is what the comments show of an actor: its name (or username), @user@host, its
// icon and profile page when they are http(s) addresses (the profile on the actor's own
// server, else the actor itself).
func authorOf(actor *activitypub.Actor) *store.RemoteAuthor {
	u, _ := url.Parse(actor.ID)
	a := &store.RemoteAuthor{ActorID: actor.ID, Name: displayName(actor.Name), ProfileURL: actor.ID}
	// A handle only of a plain username: one that looks like "alice@mastodon.social" or hides
	// characters that turn the text around would show as somebody else.
	if validUsername(actor.PreferredUsername) {
		a.Handle = "@" + actor.PreferredUsername + "@" + u.Host
	} else {
		a.Handle = handleOf(actor.ID)
	}
	if a.Name == "" {
		a.Name = strings.TrimPrefix(strings.TrimSuffix(a.Handle, "@"+u.Host), "@")
	}
	if a.Name == "" {
		a.Name = u.Host
	}
	if utf8.RuneCountInString(a.Name) > maxAuthorName {
		a.Name = string([]rune(a.Name)[:maxAuthorName])
	}
	if web := string(actor.URL); httpURL(web) && activitypub.SameOrigin(web, actor.ID) {
		a.ProfileURL = web
	}
	if actor.Icon != nil && httpURL(string(actor.Icon.URL)) {
		a.AvatarURL = string(actor.Icon.URL)
	}
	return a
}

// displayName is a remote name without control and format characters (among them those
// that reverse the direction of the text around them), its spaces collapsed.
func displayName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	return strings.Join(strings.Fields(name), " ")
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(s) <= 2048
}
