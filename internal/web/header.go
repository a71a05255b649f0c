package web

import (
	"net/http"
	"strconv"

	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

// The header's menus (F114, F30): the groups menu with the viewer's favourite groups, a
// search (live with script) and the directory; on a group's pages a menu of that group.

// favouriteGroups is how many of the viewer's groups the groups menu lists.
const favouriteGroups = 3

// MyGroups are the viewer's most active groups, read on the first call only.
func (p *page) MyGroups() []*store.GroupSummary {
	if p.myGroups == nil {
		p.myGroups = []*store.GroupSummary{}
		if p.myGroupsOf != nil {
			if list := p.myGroupsOf(); list != nil {
				p.myGroups = list
			}
		}
	}
	return p.myGroups
}

// myGroupsOf reads the viewer's most active groups; a failure leaves the menu without them.
func (s *Server) myGroupsOf(r *http.Request) func() []*store.GroupSummary {
	return func() []*store.GroupSummary {
		ids := viewer(r).GroupIDs()
		if len(ids) == 0 {
			return nil
		}
		list, err := cached(s, r, "person:"+strconv.FormatInt(viewer(r).ID(), 10)+":my-groups", func() ([]*store.GroupSummary, int, error) {
			list, err := s.db.SearchGroups(r.Context(), store.GroupQuery{OnlyMine: true, MemberOf: ids, Limit: favouriteGroups})
			return list, 512 * len(list), err
		})
		if err != nil {
			s.log.Warn("reading the groups for the menu failed", "err", err)
		}
		return list
	}
}

// groupMenu is the menu of the group whose page is shown.
type groupMenu struct {
	Group             *store.Group
	Member, CanChange bool
	// Fediverse: the site federates (members see their group's followers there).
	Fediverse bool
}

// A page of a group names it for the header's group menu.
func (d groupPageData) currentGroup() *store.Group          { return d.Group }
func (d groupConversationsData) currentGroup() *store.Group { return d.Group }
func (d groupActionData) currentGroup() *store.Group        { return d.Group }
func (d recommendData) currentGroup() *store.Group          { return d.Group }

func (s *Server) groupMenuOf(p *page) *groupMenu {
	c, ok := p.Data.(interface{ currentGroup() *store.Group })
	if !ok || c.currentGroup() == nil {
		return nil
	}
	g := c.currentGroup()
	return &groupMenu{Group: g, Member: p.Viewer.IsMember(g.ID), CanChange: groups.CanChange(p.Viewer, g), Fediverse: s.federation.Enabled()}
}
