package web

import (
	"net/http"
	"strings"

	"grouprise.org/grouprise/internal/store"
)

// searchResult is a found content or group.
type searchResult struct {
	Item  *store.StreamItem
	Group *store.Group
}

type searchData struct {
	Query    string
	Results  []searchResult
	Page     int
	NextPage int
	// Searched is false before anything was asked.
	Searched bool
}

// search finds public contents and groups by words or their beginnings.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := pageOf(r, itemsPerPage)
	d := searchData{Query: q, Page: p.Number}
	terms := store.SearchTerms(q)
	if len(terms) > 0 {
		d.Searched = true
		hits, err := s.db.Search(ctx, terms, p.Limit(), p.Offset())
		if err != nil {
			return err
		}
		hits, d.NextPage = cut(p, hits)
		var assocs []int64
		for _, h := range hits {
			if h.AssociationID != 0 {
				assocs = append(assocs, h.AssociationID)
			}
		}
		items := map[int64]*store.StreamItem{}
		if len(assocs) > 0 {
			list, err := s.db.Stream(ctx, store.StreamQuery{AssociationIDs: assocs, Limit: len(assocs)})
			if err != nil {
				return err
			}
			for _, it := range list {
				items[it.AssociationID] = it
			}
		}
		for _, h := range hits {
			if h.GroupID != 0 {
				g, err := s.db.GroupByID(ctx, h.GroupID)
				if err != nil {
					continue // deleted meanwhile
				}
				d.Results = append(d.Results, searchResult{Group: g})
			} else if it := items[h.AssociationID]; it != nil {
				d.Results = append(d.Results, searchResult{Item: it})
			}
		}
	}
	title := s.t(r, "search.title")
	if q != "" {
		title = s.t(r, "search.title_for", "Query", q)
	}
	s.render(w, r, http.StatusOK, "search", title, d)
	return nil
}
