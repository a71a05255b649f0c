package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestSlugReservationFediverse: after a group changed its slug, the old one stays its own:
// another group's settings cannot take it (the form says why), and the old account and actor
// answer 410 Gone (WebFinger, /<old>/ as ActivityPub; browsers get 404), until the group
// takes its slug back. With federation off, 404 as before.
func TestSlugReservationFediverse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := fediSite(t, db, "")
		alice := s.loggedIn("alice", "alice-password")
		finger, expectStatus := s.fingerStatus, expectStatusOf(t)
		alice.post("/stadt/settings/group/?group=garten", url.Values{"name": {"Garten"}, "slug": {"beet"},
			"fediverse": {"on"}}).expect(t, http.StatusSeeOther)

		// kreis (alice administers it too) cannot take it
		alice.post("/stadt/settings/group/?group=kreis", url.Values{"name": {"Kreis"}, "slug": {"garten"}, "closed": {"on"}}).
			expect(t, http.StatusUnprocessableEntity, "vor weniger als 30 Tagen abgelegt")
		if _, err := db.GroupBySlug(context.Background(), "kreis"); err != nil {
			t.Errorf("kreis changed: %v", err)
		}

		expectStatus("WebFinger of the old name", finger("garten"), http.StatusGone)
		expectStatus("WebFinger of the new name", finger("beet"), http.StatusOK)
		expectStatus("WebFinger of an unknown name", finger("nobody"), http.StatusNotFound)
		expectStatus("the old actor", s.browser().getAs("/garten/", activitypub.MediaType).StatusCode, http.StatusGone)
		expectStatus("the old page", s.browser().getAs("/garten/", browserAccept).StatusCode, http.StatusNotFound)
		expectStatus("an unknown actor", s.browser().getAs("/nobody/", activitypub.MediaType).StatusCode, http.StatusNotFound)

		// the group takes it back
		alice.post("/stadt/settings/group/?group=beet", url.Values{"name": {"Garten"}, "slug": {"garten"},
			"fediverse": {"on"}}).expect(t, http.StatusSeeOther)
		expectStatus("WebFinger of the name taken back", finger("garten"), http.StatusOK)
		expectStatus("WebFinger of the name given up", finger("beet"), http.StatusGone)
		expectStatus("the actor taken back", s.browser().getAs("/garten/", activitypub.MediaType).StatusCode, http.StatusOK)

		// federation off: nothing is gone, only not found
		off := newSite(t, storetest.Open(t, db.Dialect()), "")
		g := off.group("Garten", off.person("alice", "alice-password"))
		if err := groups.New(off.db, off.cfg.SlugReserved, nil).UpdateSettings(context.Background(), g,
			store.GroupSettings{Name: g.Name, Slug: "beet", DateFounded: g.DateFounded}); err != nil {
			t.Fatal(err)
		}
		expectStatus("federation off: the old actor", off.browser().getAs("/garten/", activitypub.MediaType).StatusCode, http.StatusNotFound)
		expectStatus("federation off: WebFinger", off.browser().get("/.well-known/webfinger?resource=acct:garten@grouprise.test").StatusCode,
			http.StatusNotFound)
	})
}
