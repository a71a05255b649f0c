package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"grouprise.org/grouprise/internal/djangoimport"
	"grouprise.org/grouprise/internal/dump"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// importedSite is a site with the Django grouprise 5.5's fixture imported.
func importedSite(t *testing.T, db *store.DB) *site {
	t.Helper()
	s := newSite(t, db, "")
	src, err := djangoimport.Open(context.Background(), "../djangoimport/testdata/django-grouprise-5.5.sqlite3")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rep, err := djangoimport.Import(context.Background(), src, db, djangoimport.Options{
		MediaDir: "../djangoimport/testdata/django-grouprise-5.5-media", MediaRoot: s.cfg.MediaRoot})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) > 0 {
		t.Fatalf("import problems: %v", rep.Problems)
	}
	return s
}

// TestImportedDjangoSite checks the pages of an imported site: the same titles, texts,
// members and comments as the Django grouprise showed, and the old passwords.
func TestImportedDjangoSite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := importedSite(t, db)
		anon := s.browser()
		anon.get("/stadtgarten/").expect(t, http.StatusOK, "Stadtgarten", "Frühjahrsputz im Stadtgarten", "Bilder vom Stadtgarten")
		if r := anon.get("/stadtgarten/"); bytes.Contains([]byte(r.body), []byte("Interne Notiz zur Bewässerung")) {
			t.Error("an internal article shows to anonymous visitors")
		}
		anon.get("/stadtgarten/giessplan-fuer-den-sommer/").expect(t, http.StatusOK,
			"Gießplan für den Sommer 2027", "Endgültiger Plan", "Danke, passt mir gut!", "Ich übernehme den Samstag.")
		anon.get("/fahrradwerkstatt/preisliste-ersatzteile/").expect(t, http.StatusOK, "/-/files/wbb4dzubxc8lkupn.pdf")
		anon.get("/-/files/wbb4dzubxc8lkupn.pdf").expect(t, http.StatusOK)
		anon.get("/fahrradwerkstatt/reparatur-cafe/").expect(t, http.StatusOK, "Reparatur-Café", "14:00", "17:30")
		if r := anon.get("/dave/"); r.StatusCode == http.StatusOK {
			t.Error("dave's private profile shows to anonymous visitors")
		}
		anon.get("/nachbarschaftshilfe/telefonliste/").expect(t, http.StatusFound)

		// Old passwords log in; a shadow account cannot.
		alice := s.loggedIn("alice", "peer-password")
		alice.get("/stadtgarten/interne-notiz-zur-bewaesserung/").expect(t, http.StatusOK, "Interne Notiz zur Bewässerung")
		alice.get("/stadtgarten/giessplan-fuer-den-sommer/").expect(t, http.StatusOK, "Ich habe den neuen Schlauch schon besorgt")
		alice.get("/stadt/groups/3/conversations/").expect(t, http.StatusOK, "Werkzeugausleihe am Wochenende")
		carol := s.loggedIn("carol", "peer-password")
		carol.get("/nachbarschaftshilfe/telefonliste/").expect(t, http.StatusOK, "Telefonliste")
		r := s.browser().post("/stadt/login/", url.Values{"login": {"frieda"}, "password": {"peer-password"}})
		if r.StatusCode == http.StatusSeeOther {
			t.Error("a shadow account logged in")
		}
	})
}

// volatile are the parts of a page that differ between two requests of the same page.
var volatile = regexp.MustCompile(`(name="csrf_token" value="|nonce="|csrf-token" content=")[^"]*"`)

// TestRestoredSiteShowsTheSamePages dumps an imported site and restores it into the other
// dialect: every page reads the same.
func TestRestoredSiteShowsTheSamePages(t *testing.T) {
	ctx := context.Background()
	a := importedSite(t, storetest.Open(t, store.SQLite))
	var archive bytes.Buffer
	if _, err := dump.Dump(ctx, a.db, a.cfg.MediaRoot, "test", &archive); err != nil {
		t.Fatal(err)
	}
	bdb := storetest.OpenConfig(t, storetest.EmptyPostgres(t), false)
	b := newSite(t, bdb, "")
	if _, _, err := dump.Restore(ctx, bdb, b.cfg.MediaRoot, &archive); err != nil {
		t.Fatal(err)
	}
	pages := []string{"/", "/stadt/groups/", "/stadtgarten/", "/fahrradwerkstatt/", "/stadtgarten/giessplan-fuer-den-sommer/",
		"/stadtgarten/termin-fuer-den-herbstputz/", "/fahrradwerkstatt/farbe-fuer-das-werkstatttor/",
		"/stadtgarten/bilder-vom-stadtgarten/", "/stadt/events/", "/stadt/tags/garten/", "/alice/", "/-/files/wbb4dzubxc8lkupn.pdf"}
	for _, who := range []string{"", "bob"} {
		ba, bb := a.browser(), b.browser()
		if who != "" {
			ba, bb = a.loggedIn(who, "peer-password"), b.loggedIn(who, "peer-password")
		}
		for _, p := range append(pages, "/stadt/groups/3/conversations/") {
			ra, rb := ba.get(p), bb.get(p)
			if ra.StatusCode != rb.StatusCode {
				t.Errorf("%s as %q: status %d before, %d after the restore", p, who, ra.StatusCode, rb.StatusCode)
				continue
			}
			if va, vb := volatile.ReplaceAllString(ra.body, "$1"), volatile.ReplaceAllString(rb.body, "$1"); va != vb {
				t.Errorf("%s as %q reads differently after the restore:\n%s", p, who, firstDifference(va, vb))
			}
		}
	}
}

// firstDifference shows where two pages part.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return "before: …" + a[from:min(len(a), i+80)] + "…\nafter:  …" + b[from:min(len(b), i+80)] + "…"
}
