package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/calendar"
	"grouprise.org/grouprise/internal/store"
)

// The Transition Connect export (the original's /stadt/tc-api/): the site's groups as
// organisations and their public events, for the Transition network's directory to
// collect. Only what everybody sees on the site: no members, no internal events, no
// events under a person's name. Pages point to it with <meta name="transition-connect-base">.

const tcBase = "/stadt/tc-api/"

type tcRef struct {
	ID        int64  `json:"id"`
	Permalink string `json:"permalink"`
	Timestamp string `json:"timestamp"`
}

type tcEvent struct {
	tcRef
	OrgID int64 `json:"orgId"`
	// ICal is the event as one iCalendar VEVENT (RFC 5545 times; the original wrote
	// minutes where months belong).
	ICal string `json:"iCal"`
}

type tcLocation struct {
	Address     string       `json:"address"`
	Description string       `json:"description"`
	Geo         *apiLocation `json:"geo"`
}

type tcOrganisation struct {
	tcRef
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Admins      []string     `json:"admins"`
	Categories  []string     `json:"categories"`
	Website     string       `json:"website"`
	Slogan      string       `json:"slogan"`
	Locations   []tcLocation `json:"locations"`
}

func tcTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Server) tcNotFound(w http.ResponseWriter, r *http.Request) {
	s.jsonError(w, http.StatusNotFound, "NOT_FOUND", s.t(r, "error.not_found"))
}

// tcIndex names the two lists.
func (s *Server) tcIndex(w http.ResponseWriter, r *http.Request) error {
	base := s.cfg.BaseURL() + tcBase
	s.writePublicJSON(w, map[string]string{"event": base + "event/", "organisation": base + "organisation/"})
	return nil
}

func (s *Server) tcEventRef(e *store.PublicEventRef) tcRef {
	return tcRef{ID: e.AssociationID, Permalink: s.cfg.BaseURL() + "/stadt/content/" + strconv.FormatInt(e.AssociationID, 10) + "/",
		Timestamp: tcTime(e.Modified)}
}

// tcEvents lists the public events of all groups.
func (s *Server) tcEvents(w http.ResponseWriter, r *http.Request) error {
	list, err := s.db.PublicGroupEvents(r.Context(), 0)
	if err != nil {
		return fmt.Errorf("tc-api: events: %w", err)
	}
	out := make([]tcRef, 0, len(list))
	for _, e := range list {
		out = append(out, s.tcEventRef(e))
	}
	s.writePublicJSON(w, out)
	return nil
}

// tcEvent shows one public event of a group with its iCalendar entry.
func (s *Server) tcEvent(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.tcNotFound(w, r)
		return nil
	}
	refs, err := s.db.PublicGroupEvents(ctx, id)
	if err != nil {
		return fmt.Errorf("tc-api: event %d: %w", id, err)
	}
	// The same rule twice: the list's query, and the stream's for what everybody sees.
	items, err := s.db.Stream(ctx, store.StreamQuery{AssociationID: id, OnlyPublic: true, Kind: "event", Now: s.now(), Limit: 1})
	if err != nil {
		return fmt.Errorf("tc-api: event %d: %w", id, err)
	}
	if len(refs) != 1 || len(items) != 1 || !items[0].Entity.IsGroup || !items[0].Public {
		s.tcNotFound(w, r)
		return nil
	}
	it := items[0]
	ical, err := s.tcICal(it, refs[0].Modified)
	if err != nil {
		return fmt.Errorf("tc-api: event %d: %w", id, err)
	}
	s.writePublicJSON(w, tcEvent{tcRef: s.tcEventRef(refs[0]), OrgID: refs[0].GroupID, ICal: ical})
	return nil
}

// tcICal writes an event as one VEVENT, as the site's calendars write it.
func (s *Server) tcICal(it *store.StreamItem, modified time.Time) (string, error) {
	e := calendar.Event{
		UID:     fmt.Sprintf("%s.%d@%s", it.Entity.DisplayName(), it.AssociationID, s.cfg.Domain),
		Summary: it.Title, Description: it.Text, Location: it.Place,
		URL:   s.cfg.BaseURL() + "/stadt/content/" + strconv.FormatInt(it.AssociationID, 10) + "/",
		Start: it.StartsAt.V, AllDay: it.AllDay, Public: true, Created: it.Created, Modified: modified,
	}
	if it.EndsAt.Valid {
		e.End = it.EndsAt.V
	}
	var buf bytes.Buffer
	if err := calendar.Write(&buf, calendar.Feed{Domain: s.cfg.Domain, Name: it.Entity.DisplayName()},
		[]calendar.Event{e}, s.cfg.Location(), s.now()); err != nil {
		return "", err
	}
	cal := buf.String()
	start, end := strings.Index(cal, "BEGIN:VEVENT"), strings.LastIndex(cal, "END:VEVENT")
	if start < 0 || end < start {
		return "", fmt.Errorf("no VEVENT in %q", cal)
	}
	return cal[start:end+len("END:VEVENT")] + "\r\n", nil
}

func (s *Server) tcOrganisationRef(g *store.Group) tcRef {
	return tcRef{ID: g.ID, Permalink: s.cfg.BaseURL() + "/" + g.Slug + "/", Timestamp: tcTime(g.TimeModified)}
}

// tcOrganisations lists the groups.
func (s *Server) tcOrganisations(w http.ResponseWriter, r *http.Request) error {
	list, err := s.db.Groups(r.Context())
	if err != nil {
		return fmt.Errorf("tc-api: organisations: %w", err)
	}
	out := make([]tcRef, 0, len(list))
	for _, g := range list {
		out = append(out, s.tcOrganisationRef(&g.Group))
	}
	s.writePublicJSON(w, out)
	return nil
}

// tcOrganisation shows a group as its public page does. Admins stay empty: who belongs to
// a group is for its members to see.
func (s *Server) tcOrganisation(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.tcNotFound(w, r)
		return nil
	}
	g, err := s.db.GroupByID(ctx, id)
	if isAny(err, store.ErrNotFound) {
		s.tcNotFound(w, r)
		return nil
	} else if err != nil {
		return fmt.Errorf("tc-api: organisation %d: %w", id, err)
	}
	tags, err := s.db.GroupTags(ctx, g.ID)
	if err != nil {
		return fmt.Errorf("tc-api: organisation %d: %w", id, err)
	}
	out := tcOrganisation{tcRef: s.tcOrganisationRef(g), Name: g.Name, Description: g.Description, Admins: []string{},
		Categories: []string{}, Website: g.URL, Locations: []tcLocation{}}
	for _, t := range tags {
		out.Categories = append(out.Categories, t.Name)
	}
	if g.Address != "" || (s.cfg.Geo.Enabled && g.Latitude.Valid && g.Longitude.Valid) {
		l := tcLocation{Address: g.Address}
		if s.cfg.Geo.Enabled && g.Latitude.Valid && g.Longitude.Valid {
			l.Geo = &apiLocation{Latitude: g.Latitude.V, Longitude: g.Longitude.V, Point: ewkt(g.Latitude.V, g.Longitude.V)}
		}
		out.Locations = append(out.Locations, l)
	}
	s.writePublicJSON(w, out)
	return nil
}
