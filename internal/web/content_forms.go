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

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/store"
)

type contentFormData struct {
	Kind   contents.Kind
	Form   *form
	Action string
	Edit   bool
	// Group is the group the content is (to be) published in; nil on site-level routes,
	// where Groups are the choices besides the personal profile, and for personal contents.
	Group       *store.Group
	Groups      []*store.Group
	Personal    bool
	Repetitions bool
	Periods     []string
	Cancel      string
	// Edits of galleries and files: what they hold now.
	Images []*store.Image
	File   *store.File
	// MaxMB is the upload limit.
	MaxMB int64
	// Polls: the rows of options as entered, whether they are dates, and (on edits) the
	// vote type, which is fixed.
	Options     []optionRow
	DateOptions bool
	Condorcet   bool
	// Preview is the text rendered, when the form was sent with "Vorschau".
	Preview template.HTML
	// Pictures are the viewer's pictures to choose the preview picture from.
	Pictures []*store.Image
}

// choosePicture reads the preview picture: one of the viewer's pictures, or the current one.
func (d *contentFormData) choosePicture(f *form, current int64) int64 {
	id, _ := strconv.ParseInt(f.Get("image"), 10, 64)
	if id == current {
		return id
	}
	for _, p := range d.Pictures {
		if p.ID == id {
			return id
		}
	}
	return 0
}

// optionRow is a poll option in the form.
type optionRow struct {
	ID, Title, Start, End string
}

// readOptions reads the option rows of a poll form (parallel lists option_id, option,
// option_start, option_end); empty rows are left out of the options.
func (s *Server) readOptions(r *http.Request, f *form, dates bool) ([]contents.Option, []optionRow) {
	get := func(name string, i int) string {
		if vs := f.Values[name]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	n := max(len(f.Values["option_id"]), len(f.Values["option"]), len(f.Values["option_start"]))
	var opts []contents.Option
	var rows []optionRow
	for i := range n {
		row := optionRow{ID: get("option_id", i), Title: get("option", i), Start: get("option_start", i), End: get("option_end", i)}
		rows = append(rows, row)
		o := contents.Option{Title: row.Title}
		o.ID, _ = strconv.ParseInt(row.ID, 10, 64)
		if dates {
			if row.Start == "" {
				continue
			}
			o.Title = ""
			o.Start = s.parseDateValue(r, f, "options", row.Start)
			if row.End != "" {
				o.End = s.parseDateValue(r, f, "options", row.End)
			}
		} else if row.Title == "" {
			continue
		}
		opts = append(opts, o)
	}
	return opts, rows
}

// padOptions adds empty rows so that the form offers room for more options.
func padOptions(rows []optionRow, extra int) []optionRow {
	want := max(len(rows)+extra, 4)
	for len(rows) < want {
		rows = append(rows, optionRow{})
	}
	return rows
}

// dateLayouts are the forms a date may be given in: the browser's datetime-local and date
// inputs, and what people type where the browser offers a text field.
var dateLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "02.01.2006 15:04",
	"2.1.2006 15:04", "2006-01-02", "02.01.2006", "2.1.2006"}

// parseDate reads a date field in the site's time zone; zero for an empty field.
func (s *Server) parseDate(r *http.Request, f *form, name string) time.Time {
	return s.parseDateValue(r, f, name, f.Get(name))
}

// parseDateValue reads a date; a wrong one fails the field name.
func (s *Server) parseDateValue(r *http.Request, f *form, name, v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, v, s.cfg.Location()); err == nil {
			return t
		}
	}
	f.Fail(name, s.t(r, "error.datetime_invalid"))
	return time.Time{}
}

// formatDate writes a stored time for a datetime-local input.
func (s *Server) formatDate(t sql.Null[time.Time]) string {
	if !t.Valid {
		return ""
	}
	return t.V.In(s.cfg.Location()).Format("2006-01-02T15:04")
}

// readDraft reads the fields of the content form.
func (s *Server) readDraft(r *http.Request, f *form, kind contents.Kind) contents.Draft {
	d := contents.Draft{Title: f.Get("title"), Text: f.Raw("text"), Public: f.Checked("public"), Pinned: f.Checked("pinned"),
		Slug: f.Get("slug")}
	if kind == contents.Poll {
		d.Condorcet = f.Get("vote_type") == "condorcet"
	}
	if kind == contents.Event {
		d.Place = f.Get("place")
		d.Start = s.parseDate(r, f, "start")
		d.End = s.parseDate(r, f, "end")
		d.AllDay = f.Checked("all_day")
		if s.cfg.Events.EnableRepetitions {
			d.Repeat.Period = f.Get("repeat")
			d.Repeat.Count, _ = strconv.Atoi(f.Get("repeat_count"))
		}
	}
	return d
}

func (s *Server) contentForm(r *http.Request, kind contents.Kind, f *form) *contentFormData {
	return &contentFormData{Kind: kind, Form: f, Action: r.URL.Path, Periods: contents.Periods,
		Repetitions: s.cfg.Events.EnableRepetitions, MaxMB: s.uploadLimit() >> 20}
}

// createContent writes a new content of a kind: on /{group}/<kind>s/add/ in that group, on
// /stadt/<kind>s/add/ in a group of the author's choice or under their own profile.
func (s *Server) createContent(kind contents.Kind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := viewer(r)
		if !v.LoggedIn() {
			return errForbidden
		}
		ctx := r.Context()
		uploadErr := s.parseUploadForm(w, r)
		f := newForm(r)
		d := s.contentForm(r, kind, f)
		if slug := r.PathValue("group"); slug != "" {
			g, err := s.db.GroupBySlug(ctx, slug)
			if err != nil {
				return fmt.Errorf("create %s: group %s: %w", kind, slug, err)
			}
			if !contents.CanCreateIn(v, g.ID, 0) {
				return errForbidden
			}
			d.Group, d.Cancel = g, "/"+g.Slug+"/"
		} else {
			groups, err := s.db.GroupsOfMember(ctx, v.ID())
			if err != nil {
				return fmt.Errorf("create %s: groups: %w", kind, err)
			}
			d.Groups, d.Cancel = groups, "/"
		}
		var err error
		if d.Pictures, err = s.db.ImagesOf(ctx, v.ID()); err != nil {
			return fmt.Errorf("create %s: pictures: %w", kind, err)
		}
		title := s.t(r, "create."+string(kind))
		if r.Method == http.MethodGet {
			// Links may prefill the form (?title=…&text=…); contents are public unless unticked.
			q := r.URL.Query()
			f.Values.Set("title", q.Get("title"))
			f.Values.Set("text", q.Get("text"))
			f.Values.Set("public", "on")
			if q.Get("public") == "0" || q.Get("public") == "false" {
				f.Values.Del("public")
			}
			if q.Get("pinned") != "" {
				f.Values.Set("pinned", q.Get("pinned"))
			}
			if q.Get("where") != "" {
				f.Values.Set("where", q.Get("where"))
			}
			d.Options = padOptions(nil, 0)
			s.render(w, r, http.StatusOK, "content_form", title, d)
			return nil
		}
		draft := s.readDraft(r, f, kind)
		draft.ImageID = d.choosePicture(f, 0)
		if kind == contents.Poll {
			d.DateOptions = f.Get("answer_type") == "date"
		}
		if s.formAgain(w, r, d, &draft, title, uploadErr) {
			return nil
		}
		remove := s.saveFormUploads(r, f, kind, &draft)
		groupID, entity := int64(0), v.Gestalt.Username
		if d.Group != nil {
			groupID, entity = d.Group.ID, d.Group.Slug
		} else {
			switch where := f.Get("where"); where {
			case "me":
			case "":
				f.Fail("where", s.t(r, "create.where_missing"))
			default:
				for _, g := range d.Groups {
					if where == itoa(g.ID) {
						groupID, entity = g.ID, g.Slug
					}
				}
				if groupID == 0 {
					f.Fail("where", s.t(r, "create.where_missing"))
				}
			}
		}
		if !f.Valid() {
			s.formError(r, f, contents.Validate(kind, &draft))
		} else {
			a, err := s.contents.Create(ctx, v.Gestalt, groupID, kind, draft)
			if !s.formError(r, f, err) {
				if err != nil {
					remove()
					return fmt.Errorf("create %s: %w", kind, err)
				}
				s.wake()
				s.flash(r, msgSuccess, s.t(r, "create.done"))
				redirect(w, r, "/"+entity+"/"+a.Slug+"/")
				return nil
			}
		}
		remove()
		s.render(w, r, http.StatusUnprocessableEntity, "content_form", title, d)
		return nil
	}
}

// formAgain reads the parts of the content form that may ask for the form once more without
// saving anything — more option rows, another answer type, a preview — and reports whether
// it answered so.
func (s *Server) formAgain(w http.ResponseWriter, r *http.Request, d *contentFormData, draft *contents.Draft, title string, uploadErr error) bool {
	f := d.Form
	if d.Kind == contents.Poll {
		draft.Options, d.Options = s.readOptions(r, f, d.DateOptions)
		if f.Get("more") != "" || f.Get("refresh") != "" {
			f.Errors = map[string]string{}
			d.Options = padOptions(d.Options, 3)
			s.render(w, r, http.StatusOK, "content_form", title, d)
			return true
		}
		d.Options = padOptions(d.Options, 0)
	}
	if uploadErr != nil {
		f.Error = uploadErr.Error()
	}
	if f.Get("preview") != "" {
		d.Preview = s.renderTexts(r, markdown.Content, 2, draft.Text)[0]
		s.render(w, r, http.StatusOK, "content_form", title, d)
		return true
	}
	return false
}

// editContent changes a content; every save is a new version.
func (s *Server) editContent(w http.ResponseWriter, r *http.Request) error {
	a, err := s.contentOfPath(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	if !contents.CanChange(v, a) {
		return errForbidden
	}
	ctx := r.Context()
	it, err := s.db.StreamItemByAssociation(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("edit %d: %w", a.ID, err)
	}
	kind, err := contents.ParseKind(it.Kind)
	if err != nil {
		return fmt.Errorf("edit %d: %w", a.ID, err)
	}
	uploadErr := s.parseUploadForm(w, r)
	f := newForm(r)
	d := s.contentForm(r, kind, f)
	d.Edit, d.Personal, d.Cancel = true, a.GroupID == 0, "/"+it.Entity.Slug+"/"+it.Slug+"/"
	if kind == contents.Gallery {
		if d.Images, err = s.db.GalleryImages(ctx, a.ContentID); err != nil {
			return fmt.Errorf("edit %d: %w", a.ID, err)
		}
	}
	if kind == contents.File {
		if d.File, err = s.db.VersionFile(ctx, it.VersionID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("edit %d: %w", a.ID, err)
		}
	}
	c, err := s.db.ContentByID(ctx, a.ContentID)
	if err != nil {
		return fmt.Errorf("edit %d: %w", a.ID, err)
	}
	if d.Pictures, err = s.db.ImagesOf(ctx, v.ID()); err != nil {
		return fmt.Errorf("edit %d: %w", a.ID, err)
	}
	if c.ImageID != 0 {
		if current, err := s.db.ImageByID(ctx, c.ImageID); err == nil && current.CreatorID != v.ID() {
			d.Pictures = append([]*store.Image{current}, d.Pictures...)
		}
	}
	var pollID int64
	if kind == contents.Poll {
		pollID = c.PollID
		if d.Condorcet, err = s.db.PollIsCondorcet(ctx, pollID); err != nil {
			return fmt.Errorf("edit %d: %w", a.ID, err)
		}
		existing, err := s.db.PollOptions(ctx, pollID)
		if err != nil {
			return fmt.Errorf("edit %d: %w", a.ID, err)
		}
		for _, o := range existing {
			d.DateOptions = d.DateOptions || o.StartsAt.Valid
			if r.Method == http.MethodGet {
				d.Options = append(d.Options, optionRow{ID: itoa(o.ID), Title: o.Title, Start: s.formatDate(o.StartsAt), End: s.formatDate(o.EndsAt)})
			}
		}
		d.Options = padOptions(d.Options, 2)
	}
	if a.GroupID != 0 {
		if d.Group, err = s.db.GroupByID(ctx, a.GroupID); err != nil {
			return fmt.Errorf("edit %d: %w", a.ID, err)
		}
	}
	title := s.t(r, "edit.title", "Title", it.Title)
	if r.Method == http.MethodGet {
		f.Values.Set("title", c.Title)
		if c.ImageID != 0 {
			f.Values.Set("image", itoa(c.ImageID))
		}
		f.Values.Set("text", it.Text)
		f.Values.Set("slug", a.Slug)
		f.Values.Set("place", c.Place)
		f.Values.Set("start", s.formatDate(c.StartsAt))
		f.Values.Set("end", s.formatDate(c.EndsAt))
		for name, on := range map[string]bool{"public": a.Public, "pinned": a.Pinned, "all_day": c.AllDay} {
			if on {
				f.Values.Set(name, "on")
			}
		}
		s.render(w, r, http.StatusOK, "content_form", title, d)
		return nil
	}
	draft := s.readDraft(r, f, kind)
	draft.Repeat = contents.Repeat{}
	draft.ImageID = d.choosePicture(f, c.ImageID)
	if s.formAgain(w, r, d, &draft, title, uploadErr) {
		return nil
	}
	for _, id := range f.Values["remove_image"] {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			draft.RemoveImages = append(draft.RemoveImages, n)
		}
	}
	remove := s.saveFormUploads(r, f, kind, &draft)
	if f.Valid() {
		err := s.contents.Update(ctx, a, v.Gestalt, kind, draft)
		if !s.formError(r, f, err) {
			if err != nil {
				remove()
				return fmt.Errorf("edit %d: %w", a.ID, err)
			}
			s.flash(r, msgSuccess, s.t(r, "edit.done"))
			redirect(w, r, "/"+it.Entity.Slug+"/"+a.Slug+"/")
			return nil
		}
	}
	remove()
	s.render(w, r, http.StatusUnprocessableEntity, "content_form", title, d)
	return nil
}

// askData is a page that asks before an action.
type askData struct {
	Question string
	Action   string
	Submit   string
	Cancel   string
}

// deleteContent hides a content after asking.
func (s *Server) deleteContent(w http.ResponseWriter, r *http.Request) error {
	a, err := s.contentOfPath(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	it, err := s.db.StreamItemByAssociation(r.Context(), a.ID)
	if err != nil {
		return fmt.Errorf("delete %d: %w", a.ID, err)
	}
	if !contents.CanDelete(v, a, it.Author.ID, s.now()) {
		return errForbidden
	}
	if r.Method == http.MethodGet {
		s.render(w, r, http.StatusOK, "ask", s.t(r, "delete_content.title"), askData{
			Question: s.t(r, "delete_content.question", "Title", it.Title), Action: r.URL.Path,
			Submit: s.t(r, "delete_content.submit"), Cancel: "/" + it.Entity.Slug + "/" + it.Slug + "/"})
		return nil
	}
	if err := s.contents.Delete(r.Context(), a); err != nil {
		return fmt.Errorf("delete %d: %w", a.ID, err)
	}
	s.flash(r, msgSuccess, s.t(r, "delete_content.done"))
	redirect(w, r, "/"+it.Entity.Slug+"/")
	return nil
}

// deleteComment hides one's own comment after asking.
func (s *Server) deleteComment(w http.ResponseWriter, r *http.Request) error {
	a, err := s.contentOfPath(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	c, err := s.db.ContributionByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && (c.ContentID != a.ContentID || c.Deleted.Valid) {
		return errNotFound
	}
	if err != nil {
		return fmt.Errorf("delete comment %d: %w", id, err)
	}
	if !contents.CanDeleteComment(viewer(r), c) {
		remote, err := s.db.IsRemoteAuthor(r.Context(), c.AuthorID)
		if err != nil {
			return err
		}
		if !remote || !contents.CanDeleteRemoteComment(viewer(r), a, c) {
			return errForbidden
		}
	}
	back := strings.TrimSuffix(r.URL.Path, "contributions/"+r.PathValue("id")+"/delete/")
	if r.Method == http.MethodGet {
		s.render(w, r, http.StatusOK, "ask", s.t(r, "delete_comment.title"), askData{
			Question: s.t(r, "delete_comment.question"), Action: r.URL.Path,
			Submit: s.t(r, "delete_comment.submit"), Cancel: back + "#contribution-" + itoa(id)})
		return nil
	}
	if err := s.contents.DeleteComment(r.Context(), id); err != nil {
		return fmt.Errorf("delete comment %d: %w", id, err)
	}
	s.flash(r, msgSuccess, s.t(r, "delete_comment.done"))
	redirect(w, r, back)
	return nil
}

type listData struct {
	Kind     string
	Items    []*store.StreamItem
	Page     int
	NextPage int
}

// articles lists the articles the viewer may see.
func (s *Server) articles(w http.ResponseWriter, r *http.Request) error {
	v := viewer(r)
	p := pageOf(r, itemsPerPage)
	items, err := s.db.Stream(r.Context(), store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), Kind: "article",
		Limit: p.Limit(), Offset: p.Offset()})
	if err != nil {
		return fmt.Errorf("articles: %w", err)
	}
	d := listData{Kind: "article", Page: p.Number}
	d.Items, d.NextPage = cut(p, items)
	s.render(w, r, http.StatusOK, "list", s.t(r, "list.article"), d)
	return nil
}
