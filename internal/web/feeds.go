package web

import (
	"fmt"
	"net/http"

	"github.com/gorilla/feeds"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/store"
)

// alternate is a feed a page points to.
type alternate struct {
	Type, Title, URL string
}

// siteFeedRSS and groupFeedRSS are the newest public articles as RSS 2.0 (the original's
// addresses) or, under …/atom/, as Atom.
func (s *Server) siteFeedRSS(atom bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.writeArticleFeed(w, r, nil, atom)
	}
}

func (s *Server) groupFeedRSS(atom bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		g, err := s.groupOfID(r)
		if err != nil {
			return err
		}
		return s.writeArticleFeed(w, r, g, atom)
	}
}

func (s *Server) writeArticleFeed(w http.ResponseWriter, r *http.Request, g *store.Group, atom bool) error {
	q := store.StreamQuery{Kind: "article", OnlyPublic: true, Limit: 10}
	site := s.siteInfo(r)
	base := s.cfg.BaseURL()
	f := &feeds.Feed{Title: site.Name, Link: &feeds.Link{Href: base + "/"}, Description: site.Claim}
	if g != nil {
		q.GroupID = g.ID
		f.Title = g.Name + " – " + site.Name
		f.Link = &feeds.Link{Href: base + "/" + g.Slug + "/"}
		f.Description = g.Description
	}
	items, err := s.db.Stream(r.Context(), q)
	if err != nil {
		return fmt.Errorf("feed: articles: %w", err)
	}
	texts := make([]string, len(items))
	for i, it := range items {
		texts[i] = it.Text
	}
	bodies := s.renderTexts(r, markdown.Content, 2, texts...)
	// Feeds are read anonymously (and cached as public): authors show as the pages show them
	// to anonymous visitors; a group's contents are by the group.
	anonymous := access.Anonymous()
	for i, it := range items {
		link := base + "/" + it.Entity.Slug + "/" + it.Slug + "/"
		author := it.Entity.DisplayName()
		a := &store.Association{GestaltID: it.Entity.ID}
		if it.Entity.IsGroup {
			a = &store.Association{GroupID: it.Entity.ID}
		}
		if contents.CanSeeAuthors(anonymous, a) {
			author = it.Author.DisplayName()
		}
		f.Add(&feeds.Item{
			Title: it.Title, Link: &feeds.Link{Href: link}, Id: link, Created: it.Created,
			Author:      &feeds.Author{Name: author},
			Description: string(bodies[i]),
		})
		if f.Updated.Before(it.Created) {
			f.Updated = it.Created
		}
	}
	var out string
	if atom {
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		out, err = f.ToAtom()
	} else {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		out, err = f.ToRss()
	}
	if err != nil {
		return fmt.Errorf("feed: encode: %w", err)
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write([]byte(out))
	return nil
}
