// Package access describes who asks: an anonymous visitor or a person with their memberships.
// The permission rules of each feature (groups.CanJoin, …) decide with it.
package access

import (
	"context"
	"time"

	"grouprise.org/grouprise/internal/store"
)

// Viewer is the person behind a request, or nobody.
type Viewer struct {
	Gestalt *store.Gestalt // nil for anonymous visitors
	// memberships maps group ids to the day the viewer joined.
	memberships map[int64]time.Time
}

// Anonymous is a visitor who is not logged in.
func Anonymous() *Viewer { return &Viewer{} }

// New returns the viewer for a person who is a member of the groups given, with the times
// they joined.
func New(g *store.Gestalt, memberships map[int64]time.Time) *Viewer {
	return &Viewer{Gestalt: g, memberships: memberships}
}

// Load returns the viewer for a person, with their memberships.
func Load(ctx context.Context, q *store.Queries, g *store.Gestalt) (*Viewer, error) {
	m, err := q.MembershipDates(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	return &Viewer{Gestalt: g, memberships: m}, nil
}

// LoggedIn tells whether the viewer is a person.
func (v *Viewer) LoggedIn() bool { return v != nil && v.Gestalt != nil }

// ID is the viewer's gestalt id, 0 when anonymous.
func (v *Viewer) ID() int64 {
	if !v.LoggedIn() {
		return 0
	}
	return v.Gestalt.ID
}

// Is tells whether the viewer is the person with that id.
func (v *Viewer) Is(gestaltID int64) bool { return v.LoggedIn() && v.Gestalt.ID == gestaltID }

// Admin tells whether the viewer administers the site.
func (v *Viewer) Admin() bool { return v.LoggedIn() && (v.Gestalt.IsSuperuser || v.Gestalt.IsStaff) }

// IsMember tells whether the viewer belongs to a group.
func (v *Viewer) IsMember(groupID int64) bool {
	if !v.LoggedIn() {
		return false
	}
	_, ok := v.memberships[groupID]
	return ok
}

// MemberSince is the day the viewer joined a group.
func (v *Viewer) MemberSince(groupID int64) (time.Time, bool) {
	if !v.LoggedIn() {
		return time.Time{}, false
	}
	t, ok := v.memberships[groupID]
	return t, ok
}

// GroupIDs lists the groups the viewer belongs to.
func (v *Viewer) GroupIDs() []int64 {
	ids := make([]int64, 0, len(v.memberships))
	for id := range v.memberships {
		ids = append(ids, id)
	}
	return ids
}
