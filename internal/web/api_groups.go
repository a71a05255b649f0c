package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"grouprise.org/grouprise/internal/store"
)

// Groups are public in grouprise: the API shows of them what their public page shows.

type apiGroup struct {
	ID          int64    `json:"id"`
	Slug        string   `json:"slug"`
	Name        string   `json:"name"`
	Initials    string   `json:"initials"`
	Description string   `json:"description"`
	Avatar      string   `json:"avatar"`
	AvatarColor string   `json:"avatar_color"`
	Tags        []apiTag `json:"tags"`
	// Cover is the first picture of the group's first pinned public gallery, "" without one.
	Cover string `json:"cover"`
	URL   string `json:"url"`
	// Location is there with ?include=location (maps on), null for groups not on the map.
	Location *apiLocation `json:"location,omitempty"`
}

type apiTag struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type apiLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	// Point is the place as the original wrote it (GeoDjango's EWKT).
	Point string `json:"point"`
}

// apiGroupDetail is a group with the rest of its public page.
type apiGroupDetail struct {
	apiGroup
	Address     string `json:"address"`
	Website     string `json:"website"`
	DateFounded string `json:"date_founded"`
	Closed      bool   `json:"closed"`
	Members     int    `json:"members"`
	Subscribers int    `json:"subscribers"`
}

// apiGroupsOf turns groups into their JSON, with tags and covers read for all at once.
func (s *Server) apiGroupsOf(r *http.Request, list []*store.Group) ([]apiGroup, error) {
	ctx := r.Context()
	ids := make([]int64, len(list))
	for i, g := range list {
		ids[i] = g.ID
	}
	tags, err := s.db.TagsOfGroups(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("api: groups: %w", err)
	}
	covers, err := s.db.GroupCovers(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("api: groups: %w", err)
	}
	withLocation := s.cfg.Geo.Enabled && strings.Contains(r.URL.Query().Get("include"), "location")
	base := s.cfg.BaseURL()
	out := make([]apiGroup, 0, len(list))
	for _, g := range list {
		ag := apiGroup{ID: g.ID, Slug: g.Slug, Name: g.Name, Initials: initials(g.Name), Description: g.Description,
			AvatarColor: g.AvatarColor, URL: base + "/" + g.Slug + "/", Tags: []apiTag{}}
		if g.Avatar != "" {
			ag.Avatar = base + "/-/" + g.Avatar
		}
		for _, t := range tags[g.ID] {
			ag.Tags = append(ag.Tags, apiTag{ID: t.ID, Name: t.Name})
		}
		if c := covers[g.ID]; c != "" {
			ag.Cover = base + "/-/images/medium/" + c
		}
		if withLocation && g.Latitude.Valid && g.Longitude.Valid {
			ag.Location = &apiLocation{Latitude: g.Latitude.V, Longitude: g.Longitude.V, Point: ewkt(g.Latitude.V, g.Longitude.V)}
		}
		out = append(out, ag)
	}
	return out, nil
}

// apiGroup shows one group: /stadt/api/groups/{id}/.
func (s *Server) apiGroup(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.jsonError(w, http.StatusNotFound, "NOT_FOUND", s.t(r, "error.not_found"))
		return nil
	}
	g, err := s.db.GroupByID(ctx, id)
	if err != nil {
		if isAny(err, store.ErrNotFound) {
			s.jsonError(w, http.StatusNotFound, "NOT_FOUND", s.t(r, "error.not_found"))
			return nil
		}
		return fmt.Errorf("api: group %d: %w", id, err)
	}
	list, err := s.apiGroupsOf(r, []*store.Group{g})
	if err != nil {
		return err
	}
	d := apiGroupDetail{apiGroup: list[0], Address: g.Address, Website: g.URL, Closed: g.Closed}
	if !g.DateFounded.IsZero() {
		d.DateFounded = g.DateFounded.Format("2006-01-02")
	}
	if d.Members, d.Subscribers, err = s.db.GroupSize(ctx, g.ID); err != nil {
		return fmt.Errorf("api: group %d: %w", id, err)
	}
	s.writeJSON(w, http.StatusOK, d)
	return nil
}

// ewkt writes a place as GeoDjango did: SRID=4326;POINT (longitude latitude).
func ewkt(lat, lon float64) string {
	return "SRID=4326;POINT (" + strconv.FormatFloat(lon, 'f', -1, 64) + " " + strconv.FormatFloat(lat, 'f', -1, 64) + ")"
}
