package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// uploadFile is one file of a multipart form.
type uploadFile struct {
	field, name string
	data        []byte
}

// postMultipart submits a form with fields and files.
func (b *browser) postMultipart(path string, values url.Values, uploads ...uploadFile) *response {
	b.s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range values {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, u := range uploads {
		fw, _ := mw.CreateFormFile(u.field, u.name)
		fw.Write(u.data)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test"+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", "http://grouprise.test")
	return b.do(req)
}

// mediaFiles lists the stored files directly below media_root.
func (s *site) mediaFiles() []string {
	entries, _ := os.ReadDir(s.cfg.MediaRoot)
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

var testPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func TestFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "upload_max_file_size: 1\n")
		anna := s.person("anna", "anna-password")
		s.person("bert", "bert-password")
		s.group("Garten", anna)
		a := s.loggedIn("anna", "anna-password")
		a.get("/garten/files/add/").expect(t, http.StatusOK, `enctype="multipart/form-data"`)
		// refused: no file, a file that is not what its name says, a file too large
		a.postMultipart("/garten/files/add/", url.Values{"title": {"Preise"}}).
			expect(t, http.StatusUnprocessableEntity, "Bitte wähle eine Datei aus.")
		a.postMultipart("/garten/files/add/", url.Values{"title": {"Preise"}}, uploadFile{"file", "preise.pdf", testPNG(4, 4)}).
			expect(t, http.StatusUnprocessableEntity, "passt nicht zu ihrer Endung .pdf")
		a.postMultipart("/garten/files/add/", url.Values{"title": {"Preise"}}, uploadFile{"file", "gross.txt", bytes.Repeat([]byte("x"), 1<<20+10)}).
			expect(t, http.StatusUnprocessableEntity, "zu groß (höchstens 1 MB)")
		if n, _ := db.Count(ctx, "contents"); n != 0 || len(s.mediaFiles()) != 0 {
			t.Fatalf("refused uploads left %d contents, files %v", n, s.mediaFiles())
		}
		r := a.postMultipart("/garten/files/add/", url.Values{"title": {"Preisliste"}, "text": {"Die Preise für 2027"}},
			uploadFile{"file", `C:\Dokumente\Preisliste 2027.pdf`, testPDF})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/garten/preisliste/" {
			t.Fatalf("create: %d %s %s", r.StatusCode, r.Header.Get("Location"), r.text(".field-error"))
		}
		page := a.get("/garten/preisliste/")
		link := page.doc.Find(`a[href^="/-/files/"]`).AttrOr("href", "")
		if !strings.HasSuffix(link, ".pdf") || !strings.Contains(page.body, "Preisliste 2027.pdf herunterladen") {
			t.Fatalf("download link %q", link)
		}
		dl := a.get(link)
		if dl.StatusCode != http.StatusOK || dl.body != string(testPDF) ||
			dl.Header.Get("Content-Disposition") != `attachment; filename="Preisliste 2027.pdf"` {
			t.Errorf("download: %d %q", dl.StatusCode, dl.Header.Get("Content-Disposition"))
		}
		// internal: outsiders are refused, anonymous visitors sent to the login
		s.loggedIn("bert", "bert-password").get(link).expect(t, http.StatusForbidden)
		s.browser().get(link).expect(t, http.StatusFound)
		s.browser().get("/-/files/..%2F..%2Fconfig.yaml").expect(t, http.StatusNotFound)
		s.browser().get("/-/files/gibtsnicht.pdf").expect(t, http.StatusNotFound)
		if s.browser().get("/-/images/"+strings.TrimPrefix(link, "/-/files/")).StatusCode != http.StatusNotFound {
			t.Error("a file is served as a public picture")
		}

		// a new file replaces the old one on the page; the download behind nginx
		a.postMultipart("/garten/preisliste/edit/", url.Values{"title": {"Preisliste"}, "text": {"neu"}},
			uploadFile{"file", "preise-neu.txt", []byte("Äpfel 2 €\n")}).expect(t, http.StatusSeeOther)
		page = a.get("/garten/preisliste/")
		page.expect(t, http.StatusOK, "preise-neu.txt herunterladen")
		// an edit without a file keeps it
		a.postMultipart("/garten/preisliste/edit/", url.Values{"title": {"Preisliste"}, "text": {"neuer"}}).expect(t, http.StatusSeeOther)
		a.get("/garten/preisliste/").expect(t, http.StatusOK, "preise-neu.txt herunterladen")

		nginx := newSite(t, db, "file_download_backend: nginx\n")
		link = page.doc.Find(`a[href^="/-/files/"]`).AttrOr("href", "")
		dl = nginx.loggedIn("anna", "anna-password").get(link)
		if dl.Header.Get("X-Accel-Redirect") != "/protected-downloads/"+strings.TrimPrefix(link, "/-/files/") || dl.body != "" {
			t.Errorf("nginx: %q %q", dl.Header.Get("X-Accel-Redirect"), dl.body)
		}
	})
}

func TestGalleries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		anna := s.person("anna", "anna-password")
		s.group("Garten", anna)
		a := s.loggedIn("anna", "anna-password")
		a.postMultipart("/garten/galleries/add/", url.Values{"title": {"Beete"}, "public": {"on"}}).
			expect(t, http.StatusUnprocessableEntity, "mindestens ein Bild")
		a.postMultipart("/garten/galleries/add/", url.Values{"title": {"Beete"}, "public": {"on"}}, uploadFile{"images", "x.png", []byte("kein Bild")}).
			expect(t, http.StatusUnprocessableEntity, "„x.png“ ist kein Bild")
		if n, _ := db.Count(ctx, "images"); n != 0 || len(s.mediaFiles()) != 0 {
			t.Fatalf("refused uploads left %d images, files %v", n, s.mediaFiles())
		}
		r := a.postMultipart("/garten/galleries/add/", url.Values{"title": {"Beete"}, "text": {"Im Juni"}, "public": {"on"}},
			uploadFile{"images", "eins.png", testPNG(600, 400)}, uploadFile{"images", "zwei.png", testPNG(300, 900)})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d %s", r.StatusCode, r.text(".field-error"))
		}
		page := s.browser().get("/garten/beete/")
		page.expect(t, http.StatusOK, "Galerie", `property="og:image"`)
		thumbs := page.doc.Find(".gallery img")
		if thumbs.Length() != 2 || page.doc.Find(".lightbox:not(.x) img").Length() != 2 {
			t.Fatalf("%d thumbnails", thumbs.Length())
		}
		thumb := thumbs.First().AttrOr("src", "")
		img := s.browser().get(thumb)
		if img.StatusCode != http.StatusOK || img.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("thumbnail: %d %q", img.StatusCode, img.Header.Get("Content-Type"))
		}
		name := strings.TrimPrefix(thumb, "/-/images/preview/")
		if _, err := os.Stat(filepath.Join(s.cfg.MediaRoot, "cache", "preview", name)); err != nil {
			t.Errorf("the rendition is not kept: %v", err)
		}
		s.browser().get("/-/images/"+name).expect(t, http.StatusOK)
		s.browser().get("/-/images/huge/"+name).expect(t, http.StatusNotFound)

		// take one out, add one; taking all out is refused
		ids := a.get("/garten/beete/edit/").doc.Find(`input[name="remove_image"]`).Map(func(_ int, sel *goquery.Selection) string {
			return sel.AttrOr("value", "")
		})
		if len(ids) != 2 {
			t.Fatalf("edit form shows %d pictures", len(ids))
		}
		a.postMultipart("/garten/beete/edit/", url.Values{"title": {"Beete"}, "public": {"on"}, "remove_image": {ids[0]}},
			uploadFile{"images", "drei.png", testPNG(50, 50)}).expect(t, http.StatusSeeOther)
		if n := s.browser().get("/garten/beete/").doc.Find(".gallery img").Length(); n != 2 {
			t.Errorf("%d pictures after one out and one in", n)
		}
		ids = a.get("/garten/beete/edit/").doc.Find(`input[name="remove_image"]`).Map(func(_ int, sel *goquery.Selection) string {
			return sel.AttrOr("value", "")
		})
		a.postMultipart("/garten/beete/edit/", url.Values{"title": {"Beete"}, "remove_image": ids}).
			expect(t, http.StatusUnprocessableEntity, "mindestens ein Bild")
	})
}
