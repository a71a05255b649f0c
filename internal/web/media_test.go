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
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/djangoimport"
	"grouprise.org/grouprise/internal/djangoimport/djangoimporttest"
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

// picturesSite is the fixture site with the pictures it lacks (avatars, a logo, profile
// backgrounds, the redirects of the Django grouprise's 5.0), imported.
func picturesSite(t *testing.T, db *store.DB) *site {
	t.Helper()
	s := newSite(t, db, "")
	dbFile, media := djangoimporttest.WithPictures(t, "../djangoimport/testdata")
	src, err := djangoimport.Open(context.Background(), dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rep, err := djangoimport.Import(context.Background(), src, db, djangoimport.Options{MediaDir: media, MediaRoot: s.cfg.MediaRoot})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 { // bob's avatar from before 5.0 gets a new name
		t.Fatalf("import problems: %v", rep.Problems)
	}
	return s
}

var pictureLink = regexp.MustCompile(`src="(/-/(?:avatars|logos|backgrounds)/[^"]+)"`)

// pictureLinks are the addresses of the pictures of people and groups on a page.
func pictureLinks(r *response) []string {
	var links []string
	for _, m := range pictureLink.FindAllStringSubmatch(r.body, -1) {
		links = append(links, m[1])
	}
	return links
}

// The pictures of an imported site show where the pages link them: the avatars and the
// background on alice's profile, the avatar and the logo on the group's page, bob's avatar
// that the Django grouprise kept under a name from before 5.0.
func TestImportedPictures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := picturesSite(t, db)
		anon := s.browser()
		bobAvatar := storetest.Rows(t, db, `SELECT avatar FROM gestalten WHERE username = 'bob'`)[0]
		for page, want := range map[string][][2]string{
			"/alice/":       {{"/-/backgrounds/garten-band.jpg", "garten-band.jpg"}, {"/-/avatars/alice.png", "alice.png"}},
			"/stadtgarten/": {{"/-/avatars/stadtgarten.png", "stadtgarten.png"}, {"/-/logos/stadtgarten-logo.png", "stadtgarten-logo.png"}},
			"/bob/":         {{"/-/" + bobAvatar, "gestalten/bob mit hut.png"}},
		} {
			r := anon.get(page)
			r.expect(t, http.StatusOK)
			links := pictureLinks(r)
			for _, w := range want {
				if !slices.Contains(links, w[0]) {
					t.Errorf("%s links the pictures %q, want %s among them", page, links, w[0])
					continue
				}
				pic := anon.get(w[0])
				pic.expect(t, http.StatusOK)
				if pic.body != string(djangoimporttest.File(t, "../djangoimport/testdata", w[1])) {
					t.Errorf("%s: not the bytes of %s", w[0], w[1])
				}
			}
		}
		// The group list and the people directory link the same pictures.
		if links := pictureLinks(anon.get("/stadt/groups/")); !slices.Contains(links, "/-/avatars/stadtgarten.png") {
			t.Errorf("group list: %q", links)
		}
		// The background of a private profile is not on any page others see.
		if r := anon.get("/dave/"); strings.Contains(r.body, "dave-band.jpg") {
			t.Error("dave's private profile shows its background to anonymous visitors")
		}
		dave := s.loggedIn("dave", "peer-password")
		if links := pictureLinks(dave.get("/dave/")); !slices.Contains(links, "/-/backgrounds/dave-band.jpg") {
			t.Errorf("dave's own profile links %q", links)
		}
	})
}

// A site imported before schema version 5 has its pictures at the top of media_root (the
// migration gave their names the directory): they are served from there as long as somebody
// uses them, and no other file there is reached through the pictures' addresses.
func TestPicturesOfEarlierImports(t *testing.T) {
	s := picturesSite(t, storetest.Open(t, store.SQLite))
	root := s.cfg.MediaRoot
	for _, rel := range []string{"avatars/alice.png", "logos/stadtgarten-logo.png", "backgrounds/garten-band.jpg"} {
		if err := os.Rename(filepath.Join(root, rel), filepath.Join(root, filepath.Base(rel))); err != nil {
			t.Fatal(err)
		}
		r := s.browser().get("/-/" + rel)
		r.expect(t, http.StatusOK)
		if r.body != string(djangoimporttest.File(t, "../djangoimport/testdata", filepath.Base(rel))) {
			t.Errorf("/-/%s: not the picture", rel)
		}
	}
	// Files at the top that are no picture of anybody: the internal file, a gallery picture.
	for _, p := range []string{"/-/avatars/a91w8jk51xvpkv3q.txt", "/-/logos/a91w8jk51xvpkv3q.txt",
		"/-/backgrounds/2cnpq9y5uplnby5t.png", "/-/avatars/..%2Fconfig.yaml", "/-/avatars/.hidden"} {
		if r := s.browser().get(p); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, r.StatusCode)
		}
	}
}

// Only the person changes the background of a profile: uploaded, checked as avatars are
// (type, size), shown on the profile, removed together with the avatar.
func TestProfileBackground(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "upload_max_file_size: 1\n")
		s.person("alice", "alice-password")
		s.person("bob", "bob-password")
		storetest.Exec(t, db, `UPDATE gestalten SET public = TRUE WHERE username = 'alice'`)
		ctx := context.Background()
		background := func(who string) string {
			g, err := db.GestaltByUsername(ctx, who)
			if err != nil {
				t.Fatal(err)
			}
			return g.Background
		}

		// Anonymous visitors change nothing (no person to change).
		r := s.browser().upload("/stadt/settings/images/", "background", "band.png", testPNG(1600, 500))
		if r.StatusCode == http.StatusSeeOther && r.Header.Get("Location") == "/stadt/settings/images/" {
			t.Error("an anonymous upload was accepted")
		}
		alice := s.loggedIn("alice", "alice-password")
		alice.upload("/stadt/settings/images/", "background", "doc.pdf", []byte("%PDF-1.4")).
			expect(t, http.StatusUnprocessableEntity, "kein Bild")
		alice.upload("/stadt/settings/images/", "background", "big.png", bytes.Repeat([]byte("x"), 3<<20)).
			expect(t, http.StatusUnprocessableEntity, "zu groß (höchstens 1 MB)")
		if got := background("alice"); got != "" {
			t.Fatalf("a refused upload set the background %q", got)
		}
		alice.upload("/stadt/settings/images/", "background", "band.png", testPNG(1600, 500)).expect(t, http.StatusSeeOther)
		bg := background("alice")
		if !strings.HasPrefix(bg, "backgrounds/") || background("bob") != "" {
			t.Fatalf("backgrounds: alice %q, bob %q", bg, background("bob"))
		}
		// The rendition is the band of the original, cropped.
		pic := s.browser().get("/-/" + bg)
		pic.expect(t, http.StatusOK)
		if cfg, _, err := image.DecodeConfig(strings.NewReader(pic.body)); err != nil || cfg.Width != 1140 || cfg.Height != 456 {
			t.Errorf("background %dx%d, %v; want 1140x456", cfg.Width, cfg.Height, err)
		}
		for who, b := range map[string]*browser{"anonymous": s.browser(), "bob": s.loggedIn("bob", "bob-password"), "alice": alice} {
			if links := pictureLinks(b.get("/alice/")); !slices.Contains(links, "/-/"+bg) {
				t.Errorf("%s sees the pictures %q on alice's profile, want the background", who, links)
			}
		}
		alice.get("/stadt/settings/images/").expect(t, http.StatusOK, `src="/-/`+bg+`"`, `name="background"`)
		if r := alice.get("/bob/"); strings.Contains(r.body, bg) {
			t.Error("alice's background shows on bob's profile")
		}
		if r := s.loggedIn("bob", "bob-password").get("/stadt/settings/images/"); strings.Contains(r.body, bg) {
			t.Error("bob's image settings show alice's background")
		}

		// Both remove boxes at once remove both pictures.
		alice.upload("/stadt/settings/images/", "avatar", "me.png", testPNG(300, 300)).expect(t, http.StatusSeeOther)
		alice.postMultipart("/stadt/settings/images/", url.Values{"remove": {"avatar", "background"}}).expect(t, http.StatusSeeOther)
		if g, _ := db.GestaltByUsername(ctx, "alice"); g.Avatar != "" || g.Background != "" {
			t.Errorf("after removing both: avatar %q, background %q", g.Avatar, g.Background)
		}
		// A GET changes nothing.
		alice.upload("/stadt/settings/images/", "background", "band.png", testPNG(1600, 500)).expect(t, http.StatusSeeOther)
		alice.get("/stadt/settings/images/?remove=background")
		if background("alice") == "" {
			t.Error("a GET removed the background")
		}
	})
}

// The group's image settings have no background (the Django grouprise's groups had none);
// a background field sent to them changes nothing.
func TestGroupImagesHaveNoBackground(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "")
	anna := s.person("anna", "anna-password")
	s.group("Garten", anna)
	a := s.loggedIn("anna", "anna-password")
	if r := a.get("/stadt/settings/group/images/?group=garten"); strings.Contains(r.body, `name="background"`) {
		t.Error("the group's image settings offer a background")
	}
	a.upload("/stadt/settings/group/images/?group=garten", "background", "band.png", testPNG(1600, 500)).expect(t, http.StatusSeeOther)
	if g, _ := s.db.GestaltByUsername(context.Background(), "anna"); g.Background != "" {
		t.Errorf("a group's form set its member's background %q", g.Background)
	}
}
