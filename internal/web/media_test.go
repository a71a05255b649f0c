package web

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

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
