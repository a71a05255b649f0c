package web

import (
	"net/http"

	"grouprise.org/grouprise/internal/store"
)

// indexData is the start page: the stream of what the viewer may see, upcoming events and
// the most active groups.
type indexData struct {
	Items    []*store.StreamItem
	Events   []*store.StreamItem
	Groups   []*store.GroupSummary
	Featured []*store.Tag // tags.featured_tag_ids, in their order
	Month    *monthView
	Page     int
	NextPage int
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := viewer(r)
	p := pageOf(r, itemsPerPage)
	items, err := s.db.Stream(ctx, store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), Limit: p.Limit(), Offset: p.Offset()})
	if err != nil {
		return err
	}
	d := indexData{Page: p.Number}
	d.Items, d.NextPage = cut(p, items)
	if d.Events, err = s.db.Stream(ctx, store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), Events: true,
		Now: s.now(), Limit: 5}); err != nil {
		return err
	}
	y, m := s.monthOf(r)
	if d.Month, err = s.month(r, y, m, 0, "/"); err != nil {
		return err
	}
	if d.Groups, err = s.db.TopGroups(ctx, 8); err != nil {
		return err
	}
	if d.Featured, err = s.db.TagsByID(ctx, s.cfg.Tags.FeaturedTagIDs); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "index", "", d)
	return nil
}
