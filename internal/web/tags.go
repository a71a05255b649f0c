package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/store"
)

type tagData struct {
	Tag      *store.Tag
	Groups   []*store.Group
	Items    []*store.StreamItem
	Page     int
	NextPage int
	Calendar *calendarSidebar // events with the tag or of groups with it (F62)
}

// tagFromPath finds the tag of /stadt/tags/{slug}/; a tag that exists only in a text (never
// saved) is shown by its slug, with nothing tagged.
func (s *Server) tagFromPath(r *http.Request) (*store.Tag, error) {
	slug := r.PathValue("slug")
	if len(slug) > 100 {
		return nil, store.ErrNotFound
	}
	t, err := s.db.TagBySlug(r.Context(), slug)
	if errors.Is(err, store.ErrNotFound) {
		return &store.Tag{Name: slug, Slug: slug}, nil
	}
	return t, err
}

// tag shows the groups with a tag and the contents with it or of those groups.
func (s *Server) tag(w http.ResponseWriter, r *http.Request) error {
	t, err := s.tagFromPath(r)
	if err != nil {
		return err
	}
	p := pageOf(r, itemsPerPage)
	d := tagData{Tag: t, Page: p.Number}
	if t.ID != 0 {
		ctx := r.Context()
		if d.Groups, err = s.db.GroupsWithTag(ctx, t.ID); err != nil {
			return err
		}
		v := viewer(r)
		items, err := s.db.Stream(ctx, store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), TagID: t.ID,
			Limit: p.Limit(), Offset: p.Offset()})
		if err != nil {
			return err
		}
		d.Items, d.NextPage = cut(p, items)
		if d.Calendar, err = s.calendarSidebar(r, store.StreamQuery{TagID: t.ID}, "/stadt/tags/"+t.Slug+"/"); err != nil {
			return fmt.Errorf("tag %s: %w", t.Slug, err)
		}
	}
	s.render(w, r, http.StatusOK, "tag", "#"+t.Name, d)
	return nil
}

type tagGroupData struct {
	Tag    *store.Tag
	Groups []*store.Group
	Form   *form
}

// tagGroup gives one of the viewer's groups the tag.
func (s *Server) tagGroup(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	ctx := r.Context()
	t, err := s.tagFromPath(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	mine, err := s.db.GroupsOfMember(ctx, v.ID())
	if err != nil {
		return err
	}
	tagged := map[int64]bool{}
	if t.ID != 0 {
		with, err := s.db.GroupsWithTag(ctx, t.ID)
		if err != nil {
			return err
		}
		for _, g := range with {
			tagged[g.ID] = true
		}
	}
	d := tagGroupData{Tag: t, Form: newForm(r)}
	for _, g := range mine {
		if !tagged[g.ID] {
			d.Groups = append(d.Groups, g)
		}
	}
	title := s.t(r, "tag.tag_group", "Tag", t.Name)
	if r.Method == http.MethodGet {
		s.render(w, r, http.StatusOK, "tag_group", title, d)
		return nil
	}
	id, _ := strconv.ParseInt(d.Form.Get("group"), 10, 64)
	var group *store.Group
	for _, g := range d.Groups {
		if g.ID == id {
			group = g
		}
	}
	if group == nil {
		d.Form.Fail("group", s.t(r, "tag.choose_group"))
		s.render(w, r, http.StatusUnprocessableEntity, "tag_group", title, d)
		return nil
	}
	if err := s.contents.TagGroup(ctx, v, group.ID, t.Name); err != nil {
		return fmt.Errorf("tag group %d with %q: %w", group.ID, t.Name, err)
	}
	s.flash(r, msgSuccess, s.t(r, "tag.group_tagged", "Group", group.Name, "Tag", t.Name))
	redirect(w, r, "/stadt/tags/"+markdown.TagSlug(t.Name)+"/")
	return nil
}

type markdownExample struct {
	Source string
	HTML   template.HTML
}

// markdownHelp explains the syntax of texts, each example with what it becomes.
func (s *Server) markdownHelp(w http.ResponseWriter, r *http.Request) error {
	var sources []string
	for i := 1; ; i++ {
		id := "markdown.example." + strconv.Itoa(i)
		src := s.t(r, id)
		if src == id {
			break
		}
		sources = append(sources, src)
	}
	html := s.renderTexts(r, markdown.Content, 3, sources...)
	examples := make([]markdownExample, len(sources))
	for i := range sources {
		examples[i] = markdownExample{Source: sources[i], HTML: html[i]}
	}
	s.render(w, r, http.StatusOK, "markdown", s.t(r, "markdown.title"), examples)
	return nil
}
