package web

import (
	"net/http"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// The header's groups menu lists a person's groups (at most three) and leads to the rest and
// to the directory; on a group's pages a menu of that group offers what the viewer may do
// there (F114, F30).
func TestHeaderMenus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		anna := s.person("anna", "anna-password")
		s.person("olga", "olga-password")
		var garden *store.Group
		for _, name := range []string{"Garten", "Chor", "Küche", "Werkstatt"} {
			g := s.group(name, anna)
			if garden == nil {
				garden = g
			}
		}
		count := func(r *response, sel string) int { return r.doc.Find(sel).Length() }

		home := s.loggedIn("anna", "anna-password").get("/")
		home.expect(t, http.StatusOK)
		if n := count(home, `details.groups-menu .menu-panel > ul li a[href^="/"][href$="/"]:not([href="/stadt/groups/"])`); n != favouriteGroups {
			t.Errorf("favourite groups in the menu: %d, want %d", n, favouriteGroups)
		}
		if count(home, `details.groups-menu a[href="/stadt/groups/?only_with_membership=true"]`) != 1 ||
			count(home, `details.groups-menu form[action="/stadt/groups/"] input[name="name"]`) != 1 {
			t.Error("the menu lacks the link to all of one's groups or the search")
		}
		if count(home, `details.group-menu`) != 0 {
			t.Error("a group menu outside the group's pages")
		}

		visitor := s.browser().get("/")
		if count(visitor, `details.groups-menu .menu-panel > ul li a`) != 1 || count(visitor, `details.groups-menu a[href="/stadt/groups/"]`) != 1 {
			t.Error("a visitor's groups menu: only the directory")
		}

		for _, c := range []struct {
			role              string
			b                 *browser
			member, canChange bool
		}{
			{"anonymous", s.browser(), false, false},
			{"outsider", s.loggedIn("olga", "olga-password"), false, false},
			{"member", s.loggedIn("anna", "anna-password"), true, true},
		} {
			page := c.b.get("/garten/")
			menu := page.doc.Find("details.group-menu")
			if menu.Find("summary").Text() != "Garten" {
				t.Errorf("%s: no menu of the group", c.role)
			}
			if got := menu.Find(`a[href="/stadt/groups/`+itoa(garden.ID)+`/conversations/"]`).Length() == 1; got != c.member {
				t.Errorf("%s: conversations in the menu: %v", c.role, got)
			}
			if got := menu.Find(`a[href="/stadt/settings/group/?group=garten"]`).Length() == 1; got != c.canChange {
				t.Errorf("%s: settings in the menu: %v", c.role, got)
			}
		}
	})
}
