package web

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// expectRedirect checks a permanent redirect to want.
func (r *response) expectRedirect(t *testing.T, what, want string) {
	t.Helper()
	if r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != want {
		t.Errorf("%s: %d to %q, want 301 to %q", what, r.StatusCode, r.Header.Get("Location"), want)
	}
}

// The Django grouprise's media URLs lead to the address that serves the file today, with
// its permission check; an internal file looks missing to those who may not see it.
func TestOldMediaURLs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newInternalSite(t, db)
		ctx := context.Background()
		picture := "bild-q3z.jpg"
		orphan := "niemandes-datei.txt"
		for _, name := range []string{picture, orphan} {
			if err := os.WriteFile(filepath.Join(s.cfg.MediaRoot, name), []byte("x"), 0o640); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := contents.New(db).AddImage(ctx, s.alice.ID, picture); err != nil {
			t.Fatal(err)
		}
		anon, carol, bob := s.browser(), s.loggedIn("carol", "carol-password"), s.loggedIn("bob", "bob-password")

		// The member is sent to the download, which he may fetch.
		bob.get("/stadt/media/"+s.file).expectRedirect(t, "internal file as member", "/-/files/"+s.file)
		bob.get("/-/files/"+s.file).expect(t, http.StatusOK, "Kasse: 12")
		// Pictures are public, as at /-/images/.
		for _, b := range []*browser{anon, carol, bob} {
			b.get("/stadt/media/"+picture).expectRedirect(t, "picture", "/-/images/"+picture)
		}
		// An internal file answers as a missing one to everybody else.
		for who, b := range map[string]*browser{"anonymous": anon, "outsider": carol} {
			b.get("/") // shows the greeting after the login, which is no part of the comparison
			hidden, missing := b.get("/stadt/media/"+s.file), b.get("/stadt/media/gibt-es-nicht.txt")
			if hidden.StatusCode != http.StatusNotFound || missing.StatusCode != http.StatusNotFound ||
				hidden.Header.Get("Location") != "" || hidden.text("main") != missing.text("main") {
				t.Errorf("%s: internal file %d %q, missing file %d %q", who, hidden.StatusCode, hidden.text("main"),
					missing.StatusCode, missing.text("main"))
			}
		}
		// Nothing that no content owns, nothing outside media_root, nothing in its folders.
		for _, p := range []string{orphan, "..%2F..%2Fconfig.yaml", "%2E%2E%2Fconfig.yaml", "avatars%2F" + picture,
			"cache/preview/" + picture, ".hidden", "CACHE/images/x.jpg"} {
			if r := bob.get("/stadt/media/" + p); r.StatusCode != http.StatusNotFound {
				t.Errorf("/stadt/media/%s: %d to %q, want 404", p, r.StatusCode, r.Header.Get("Location"))
			}
		}
	})
}

// The fixture site's old media URLs after import-django: the file and the picture.
func TestImportedMediaURLs(t *testing.T) {
	s := importedSite(t, storetest.Open(t, store.SQLite))
	anon := s.browser()
	anon.get("/stadt/media/wbb4dzubxc8lkupn.pdf").expectRedirect(t, "public file", "/-/files/wbb4dzubxc8lkupn.pdf")
	anon.get("/stadt/media/qx5i9lm998t8vbk1.jpg").expectRedirect(t, "picture", "/-/images/qx5i9lm998t8vbk1.jpg")
}

// The Django grouprise's report link /stadt/abuse/path=<path> opens the report form for that
// page of this site; nothing else.
func TestOldAbuseLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.group("Plattform-Betrieb", s.person("admin", "admin-password"))
		s.person("carol", "carol-password")
		for who, b := range map[string]*browser{"anonymous": s.browser(), "logged in": s.loggedIn("carol", "carol-password")} {
			r := b.get("/stadt/abuse/path=/garten/sommerfest/")
			r.expectRedirect(t, who, "/stadt/abuse/?path=%2Fgarten%2Fsommerfest%2F")
			b.get(r.Header.Get("Location")).expect(t, http.StatusOK, "http://grouprise.test/garten/sommerfest/")
			b.get("/stadt/abuse/path=/stadt/search/?q=gr%C3%BCn").expectRedirect(t, who+", with a query",
				"/stadt/abuse/?path=%2Fstadt%2Fsearch%2F%3Fq%3Dgr%25C3%25BCn")
		}
		for _, p := range []string{"/stadt/abuse/path=/%2F%2Fevil.example/", "/stadt/abuse/path=/%5Cevil.example/",
			"/stadt/abuse/path=/a%0d%0aSet-Cookie:x=1/", "/stadt/abuse/path/x/", "/stadt/abuse/pfad=/garten/"} {
			if r := s.browser().get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d to %q, want 404", p, r.StatusCode, r.Header.Get("Location"))
			}
		}
	})
}
