// Package lmtp receives mail: an LMTP server (RFC 2033) for the MTA, and the delivery that
// turns a mail to a group's address into a conversation and a reply to a notification into
// a comment or message in its thread.
package lmtp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
)

// Recipient is an accepted address: a group's (GroupSlug) or a reply address (Token).
type Recipient struct {
	Address   string
	GroupSlug string
	Token     string
}

// ErrUnknownRecipient means that no group or reply address has this name.
var ErrUnknownRecipient = errors.New("no such recipient")

// Outcome is what became of a mail for one recipient.
type Outcome int

// The outcomes of a delivery.
const (
	Delivered Outcome = iota // stored as a conversation, comment or message
	Duplicate                // delivered before (same Message-ID and recipient): nothing done
	Dropped                  // automatic mail (auto-reply, bounce): ignored on purpose
	Refused                  // not allowed; the sender was sent an explanation
	Withheld                 // not allowed; the sender is not told (told within the hour, or forged)
)

// refusal is why a mail is not published; its sender is told (the catalog id of the text).
type refusal struct{ why string }

func (r *refusal) Error() string { return r.why }

var (
	errNoGroup      = &refusal{"lmtp.error.no_group"}
	errNotMember    = &refusal{"lmtp.error.not_member"}
	errUnknownToken = &refusal{"lmtp.error.unknown_token"}
	errWrongSender  = &refusal{"lmtp.error.wrong_sender"}
	errGone         = &refusal{"lmtp.error.gone"}
	errMembersOnly  = &refusal{"lmtp.error.members_only"}
)

// explainEvery is how often a sender is told at most why mail was not published: an
// envelope sender can be anybody's address, and the site must not become a source of
// backscatter.
const explainEvery = time.Hour

// Deliverer stores incoming mail.
type Deliverer struct {
	db            *store.DB
	cfg           *config.Config
	catalog       *i18n.Catalog
	contents      *contents.Service
	conversations *conversations.Conversations
	log           *slog.Logger
	now           func() time.Time
	// the reply address pattern split around its {reply_key}, and the mail domains
	replyPrefix, replySuffix string
	domains                  map[string]bool
	// Wake tells the task runner that jobs wait.
	Wake func()
}

// New returns the deliverer for a site.
func New(cfg *config.Config, db *store.DB, catalog *i18n.Catalog, log *slog.Logger) *Deliverer {
	d := &Deliverer{db: db, cfg: cfg, catalog: catalog, contents: contents.New(db), conversations: conversations.New(db),
		log: log, now: time.Now, domains: map[string]bool{strings.ToLower(cfg.Domain): true}, Wake: func() {}}
	pattern := strings.ToLower(cfg.DefaultReplyToEmail)
	if i := strings.Index(pattern, "{reply_key}"); i >= 0 {
		d.replyPrefix, d.replySuffix = pattern[:i], pattern[i+len("{reply_key}"):]
	}
	if _, domain, ok := strings.Cut(d.replySuffix, "@"); ok {
		d.domains[domain] = true
	}
	return d
}

// Check decides at RCPT whether an address takes mail: a group's slug at the site's domain
// (any case) or a reply address with a valid token. noreply, postmaster and everything else
// are unknown; the MTA, which knows whether the sender is real, answers for them.
func (d *Deliverer) Check(ctx context.Context, addr string) (*Recipient, error) {
	addr = strings.TrimSpace(addr)
	lower := strings.ToLower(addr)
	local, domain, ok := strings.Cut(lower, "@")
	if !ok || local == "" || !d.domains[domain] {
		return nil, ErrUnknownRecipient
	}
	if d.replyPrefix != "" && strings.HasPrefix(lower, d.replyPrefix) && strings.HasSuffix(lower, d.replySuffix) &&
		len(lower) > len(d.replyPrefix)+len(d.replySuffix) {
		token := lower[len(d.replyPrefix) : len(lower)-len(d.replySuffix)]
		if !strings.ContainsAny(token, "@+ ") {
			_, err := d.db.TokenBySecret(ctx, store.FeatureReply, token, d.now())
			if errors.Is(err, store.ErrNotFound) {
				return nil, ErrUnknownRecipient
			}
			if err != nil {
				return nil, err
			}
			return &Recipient{Address: addr, Token: token}, nil
		}
	}
	g, err := d.db.GroupBySlug(ctx, local)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownRecipient
	}
	if err != nil {
		return nil, err
	}
	return &Recipient{Address: addr, GroupSlug: g.Slug}, nil
}

// Deliver stores a mail for one recipient in one transaction — the conversation or comment,
// its attachments, its notification job and the record that makes a redelivery do nothing.
// A returned error is temporary: nothing was written, the MTA should try again.
func (d *Deliverer) Deliver(ctx context.Context, sender string, r *Recipient, p *Parsed) (Outcome, error) {
	sender = strings.TrimSpace(sender)
	if p.Auto || sender == "" || sender == "<>" {
		return Dropped, nil
	}
	var outcome Outcome
	var saved []string
	err := d.db.Tx(ctx, func(q *store.Queries) error {
		saved = saved[:0]
		now := d.now()
		claim, fresh, err := q.ClaimIncoming(ctx, p.MessageID, r.Address, now)
		if err != nil {
			return err
		}
		if !fresh {
			outcome = Duplicate
			return nil
		}
		author, err := q.GestaltByEmail(ctx, sender)
		if errors.Is(err, store.ErrNotFound) {
			author = nil
		} else if err != nil {
			return err
		}
		// The local MTA found the sender forged: a stranger, who is not answered either
		// (the answer would go to the person whose address was forged).
		forged := senderForged(d.cfg.LMTP.AuthservID, senderDomain(sender), p.AuthResults)
		if forged {
			d.log.Warn("the MTA found the sender forged; taken as a stranger", "sender", sender, "message_id", p.MessageID)
			author = nil
		}
		at := d.date(p.Date, now)
		var id int64
		if r.GroupSlug != "" {
			id, err = d.toGroup(ctx, q, author, r, p, at)
		} else {
			id, err = d.toThread(ctx, q, author, r, p, at)
		}
		var refused *refusal
		if errors.As(err, &refused) {
			d.log.Info("incoming mail refused", "sender", sender, "reason", refused.Error(), "message_id", p.MessageID)
			outcome = Withheld
			if forged {
				return nil
			}
			tell, err := d.firstExplanation(ctx, q, sender, p, now)
			if err != nil || !tell {
				return err
			}
			outcome = Refused
			return d.explain(ctx, q, sender, author, p, refused)
		}
		if err != nil {
			return err
		}
		names, err := d.attach(ctx, q, id, author.ID, p, at)
		saved = names
		if err != nil {
			return err
		}
		outcome = Delivered
		return q.SetIncomingContribution(ctx, claim, id)
	})
	if err != nil {
		for _, n := range saved {
			files.Remove(d.cfg.MediaRoot, n)
		}
		return 0, err
	}
	if outcome == Delivered || outcome == Refused {
		d.Wake()
	}
	return outcome, nil
}

// date is when a mail was written, as its Date header says — unless that lies in the future
// or more than a month back (a wrong clock), then now.
func (d *Deliverer) date(written, now time.Time) time.Time {
	if written.IsZero() || written.After(now.Add(5*time.Minute)) || written.Before(now.AddDate(0, -1, 0)) {
		return now
	}
	return written.UTC()
}

// text is the mail's text, or a note when it has none (a mail of attachments only).
func (d *Deliverer) text(p *Parsed, lang string) string {
	t := p.Text
	if strings.TrimSpace(t) == "" { // as the conversations and comments judge it
		t = d.catalog.Printer(lang).T("lmtp.no_text")
	}
	for _, name := range p.TooLarge {
		t += "\n\n" + d.catalog.Printer(lang).T("lmtp.too_large", "Name", name, "MB", d.cfg.UploadLimit()>>20)
	}
	return t
}

// toGroup starts a conversation with a group from one of its members (F89).
func (d *Deliverer) toGroup(ctx context.Context, q *store.Queries, author *store.Gestalt, r *Recipient, p *Parsed, at time.Time) (int64, error) {
	g, err := q.GroupBySlug(ctx, r.GroupSlug)
	if errors.Is(err, store.ErrNotFound) {
		return 0, errNoGroup
	}
	if err != nil {
		return 0, err
	}
	if author == nil {
		return 0, errNotMember
	}
	member, err := q.IsMember(ctx, g.ID, author.ID)
	if err != nil {
		return 0, err
	}
	if !member {
		return 0, errNotMember
	}
	subject := p.Subject
	if subject == "" {
		subject = d.catalog.Printer(d.cfg.LanguageCode).T("mail.untitled")
	}
	started, err := d.conversations.StartIn(ctx, q, conversations.Message{Author: author, Subject: subject,
		Text: d.text(p, author.Language), GroupID: g.ID, Time: at})
	if err != nil {
		return 0, err
	}
	return started.ContributionID, nil
}

// replied finds the contribution a mail answers among its references: our Message-IDs end
// in ".contribution.<id>-<hash>@<domain>" (F91).
var replied = regexp.MustCompile(`\.contribution\.(\d+)(?:-[0-9a-f]+)?@`)

func inReplyTo(refs []string) int64 {
	for _, ref := range refs {
		if m := replied.FindStringSubmatch(ref); m != nil {
			if id, err := strconv.ParseInt(m[1], 10, 64); err == nil {
				return id
			}
		}
	}
	return 0
}

// toThread adds a reply to the thread its token names: a comment on a content (internal, as
// in the original) or a message in a conversation (F90).
func (d *Deliverer) toThread(ctx context.Context, q *store.Queries, author *store.Gestalt, r *Recipient, p *Parsed, at time.Time) (int64, error) {
	token, err := q.TokenBySecret(ctx, store.FeatureReply, r.Token, d.now())
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
	text := d.text(p, author.Language)
	if conversationID != 0 {
		starter, err := q.ConversationStarter(ctx, conversationID)
		if err != nil {
			return 0, err
		}
		if !conversations.CanView(v, a, starter) {
			return 0, errGone
		}
		return d.conversations.ReplyIn(ctx, q, conversationID, author, text, inReplyTo(p.Refs), at)
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
	return d.contents.CommentIn(ctx, q, a, author, text, inReplyTo(p.Refs), true, at)
}

// attach stores a mail's attachments as file contributions attached to its text.
func (d *Deliverer) attach(ctx context.Context, q *store.Queries, textID, authorID int64, p *Parsed, at time.Time) ([]string, error) {
	if len(p.Attachments) == 0 {
		return nil, nil
	}
	text, err := q.ContributionByID(ctx, textID)
	if err != nil {
		return nil, err
	}
	var saved []string
	for _, att := range p.Attachments {
		name, err := files.SaveBytes(d.cfg.MediaRoot, att.Data, att.Filename)
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

// firstExplanation claims the one explanation a message gets, and the one a sender gets
// within explainEvery (the claims are shared by all lmtpd processes through the store).
func (d *Deliverer) firstExplanation(ctx context.Context, q *store.Queries, sender string, p *Parsed, now time.Time) (bool, error) {
	sum := sha256.Sum256([]byte(p.MessageID))
	first, err := q.ClaimOnce(ctx, "lmtp:explained:message:"+hex.EncodeToString(sum[:]), now)
	if err != nil || !first {
		return false, err
	}
	n, err := q.CountAttempt(ctx, "lmtp:explained:sender:"+strings.ToLower(sender), now, explainEvery)
	return n == 1, err
}

// explain queues the answer to a mail that was not published: automatic (auto-replied),
// never to the null sender, from the site's address.
func (d *Deliverer) explain(ctx context.Context, q *store.Queries, sender string, author *store.Gestalt, p *Parsed, why *refusal) error {
	lang := d.cfg.LanguageCode
	if author != nil && author.Language != "" {
		lang = author.Language
	}
	pr := d.catalog.Printer(lang)
	site, err := q.SiteSetting(ctx, "name", d.cfg.Domain)
	if err != nil {
		return err
	}
	subject := p.Subject
	if subject == "" {
		subject = pr.T("mail.untitled")
	}
	now := d.now()
	m := &mail.Message{
		From:    mail.Address{Name: site, Address: d.cfg.DefaultFromEmail},
		To:      []mail.Address{{Address: sender}},
		Subject: pr.T("mail.reply_prefix") + " " + subject,
		Date:    now, MessageID: mail.RandomID(now, sender, d.cfg.Domain),
		Headers: []mail.Field{{Name: "Auto-Submitted", Value: "auto-replied"}},
		Text: pr.T("lmtp.error.intro") + "\n\n" + pr.T(why.why, "Sender", sender, "Site", site, "URL", d.cfg.BaseURL()) +
			"\n\n" + pr.T("lmtp.error.outro", "Site", site, "URL", d.cfg.BaseURL()),
	}
	if !strings.HasPrefix(p.MessageID, "sha256:") {
		m.InReplyTo, m.References = []string{p.MessageID}, []string{p.MessageID}
	}
	return mail.Queue(ctx, q, mail.Envelope{From: d.cfg.DefaultFromEmail, To: []string{sender}}, m, now)
}

// String names an outcome for logs.
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Duplicate:
		return "duplicate"
	case Dropped:
		return "dropped"
	case Refused:
		return "refused"
	case Withheld:
		return "withheld"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}
