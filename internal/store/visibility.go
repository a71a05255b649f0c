package store

import "strings"

// visibleTo is contents.CanView in SQL, the one condition on associations a that every
// query listing contents for a viewer uses (stream, calendars, feeds, the search index):
// public publications, those under the viewer's own name and those of the groups the viewer
// belongs to now. Having written or commented grants nothing, and site administrators see
// no more than others here (their admin area asks for everything on purpose). Deleted
// publications are each query's own condition. viewerID 0 is an anonymous visitor;
// memberOf lists the viewer's groups as access.Viewer.GroupIDs gives them.
// internal/contents/visibility_test.go holds this and contents.CanView together.
func visibleTo(viewerID int64, memberOf []int64) (string, []any) {
	or := []string{"a.public"}
	var args []any
	if viewerID != 0 {
		or = append(or, "a.gestalt_id = ?")
		args = append(args, viewerID)
		if len(memberOf) > 0 {
			or = append(or, "a.group_id IN ("+placeholders(len(memberOf))+")")
			for _, id := range memberOf {
				args = append(args, id)
			}
		}
	}
	return "(" + strings.Join(or, " OR ") + ")", args
}

// visibleToPersonIn is visibleTo for the person whose id is in column col (an inbox's
// receiver), with their memberships read by the query itself: the same rule.
func visibleToPersonIn(col string) string {
	return "(a.public OR a.gestalt_id = " + col + " OR " + memberIn(col) + ")"
}

// memberIn: the person whose id is in column col belongs to the association's group now.
func memberIn(col string) string {
	return "EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = a.group_id AND m.member_id = " + col + ")"
}
