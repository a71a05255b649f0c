package notify

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"path"
	"path/filepath"
	"time"

	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
)

// item is what a notification is about, with everything its mails need.
type item struct {
	kind         string // article, event, gallery, file, poll, comment, message
	content      *store.Content
	contribution *store.Contribution
	assoc        *store.Association
	group        *store.Group // nil for personal items
	members      map[int64]bool
	public       bool
	author       *store.Gestalt
	guest        bool // sent in the name of an address its owner has not confirmed
	title, text  string
	date         time.Time
	path         string // the permalink below the site
	reply        bool   // "Re:" in the subject

	uid, threadUID, parentUID string // thread identifiers (see mail.ThreadID)

	place        string
	starts, ends time.Time
	allDay       bool
	galleryCount int
	fileName     string
	pollOptions  []string
	applicant    string
	attachments  []mail.Attachment
	fediverse    string // whom in the Fediverse a reply reaches too ("" for nobody)
	// remote: the author is somebody in the Fediverse (a stand-in without a mailbox here).
	remote bool
}

func (n *Notifier) load(ctx context.Context, q *store.Queries, ev Event) (*item, error) {
	var it *item
	var err error
	if ev.ContributionID != 0 {
		it, err = n.loadContribution(ctx, q, ev.ContributionID)
	} else {
		it, err = n.loadContent(ctx, q, ev.ContentID)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, errGone
	}
	if err != nil {
		return nil, err
	}
	if it.assoc.Deleted.Valid {
		return nil, errGone
	}
	if it.assoc.GroupID != 0 {
		if it.group, err = q.GroupByID(ctx, it.assoc.GroupID); err != nil {
			return nil, err
		}
		if it.members, err = q.MemberIDs(ctx, it.group.ID); err != nil {
			return nil, err
		}
	}
	if it.kind == "message" {
		if it.fediverse, err = n.fediverseAddressee(ctx, q, it.group, it.assoc.ConversationID); err != nil {
			return nil, err
		}
	}
	return it, nil
}

func (n *Notifier) loadContent(ctx context.Context, q *store.Queries, id int64) (*item, error) {
	c, err := q.ContentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	a, err := q.AssociationOf(ctx, c.ID, 0)
	if err != nil {
		return nil, err
	}
	versions, err := q.Versions(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if len(versions) == 0 {
		return nil, fmt.Errorf("notify: content %d has no version", c.ID)
	}
	author, err := q.GestaltByID(ctx, versions[0].AuthorID)
	if err != nil {
		return nil, err
	}
	latest := versions[len(versions)-1]
	it := &item{
		kind: "article", content: c, assoc: a, public: a.Public, author: author, title: c.Title, text: latest.Text,
		date: n.now(), path: fmt.Sprintf("/stadt/content/%d/", a.ID), uid: fmt.Sprintf("content.%d", c.ID),
		place: c.Place, starts: c.StartsAt.V, ends: c.EndsAt.V, allDay: c.AllDay,
	}
	it.threadUID = it.uid
	// The kind is derived in the original's order: poll, gallery, file, event, article.
	if it.galleryCount, err = q.GalleryImageCount(ctx, c.ID); err != nil {
		return nil, err
	}
	file, err := q.VersionFile(ctx, latest.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	switch {
	case c.PollID != 0:
		it.kind = "poll"
		options, err := q.PollOptions(ctx, c.PollID)
		if err != nil {
			return nil, err
		}
		for _, o := range options {
			if o.StartsAt.Valid {
				it.pollOptions = append(it.pollOptions, o.StartsAt.V.In(n.cfg.Location()).Format("2006-01-02 15:04"))
			} else {
				it.pollOptions = append(it.pollOptions, o.Title)
			}
		}
	case it.galleryCount > 0:
		it.kind = "gallery"
	case file != nil:
		it.kind, it.fileName = "file", displayName(file)
	case c.StartsAt.Valid:
		it.kind = "event"
	}
	return it, nil
}

func (n *Notifier) loadContribution(ctx context.Context, q *store.Queries, id int64) (*item, error) {
	c, err := q.ContributionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Deleted.Valid || c.Kind != "text" {
		// Files are announced with the text they came with, applications with theirs.
		return nil, errGone
	}
	a, err := q.AssociationOf(ctx, c.ContentID, c.ConversationID)
	if err != nil {
		return nil, err
	}
	author, err := q.GestaltByID(ctx, c.AuthorID)
	if err != nil {
		return nil, err
	}
	guests, err := q.UnconfirmedSenders(ctx, []int64{c.ID})
	if err != nil {
		return nil, err
	}
	remote, err := q.IsRemoteAuthor(ctx, c.AuthorID)
	if err != nil {
		return nil, err
	}
	it := &item{kind: "comment", contribution: c, assoc: a, public: c.Public && a.Public, author: author,
		guest: guests[c.ID], remote: remote, text: c.Text, date: c.TimeCreated, reply: true}
	container := fmt.Sprintf("content.%d", c.ContentID)
	if c.ConversationID != 0 {
		it.kind = "message"
		container = fmt.Sprintf("conversation.%d", c.ConversationID)
		if it.title, err = q.ConversationSubject(ctx, c.ConversationID); err != nil {
			return nil, err
		}
		it.path = fmt.Sprintf("/stadt/conversations/%d/#contribution-%d", a.ID, c.ID)
		first, err := q.FirstContribution(ctx, 0, c.ConversationID)
		if err != nil {
			return nil, err
		}
		// A conversation's thread is its first message.
		it.threadUID = fmt.Sprintf("%s.contribution.%d", container, first.ID)
		it.reply = first.ID != c.ID
	} else {
		content, err := q.ContentByID(ctx, c.ContentID)
		if err != nil {
			return nil, err
		}
		it.title = content.Title
		it.path = fmt.Sprintf("/stadt/content/%d/#contribution-%d", a.ID, c.ID)
		it.threadUID = container
	}
	it.uid = fmt.Sprintf("%s.contribution.%d", container, c.ID)
	switch {
	case c.InReplyToID != 0:
		it.parentUID = fmt.Sprintf("%s.contribution.%d", container, c.InReplyToID)
	case it.reply:
		it.parentUID = it.threadUID
	}
	if ok, err := q.HasApplication(ctx, c.ID); err != nil {
		return nil, err
	} else if ok && a.GroupID != 0 {
		it.applicant = author.Name()
	}
	files, err := q.Attachments(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		it.attachments = append(it.attachments, mail.Attachment{
			Filename: displayName(f), ContentType: mime.TypeByExtension(path.Ext(f.File)),
			Path: filepath.Join(n.cfg.MediaRoot, filepath.FromSlash(f.File)),
		})
	}
	return it, nil
}

// displayName is the original name of a file, or its stored name.
func displayName(f *store.File) string {
	if f.Filename != "" {
		return f.Filename
	}
	return path.Base(f.File)
}

// when describes an event's time in the site's time zone; "" for other items.
func (it *item) when(p *i18n.Printer, loc *time.Location) string {
	if it.kind != "event" || it.starts.IsZero() {
		return ""
	}
	e := it.ends
	if !e.IsZero() {
		e = e.In(loc)
	}
	return p.T("mail.event.when", "When", p.Period(it.starts.In(loc), e, it.allDay))
}
