package groups

import (
	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/store"
)

// The permission rules of groups, memberships and subscriptions (the original's rules.py):
// a group has no admins; every member may do what members may.

// CanChange: members edit the group's settings and images.
func CanChange(v *access.Viewer, g *store.Group) bool { return v.IsMember(g.ID) }

// CanJoin: a logged-in person joins an open group they are not in.
func CanJoin(v *access.Viewer, g *store.Group) bool {
	return v.LoggedIn() && !g.Closed && !v.IsMember(g.ID)
}

// CanRequestJoin: an anonymous visitor asks by e-mail to join an open group.
func CanRequestJoin(v *access.Viewer, g *store.Group) bool { return !v.LoggedIn() && !g.Closed }

// CanLeave: members leave.
func CanLeave(v *access.Viewer, g *store.Group) bool { return v.IsMember(g.ID) }

// CanAddMembers: in closed groups, members add members (by e-mail address).
func CanAddMembers(v *access.Viewer, g *store.Group) bool { return g.Closed && v.IsMember(g.ID) }

// CanApply: a logged-in non-member applies to a closed group.
func CanApply(v *access.Viewer, g *store.Group) bool {
	return v.LoggedIn() && g.Closed && !v.IsMember(g.ID)
}

// CanSeeMembers: the member list is for members.
func CanSeeMembers(v *access.Viewer, g *store.Group) bool { return v.IsMember(g.ID) }

// CanSubscribe: anybody who does not follow the group yet (anonymous visitors by e-mail).
func CanSubscribe(v *access.Viewer, subscribed bool) bool { return !v.LoggedIn() || !subscribed }

// CanUnsubscribe: a logged-in follower.
func CanUnsubscribe(v *access.Viewer, subscribed bool) bool { return v.LoggedIn() && subscribed }
