package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

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

// groupCreateData is the form that makes a group, with the tags the site suggests.
type groupCreateData struct {
	Form *form
	Tags tagChoice
}

// tagChoice is what a group's tag field offers: the featured tags (tags.featured_tag_ids, in
// their order) to tick, how many of them a group needs (tags.min_featured_group_tag_count),
// and which are ticked.
type tagChoice struct {
	Featured    []*store.Tag
	MinFeatured int
	Chosen      map[int64]bool
}

// tagChoice reads the featured tags; on a POST the ticked ones are those of the form.
func (s *Server) tagChoice(r *http.Request, f *form) (tagChoice, error) {
	featured, err := s.db.TagsByID(r.Context(), s.cfg.Tags.FeaturedTagIDs)
	if err != nil {
		return tagChoice{}, fmt.Errorf("featured tags: %w", err)
	}
	c := tagChoice{Featured: featured, MinFeatured: s.cfg.Tags.MinFeaturedGroupTagCount, Chosen: map[int64]bool{}}
	for _, id := range f.Values["featured"] {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			c.Chosen[n] = true
		}
	}
	return c, nil
}

// groupTags are the ticked featured tags and those of the text field ("Garten, Umwelt"),
// with the site's rule for featured tags. A ticked id that is no featured tag counts for
// nothing.
func (s *Server) groupTags(f *form, c tagChoice) groups.Tags {
	var names []string
	for _, t := range c.Featured {
		if c.Chosen[t.ID] {
			names = append(names, t.Name)
		}
	}
	names = groups.UniqueTags(append(names, groups.ParseTags(f.Get("tags"))...))
	return groups.Tags{Names: names, Featured: s.cfg.Tags.FeaturedTagIDs, MinFeatured: s.cfg.Tags.MinFeaturedGroupTagCount}
}

// tagError is the tag field's message for an error about tags; ok is false for others.
func (s *Server) tagError(r *http.Request, err error) (msg string, ok bool) {
	switch {
	case errors.Is(err, groups.ErrTagInvalid):
		return s.t(r, "error.tag_invalid", "Count", groups.MaxTagLength), true
	case errors.Is(err, groups.ErrTooManyTags):
		return s.t(r, "error.too_many_tags", "Count", groups.MaxTags), true
	case errors.Is(err, groups.ErrFeaturedTags):
		return s.t(r, "error.featured_tags", "Count", s.cfg.Tags.MinFeaturedGroupTagCount), true
	}
	return "", false
}

func (s *Server) createGroupForm(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	f := newForm(nil)
	choice, err := s.tagChoice(r, f)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "group_create", s.t(r, "groups.create"), groupCreateData{Form: f, Tags: choice})
	return nil
}

// createGroup makes a group with its creator as first member (the original let anonymous
// visitors create member-less groups; here one has to log in).
func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	f := newForm(r)
	choice, err := s.tagChoice(r, f)
	if err != nil {
		return err
	}
	tags := s.groupTags(f, choice)
	g, err := s.groups.Create(r.Context(), groups.NewGroup{Name: f.Get("name"), Creator: viewer(r).Gestalt, Tags: &tags})
	if msg, ok := s.userError(r, err); ok {
		f.Fail("name", msg)
	} else if msg, ok := s.tagError(r, err); ok {
		f.Fail("tags", msg)
	} else if err != nil {
		return fmt.Errorf("create group: %w", err)
	}
	if !f.Valid() {
		s.render(w, r, http.StatusUnprocessableEntity, "group_create", s.t(r, "groups.create"), groupCreateData{Form: f, Tags: choice})
		return nil
	}
	s.flash(r, msgSuccess, s.t(r, "groups.created", "Group", g.Name))
	redirect(w, r, "/"+g.Slug+"/")
	return nil
}

type groupPageData struct {
	Group      *store.Group
	Subscribed bool
	Member     bool
	CanJoin    bool
	CanChange  bool
	CanAdd     bool
	CanApply   bool
	EventsOnly bool
	*groupShared
	// Pinned, Items and Month are rendered once for all viewers alike (members or not).
	Pinned, Items, Month template.HTML
	Events               []*store.StreamItem
	// Conversations are the latest the viewer can see (members: all), MoreConversations
	// tells whether there are more.
	Conversations     []*store.ConversationItem
	MoreConversations bool
	Page              int
	NextPage          int
	// Chat are the group's Matrix rooms the viewer may open.
	Chat []chatLink
	// URL is the group's address on the site, ShortURL the same for reading.
	URL, ShortURL string
	// MailAddress is the group's address for mail to all members (members only, when
	// mailinglist_enabled).
	MailAddress string
}

// groupShared is what a group's page shows everybody alike.
type groupShared struct {
	Members     int
	Subscribers int
	Description template.HTML
	Tags        []*store.Tag
	// IntroGallery is the group's newest pinned public gallery, shown at the top with its
	// pictures (IntroImages); nil without one.
	IntroGallery *store.StreamItem
	IntroImages  []*store.Image
	// OtherGroups are the most active groups besides this one.
	OtherGroups []*store.GroupSummary
	// Fediverse is the group's handle there (@slug@domain) and Followers the count of its
	// followers there; "" when the group is not visible in the Fediverse.
	Fediverse string
	Followers int
}

// groupStream is a group's pinned contents and a page of its stream as members or as
// everybody else see them.
type groupStream struct {
	Pinned, Items template.HTML
	NextPage      int
}

// groupCalendar is the month and the next events in a group's sidebar.
type groupCalendar struct {
	Month  template.HTML
	Events []*store.StreamItem
}

// maxIntroImages bounds the pictures of the intro gallery on the group page; the gallery's
// page has them all.
const maxIntroImages = 12

// introGallery finds the group's newest pinned public gallery and its first pictures.
func (s *Server) introGallery(r *http.Request, g *store.Group, d *groupShared) error {
	pinned := true
	list, err := s.db.Stream(r.Context(), store.StreamQuery{GroupID: g.ID, Pinned: &pinned, Kind: "gallery",
		OnlyPublic: true, Limit: 1})
	if err != nil || len(list) == 0 {
		return err
	}
	d.IntroGallery = list[0]
	if d.IntroImages, err = s.db.GalleryImages(r.Context(), d.IntroGallery.ContentID); err != nil {
		return err
	}
	if len(d.IntroImages) > maxIntroImages {
		d.IntroImages = d.IntroImages[:maxIntroImages]
	}
	return nil
}

// otherGroups are the eight most active groups without g (the original's sidebar).
func (s *Server) otherGroups(r *http.Request, g *store.Group) ([]*store.GroupSummary, error) {
	top, err := s.db.TopGroups(r.Context(), 9)
	if err != nil {
		return nil, err
	}
	out := make([]*store.GroupSummary, 0, 8)
	for _, o := range top {
		if o.ID != g.ID && len(out) < 8 {
			out = append(out, o)
		}
	}
	return out, nil
}

func (d groupPageData) alternates() []alternate {
	return []alternate{{Type: "application/rss+xml", Title: d.Group.Name, URL: "/stadt/groups/" + strconv.FormatInt(d.Group.ID, 10) + "/feed/"}}
}

// groupPage shows a group: who it is, its pinned intro, its stream (or only its upcoming
// events with ?content=events) and what the viewer may do.
//
// What every viewer sees alike, and what members or everybody else see alike, is kept in
// the memo until the store changes (issue 20); the memo keys name what each part depends
// on: the group, membership, the page, the language, the month, the minute.
func (s *Server) groupPage(w http.ResponseWriter, r *http.Request, g *store.Group) error {
	ctx := r.Context()
	v := viewer(r)
	p := pageOf(r, itemsPerPage)
	d := groupPageData{Group: g, Page: p.Number, Member: v.IsMember(g.ID), CanJoin: groups.CanJoin(v, g) || groups.CanRequestJoin(v, g),
		CanChange: groups.CanChange(v, g), CanAdd: groups.CanAddMembers(v, g), CanApply: groups.CanApply(v, g),
		EventsOnly: r.URL.Query().Get("content") == "events"}
	id, l := strconv.FormatInt(g.ID, 10), lang(r)
	var err error
	if d.groupShared, err = cached(s, r, "group:"+id+":shared:"+l, func() (*groupShared, int, error) {
		sh, err := s.groupShared(r, g)
		return sh, 4096, err
	}); err != nil {
		return err
	}
	role := "others"
	if d.Member {
		role = "members"
	}
	stream, err := cached(s, r, fmt.Sprintf("group:%s:stream:%s:%d:%t:%s", id, role, p.Number, d.EventsOnly, l), func() (*groupStream, int, error) {
		st, err := s.groupStream(r, g, d.groupShared, p, d.EventsOnly)
		if err != nil {
			return nil, 0, err
		}
		return st, len(st.Pinned) + len(st.Items) + 64, nil
	})
	if err != nil {
		return err
	}
	d.Pinned, d.Items, d.NextPage = stream.Pinned, stream.Items, stream.NextPage
	y, m := s.monthOf(r)
	now := s.now()
	today := now.In(s.cfg.Location()).Format("2006-01-02")
	cal, err := cached(s, r, fmt.Sprintf("group:%s:calendar:%s:%d-%d:%s:%d:%s", id, role, y, m, today, now.Unix()/60, l), func() (*groupCalendar, int, error) {
		c, err := s.groupCalendar(r, g, y, m)
		if err != nil {
			return nil, 0, err
		}
		return c, len(c.Month) + 512*len(c.Events), nil
	})
	if err != nil {
		return err
	}
	d.Month, d.Events = cal.Month, cal.Events
	if d.Chat, err = cached(s, r, fmt.Sprintf("group:%s:chat:%t:%t", id, d.Member, d.CanChange), func() ([]chatLink, int, error) {
		links, err := s.chatLinks(r, g, d.Member, d.CanChange)
		return links, 256, err
	}); err != nil {
		return fmt.Errorf("group page: chat rooms: %w", err)
	}
	d.URL = s.cfg.BaseURL() + "/" + g.Slug + "/"
	d.ShortURL = s.cfg.Domain + "/" + g.Slug
	if s.cfg.MailinglistEnabled && d.Member {
		d.MailAddress = g.Slug + "@" + s.cfg.Domain
	}
	if v.LoggedIn() {
		person := "person:" + strconv.FormatInt(v.ID(), 10) + ":group:" + id
		if d.Subscribed, err = cached(s, r, person+":subscribed", func() (bool, int, error) {
			sub, err := s.db.IsSubscribed(ctx, g.ID, v.ID())
			return sub, 64, err
		}); err != nil {
			return err
		}
		convs, err := cached(s, r, person+":conversations", func() ([]*store.ConversationItem, int, error) {
			c, err := s.db.GroupConversations(ctx, g.ID, v.ID(), d.Member, 4, 0)
			return c, 512 * len(c), err
		})
		if err != nil {
			return err
		}
		d.Conversations = convs
		if len(d.Conversations) > 3 {
			d.Conversations, d.MoreConversations = d.Conversations[:3], true
		}
	}
	s.render(w, r, http.StatusOK, "group", g.Name, d)
	return nil
}

// groupShared reads what a group's page shows everybody.
func (s *Server) groupShared(r *http.Request, g *store.Group) (*groupShared, error) {
	var d groupShared
	var err error
	if d.Members, d.Subscribers, err = s.db.GroupSize(r.Context(), g.ID); err != nil {
		return nil, err
	}
	if g.Description != "" {
		d.Description = s.renderTexts(r, markdown.LinkOnly, 0, g.Description)[0]
	}
	if d.Tags, err = s.db.GroupTags(r.Context(), g.ID); err != nil {
		return nil, err
	}
	if err := s.introGallery(r, g, &d); err != nil {
		return nil, fmt.Errorf("group page: intro gallery: %w", err)
	}
	if d.OtherGroups, err = s.otherGroups(r, g); err != nil {
		return nil, fmt.Errorf("group page: other groups: %w", err)
	}
	if visible, err := s.federation.Visible(r.Context(), g); err != nil {
		return nil, fmt.Errorf("group page: fediverse: %w", err)
	} else if visible {
		d.Fediverse = s.federation.Handle(g.Slug)
		if d.Followers, err = s.federation.FollowerCount(r.Context(), g); err != nil {
			return nil, fmt.Errorf("group page: followers: %w", err)
		}
	}
	return &d, nil
}

// groupStream renders a group's pinned contents and a page of its stream (or of its coming
// events) as the viewer of r may see them: what differs between viewers of a group's page
// is only whether they are members (visibleTo, restricted to the group).
func (s *Server) groupStream(r *http.Request, g *store.Group, sh *groupShared, p listPage, eventsOnly bool) (*groupStream, error) {
	ctx := r.Context()
	v := viewer(r)
	base := store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), GroupID: g.ID, Now: s.now()}
	pinned, unpinned := true, false
	q := base
	q.Pinned, q.Limit = &pinned, 7
	pins, err := s.db.Stream(ctx, q)
	if err != nil {
		return nil, err
	}
	// the intro gallery is shown above, not again among the pinned ones
	pins = slices.DeleteFunc(pins, func(it *store.StreamItem) bool {
		return sh.IntroGallery != nil && it.AssociationID == sh.IntroGallery.AssociationID
	})
	if len(pins) > 6 {
		pins = pins[:6]
	}
	q = base
	q.Limit, q.Offset, q.Events = p.Limit(), p.Offset(), eventsOnly
	if !eventsOnly {
		q.Pinned = &unpinned
	}
	items, err := s.db.Stream(ctx, q)
	if err != nil {
		return nil, err
	}
	var st groupStream
	items, st.NextPage = cut(p, items)
	if len(pins) > 0 {
		if st.Pinned, err = s.partial(r, "stream", pins); err != nil {
			return nil, err
		}
	}
	if st.Items, err = s.partial(r, "stream", items); err != nil {
		return nil, err
	}
	return &st, nil
}

// groupCalendar renders the month and reads the next events of a group's sidebar.
func (s *Server) groupCalendar(r *http.Request, g *store.Group, y int, m time.Month) (*groupCalendar, error) {
	month, err := s.month(r, y, m, g.ID, "/"+g.Slug+"/")
	if err != nil {
		return nil, err
	}
	var c groupCalendar
	if c.Month, err = s.partial(r, "month", month); err != nil {
		return nil, err
	}
	v := viewer(r)
	c.Events, err = s.db.Stream(r.Context(), store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), GroupID: g.ID,
		Now: s.now(), Events: true, Limit: 5})
	return &c, err
}
