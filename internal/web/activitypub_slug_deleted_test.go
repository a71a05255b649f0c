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

// browserAccept is what a browser asks for: /<slug>/ answers it with the page.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// fingerStatus is the status of WebFinger's answer for acct:<user>@grouprise.test.
func (s *site) fingerStatus(user string) int {
	s.t.Helper()
	return s.browser().get("/.well-known/webfinger?resource=" + url.QueryEscape("acct:"+user+"@grouprise.test")).StatusCode
}

// expectStatusOf returns a check that a step got the status it wants.
func expectStatusOf(t *testing.T) func(step string, got, want int) {
	return func(step string, got, want int) {
		t.Helper()
		if got != want {
			t.Errorf("%s: %d, want %d", step, got, want)
		}
	}
}

// TestDeletedGroupSlugFediverse: when the administrator deletes a group, its slug stays
// reserved as after a rename: its account and actor answer 410 Gone (a browser 404), another
// group's settings cannot take it, a new group of that name and a new person get variants, a
// person cannot change to it; once the operator released it, it is an unknown name (404) and
// free.
func TestDeletedGroupSlugFediverse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, garten := fediSite(t, db, "")
		alice, err := db.GestaltByUsername(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetSuperuser(ctx, alice.ID, true); err != nil {
			t.Fatal(err)
		}
		admin := s.loggedIn("alice", "alice-password")
		finger, expectStatus := s.fingerStatus, expectStatusOf(t)
		expectStatus("WebFinger before the deletion", finger("garten"), http.StatusOK)
		admin.post("/stadt/admin/delete-group/"+itoa(garten.ID)+"/", nil).expect(t, http.StatusSeeOther)

		expectStatus("WebFinger of the deleted group", finger("garten"), http.StatusGone)
		expectStatus("WebFinger of it in capitals", finger("GARTEN"), http.StatusGone)
		expectStatus("the deleted group's actor", s.browser().getAs("/garten/", activitypub.MediaType).StatusCode, http.StatusGone)
		expectStatus("the deleted group's page", s.browser().getAs("/garten/", browserAccept).StatusCode, http.StatusNotFound)

		admin.post("/stadt/settings/group/?group=kreis", url.Values{"name": {"Kreis"}, "slug": {"garten"}, "closed": {"on"}}).
			expect(t, http.StatusUnprocessableEntity, "vor weniger als 30 Tagen abgelegt: sie heißt jetzt anders oder wurde gelöscht")
		if _, err := db.GroupBySlug(ctx, "kreis"); err != nil {
			t.Errorf("kreis changed: %v", err)
		}
		admin.post("/stadt/settings/", url.Values{"username": {"garten"}, "first_name": {"Alice"}}).
			expect(t, http.StatusUnprocessableEntity, "oder eine Gruppe hat ihn vor weniger als 30 Tagen abgelegt")

		visitor := s.browser()
		signupAs(t, visitor, "garten@example.org").expect(t, http.StatusSeeOther)
		finishSignup(t, visitor, link(t, s.mails()[0], "http://grouprise.test/stadt/signup/confirm/"), "gartens-password").
			expect(t, http.StatusSeeOther)
		if got := loggedInAs(t, visitor); got != "garten-1" {
			t.Errorf("a sign-up from garten@example.org is %q, want the variant garten-1", got)
		}
		admin.post("/stadt/groups/add/", url.Values{"name": {"Garten"}}).expect(t, http.StatusSeeOther)
		if _, err := db.GroupBySlug(ctx, "garten-2"); err != nil {
			t.Errorf("a new group Garten: %v, want the variant garten-2", err)
		}
		expectStatus("WebFinger of the deleted group after the new one", finger("garten"), http.StatusGone)

		// the operator releases it (grouprise group release-slug): unknown, then free
		if err := groups.New(db, s.cfg.SlugReserved, nil).ReleaseSlug(ctx, "garten"); err != nil {
			t.Fatal(err)
		}
		expectStatus("WebFinger after the release", finger("garten"), http.StatusNotFound)
		expectStatus("the actor after the release", s.browser().getAs("/garten/", activitypub.MediaType).StatusCode, http.StatusNotFound)
		admin.post("/stadt/settings/group/?group=kreis", url.Values{"name": {"Kreis"}, "slug": {"garten"}, "closed": {"on"}}).
			expect(t, http.StatusSeeOther)
	})
}
