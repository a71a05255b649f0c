package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"grouprise.org/grouprise/internal/store"
)

// indexData is the start page: the stream of what the viewer may see, upcoming events and
// the most active groups.
type indexData struct {
	*indexShared
	*indexStream
	*groupCalendar
	Page int
}

// indexShared is what the start page shows everybody alike.
type indexShared struct {
	Groups   []*store.GroupSummary
	Featured []*store.Tag // tags.featured_tag_ids, in their order
}

// indexStream is a page of the start page's stream as one viewer may see it.
type indexStream struct {
	Items    template.HTML
	NextPage int
}

// index shows the start page. Its parts are kept in the memo until the store changes: the
// groups and tags for everybody, the stream and the calendar per viewer (what a person
// sees depends on their groups and their own contents) and per language.
func (s *Server) index(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := viewer(r)
	p := pageOf(r, itemsPerPage)
	d := indexData{Page: p.Number}
	scope, l := "anonymous", lang(r)
	if v.LoggedIn() {
		scope = "person:" + strconv.FormatInt(v.ID(), 10)
	}
	var err error
	if d.indexShared, err = cached(s, r, "index:shared", func() (*indexShared, int, error) {
		var sh indexShared
		var err error
		if sh.Groups, err = s.db.TopGroups(ctx, 8); err != nil {
			return nil, 0, err
		}
		if sh.Featured, err = s.db.TagsByID(ctx, s.cfg.Tags.FeaturedTagIDs); err != nil {
			return nil, 0, err
		}
		return &sh, 512 * (len(sh.Groups) + len(sh.Featured)), nil
	}); err != nil {
		return err
	}
	if d.indexStream, err = cached(s, r, fmt.Sprintf("%s:index:%d:%s", scope, p.Number, l), func() (*indexStream, int, error) {
		items, err := s.db.Stream(ctx, store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), Limit: p.Limit(), Offset: p.Offset()})
		if err != nil {
			return nil, 0, err
		}
		var st indexStream
		items, st.NextPage = cut(p, items)
		if st.Items, err = s.partial(r, "stream", items); err != nil {
			return nil, 0, err
		}
		return &st, len(st.Items) + 64, nil
	}); err != nil {
		return err
	}
	y, m := s.monthOf(r)
	now := s.now()
	today := now.In(s.cfg.Location()).Format("2006-01-02")
	if d.groupCalendar, err = cached(s, r, fmt.Sprintf("%s:index-calendar:%d-%d:%s:%d:%s", scope, y, m, today, now.Unix()/60, l), func() (*groupCalendar, int, error) {
		month, err := s.month(r, y, m, 0, "/")
		if err != nil {
			return nil, 0, err
		}
		var c groupCalendar
		if c.Month, err = s.partial(r, "month", month); err != nil {
			return nil, 0, err
		}
		if c.Events, err = s.db.Stream(ctx, store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), Events: true,
			Now: now, Limit: 5}); err != nil {
			return nil, 0, err
		}
		return &c, len(c.Month) + 512*len(c.Events), nil
	}); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "index", "", d)
	return nil
}
