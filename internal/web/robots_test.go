package web

import (
	"net/http"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// robots.txt keeps crawlers where the original's kept them: out of the report form, the
// login, the sign-up and the tag pages, and away from the pages only people use; public
// pages, files and pictures stay open to search engines.
func TestRobotsAsTheOriginal(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "")
	r := s.browser().get("/robots.txt")
	r.expect(t, http.StatusOK, "User-agent: *")
	var disallowed []string
	for _, line := range strings.Split(r.body, "\n") {
		if p, ok := strings.CutPrefix(line, "Disallow:"); ok {
			disallowed = append(disallowed, strings.TrimSpace(p))
		}
	}
	blocked := func(path string) bool {
		for _, p := range disallowed {
			if p != "" && strings.HasPrefix(path, p) {
				return true
			}
		}
		return false
	}
	for path, want := range map[string]bool{
		// the original's rules
		"/stadt/abuse/": true, "/stadt/abuse/path=/garten/": true, "/stadt/abuse/?path=/garten/": true,
		"/stadt/login/": true, "/stadt/login/?next=/garten/": true, "/stadt/signup/": true,
		"/stadt/tags/garten/": true, "/stadt/tags/garten/tag-group/": true,
		// pages only people use
		"/stadt/settings/": true, "/stadt/password/reset/": true, "/stadt/search/?q=garten": true, "/stadt/search?q=garten": true,
		// what the original let search engines find
		"/": false, "/garten/": false, "/garten/oeffentlich/": false, "/-/files/plan.pdf": false,
		"/-/images/bild.jpg": false, "/stadt/media/plan.pdf": false, "/stadt/groups/": false,
		"/stadt/events": false, "/stadt/articles/": false, "/stadt/gestalten/": false,
	} {
		if got := blocked(path); got != want {
			t.Errorf("%s: disallowed %v, want %v (rules %q)", path, got, want, disallowed)
		}
	}
}
