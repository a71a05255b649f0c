package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// Hints stay dismissed for the person who dismissed them (in their settings, on every
// device) or for the visitor's session; others still see them (F15, F108).
func TestDismissibleHints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "operator_group_id: 1\n")
		anna := s.person("anna", "anna-password")
		s.person("bert", "bert-password")
		s.group("Betrieb", anna)
		intro := `.hint form.hint-dismiss input[name="name"][value="intro"]`
		count := func(b *browser, path, sel string) int {
			t.Helper()
			r := b.get(path)
			r.expect(t, http.StatusOK)
			return r.doc.Find(sel).Length()
		}

		a := s.loggedIn("anna", "anna-password")
		page := a.get("/")
		if page.doc.Find(intro).Length() != 1 || page.doc.Find(`.hint a[href="/betrieb/"]`).Length() != 1 {
			t.Fatalf("a person's start page lacks the intro naming the operator group")
		}
		r := a.post("/stadt/hints/dismiss/", url.Values{"name": {"intro"}, "next": {"/?page=1"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/?page=1" {
			t.Fatalf("dismiss: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		// Again is no error; the JSON form (the script's) answers 204.
		a.post("/stadt/hints/dismiss/", url.Values{"name": {"intro"}}).expect(t, http.StatusSeeOther)
		if n := count(a, "/", intro); n != 0 {
			t.Error("the dismissed intro is still shown")
		}
		if n := count(s.loggedIn("anna", "anna-password"), "/", intro); n != 0 {
			t.Error("the intro returns on another login (another device)")
		}
		if n := count(s.loggedIn("bert", "bert-password"), "/", intro); n != 1 {
			t.Error("another person lost the intro")
		}
		// The other hints are dismissed one by one.
		if n := count(a, "/stadt/groups/", `input[value="groups-order"]`); n != 1 {
			t.Error("the group directory's hint is missing")
		}
		if n := count(a, "/betrieb/", `input[value="conversations-private"]`); n != 1 {
			t.Error("the hint on conversations is missing for a member")
		}

		// A visitor without an account: remembered in the session, not for other visitors.
		v := s.browser()
		if n := count(v, "/", intro); n != 1 {
			t.Fatal("a visitor's start page lacks the intro")
		}
		req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test/stadt/hints/dismiss/",
			strings.NewReader(url.Values{"name": {"groups-order"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "http://grouprise.test")
		req.Header.Set("Accept", "application/json")
		if r := v.do(req); r.StatusCode != http.StatusNoContent {
			t.Fatalf("the script's dismissal: %d", r.StatusCode)
		}
		if n := count(v, "/stadt/groups/", `input[value="groups-order"]`); n != 0 {
			t.Error("the visitor's dismissed hint is still shown")
		}
		if n := count(s.browser(), "/stadt/groups/", `input[value="groups-order"]`); n != 1 {
			t.Error("another visitor lost the hint")
		}

		// Unknown names are refused; GET changes nothing; other sites cannot dismiss.
		a.post("/stadt/hints/dismiss/", url.Values{"name": {"anything"}}).expect(t, http.StatusNotFound)
		if r := a.get("/stadt/hints/dismiss/"); r.StatusCode != http.StatusMethodNotAllowed && r.StatusCode != http.StatusNotFound {
			t.Errorf("GET: %d", r.StatusCode)
		}
		cross, _ := http.NewRequest(http.MethodPost, "http://grouprise.test/stadt/hints/dismiss/",
			strings.NewReader(url.Values{"name": {"conversations-private"}}.Encode()))
		cross.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		cross.Header.Set("Origin", "https://evil.example")
		a.do(cross)
		if n := count(a, "/betrieb/", `input[value="conversations-private"]`); n != 1 {
			t.Error("another site dismissed a hint")
		}
	})
}
