package web

import (
	"fmt"
	"net/http"

	"grouprise.org/grouprise/internal/store"
)

// calendarSidebar is the calendar box beside a person's or a tag's contents: the month
// grid and the next events of the same scope (F62), as the start and group pages have.
type calendarSidebar struct {
	Month  *monthView
	Events []*store.StreamItem
	// Add links to the event form where the viewer may publish into the scope ("" if nowhere).
	Add string
}

// sidebarEvents is how many upcoming events the box lists (the original showed three
// beside groups and people).
const sidebarEvents = 3

// calendarSidebar builds the box for the events of scope (GestaltID or TagID) that the
// viewer may see; the month's arrows link to path.
func (s *Server) calendarSidebar(r *http.Request, scope store.StreamQuery, path string) (*calendarSidebar, error) {
	y, m := s.monthOf(r)
	mv, err := s.monthIn(r, y, m, scope, path)
	if err != nil {
		return nil, fmt.Errorf("calendar sidebar: %w", err)
	}
	v := viewer(r)
	events, err := s.db.Stream(r.Context(), store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(),
		GestaltID: scope.GestaltID, TagID: scope.TagID, Events: true, Now: s.now(), Limit: sidebarEvents})
	if err != nil {
		return nil, fmt.Errorf("calendar sidebar: events: %w", err)
	}
	return &calendarSidebar{Month: mv, Events: events}, nil
}
