// Package notify tells people about new contents, comments and conversation messages: by
// mail (one per recipient, with a reply address and threading headers) and in their activity
// inbox. The work is a job, enqueued in the transaction that created the item.
package notify

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/template"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/templates"
)

// JobKind is the kind of the jobs that compute and send one item's notifications.
const JobKind = "notify"

// Event names the new item: a content, a contribution, or a membership that someone else
// created (members hear of it).
type Event struct {
	ContentID      int64 `json:"content_id,omitempty"`
	ContributionID int64 `json:"contribution_id,omitempty"`
	MembershipID   int64 `json:"membership_id,omitempty"`
	// Follow is a closed group's follow request from the Fediverse (its members decide).
	Follow *FollowRequest `json:"follow,omitempty"`
	// Remaining are, in the jobs that continue a large fan-out, the people of the audience
	// who still get no mail: the job mails the first mailBatch of them and leaves the rest
	// to the next.
	Remaining []Addressee `json:"remaining,omitempty"`
}

// Addressee is a person of an audience whose mail a later job of the fan-out composes.
type Addressee struct {
	ID         int64 `json:"id"`
	Subscriber bool  `json:"s,omitempty"`
}

// mailBatch is how many mails one transaction of a fan-out composes and queues. A larger
// audience is mailed by a chain of jobs, each of which queues the next before its own mails:
// the first mails go out while the next ones are composed, and no transaction holds the
// (SQLite) database for long.
const mailBatch = 100

// ContentCreated announces a new content; call it in the transaction that created it.
func ContentCreated(ctx context.Context, q *store.Queries, contentID int64, now time.Time) error {
	_, err := q.Enqueue(ctx, JobKind, Event{ContentID: contentID}, now)
	return err
}

// ContributionCreated announces a new comment or message; call it in the transaction that
// created it.
func ContributionCreated(ctx context.Context, q *store.Queries, contributionID int64, now time.Time) error {
	_, err := q.Enqueue(ctx, JobKind, Event{ContributionID: contributionID}, now)
	return err
}

// MembershipCreated announces that someone was admitted to a group by another member; call it
// in the transaction that created the membership.
func MembershipCreated(ctx context.Context, q *store.Queries, membershipID int64, now time.Time) error {
	_, err := q.Enqueue(ctx, JobKind, Event{MembershipID: membershipID}, now)
	return err
}

// FollowRequest names a pending follow of a closed group by an actor in the Fediverse.
type FollowRequest struct {
	GroupID int64  `json:"group_id"`
	Actor   string `json:"actor"`  // its IRI
	Handle  string `json:"handle"` // @name@host, "" when the IRI does not show it
}

// FollowRequested tells the members of a closed group of a new follow request from the
// Fediverse; call it in the transaction that recorded the follow.
func FollowRequested(ctx context.Context, q *store.Queries, f FollowRequest, now time.Time) error {
	_, err := q.Enqueue(ctx, JobKind, Event{Follow: &f}, now)
	return err
}

// Notifier computes audiences and writes the mails and inbox rows.
type Notifier struct {
	cfg     *config.Config
	catalog *i18n.Catalog
	bodies  map[string]*template.Template // per language
	now     func() time.Time
	// placeholder stands for the unsubscribe secret in a text rendered for several people.
	placeholder string
}

// New parses the mail templates once per language.
func New(cfg *config.Config, catalog *i18n.Catalog) (*Notifier, error) {
	n := &Notifier{cfg: cfg, catalog: catalog, bodies: map[string]*template.Template{}, now: time.Now,
		placeholder: rand.Text()}
	fsys := templates.FS(cfg.TemplateDirectories)
	for _, lang := range i18n.Languages {
		p := catalog.Printer(lang)
		t, err := template.New("").Funcs(template.FuncMap{"t": p.T}).ParseFS(fsys, "mail/*.txt")
		if err != nil {
			return nil, fmt.Errorf("notify: templates: %w", err)
		}
		n.bodies[lang] = t
	}
	return n, nil
}

// Fanout is the handler of notify jobs. It runs in the transaction that completes the job, so
// the mail jobs, reply tokens and inbox rows it writes exist exactly once.
func (n *Notifier) Fanout(ctx context.Context, q *store.Queries, j *store.Job) error {
	var ev Event
	if err := json.Unmarshal(j.Payload, &ev); err != nil {
		return fmt.Errorf("notify: job %d: %w", j.ID, err)
	}
	if ev.MembershipID != 0 {
		return n.membershipCreated(ctx, q, ev.MembershipID)
	}
	if ev.Follow != nil {
		return n.followRequested(ctx, q, *ev.Follow)
	}
	it, err := n.load(ctx, q, ev)
	if errors.Is(err, errGone) {
		return nil // deleted before its notifications went out
	}
	if err != nil {
		return err
	}
	now := n.now()
	if len(ev.Remaining) > 0 {
		return n.mailRemaining(ctx, q, ev, it, now)
	}
	audience, err := n.audience(ctx, q, it)
	if err != nil {
		return err
	}
	var inbox []store.InboxRow
	var mailed []recipient
	for _, r := range audience {
		if r.ByInbox && r.ID != it.author.ID {
			inbox = append(inbox, store.InboxRow{ReceiverID: r.ID, ContentID: ev.ContentID, ContributionID: ev.ContributionID})
		}
		if r.ByEmail && r.Email != "" {
			mailed = append(mailed, r)
		}
	}
	if err := q.AddInboxNotifications(ctx, inbox, now); err != nil {
		return err
	}
	if err := n.chatMessages(ctx, q, it, audience, now); err != nil {
		return err
	}
	var rest []Addressee
	if len(mailed) > mailBatch {
		for _, r := range mailed[mailBatch:] {
			rest = append(rest, Addressee{r.ID, r.subscriber})
		}
		mailed = mailed[:mailBatch]
	}
	return n.mail(ctx, q, ev, it, mailed, rest, now)
}

// mailRemaining continues a large fan-out: it reads the next people of the audience as they
// are now (one who turned mails off, left or was removed since gets none) and mails them.
func (n *Notifier) mailRemaining(ctx context.Context, q *store.Queries, ev Event, it *item, now time.Time) error {
	batch := ev.Remaining[:min(mailBatch, len(ev.Remaining))]
	ids := make([]int64, len(batch))
	subscriber := make(map[int64]bool, len(batch))
	for i, a := range batch {
		ids[i] = a.ID
		subscriber[a.ID] = a.Subscriber
	}
	people, err := q.ActiveRecipientsByIDs(ctx, ids)
	if err != nil {
		return err
	}
	internal := !it.public && it.assoc.ContentID != 0
	var mailed []recipient
	for _, p := range people {
		if p.ByEmail && p.Email != "" && !(internal && !it.mayReadInternal(p.ID)) {
			mailed = append(mailed, recipient{p, subscriber[p.ID]})
		}
	}
	return n.mail(ctx, q, ev, it, mailed, ev.Remaining[len(batch):], now)
}

// mail queues the recipients' mails, and the job that continues with the rest of the
// audience.
func (n *Notifier) mail(ctx context.Context, q *store.Queries, ev Event, it *item, mailed []recipient, rest []Addressee, now time.Time) error {
	if len(rest) > 0 {
		// The next job comes first in the queue: it is composed while these are sent.
		next := Event{ContentID: ev.ContentID, ContributionID: ev.ContributionID, Remaining: rest}
		if _, err := q.Enqueue(ctx, JobKind, next, now); err != nil {
			return err
		}
	}
	if len(mailed) == 0 {
		return nil
	}
	site, err := q.SiteSetting(ctx, "name", n.cfg.Domain)
	if err != nil {
		return err
	}
	// Every mail gets a reply address of its own; subscribers get their unsubscribe link.
	replies := make([]*store.Token, len(mailed))
	var subscribers []int64
	for i, r := range mailed {
		replies[i] = &store.Token{GestaltID: r.ID, Feature: store.FeatureReply, Created: now}
		if it.contribution != nil {
			replies[i].ContributionID = it.contribution.ID
		} else {
			replies[i].ContentID = it.content.ID
		}
		if r.subscriber && it.group != nil {
			subscribers = append(subscribers, r.ID)
		}
	}
	if err := q.CreateTokens(ctx, replies); err != nil {
		return err
	}
	unsubscribe := map[int64]*store.Token{}
	if len(subscribers) > 0 {
		if unsubscribe, err = q.GroupTokens(ctx, it.group.ID, store.FeatureUnsubscribe, subscribers, now); err != nil {
			return err
		}
	}
	jobs := make([]mail.Job, len(mailed))
	texts := map[textKey]string{}
	for i, r := range mailed {
		unsub := ""
		if t := unsubscribe[r.ID]; t != nil && r.subscriber {
			unsub = t.Secret
		}
		if jobs[i], err = n.compose(it, r, replies[i].Secret, unsub, site, texts); err != nil {
			return err
		}
	}
	return mail.QueueAll(ctx, q, jobs, now)
}

// errGone means the item or its association was deleted.
var errGone = errors.New("the item is gone")

// recipient is a person in an audience, with how they were reached.
type recipient struct {
	*store.Recipient
	subscriber bool // through their subscription: the mail offers to unsubscribe
}

// audience is who hears of it (reference: the Django grouprise's e-mail backend): in a public
// group context the group's subscribers, in an internal one its subscribed members; the owner
// of personal items; and the outsider who started the thread of a public content or of a
// conversation. The author gets a copy too; the feed importer account never gets anything.
// Internal contents and internal comments reach only those who may read them (the group's
// members, the person of a personal content): no outsider, not even one who wrote first.
func (n *Notifier) audience(ctx context.Context, q *store.Queries, it *item) ([]recipient, error) {
	var out []recipient
	seen := map[int64]bool{}
	internal := !it.public && it.assoc.ContentID != 0
	add := func(list []*store.Recipient, subscriber bool) {
		for _, r := range list {
			if seen[r.ID] || r.ID == n.cfg.FeedImporterGestaltID || internal && !it.mayReadInternal(r.ID) {
				continue
			}
			seen[r.ID] = true
			out = append(out, recipient{r, subscriber})
		}
	}
	if g := it.group; g != nil {
		var list []*store.Recipient
		var err error
		if it.public {
			list, err = q.SubscriberRecipients(ctx, g.ID)
		} else {
			list, err = q.SubscribedMemberRecipients(ctx, g.ID)
		}
		if err != nil {
			return nil, err
		}
		add(list, true)
	} else {
		owner, err := q.RecipientByID(ctx, it.assoc.GestaltID)
		if err != nil {
			return nil, err
		}
		add([]*store.Recipient{owner}, false)
	}
	if internal {
		return out, nil
	}
	first, err := q.FirstContribution(ctx, it.assoc.ContentID, it.assoc.ConversationID)
	if errors.Is(err, store.ErrNotFound) {
		return out, nil
	} else if err != nil {
		return nil, err
	}
	outsider := first.AuthorID != it.assoc.GestaltID
	if it.group != nil {
		outsider = !it.members[first.AuthorID]
	}
	if outsider && !seen[first.AuthorID] {
		r, err := q.RecipientByID(ctx, first.AuthorID)
		if err != nil {
			return nil, err
		}
		add([]*store.Recipient{r}, false)
	}
	return out, nil
}

// mayReadInternal tells whether a person may read the internal side of the item: the group's
// members, or the person a personal content belongs to (contents.CanViewInternal).
func (it *item) mayReadInternal(id int64) bool {
	if it.group != nil {
		return it.members[id]
	}
	return id == it.assoc.GestaltID
}

// baseURL is the site's address for links in mails.
func (n *Notifier) baseURL() string { return n.cfg.BaseURL() }

// textKey is what a notification's text depends on besides the item: the text is rendered
// once per kind of recipient in a batch, and a copy gets each one's unsubscribe link.
type textKey struct {
	lang                         string
	member, author, unsubscribes bool
}

// compose writes one recipient's mail, with its reply address and unsubscribe link (if any);
// texts keeps the texts rendered for the other recipients of the batch.
func (n *Notifier) compose(it *item, r recipient, replySecret, unsubscribeSecret, site string, texts map[textKey]string) (mail.Job, error) {
	p := n.catalog.Printer(n.language(r.Recipient))
	domain := n.cfg.Domain
	base := n.baseURL()
	// The sender of a content is its author, or the group for those who may not see who its
	// members are.
	senderName, senderSlug := it.author.Name(), it.author.Username
	if it.contribution == nil && it.group != nil && !it.members[r.ID] {
		senderName, senderSlug = it.group.Name, it.group.Slug
	}
	if it.guest {
		// Nobody proved the address yet: no name of a person, whoever it names.
		senderName = p.T("guest.name")
		if it.group != nil {
			senderSlug = it.group.Slug
		}
	}
	subject := it.title
	if it.group != nil {
		subject = "[" + it.group.Slug + "] " + subject
	}
	if it.reply {
		subject = p.T("mail.reply_prefix") + " " + subject
	}
	msg := &mail.Message{
		From: mail.Address{Name: p.T("mail.via", "Sender", senderName, "Site", site),
			Address: mail.Expand(n.cfg.DefaultDistinctFromEmail, "slug", senderSlug)},
		To:        []mail.Address{{Name: r.Name(), Address: r.Email}},
		ReplyTo:   []mail.Address{{Address: mail.Expand(n.cfg.DefaultReplyToEmail, "reply_key", replySecret)}},
		Subject:   subject,
		Date:      it.date,
		MessageID: mail.ThreadID(it.uid, r.Email, domain),
		Headers: []mail.Field{
			{Name: "Archived-At", Value: "<" + base + it.path + ">"},
			{Name: "Auto-Submitted", Value: "auto-generated"},
		},
	}
	if it.parentUID != "" {
		parent := mail.ThreadID(it.parentUID, r.Email, domain)
		msg.InReplyTo = []string{parent}
		if it.threadUID != it.parentUID {
			msg.References = []string{mail.ThreadID(it.threadUID, r.Email, domain)}
		}
		msg.References = append(msg.References, parent)
	}
	body := bodyData{
		Kind: it.kind, URL: base + it.path, Text: it.text, When: it.when(p, n.cfg.Location()), Place: it.place,
		GalleryCount: it.galleryCount, FileName: it.fileName, PollOptions: it.pollOptions,
		// Replies to internal content stay internal; conversations include their participants.
		Internal: !it.public && it.assoc.ContentID != 0, SettingsURL: base + "/stadt/settings/notifications/",
		Fediverse: it.fediverse,
	}
	// Somebody in the Fediverse reads no personal messages here: no private answer to them.
	if it.contribution != nil && r.ID != it.author.ID && !it.remote {
		body.ReplyToAuthorURL = fmt.Sprintf("%s/stadt/associations/%d/contributions/%d/reply-to-author/", base, it.assoc.ID, it.contribution.ID)
		body.Author = it.author.Name()
		if it.guest {
			body.Author = p.T("guest.name")
		}
	}
	if it.applicant != "" {
		body.Application = p.T("mail.conversation.application", "Name", it.applicant, "Group", it.group.Name)
	}
	if it.group != nil {
		msg.Headers = append(msg.Headers, mail.Field{Name: "List-Id", Value: "<" + it.group.Slug + "." + domain + ">"})
		body.GroupName = it.group.Name
		body.Member = it.members[r.ID]
		if unsubscribeSecret != "" {
			body.UnsubscribeURL = base + "/stadt/unsubscribe/confirm/" + unsubscribeSecret + "/"
			msg.Headers = append(msg.Headers,
				mail.Field{Name: "List-Unsubscribe", Value: "<" + body.UnsubscribeURL + ">"},
				mail.Field{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"})
		}
	}
	key := textKey{lang: p.Lang, member: body.Member, author: r.ID == it.author.ID, unsubscribes: unsubscribeSecret != ""}
	text, ok := texts[key]
	if !ok {
		if key.unsubscribes {
			body.UnsubscribeURL = base + "/stadt/unsubscribe/confirm/" + n.placeholder + "/"
		}
		var b strings.Builder
		if err := n.bodies[p.Lang].ExecuteTemplate(&b, "notification.txt", body); err != nil {
			return mail.Job{}, fmt.Errorf("notify: render mail: %w", err)
		}
		text = b.String()
		texts[key] = text
	}
	if key.unsubscribes {
		// The link is in the footer, after anything the item's author wrote.
		i := strings.LastIndex(text, n.placeholder)
		if i < 0 {
			return mail.Job{}, fmt.Errorf("notify: render mail: the text has no unsubscribe link")
		}
		text = text[:i] + unsubscribeSecret + text[i+len(n.placeholder):]
	}
	msg.Text = text
	msg.Attachments = it.attachments
	return mail.Job{Envelope: mail.Envelope{From: n.cfg.DefaultFromEmail, To: []string{r.Email}}, Message: *msg}, nil
}

// language is the recipient's language, or the site's.
func (n *Notifier) language(r *store.Recipient) string {
	if r.Language != "" {
		return r.Language
	}
	return n.cfg.LanguageCode
}

// bodyData is what the mail template sees. What differs between the recipients of an item
// must be in textKey (or be the unsubscribe link), else they all get the first one's text.
type bodyData struct {
	Kind             string // article, event, gallery, file, poll, comment, message
	URL              string
	Text             string
	When, Place      string
	GalleryCount     int
	FileName         string
	PollOptions      []string
	Application      string
	Internal         bool
	GroupName        string
	Member           bool
	Author           string
	ReplyToAuthorURL string
	UnsubscribeURL   string
	SettingsURL      string
	Fediverse        string // whom in the Fediverse a reply reaches too
}
