package web

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/images/imagestest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func (b *browser) upload(path, field, filename string, data []byte) *response {
	b.s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile(field, filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test"+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", "http://grouprise.test")
	return b.do(req)
}

func testPNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.NRGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

func TestAvatarUpload(t *testing.T) {
	for _, backend := range []string{"none", "nginx"} {
		t.Run(backend, func(t *testing.T) {
			s := newSite(t, storetest.Open(t, store.SQLite), "file_download_backend: "+backend+"\nupload_max_file_size: 1\n")
			s.person("alice", "peer-password")
			b := s.loggedIn("alice", "peer-password")
			b.upload("/stadt/settings/images/", "avatar", "doc.pdf", []byte("%PDF-1.4")).
				expect(t, http.StatusUnprocessableEntity, "kein Bild")
			b.upload("/stadt/settings/images/", "avatar", "big.png", bytes.Repeat([]byte("x"), 3<<20)).
				expect(t, http.StatusUnprocessableEntity, "zu groß (höchstens 1 MB)")
			b.upload("/stadt/settings/images/", "avatar", "me.png", testPNG(300, 200)).expect(t, http.StatusSeeOther)
			g, _ := s.db.GestaltByUsername(context.Background(), "alice")
			if !strings.HasPrefix(g.Avatar, "avatars/") {
				t.Fatalf("avatar %q", g.Avatar)
			}
			r := s.browser().get("/-/" + g.Avatar)
			switch backend {
			case "none":
				r.expect(t, http.StatusOK)
				if ct := r.Header.Get("Content-Type"); ct != "image/jpeg" || !strings.HasPrefix(r.body, "\xff\xd8") {
					t.Errorf("served %s, %q…", ct, r.body[:4])
				}
			case "nginx":
				if got := r.Header.Get("X-Accel-Redirect"); got != "/protected-downloads/"+g.Avatar {
					t.Errorf("X-Accel-Redirect %q", got)
				}
			}
			s.browser().get("/-/avatars/..%2f..%2fetc%2fpasswd").expect(t, http.StatusNotFound)
		})
	}
}

// A PNG of 170 KB that says it has 6300×6300 pixels (160 MB decoded) is refused by its
// header wherever pictures arrive, and a rendition of such a stored file is never made.
func TestPicturesOverMaxPixels(t *testing.T) {
	bomb := imagestest.PNG(6300, 6300, 200, 30, 30, 255)
	s := newSite(t, storetest.Open(t, store.SQLite), "")
	anna := s.person("anna", "anna-password")
	s.group("Garten", anna)
	a := s.loggedIn("anna", "anna-password")
	const msg = "Das Bild hat zu viele Pixel (höchstens 16 Megapixel, etwa 4000 × 4000)."
	a.upload("/stadt/settings/images/", "avatar", "riesig.png", bomb).expect(t, http.StatusUnprocessableEntity, msg)
	a.upload("/stadt/settings/group/images/?group=garten", "logo", "riesig.png", bomb).expect(t, http.StatusUnprocessableEntity, msg)
	a.postMultipart("/garten/galleries/add/", url.Values{"title": {"Beete"}, "public": {"on"}},
		uploadFile{"images", "riesig.png", bomb}).expect(t, http.StatusUnprocessableEntity, msg)
	if r := a.upload("/stadt/api/images/", "file", "riesig.png", bomb); r.StatusCode != http.StatusRequestEntityTooLarge ||
		!strings.Contains(r.body, "zu viele Pixel") {
		t.Errorf("API: %d %s", r.StatusCode, r.body)
	}
	if files := s.mediaFiles(); len(files) != 0 {
		t.Errorf("refused pictures left %v", files)
	}

	// such a file from before (or a mail's attachment) is shown as it is, not decoded
	name := "riesigesbild1234.png"
	os.MkdirAll(s.cfg.MediaRoot, 0o750)
	os.WriteFile(filepath.Join(s.cfg.MediaRoot, name), bomb, 0o640)
	s.db.Tx(context.Background(), func(q *store.Queries) error {
		_, err := q.CreateImage(context.Background(), anna.ID, name, time.Now())
		return err
	})
	s.browser().get("/-/images/preview/"+name).expect(t, http.StatusOK)
	if _, err := os.Stat(filepath.Join(s.cfg.MediaRoot, "cache", "preview", "riesigesbild1234.jpg")); err == nil {
		t.Error("a rendition of 6300×6300 pixels was made")
	}
}

// Whatever the umask, what the daemon writes below media_root is the service's and its
// group's (the web server's, for X-Accel-Redirect) only: files 0640, directories 0750.
func TestMediaModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	s := newSite(t, storetest.Open(t, store.SQLite), "")
	anna := s.person("anna", "anna-password")
	s.group("Garten", anna)
	a := s.loggedIn("anna", "anna-password")
	a.upload("/stadt/settings/images/", "avatar", "me.png", testPNG(300, 200)).expect(t, http.StatusSeeOther)
	a.postMultipart("/garten/files/add/", url.Values{"title": {"Preise"}}, uploadFile{"file", "preise.pdf", testPDF}).
		expect(t, http.StatusSeeOther)
	a.postMultipart("/garten/galleries/add/", url.Values{"title": {"Beete"}, "public": {"on"}},
		uploadFile{"images", "eins.png", testPNG(600, 400)}).expect(t, http.StatusSeeOther)
	thumb := s.browser().get("/garten/beete/").doc.Find(".gallery img").First().AttrOr("src", "")
	s.browser().get(thumb).expect(t, http.StatusOK)
	var seen []string
	filepath.WalkDir(s.cfg.MediaRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return nil
		}
		fi, _ := d.Info()
		want := fs.FileMode(0o640)
		if d.IsDir() {
			want = 0o750
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: %v, want %v", path, fi.Mode().Perm(), want)
		}
		seen = append(seen, strings.TrimPrefix(path, s.cfg.MediaRoot))
		return nil
	})
	if len(seen) < 7 { // root, avatars/, its file, the PDF, the picture, cache/preview/ and the rendition
		t.Errorf("media: %v", seen)
	}
}
