package web

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/images"
	"grouprise.org/grouprise/internal/images/imagestest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// allocated is what f allocates in this process (the daemon's handlers included), in bytes.
func allocated(f func()) uint64 {
	debug.FreeOSMemory()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A progressive JPEG of 94 KB and 4000×4000 pixels, within MaxPixels but 294 MB to decode
// (its coefficients besides the bitmap), is refused by its header's cost wherever pictures
// are uploaded, with nothing stored and nothing decoded; a baseline JPEG of the same size
// (96 MB estimated) and a progressive one within the bound are taken, and what either
// allocates stays below 100 MB.
func TestPicturesOverDecodeCost(t *testing.T) {
	bomb := imagestest.ProgressiveJPEG(4000, 4000)
	within := imagestest.ProgressiveJPEG(2000, 2000)
	var baseline bytes.Buffer
	if err := jpeg.Encode(&baseline, image.NewYCbCr(image.Rect(0, 0, 4000, 4000), image.YCbCrSubsampleRatio420), nil); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		data    []byte
		refused bool
	}{"bomb": {bomb, true}, "within": {within, false}, "baseline": {baseline.Bytes(), false}} {
		cost, err := images.DecodeCost(bytes.NewReader(c.data))
		if err != nil || c.refused != (cost > images.MaxDecode) {
			t.Fatalf("%s costs %d MB (%v): not on the side of the bound it is to test", name, cost>>20, err)
		}
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		anna := s.person("anna", "anna-password")
		s.group("Garten", anna)
		a := s.loggedIn("anna", "anna-password")
		const msg = "Das Bild braucht zu viel Speicher, um verarbeitet zu werden."
		refused := func(what string, r *response, want int, where string) {
			t.Helper()
			if r.StatusCode != want || !strings.Contains(r.text(where), msg) {
				t.Errorf("%s: %d %q; want %d with %q", what, r.StatusCode, r.text(where), want, msg)
			}
		}
		alloc := allocated(func() {
			refused("avatar", a.upload("/stadt/settings/images/", "avatar", "bild.jpg", bomb), http.StatusUnprocessableEntity, "body")
		})
		t.Logf("refused: %d MB allocated", alloc>>20)
		if alloc > 16<<20 {
			t.Errorf("the refused progressive JPEG allocated %d MB; want it refused before decoding", alloc>>20)
		}
		refused("logo", a.upload("/stadt/settings/group/images/?group=garten", "logo", "bild.jpg", bomb),
			http.StatusUnprocessableEntity, "body")
		refused("gallery", a.postMultipart("/garten/galleries/add/", url.Values{"title": {"Beete"}, "public": {"on"}},
			uploadFile{"images", "bild.jpg", bomb}), http.StatusUnprocessableEntity, "body")
		refused("preview picture", a.postMultipart("/garten/articles/add/", url.Values{"title": {"Ernte"}, "text": {"Kürbis."}, "public": {"on"}},
			uploadFile{"picture", "bild.jpg", bomb}), http.StatusUnprocessableEntity, "#e-picture")
		if r := a.upload("/stadt/api/images/", "file", "bild.jpg", bomb); r.StatusCode != http.StatusRequestEntityTooLarge ||
			!strings.Contains(r.body, msg) || !strings.Contains(r.body, "TOO_LARGE") {
			t.Errorf("API: %d %s", r.StatusCode, r.body)
		}
		if n, _ := db.Count(ctx, "images"); n != 0 || len(s.mediaFiles()) != 0 {
			t.Errorf("refused pictures left %d rows, files %v", n, s.mediaFiles())
		}
		if g, _ := db.GestaltByUsername(ctx, "anna"); g.Avatar != "" {
			t.Errorf("avatar %q", g.Avatar)
		}
		if n, _ := db.Count(ctx, "contents"); n != 0 {
			t.Errorf("the refused forms made %d contents", n)
		}

		// English, through the JSON API
		if r := a.uploadIn("en", "/stadt/api/images/", "bild.jpg", bomb); !strings.Contains(r.body, "Processing this picture would take too much memory.") {
			t.Errorf("in English: %d %s", r.StatusCode, r.body)
		}

		for _, c := range []struct {
			name string
			data []byte
		}{{"progressive within the bound", within}, {"baseline, as large", baseline.Bytes()}} {
			alloc := allocated(func() {
				if r := a.upload("/stadt/api/images/", "file", "bild.jpg", c.data); r.StatusCode != http.StatusCreated {
					t.Errorf("%s: %d %s", c.name, r.StatusCode, r.body)
				}
			})
			t.Logf("%s: %d MB allocated", c.name, alloc>>20)
			if alloc > 100<<20 {
				t.Errorf("%s: %d MB allocated, want below 100 MB (the bound's 96 MB and the request)", c.name, alloc>>20)
			}
		}
		if n, _ := db.Count(ctx, "images"); n != 2 {
			t.Errorf("%d pictures stored, want 2", n)
		}

		// such a file from before (an import) is shown as it is, not decoded
		name := "progressivbild12.jpg"
		os.WriteFile(filepath.Join(s.cfg.MediaRoot, name), bomb, 0o640)
		s.db.Tx(ctx, func(q *store.Queries) error {
			_, err := q.CreateImage(ctx, anna.ID, name, time.Now())
			return err
		})
		alloc = allocated(func() { s.browser().get("/-/images/preview/"+name).expect(t, http.StatusOK) })
		if _, err := os.Stat(filepath.Join(s.cfg.MediaRoot, "cache", "preview", "progressivbild12.jpg")); err == nil || alloc > 16<<20 {
			t.Errorf("a rendition of the stored progressive JPEG: %v, %d MB allocated; want none", err, alloc>>20)
		}
	})
}

// uploadIn uploads a picture to the JSON API with the browser's language set to lang.
func (b *browser) uploadIn(lang, path, filename string, data []byte) *response {
	b.s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test"+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", "http://grouprise.test")
	req.Header.Set("Accept-Language", lang)
	return b.do(req)
}
