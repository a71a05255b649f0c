package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/store"
)

// groupOfID finds the group of the {id} in the path; errNotFound for an id that is no number.
func (s *Server) groupOfID(r *http.Request) (*store.Group, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, errNotFound
	}
	return s.db.GroupByID(r.Context(), id)
}

// groupOfSlug finds the group of the {group} in the path (or of ?group=).
func (s *Server) groupOfSlug(r *http.Request) (*store.Group, error) {
	slug := r.PathValue("group")
	if slug == "" {
		slug = r.URL.Query().Get("group")
	}
	return s.db.GroupBySlug(r.Context(), slug)
}

// groupToChange is the group of the request's path if the viewer may change its settings;
// errForbidden otherwise.
func (s *Server) groupToChange(r *http.Request) (*store.Group, error) {
	g, err := s.groupOfSlug(r)
	if err != nil {
		return nil, err
	}
	if !groups.CanChange(viewer(r), g) {
		return nil, errForbidden
	}
	return g, nil
}

type groupsData struct {
	Groups   []*store.GroupSummary
	Name     string
	Mine     bool
	Page     int
	NextPage int
}

// groupIndex is the directory of groups, the most active first, with search by name.
func (s *Server) groupIndex(w http.ResponseWriter, r *http.Request) error {
	v := viewer(r)
	p := pageOf(r, 2*itemsPerPage)
	q := r.URL.Query()
	d := groupsData{Name: q.Get("name"), Mine: q.Get("only_with_membership") == "true" && v.LoggedIn(), Page: p.Number}
	list, err := s.db.SearchGroups(r.Context(), store.GroupQuery{Name: d.Name, OnlyMine: d.Mine, MemberOf: v.GroupIDs(),
		Limit: p.Limit(), Offset: p.Offset()})
	if err != nil {
		return err
	}
	d.Groups, d.NextPage = cut(p, list)
	s.render(w, r, http.StatusOK, "groups", s.t(r, "groups.title"), d)
	return nil
}

func (s *Server) createGroupForm(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	s.render(w, r, http.StatusOK, "group_create", s.t(r, "groups.create"), newForm(nil))
	return nil
}

// createGroup makes a group with its creator as first member (the original let anonymous
// visitors create member-less groups; here one has to log in).
func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	f := newForm(r)
	g, err := s.groups.Create(r.Context(), groups.NewGroup{Name: f.Get("name"), Creator: viewer(r).Gestalt})
	if msg, ok := s.userError(r, err); ok {
		f.Fail("name", msg)
		s.render(w, r, http.StatusUnprocessableEntity, "group_create", s.t(r, "groups.create"), f)
		return nil
	}
	if err != nil {
		return fmt.Errorf("create group: %w", err)
	}
	s.flash(r, msgSuccess, s.t(r, "groups.created", "Group", g.Name))
	redirect(w, r, "/"+g.Slug+"/")
	return nil
}

type groupPageData struct {
	Group       *store.Group
	Members     int
	Subscribers int
	Subscribed  bool
	Member      bool
	CanJoin     bool
	CanChange   bool
	CanAdd      bool
	CanApply    bool
	Pinned      []*store.StreamItem
	Items       []*store.StreamItem
	Events      []*store.StreamItem
	EventsOnly  bool
	Description template.HTML
	Month       *monthView
	// Conversations are the latest the viewer can see (members: all), MoreConversations
	// tells whether there are more.
	Conversations     []*store.ConversationItem
	MoreConversations bool
	Tags              []*store.Tag
	Page              int
	NextPage          int
	// Chat are the group's Matrix rooms the viewer may open.
	Chat []chatLink
}

func (d groupPageData) alternates() []alternate {
	return []alternate{{Type: "application/rss+xml", Title: d.Group.Name, URL: "/stadt/groups/" + strconv.FormatInt(d.Group.ID, 10) + "/feed/"}}
}

// groupPage shows a group: who it is, its pinned intro, its stream (or only its upcoming
// events with ?content=events) and what the viewer may do.
func (s *Server) groupPage(w http.ResponseWriter, r *http.Request, g *store.Group) error {
	ctx := r.Context()
	v := viewer(r)
	p := pageOf(r, itemsPerPage)
	d := groupPageData{Group: g, Page: p.Number, Member: v.IsMember(g.ID), CanJoin: groups.CanJoin(v, g) || groups.CanRequestJoin(v, g),
		CanChange: groups.CanChange(v, g), CanAdd: groups.CanAddMembers(v, g), CanApply: groups.CanApply(v, g),
		EventsOnly: r.URL.Query().Get("content") == "events"}
	var err error
	if d.Members, d.Subscribers, err = s.db.GroupSize(ctx, g.ID); err != nil {
		return err
	}
	if v.LoggedIn() {
		if d.Subscribed, err = s.db.IsSubscribed(ctx, g.ID, v.ID()); err != nil {
			return err
		}
	}
	if g.Description != "" {
		d.Description = s.renderTexts(r, markdown.LinkOnly, 0, g.Description)[0]
	}
	if d.Tags, err = s.db.GroupTags(ctx, g.ID); err != nil {
		return err
	}
	if d.Chat, err = s.chatLinks(r, g, d.Member, d.CanChange); err != nil {
		return fmt.Errorf("group page: chat rooms: %w", err)
	}
	base := store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), GroupID: g.ID, Now: s.now()}
	pinned, unpinned := true, false
	q := base
	q.Pinned, q.Limit = &pinned, 6
	if d.Pinned, err = s.db.Stream(ctx, q); err != nil {
		return err
	}
	q = base
	q.Limit, q.Offset, q.Events = p.Limit(), p.Offset(), d.EventsOnly
	if !d.EventsOnly {
		q.Pinned = &unpinned
	}
	items, err := s.db.Stream(ctx, q)
	if err != nil {
		return err
	}
	d.Items, d.NextPage = cut(p, items)
	if v.LoggedIn() {
		if d.Conversations, err = s.db.GroupConversations(ctx, g.ID, v.ID(), d.Member, 4, 0); err != nil {
			return err
		}
		if len(d.Conversations) > 3 {
			d.Conversations, d.MoreConversations = d.Conversations[:3], true
		}
	}
	y, m := s.monthOf(r)
	if d.Month, err = s.month(r, y, m, g.ID, "/"+g.Slug+"/"); err != nil {
		return err
	}
	q = base
	q.Events, q.Limit = true, 5
	if d.Events, err = s.db.Stream(ctx, q); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "group", g.Name, d)
	return nil
}
