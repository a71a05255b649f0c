package web

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/groups"
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

// The Django grouprise's link /stadt/associations/<pk>/apply/ in a conversation with a
// closed group leads those who may see the conversation to the application to that group.
func TestOldApplyLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		ctx := context.Background()
		alice, eve := s.person("alice", "alice-password"), s.person("eve", "eve-password")
		s.person("carol", "carol-password")
		haus, err := groups.New(db, s.cfg.SlugReserved, nil).Create(ctx, groups.NewGroup{Name: "Haus", Creator: alice, Closed: true})
		if err != nil {
			t.Fatal(err)
		}
		conv := conversations.New(db)
		withGroup, err := conv.Start(ctx, conversations.Message{Author: eve, Subject: "Frage", Text: "Darf ich?", GroupID: haus.ID})
		if err != nil {
			t.Fatal(err)
		}
		personal, err := conv.Start(ctx, conversations.Message{Author: eve, Subject: "Hallo", Text: "Du?", GestaltID: alice.ID})
		if err != nil {
			t.Fatal(err)
		}
		article, err := contents.New(db).Create(ctx, alice, haus.ID, contents.Article, contents.Draft{Title: "Offen", Text: "x", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		apply := "/stadt/groups/" + itoa(haus.ID) + "/conversations/add/?apply_for_membership=1"
		link := "/stadt/associations/" + itoa(withGroup.AssociationID) + "/apply/"

		eveB := s.loggedIn("eve", "eve-password")
		r := eveB.get(link)
		r.expectRedirect(t, "the conversation's starter", apply)
		eveB.get(r.Header.Get("Location")).expect(t, http.StatusOK, `action="`+strings.ReplaceAll(apply, "&", "&amp;")+`"`)
		s.loggedIn("alice", "alice-password").get(link).expectRedirect(t, "a member of the group", apply)
		if r := s.browser().get(link); r.StatusCode != http.StatusFound || !strings.HasPrefix(r.Header.Get("Location"), "/stadt/login/?next=") {
			t.Errorf("anonymous: %d to %q, want the login", r.StatusCode, r.Header.Get("Location"))
		}
		s.loggedIn("carol", "carol-password").get(link).expect(t, http.StatusForbidden)
		for _, id := range []string{"999999", "abc", itoa(personal.AssociationID), itoa(article.ID)} {
			if r := eveB.get("/stadt/associations/" + id + "/apply/"); r.StatusCode != http.StatusNotFound {
				t.Errorf("association %s: %d to %q, want 404", id, r.StatusCode, r.Header.Get("Location"))
			}
		}
	})
}

// The Django grouprise's media URLs of the fixture site with pictures: the pictures of people
// and groups under their old names (public, as there), the names from before its 5.0 that it
// redirected (django_redirect) with the permission check of the file they lead to now, and
// bob's avatar that the import stored under a new name.
func TestImportedOldMediaNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := picturesSite(t, db)
		bobAvatar := storetest.Rows(t, db, `SELECT avatar FROM gestalten WHERE username = 'bob'`)[0]
		anon, alice, carol := s.browser(), s.loggedIn("alice", "peer-password"), s.loggedIn("carol", "peer-password")
		for who, b := range map[string]*browser{"anonymous": anon, "outsider alice": alice, "member carol": carol} {
			for old, want := range map[string]string{
				"alice.png":                          "/-/avatars/alice.png",
				"garten-band.jpg":                    "/-/backgrounds/garten-band.jpg",
				"dave-band.jpg":                      "/-/backgrounds/dave-band.jpg",
				"stadtgarten.png":                    "/-/avatars/stadtgarten.png",
				"stadtgarten-logo.png":               "/-/logos/stadtgarten-logo.png",
				"gestalten/bob%20mit%20hut.png":      "/-/" + bobAvatar,
				"contributions/preisliste%20alt.pdf": "/-/files/wbb4dzubxc8lkupn.pdf",
				"bilder/beet%201.png":                "/-/images/2cnpq9y5uplnby5t.png",
				"qx5i9lm998t8vbk1.jpg":               "/-/images/qx5i9lm998t8vbk1.jpg",
			} {
				r := b.get("/stadt/media/" + old)
				r.expectRedirect(t, who+": /stadt/media/"+old, want)
				if next := b.get(want); next.StatusCode != http.StatusOK {
					t.Errorf("%s: %s answers %d", who, want, next.StatusCode)
				}
			}
		}
		// The old name of the closed group's internal file: for its members the file, for
		// everybody else exactly a missing one.
		carol.get("/stadt/media/alt/telefonliste.txt").expectRedirect(t, "member", "/-/files/a91w8jk51xvpkv3q.txt")
		for who, b := range map[string]*browser{"anonymous": anon, "outsider alice": alice} {
			b.get("/")
			hidden, missing := b.get("/stadt/media/alt/telefonliste.txt"), b.get("/stadt/media/alt/gibt-es-nicht.txt")
			if hidden.StatusCode != http.StatusNotFound || hidden.Header.Get("Location") != "" || hidden.text("main") != missing.text("main") {
				t.Errorf("%s: internal file's old name %d %q, missing %d %q", who, hidden.StatusCode, hidden.text("main"),
					missing.StatusCode, missing.text("main"))
			}
		}
		// Nothing else below /stadt/media/: no picture that nobody uses, no folders of media_root,
		// nothing outside it (a path with dots goes to the cleaned path first).
		for _, p := range []string{"avatars/a91w8jk51xvpkv3q.txt", "logos/alice.png", "cache/preview/2cnpq9y5uplnby5t.png",
			"alt/../a91w8jk51xvpkv3q.txt", "alt/..%2F..%2Fconfig.yaml", "CACHE/images/alice/abc.png", "gestalten/", "a/b/c.png"} {
			if r := carol.get("/stadt/media/" + p); r.StatusCode != http.StatusNotFound &&
				!(r.StatusCode/100 == 3 && !strings.HasPrefix(r.Header.Get("Location"), "/-/")) {
				t.Errorf("/stadt/media/%s: %d to %q, want 404", p, r.StatusCode, r.Header.Get("Location"))
			}
		}
	})
}
