package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/images/imagestest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// The content form takes a preview picture uploaded in the form itself (F42), without
// JavaScript: checked as every picture (type, size, pixels), stored as the author's picture
// and shown on the page; who may not write there leaves nothing behind.
func TestContentFormPreviewPicture(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "upload_max_file_size: 1\n")
		anna := s.person("anna", "anna-password")
		s.person("carla", "carla-password")
		s.group("Garten", anna)
		a := s.loggedIn("anna", "anna-password")
		nothingLeft := func(when string) {
			t.Helper()
			if n, _ := db.Count(ctx, "images"); n != 0 || len(s.mediaFiles()) != 0 {
				t.Fatalf("%s: %d pictures, files %v", when, n, s.mediaFiles())
			}
			if n, _ := db.Count(ctx, "contents"); n != 0 {
				t.Fatalf("%s: %d contents", when, n)
			}
		}
		form := a.get("/garten/articles/add/")
		checkPage(t, "/garten/articles/add/", form.doc)
		if form.doc.Find(`form[enctype="multipart/form-data"] input[type=file][name=picture]`).Length() != 1 {
			t.Fatal("the article form has no picture upload in a multipart form")
		}
		if s.browser().get("/garten/events/add").StatusCode == http.StatusOK ||
			a.get("/garten/events/add").doc.Find(`input[name=picture]`).Length() != 1 {
			t.Error("the event form has no picture upload")
		}
		article := url.Values{"title": {"Ernte"}, "text": {"Viel Kürbis."}, "public": {"on"}}
		padded := append(imagestest.PNG(10, 10, 1, 2, 3, 255), bytes.Repeat([]byte{0}, 1<<20+1)...)
		for _, c := range []struct {
			name string
			b    *browser
			file uploadFile
			want int
			msg  string
		}{
			{"anonymous", s.browser(), uploadFile{"picture", "a.png", testPNG(40, 30)}, http.StatusFound, ""},
			{"outsider", s.loggedIn("carla", "carla-password"), uploadFile{"picture", "a.png", testPNG(40, 30)}, http.StatusForbidden, ""},
			{"not a picture", a, uploadFile{"picture", "x.png", []byte("kein Bild")}, http.StatusUnprocessableEntity, "„x.png“ ist kein Bild"},
			{"too large", a, uploadFile{"picture", "gross.png", padded}, http.StatusUnprocessableEntity, "höchstens 1 MB"},
			{"too many pixels", a, uploadFile{"picture", "bombe.png", imagestest.PNG(6300, 6300, 200, 30, 30, 255)},
				http.StatusUnprocessableEntity, "zu viele Pixel"},
		} {
			r := c.b.postMultipart("/garten/articles/add/", article, c.file)
			if r.StatusCode != c.want {
				t.Errorf("%s: status %d, want %d", c.name, r.StatusCode, c.want)
			}
			if c.msg != "" {
				checkPage(t, "the refused form ("+c.name+")", r.doc)
			}
			if c.msg != "" && !strings.Contains(r.text("#e-picture"), c.msg) {
				t.Errorf("%s: the field says %q, want %q", c.name, r.text("#e-picture"), c.msg)
			}
			nothingLeft(c.name)
		}
		// A good picture with a form that fails otherwise is not kept either.
		a.postMultipart("/garten/articles/add/", url.Values{"text": {"ohne Titel"}}, uploadFile{"picture", "a.png", testPNG(40, 30)}).
			expect(t, http.StatusUnprocessableEntity)
		nothingLeft("a form without a title")

		r := a.postMultipart("/garten/articles/add/", article, uploadFile{"picture", "ernte.png", testPNG(640, 480)})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d %s", r.StatusCode, r.text(".field-error"))
		}
		page := s.browser().get("/garten/ernte/")
		lead := page.doc.Find("img.lead").AttrOr("src", "")
		name := strings.TrimPrefix(lead, "/-/images/medium/")
		if name == "" || name == lead {
			t.Fatalf("the page shows no preview picture: %q", lead)
		}
		if _, err := os.Stat(filepath.Join(s.cfg.MediaRoot, name)); err != nil {
			t.Errorf("the picture is not stored: %v", err)
		}
		if img := s.browser().get(lead); img.StatusCode != http.StatusOK || img.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("the rendition: %d %q", img.StatusCode, img.Header.Get("Content-Type"))
		}
		mine, _ := db.ImagesOf(ctx, anna.ID)
		if len(mine) != 1 || mine[0].File != name {
			t.Fatalf("anna's pictures: %v", mine)
		}
		// The edit form offers it among her pictures, and a new upload replaces it.
		if a.get("/garten/ernte/edit/").doc.Find(`input[name=image][value="`+itoa(mine[0].ID)+`"][checked]`).Length() != 1 {
			t.Error("the edit form does not show the uploaded picture as chosen")
		}
		a.postMultipart("/garten/ernte/edit/", url.Values{"title": {"Ernte"}, "text": {"Viel Kürbis."}, "public": {"on"},
			"image": {itoa(mine[0].ID)}}, uploadFile{"picture", "neu.png", testPNG(300, 300)}).expect(t, http.StatusSeeOther)
		if now := s.browser().get("/garten/ernte/").doc.Find("img.lead").AttrOr("src", ""); now == lead || now == "" {
			t.Errorf("after the edit the page shows %q", now)
		}
	})
}
