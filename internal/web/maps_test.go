package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

const geoConfig = "geo: {enabled: true}\n"

func TestGroupLocation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, geoConfig)
		alice := s.person("alice", "alice-password")
		s.group("Garten", alice)
		s.group("Werkstatt", alice)
		a := s.loggedIn("alice", "alice-password")
		form := func(lat, lon string) url.Values {
			return url.Values{"name": {"Garten"}, "slug": {"garten"}, "latitude": {lat}, "longitude": {lon}}
		}
		a.get("/stadt/settings/group/?group=garten").expect(t, http.StatusOK, `name="latitude"`, `data-map="picker"`)
		// Bad coordinates: the form comes back with the message, nothing stored.
		for _, bad := range [][2]string{{"91", "13"}, {"51", ""}, {"abc", "13"}} {
			a.post("/stadt/settings/group/?group=garten", form(bad[0], bad[1])).
				expect(t, http.StatusUnprocessableEntity, "Ein Ort braucht beide Koordinaten")
		}
		if r := a.post("/stadt/settings/group/?group=garten", form("51,0504", "13.7373")); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("saving the location: %d", r.StatusCode)
		}
		if got := storetest.Rows(t, db, `SELECT latitude, longitude FROM groups WHERE slug = 'garten'`); got[0] != "51.0504|13.7373" {
			t.Errorf("stored location: %v", got)
		}
		// The page without JavaScript: a link to the map service; the map element for the script.
		page := s.browser().get("/garten/")
		page.expect(t, http.StatusOK, "https://www.openstreetmap.org/?mlat=51.0504&amp;mlon=13.7373", `data-map="point"`,
			`/javascript/leaflet/leaflet.js`)
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https://*.tile.openstreetmap.org") {
			t.Errorf("the tiles are not allowed by the CSP: %s", csp)
		}
		// The API: only groups on the map, with their places.
		var groups []struct {
			Slug     string
			Location *struct{ Latitude, Longitude float64 }
		}
		r := s.browser().get("/stadt/api/groups/?has_location=1&include=location")
		if err := json.Unmarshal([]byte(r.body), &groups); err != nil {
			t.Fatal(err)
		}
		if len(groups) != 1 || groups[0].Slug != "garten" || groups[0].Location == nil || groups[0].Location.Latitude != 51.0504 {
			t.Errorf("groups on the map: %s", r.body)
		}
		if r := s.browser().get("/stadt/api/groups/"); !strings.Contains(r.body, "werkstatt") || strings.Contains(r.body, "latitude") {
			t.Errorf("all groups, without places: %s", r.body)
		}
		// The map of groups, and its embeddable form.
		s.browser().get("/stadt/groups/map/").expect(t, http.StatusOK, `data-lat="51.0504"`, `href="/garten/"`)
		embed := s.browser().get("/stadt/groups/map/?embed=1")
		embed.expect(t, http.StatusOK, `class="bare"`, `target="_top"`)
		if strings.Contains(embed.body, `class="site-header"`) || !strings.Contains(embed.Header.Get("Content-Security-Policy"), "frame-ancestors *") ||
			embed.Header.Get("X-Frame-Options") != "" {
			t.Errorf("the embeddable map: %v", embed.Header)
		}
		// Emptied fields take the group off the map.
		a.post("/stadt/settings/group/?group=garten", form("", ""))
		if got := storetest.Rows(t, db, `SELECT COUNT(*) FROM groups WHERE latitude IS NOT NULL`); got[0] != "0" {
			t.Error("the location was not removed")
		}
	})
}

func TestMapsOff(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "")
	alice := s.person("alice", "alice-password")
	s.group("Garten", alice)
	s.browser().get("/stadt/groups/map/").expect(t, http.StatusNotFound)
	s.browser().get("/javascript/leaflet/leaflet.js").expect(t, http.StatusNotFound)
	if p := s.browser().get("/garten/"); strings.Contains(p.body, "leaflet") {
		t.Error("the map script loads with maps off")
	}
	if p := s.loggedIn("alice", "alice-password").get("/stadt/settings/group/?group=garten"); strings.Contains(p.body, "latitude") {
		t.Error("the location fields show with maps off")
	}
}
