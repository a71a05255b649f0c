package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/store"
)

type peopleData struct {
	People   []*store.Gestalt
	Page     int
	NextPage int
}

// people lists the public profiles, the most active first.
func (s *Server) people(w http.ResponseWriter, r *http.Request) error {
	p := pageOf(r, itemsPerPage)
	list, err := s.db.PublicGestalten(r.Context(), p.Limit(), p.Offset())
	if err != nil {
		return err
	}
	d := peopleData{Page: p.Number}
	d.People, d.NextPage = cut(p, list)
	s.render(w, r, http.StatusOK, "people", s.t(r, "people.title"), d)
	return nil
}

// entity answers /<slug>/: a group's page if a group has the slug, else a person's profile.
func (s *Server) entity(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("entity")
	g, err := cached(s, r, "group-slug:"+store.Fold(slug), func() (*store.Group, int, error) {
		g, err := s.db.GroupBySlug(r.Context(), slug)
		if err != nil {
			return nil, 0, err
		}
		return g, 1024 + len(g.Description), nil
	})
	if err == nil {
		if s.federation.Enabled() {
			w.Header().Add("Vary", "Accept")
			if activitypub.AcceptsActivity(r.Header.Get("Accept")) {
				if answered, err := s.groupActor(w, r, g); answered || err != nil {
					return err
				}
			}
		}
		return s.groupPage(w, r, g)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	p, err := s.db.GestaltByUsername(r.Context(), slug)
	if errors.Is(err, store.ErrNotFound) && s.federation.Enabled() {
		w.Header().Add("Vary", "Accept")
		if activitypub.AcceptsActivity(r.Header.Get("Accept")) {
			// a group's old actor, while its slug is reserved
			gone, err := s.federation.SlugGone(r.Context(), slug)
			if err != nil {
				return err
			}
			if gone {
				return answerGone(w)
			}
		}
	}
	if err != nil {
		return err
	}
	return s.profilePage(w, r, p)
}

// profileParts are the parts of a profile page kept in the memo.
type profileParts struct {
	Items    template.HTML
	NextPage int
	Calendar *calendarSidebar
	About    template.HTML
}

type profilePageData struct {
	Person   *store.Gestalt
	About    template.HTML
	Items    template.HTML
	Self     bool
	Page     int
	NextPage int
	// URL is the profile's address to copy; Calendar the events of the person's contents.
	URL      string
	Calendar *calendarSidebar
}

// profilePage shows a public profile (a private one only to its owner).
func (s *Server) profilePage(w http.ResponseWriter, r *http.Request, p *store.Gestalt) error {
	v := viewer(r)
	if !p.Public && !v.Is(p.ID) {
		return errForbidden
	}
	pg := pageOf(r, itemsPerPage)
	d := profilePageData{Person: p, Self: v.Is(p.ID), Page: pg.Number, URL: s.cfg.BaseURL() + "/" + p.Username + "/"}
	// Another person's contents are visible alike to everybody but their author (visibleTo
	// restricted to one person's contents): the parts are kept per profile, self or not.
	y, m := s.monthOf(r)
	now := s.now()
	key := fmt.Sprintf("profile:%d:%t:%d:%d-%d:%s:%d:%s", p.ID, d.Self, pg.Number, y, m,
		now.In(s.cfg.Location()).Format("2006-01-02"), now.Unix()/60, lang(r))
	parts, err := cached(s, r, key, func() (*profileParts, int, error) {
		items, err := s.db.Stream(r.Context(), store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), GestaltID: p.ID,
			Limit: pg.Limit(), Offset: pg.Offset()})
		if err != nil {
			return nil, 0, err
		}
		var pp profileParts
		items, pp.NextPage = cut(pg, items)
		if pp.Items, err = s.partial(r, "stream", items); err != nil {
			return nil, 0, err
		}
		if pp.Calendar, err = s.calendarSidebar(r, store.StreamQuery{GestaltID: p.ID}, "/"+p.Username+"/"); err != nil {
			return nil, 0, fmt.Errorf("profile %s: %w", p.Username, err)
		}
		if d.Self {
			pp.Calendar.Add = "/stadt/events/add?where=me"
		}
		if p.About != "" {
			pp.About = s.renderTexts(r, markdown.Content, 3, p.About)[0]
		}
		return &pp, len(pp.Items) + len(pp.About) + 4096, nil
	})
	if err != nil {
		return err
	}
	d.Items, d.NextPage, d.Calendar, d.About = parts.Items, parts.NextPage, parts.Calendar, parts.About
	s.render(w, r, http.StatusOK, "profile", p.Name(), d)
	return nil
}
