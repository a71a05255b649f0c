package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// uploadAs sends a picture in the multipart field "file" with a method (PUT, PATCH).
func (b *browser) uploadAs(method, path string, data []byte, origin string) *response {
	b.s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "bild.png")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(method, "http://grouprise.test"+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", origin)
	return b.do(req)
}

// Pictures by id: who sees them in the API, and who gives them a new file. Alice uploaded
// both: the gallery picture of her group garten, and a picture that is the preview of a
// garten article and of her own article.
func TestAPIImageReplace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "upload_max_file_size: 1\n")
		alice := s.person("alice", "alice-password")
		gina := s.person("gina", "gina-password")
		bob := s.person("bob", "bob-password")
		s.person("carol", "carol-password")
		dave := s.person("dave", "dave-password")
		if err := db.SetSuperuser(ctx, dave.ID, true); err != nil {
			t.Fatal(err)
		}
		garten := s.group("Garten", alice)
		s.group("Werkstatt", bob)
		if err := groups.New(db, s.cfg.SlugReserved, nil).AddMember(ctx, garten.ID, gina.ID, gina.ID); err != nil {
			t.Fatal(err)
		}
		a := s.loggedIn("alice", "alice-password")
		var shared apiImage
		decode(t, a.upload("/stadt/api/images/", "file", "a.png", testPNG(40, 30)), &shared)
		if err := os.WriteFile(filepath.Join(s.cfg.MediaRoot, "galerie.png"), testPNG(20, 20), 0o644); err != nil {
			t.Fatal(err)
		}
		svc := contents.New(db)
		gallery, err := svc.Create(ctx, alice, garten.ID, contents.Gallery, contents.Draft{Title: "Bilder", Public: true, NewImages: []string{"galerie.png"}})
		if err != nil {
			t.Fatal(err)
		}
		inGallery, err := db.GalleryImages(ctx, gallery.ContentID)
		if err != nil || len(inGallery) != 1 {
			t.Fatal(inGallery, err)
		}
		galleryPic := "/stadt/api/images/" + itoa(inGallery[0].ID) + "/"
		sharedPic := "/stadt/api/images/" + itoa(shared.ID) + "/"
		for _, where := range []int64{garten.ID, 0} {
			if _, err := svc.Create(ctx, alice, where, contents.Article, contents.Draft{Title: "Mit Bild", ImageID: shared.ID}); err != nil {
				t.Fatal(err)
			}
		}

		roles := []struct {
			name          string
			b             *browser
			see, gallery  int // GET of the shared picture and of the gallery's
			put, putShare int // PUT of the gallery's and of the shared picture
		}{
			{"anonymous", s.browser(), 401, 401, 401, 401},
			{"outsider", s.loggedIn("carol", "carol-password"), 404, 404, 404, 404},
			{"other group's member", s.loggedIn("bob", "bob-password"), 404, 404, 404, 404},
			{"admin", s.loggedIn("dave", "dave-password"), 404, 404, 404, 404},
			// gina may change garten's contents, but not alice's own article
			{"member", s.loggedIn("gina", "gina-password"), 200, 200, 200, 403},
			{"uploader", a, 200, 200, 200, 200},
		}
		for _, r := range roles {
			if got := r.b.get(sharedPic).StatusCode; got != r.see {
				t.Errorf("%s: GET shared picture %d, want %d", r.name, got, r.see)
			}
			if got := r.b.get(galleryPic).StatusCode; got != r.gallery {
				t.Errorf("%s: GET gallery picture %d, want %d", r.name, got, r.gallery)
			}
			before, _ := db.ImageByID(ctx, inGallery[0].ID)
			resp := r.b.uploadAs("PUT", galleryPic, testPNG(30, 20), "http://grouprise.test")
			if resp.StatusCode != r.put {
				t.Errorf("%s: PUT gallery picture %d, want %d: %s", r.name, resp.StatusCode, r.put, resp.body)
			}
			after, _ := db.ImageByID(ctx, inGallery[0].ID)
			if (after.File != before.File) != (r.put == 200) {
				t.Errorf("%s: the file %q → %q", r.name, before.File, after.File)
			}
			if r.put == 200 {
				var out apiImage
				decode(t, resp, &out)
				if out.File != after.File || out.ID != after.ID || out.Creator != alice.ID {
					t.Errorf("%s: answer %+v", r.name, out)
				}
				s.browser().get("/-/images/"+before.File).expect(t, http.StatusNotFound)
				s.browser().get("/-/images/preview/"+after.File).expect(t, http.StatusOK)
				if _, err := os.Stat(filepath.Join(s.cfg.MediaRoot, before.File)); !os.IsNotExist(err) {
					t.Errorf("%s: the old file stays: %v", r.name, err)
				}
			}
			if got := r.b.uploadAs("PATCH", sharedPic, testPNG(30, 20), "http://grouprise.test").StatusCode; got != r.putShare {
				t.Errorf("%s: PATCH shared picture %d, want %d", r.name, got, r.putShare)
			}
		}

		// An uploader who has left the group may no longer change what shows her picture there;
		// a picture nobody shows stays hers.
		g := s.loggedIn("gina", "gina-password")
		var own, unused apiImage
		decode(t, g.upload("/stadt/api/images/", "file", "g.png", testPNG(40, 30)), &own)
		decode(t, g.upload("/stadt/api/images/", "file", "h.png", testPNG(40, 30)), &unused)
		if _, err := svc.Create(ctx, gina, garten.ID, contents.Article, contents.Draft{Title: "Ginas Bild", ImageID: own.ID, Public: true}); err != nil {
			t.Fatal(err)
		}
		if err := groups.New(db, s.cfg.SlugReserved, nil).RemoveMember(ctx, garten.ID, gina.ID); err != nil {
			t.Fatal(err)
		}
		if got := g.uploadAs("PUT", "/stadt/api/images/"+itoa(own.ID)+"/", testPNG(30, 20), "http://grouprise.test").StatusCode; got != 403 {
			t.Errorf("a former member replaced the picture of her group's article: %d, want 403", got)
		}
		if got := g.uploadAs("PUT", "/stadt/api/images/"+itoa(unused.ID)+"/", testPNG(30, 20), "http://grouprise.test").StatusCode; got != 200 {
			t.Errorf("the uploader of a picture nobody shows: %d, want 200", got)
		}

		// what a member's list holds, and what it does not
		var list []apiImage
		decode(t, roles[4].b.get("/stadt/api/images/"), &list)
		if len(list) != 2 {
			t.Errorf("member's list: %+v", list)
		}
		list = nil
		decode(t, roles[2].b.get("/stadt/api/images/?creator="+itoa(alice.ID)), &list)
		if len(list) != 0 {
			t.Errorf("other group's member lists alice's pictures: %+v", list)
		}
		list = nil
		decode(t, a.get("/stadt/api/images/?id="+itoa(shared.ID)), &list)
		if len(list) != 1 || list[0].ID != shared.ID {
			t.Errorf("by id: %+v", list)
		}

		// refusals: another site's page, no picture, too large
		before, _ := db.ImageByID(ctx, shared.ID)
		if r := a.uploadAs("PUT", sharedPic, testPNG(30, 20), "https://evil.example"); r.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin PUT: %d", r.StatusCode)
		}
		if r := a.uploadAs("PUT", sharedPic, []byte("kein Bild"), "http://grouprise.test"); r.StatusCode != http.StatusBadRequest {
			t.Errorf("not a picture: %d", r.StatusCode)
		}
		big := make([]byte, 2<<20)
		rand.Read(big)
		if r := a.uploadAs("PUT", sharedPic, big, "http://grouprise.test"); r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("too large: %d", r.StatusCode)
		}
		if r := a.sendJSON("PATCH", sharedPic, `{"title": "x"}`); r.StatusCode != http.StatusBadRequest {
			t.Errorf("without a file: %d", r.StatusCode)
		}
		if after, _ := db.ImageByID(ctx, shared.ID); after.File != before.File {
			t.Error("a refused request changed the picture")
		}
		if r := a.uploadAs("PUT", "/stadt/api/images/99999/", testPNG(3, 3), "http://grouprise.test"); r.StatusCode != http.StatusNotFound {
			t.Errorf("unknown picture: %d", r.StatusCode)
		}
	})
}
