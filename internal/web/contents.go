package web

import (
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/store"
)

// contentOfPath finds the content of /{entity}/{assoc}/… and checks that the viewer may
// see it (else errForbidden).
func (s *Server) contentOfPath(r *http.Request) (*store.Association, error) {
	entity, slug := r.PathValue("entity"), r.PathValue("assoc")
	a, err := s.db.AssociationBySlug(r.Context(), entity, slug)
	if err != nil {
		return nil, fmt.Errorf("content %s/%s: %w", entity, slug, err)
	}
	if !contents.CanView(viewer(r), a) {
		return nil, errForbidden
	}
	return a, nil
}

// viewableContentOfPath is contentOfPath for reading: the association comes from the memo
// (shared between requests, so only for handlers that do not change it).
func (s *Server) viewableContentOfPath(r *http.Request) (*store.Association, error) {
	entity, slug := r.PathValue("entity"), r.PathValue("assoc")
	a, err := cached(s, r, "association:"+store.Fold(entity)+"/"+store.Fold(slug), func() (*store.Association, int, error) {
		a, err := s.db.AssociationBySlug(r.Context(), entity, slug)
		return a, 512, err
	})
	if err != nil {
		return nil, fmt.Errorf("content %s/%s: %w", entity, slug, err)
	}
	if !contents.CanView(viewer(r), a) {
		return nil, errForbidden
	}
	return a, nil
}

// contentReads is what the content page reads from the store alike for every viewer; the
// page takes from it what the viewer may see.
type contentReads struct {
	Item    *store.StreamItem
	Authors int
	Tags    []*store.Tag
	Thread  []*store.ThreadItem
	// Remote are the authors of comments from the Fediverse, by gestalt.
	Remote map[int64]*store.RemoteAuthor
}

// contentReadsOf reads (or takes from the memo) what the page of association a shows.
func (s *Server) contentReadsOf(r *http.Request, a *store.Association) (*contentReads, error) {
	return cached(s, r, "content-page:"+itoa(a.ID), func() (*contentReads, int, error) {
		ctx := r.Context()
		var c contentReads
		var err error
		if c.Item, err = s.db.StreamItemByAssociation(ctx, a.ID); err != nil {
			return nil, 0, err
		}
		if c.Authors, err = s.db.VersionAuthors(ctx, c.Item.ContentID); err != nil {
			return nil, 0, err
		}
		if c.Tags, err = s.db.ContentTags(ctx, c.Item.ContentID); err != nil {
			return nil, 0, err
		}
		if c.Thread, err = s.db.Thread(ctx, c.Item.ContentID, 0, true); err != nil {
			return nil, 0, err
		}
		if c.Remote, err = s.db.RemoteAuthorsOfContent(ctx, c.Item.ContentID); err != nil {
			return nil, 0, err
		}
		size := 1024 + len(c.Item.Text)
		for _, t := range c.Thread {
			size += 512 + len(t.Text)
		}
		return &c, size, nil
	})
}

// commentView is a comment as the content page shows it.
type commentView struct {
	*store.ThreadItem
	HTML              template.HTML
	CanDelete         bool
	CanReplyPrivately bool
	Attachments       []*store.ThreadItem
	// Remote is the author from the Fediverse (nil for people of this site).
	Remote *store.RemoteAuthor
}

type contentPageData struct {
	Item     *store.StreamItem
	Assoc    *store.Association
	Body     template.HTML
	When     string // events
	Authors  int
	Tags     []*store.Tag
	Comments []*commentView
	Form     *form
	// Images of galleries, the file of files.
	Images []*store.Image
	File   *store.File
	// Poll is the poll of polls.
	Poll *pollView
	// Attendance is the attendance box of events (when the setting enables it).
	Attendance *attendanceData
	// What the viewer may do.
	CanChange, CanDelete, CanComment, CanInternal, ShowAuthor bool
	// OfferSubscription shows the box to subscribe to the content's group.
	OfferSubscription bool
	meta              *pageMeta
}

func (d *contentPageData) pageMeta() *pageMeta { return d.meta }

// content shows a content with its comments; POST adds a comment.
func (s *Server) content(w http.ResponseWriter, r *http.Request) error {
	var a *store.Association
	var err error
	if r.Method == http.MethodGet && s.federation.Enabled() {
		w.Header().Add("Vary", "Accept")
		if activitypub.AcceptsActivity(r.Header.Get("Accept")) {
			// what the Fediverse may see, not what this viewer may
			if a, err = s.db.AssociationBySlug(r.Context(), r.PathValue("entity"), r.PathValue("assoc")); err != nil {
				return err
			}
			return s.contentObject(w, r, a)
		}
	}
	if r.Method == http.MethodGet {
		a, err = s.viewableContentOfPath(r)
	} else {
		a, err = s.contentOfPath(r)
	}
	if err != nil {
		return err
	}
	v := viewer(r)
	f := newForm(r)
	if r.Method == http.MethodPost {
		// errForbidden sends a visitor who is not logged in to the login first.
		if !v.LoggedIn() || !contents.CanComment(v, a) {
			return errForbidden
		}
		in, _ := strconv.ParseInt(f.Get("in_reply_to"), 10, 64)
		internal := f.Checked("internal") && contents.CanWriteInternal(v, a)
		id, err := s.contents.Comment(r.Context(), a, v.Gestalt, f.Raw("text"), in, internal)
		if !s.formError(r, f, err) {
			if err != nil {
				return fmt.Errorf("comment on %d: %w", a.ID, err)
			}
			s.wake()
			redirect(w, r, r.URL.Path+"#contribution-"+itoa(id))
			return nil
		}
	}
	d, err := s.contentPageData(r, a, f)
	if err != nil {
		return fmt.Errorf("content page %d: %w", a.ID, err)
	}
	status := http.StatusOK
	if !f.Valid() {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "content", d.Item.Title, d)
	return nil
}

func (s *Server) contentPageData(r *http.Request, a *store.Association, f *form) (*contentPageData, error) {
	ctx := r.Context()
	v := viewer(r)
	reads, err := s.contentReadsOf(r, a)
	if err != nil {
		return nil, err
	}
	it := reads.Item
	d := &contentPageData{Authors: reads.Authors, Tags: reads.Tags, Item: it, Assoc: a, Form: f,
		CanChange:   contents.CanChange(v, a),
		CanDelete:   contents.CanDelete(v, a, it.Author.ID, s.now()),
		CanComment:  contents.CanComment(v, a),
		CanInternal: contents.CanWriteInternal(v, a),
		ShowAuthor:  contents.CanSeeAuthors(v, a),
	}
	if d.OfferSubscription, err = s.offersSubscription(r, a); err != nil {
		return nil, err
	}
	if it.StartsAt.Valid {
		d.When = s.eventTime(r, it.StartsAt, it.EndsAt, it.AllDay)
		if s.cfg.Events.EnableAttendance {
			if d.Attendance, err = s.attendance(ctx, r, a); err != nil {
				return nil, err
			}
		}
	}
	switch it.Kind {
	case "gallery":
		if d.Images, err = s.db.GalleryImages(ctx, it.ContentID); err != nil {
			return nil, err
		}
	case "file":
		if d.File, err = s.db.VersionFile(ctx, it.VersionID); err != nil {
			return nil, err
		}
	case "poll":
		if d.Poll, err = s.pollData(ctx, r, a, newForm(nil)); err != nil {
			return nil, err
		}
	}
	thread := reads.Thread
	internal := contents.CanViewInternal(v, a)
	texts := []string{it.Text}
	byID := map[int64]*commentView{}
	for _, c := range thread {
		if !c.Public && !internal && !v.Is(c.AuthorID) {
			continue
		}
		if c.Kind == "file" && byID[c.AttachedToID] != nil {
			byID[c.AttachedToID].Attachments = append(byID[c.AttachedToID].Attachments, c)
			continue
		}
		cv := &commentView{ThreadItem: c, CanDelete: contents.CanDeleteComment(v, &c.Contribution),
			CanReplyPrivately: !v.Is(c.AuthorID) && a.GroupID != 0, Remote: reads.Remote[c.AuthorID]}
		if cv.Remote != nil {
			cv.CanReplyPrivately = false // they have no mailbox here
			cv.CanDelete = contents.CanDeleteRemoteComment(v, a, &c.Contribution)
		}
		byID[c.ID] = cv
		d.Comments = append(d.Comments, cv)
		texts = append(texts, c.Text)
	}
	// The content's text on the page and its comments below use different heading levels.
	body := s.renderTexts(r, markdown.Content, 2, texts[0])
	d.Body = body[0]
	rendered := s.renderTexts(r, markdown.Content, 3, texts[1:]...)
	for i, c := range d.Comments {
		c.HTML = rendered[i]
	}
	if r.Method == http.MethodGet && d.CanComment {
		if id, err := strconv.ParseInt(r.URL.Query().Get("reply"), 10, 64); err == nil && byID[id] != nil {
			// The quote names its author and links to where it was written (F70), by the
			// permalink that survives a new slug.
			c := byID[id]
			link := s.cfg.BaseURL() + "/stadt/content/" + itoa(a.ID) + "/#contribution-" + itoa(id)
			f.Values.Set("in_reply_to", itoa(id))
			f.Values.Set("text", s.t(r, "reply_author.wrote", "Name", c.Author.DisplayName(), "Link", link)+"\n\n"+quote(c.Text))
		}
	}
	d.meta = &pageMeta{Type: "article", Description: markdown.Plain(d.Body, 50), Published: it.Created,
		URL: s.cfg.BaseURL() + "/" + it.Entity.Slug + "/" + it.Slug + "/"}
	if it.Image != "" {
		d.meta.Image = s.cfg.BaseURL() + "/-/images/medium/" + it.Image
	}
	return d, nil
}

// quote prepares a reply: the text as a Markdown quote and an empty line.
func quote(text string) string {
	lines := strings.Split(strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n") + "\n\n"
}

// eventTime describes when an event takes place, in the site's time zone.
func (s *Server) eventTime(r *http.Request, start, end sql.Null[time.Time], allDay bool) string {
	loc := s.cfg.Location()
	var e time.Time
	if end.Valid {
		e = end.V.In(loc)
	}
	return s.catalog.Printer(lang(r)).Period(start.V.In(loc), e, allDay)
}

// formError records a content error a person can fix on its field; it reports whether it did.
func (s *Server) formError(r *http.Request, f *form, err error) bool {
	if err == nil {
		return false
	}
	msg, ok := s.userError(r, err)
	if !ok {
		return false
	}
	var fe *contents.FieldError
	if errors.As(err, &fe) {
		f.Fail(fe.Field, msg)
	} else {
		f.Error = msg
	}
	return true
}

// replyToAuthor answers a comment privately: a new conversation with its author, prefilled
// with the quote and a link to where it was written. Anonymous visitors may answer the
// comments they can read (public ones on public contents) as they write to a group: with
// their address and the sum; the author's address is never shown.
func (s *Server) replyToAuthor(w http.ResponseWriter, r *http.Request) (err error) {
	v := viewer(r)
	if !v.LoggedIn() {
		// Whatever anonymous visitors cannot answer, missing or not, sends them to the login.
		defer func() {
			if errors.Is(err, errNotFound) || errors.Is(err, store.ErrNotFound) {
				err = errForbidden
			}
		}()
	}
	ctx := r.Context()
	assocID, err1 := strconv.ParseInt(r.PathValue("assoc"), 10, 64)
	id, err2 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err1 != nil || err2 != nil {
		return errNotFound
	}
	a, err := s.db.AssociationByID(ctx, assocID)
	if err != nil {
		return fmt.Errorf("reply to author: publication %d: %w", assocID, err)
	}
	c, err := s.db.ContributionByID(ctx, id)
	if err != nil {
		return fmt.Errorf("reply to author: contribution %d: %w", id, err)
	}
	if a.Deleted.Valid || c.Deleted.Valid || c.Kind != "text" ||
		(a.ContentID == 0 || c.ContentID != a.ContentID) && (a.ConversationID == 0 || c.ConversationID != a.ConversationID) {
		return errNotFound
	}
	// Only where several people talk (a group's content or conversation) and only for
	// those who can read the comment.
	visible := contents.CanView(v, a)
	if a.ConversationID != 0 {
		starter, err := s.db.ConversationStarter(ctx, a.ConversationID)
		if err != nil {
			return fmt.Errorf("reply to author: conversation %d: %w", a.ConversationID, err)
		}
		visible = conversations.CanView(v, a, starter)
	}
	if a.GroupID == 0 || !visible || (!c.Public && !contents.CanViewInternal(v, a) && !v.Is(c.AuthorID)) || v.Is(c.AuthorID) {
		return errForbidden
	}
	author, err := s.db.GestaltByID(ctx, c.AuthorID)
	if err != nil {
		return fmt.Errorf("reply to author: author %d: %w", c.AuthorID, err)
	}
	// Somebody in the Fediverse has no mailbox here: a personal message would reach nobody.
	if remote, err := s.db.IsRemoteAuthor(ctx, c.AuthorID); err != nil {
		return fmt.Errorf("reply to author: author %d: %w", c.AuthorID, err)
	} else if remote {
		return errNotFound
	}
	f := newForm(r)
	d := messageData{Form: f, To: author.Name(), Action: r.URL.Path, Intro: s.t(r, "message.person_intro")}
	if !v.LoggedIn() {
		d.Captcha = s.newCaptcha()
	}
	title := s.t(r, "message.to", "Name", author.Name())
	where := "/stadt/content/" + itoa(a.ID) + "/#contribution-" + itoa(c.ID)
	if r.Method == http.MethodGet {
		subject, link := "", s.cfg.BaseURL()+where
		if a.ContentID != 0 {
			content, err := s.db.ContentByID(ctx, a.ContentID)
			if err != nil {
				return fmt.Errorf("reply to author: content %d: %w", a.ContentID, err)
			}
			subject = content.Title
		} else {
			if subject, err = s.db.ConversationSubject(ctx, a.ConversationID); err != nil {
				return fmt.Errorf("reply to author: conversation %d: %w", a.ConversationID, err)
			}
			link = s.cfg.BaseURL() + "/stadt/conversations/" + itoa(a.ID) + "/#contribution-" + itoa(c.ID)
		}
		f.Values.Set("subject", s.t(r, "mail.reply_prefix")+" "+subject)
		f.Values.Set("text", s.t(r, "reply_author.wrote", "Name", author.Name(), "Link", link)+"\n\n"+quote(c.Text))
		s.render(w, r, http.StatusOK, "message", title, d)
		return nil
	}
	started, ok, err := s.sendMessage(r, f, conversations.Message{GestaltID: author.ID})
	if err != nil {
		return fmt.Errorf("reply to author %d: %w", author.ID, err)
	}
	if !ok {
		s.render(w, r, http.StatusUnprocessableEntity, "message", title, d)
		return nil
	}
	s.afterMessage(w, r, started, where)
	return nil
}
