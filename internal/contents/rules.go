package contents

import (
	"time"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/store"
)

// The permission rules of contents and their comments (the original's rules.py, with its
// quirks fixed where noted).

// CanView: public contents for everybody; internal ones for the group's members and the
// person they are published under. Having commented grants nothing (the original let it):
// a former member loses a group's internal contents with her membership, and a person's
// internal content stays that person's even when it was public once and others commented.
// The store's visibleTo (internal/store/visibility.go) is the same rule in SQL, for every
// list, calendar, feed and the search index; visibility_test.go holds the two together per
// role, so a change to one of them fails until the other follows.
func CanView(v *access.Viewer, a *store.Association) bool {
	if a.Deleted.Valid {
		return false
	}
	return a.Public || v.IsMember(a.GroupID) || v.Is(a.GestaltID)
}

// CanSeeAuthors: who wrote a group's content is for the group's members (others see the
// group); a person's content shows its person. Pages and feeds follow it.
func CanSeeAuthors(v *access.Viewer, a *store.Association) bool {
	return a.GroupID == 0 || v.IsMember(a.GroupID)
}

// CanCreateIn: members publish in their groups, everybody under their own profile.
func CanCreateIn(v *access.Viewer, groupID, gestaltID int64) bool {
	if groupID != 0 {
		return v.IsMember(groupID)
	}
	return v.Is(gestaltID)
}

// CanChange: a group's members edit its contents; a person edits their own.
func CanChange(v *access.Viewer, a *store.Association) bool {
	return !a.Deleted.Valid && (v.IsMember(a.GroupID) || v.Is(a.GestaltID))
}

// CanDelete: the author of the first version, and members of the group who have been
// members for more than a week.
func CanDelete(v *access.Viewer, a *store.Association, firstAuthor int64, now time.Time) bool {
	if !v.LoggedIn() || a.Deleted.Valid {
		return false
	}
	if v.Is(firstAuthor) || v.Admin() {
		return true
	}
	since, ok := v.MemberSince(a.GroupID)
	return ok && now.Sub(since) > 7*24*time.Hour
}

// CanComment: logged-in people who can see the content.
func CanComment(v *access.Viewer, a *store.Association) bool {
	return v.LoggedIn() && CanView(v, a)
}

// CanViewInternal: internal comments are for the group's members (and, each, for its author).
func CanViewInternal(v *access.Viewer, a *store.Association) bool {
	return v.IsMember(a.GroupID) || (a.GroupID == 0 && v.Is(a.GestaltID))
}

// CanWriteInternal: members may write comments for members only on a group's content.
func CanWriteInternal(v *access.Viewer, a *store.Association) bool {
	return a.GroupID != 0 && v.IsMember(a.GroupID)
}

// CanDeleteComment: authors delete their own comments (messages in conversations stay).
func CanDeleteComment(v *access.Viewer, c *store.Contribution) bool {
	return c.ContentID != 0 && !c.Deleted.Valid && v.Is(c.AuthorID)
}

// CanDeleteRemoteComment: a comment from the Fediverse (its author has no account here to
// delete it with) may also be deleted by the members of the content's group.
func CanDeleteRemoteComment(v *access.Viewer, a *store.Association, c *store.Contribution) bool {
	return c.ContentID != 0 && !c.Deleted.Valid && a.GroupID != 0 && v.IsMember(a.GroupID)
}
