package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/images"
	"grouprise.org/grouprise/internal/images/imagestest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// imageServer is another server's media: pictures of every kind, the hostile ones included,
// and a count of the requests per path.
type imageServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int
}

func newImageServer(t *testing.T) *imageServer {
	// a picture that would do, but for its 3 MB (PNG decoders stop at its end)
	big := append(imagestest.PNG(300, 300, 90, 90, 90, 255), bytes.Repeat([]byte("x"), 3<<20)...)
	// a real decompression bomb: a valid PNG of 20000×20000 pixels (1.6 GB as a bitmap)
	// in a file below the size bound
	bomb := imagestest.PNG(20000, 20000, 0, 0, 0, 255)
	if len(bomb) >= federation.MaxMediaSize {
		t.Fatalf("the bomb has %d bytes, more than the size bound: it would not test the pixels", len(bomb))
	}
	pngs := map[string][]byte{
		"/avatar.png":  imagestest.PNG(600, 400, 200, 60, 60, 255),
		"/avatar2.png": imagestest.PNG(300, 300, 20, 120, 20, 255),
		"/bomb.png":    bomb,
		// few pixels, but wider than any picture we take
		"/wide.png": imagestest.PNG(4097, 20, 0, 0, 255, 255),
	}
	for i := 1; i <= 5; i++ {
		pngs[fmt.Sprintf("/p%d.png", i)] = imagestest.PNG(3000, 100*i, byte(40*i), 0, 0, 255)
	}
	is := &imageServer{requests: map[string]int{}}
	is.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		is.mu.Lock()
		is.requests[r.URL.Path]++
		is.mu.Unlock()
		if b, ok := pngs[r.URL.Path]; ok {
			w.Header().Set("Content-Type", "image/png")
			w.Write(b)
			return
		}
		switch r.URL.Path {
		case "/big.png": // streamed, no length said
			w.Header().Set("Content-Type", "image/png")
			w.Write(big)
		case "/big-length.png":
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("Content-Length", fmt.Sprint(len(big)))
			w.Write(big)
		case "/page.png": // a picture, but not said to be one
			w.Header().Set("Content-Type", "text/html")
			w.Write(pngs["/avatar.png"])
		case "/drawing.svg":
			w.Header().Set("Content-Type", "image/svg+xml")
			w.Write([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
		case "/fake.png": // said to be a picture, but is none
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("<html>nothing</html>"))
		case "/redirect.png": // to an address inside the network
			http.Redirect(w, r, "http://10.1.2.3/avatar.png", http.StatusFound)
		case "/flaky.png":
			http.Error(w, "later", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(is.Close)
	return is
}

// count is how often path was asked for.
func (is *imageServer) count(path string) int {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.requests[path]
}

// total is how many requests the server had.
func (is *imageServer) total() int {
	is.mu.Lock()
	defer is.mu.Unlock()
	n := 0
	for _, c := range is.requests {
		n += c
	}
	return n
}

// pictureAuthor is a remote actor whose icon may change.
type pictureAuthor struct {
	*remote
	username string
	icon     atomic.Value // string
}

func newPictureAuthor(t *testing.T, username, icon string) *pictureAuthor {
	key, err := activitypub.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	a := &pictureAuthor{remote: &remote{key: key}, username: username}
	a.icon.Store(icon)
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/users/"+username {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", activitypub.MediaType)
		b, _ := activitypub.Encode(a.actor(a.icon.Load().(string)))
		w.Write(b)
	}))
	t.Cleanup(a.srv.Close)
	a.id = a.srv.URL + "/users/" + username
	a.keyID = a.id + "#main-key"
	return a
}

// actor is the author's profile with an icon ("" for none).
func (a *pictureAuthor) actor(icon string) *activitypub.Actor {
	pub, _ := activitypub.EncodePublicKey(&a.key.PublicKey)
	act := &activitypub.Actor{ID: a.id, Type: activitypub.TypePerson, PreferredUsername: a.username, Name: strings.ToUpper(a.username[:1]) + a.username[1:],
		URL: activitypub.Href(a.srv.URL + "/@" + a.username), Inbox: a.id + "/inbox",
		PublicKey: activitypub.PublicKey{ID: a.keyID, Owner: a.id, PublicKeyPEM: pub}}
	if icon != "" {
		act.Icon = &activitypub.Image{Type: activitypub.TypeImage, MediaType: "image/png", URL: activitypub.Href(icon)}
	}
	return act
}

// withPictures is the author's Note n in reply to inReplyTo with attachments.
func (a *pictureAuthor) withPictures(n int, inReplyTo, content string, attachments ...activitypub.Image) *activitypub.Post {
	p := a.note(n, inReplyTo, content)
	p.Attachment = attachments
	return p
}

func picture(url, alt string) activitypub.Image {
	return activitypub.Image{Type: activitypub.TypeDocument, MediaType: "image/png", URL: activitypub.Href(url), Name: alt}
}

// mediaJobs runs the queued jobs of remote media as the task runner does (the others are
// completed unrun) and returns the errors of those that failed, by kind.
func (s *site) mediaJobs() map[string][]error {
	s.t.Helper()
	ctx := context.Background()
	run := map[string]func(context.Context, *store.Job) error{federation.JobAvatar: s.srv.federation.FetchAvatar,
		federation.JobPictures: s.srv.federation.FetchPictures, federation.JobRemoveMedia: s.srv.federation.RemoveMedia}
	failed := map[string][]error{}
	for {
		now := time.Now()
		jobs, err := s.db.ClaimJobs(ctx, "test", 100, now.Add(time.Hour), now.Add(2*time.Hour))
		if err != nil {
			s.t.Fatal(err)
		}
		if len(jobs) == 0 {
			return failed
		}
		for _, j := range jobs {
			if f := run[j.Kind]; f != nil {
				if err := f(ctx, j); err != nil {
					failed[j.Kind] = append(failed[j.Kind], err)
				}
			}
			if err := s.db.CompleteJob(ctx, j); err != nil {
				s.t.Fatal(err)
			}
		}
	}
}

// fediverseBeete is a federating site with the published article garten/beete; it returns
// the article's id for replies.
func fediverseBeete(t *testing.T, db *store.DB) (*site, string) {
	ctx := context.Background()
	s, garten := fediSite(t, db, "")
	alice, err := db.GestaltByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.srv.contents.Create(ctx, alice, garten.ID, contents.Article,
		contents.Draft{Title: "Beete", Text: "Text", Public: true}); err != nil {
		t.Fatal(err)
	}
	s.publishJobs()
	return s, "http://grouprise.test/garten/beete/"
}

// avatarOf is the avatar file of a remote author's stand-in.
func avatarOf(t *testing.T, db *store.DB, a *pictureAuthor) string {
	t.Helper()
	v := storetest.Strings(t, db, `SELECT g.avatar FROM gestalten g JOIN activitypub_remote_authors r ON r.gestalt_id = g.id
		WHERE r.actor_id = '`+a.id+`'`)
	if len(v) != 1 {
		t.Fatalf("stand-in of %s: %q", a.id, v)
	}
	return v[0]
}

// jpegSize is the pixel size of a stored JPEG below media_root ("" when it is none).
func jpegSize(t *testing.T, s *site, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(s.cfg.MediaRoot, name))
	if err != nil {
		return ""
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil || format != "jpeg" {
		return ""
	}
	return fmt.Sprintf("%dx%d", cfg.Width, cfg.Height)
}

// onlyOwnImages fails when the page loads a picture from anywhere but our own site, or
// names the image server at all.
func onlyOwnImages(t *testing.T, page *response, img *imageServer) {
	t.Helper()
	page.doc.Find("img").Each(func(_ int, sel *goquery.Selection) {
		if src := sel.AttrOr("src", ""); !strings.HasPrefix(src, "/") || strings.HasPrefix(src, "//") {
			t.Errorf("the page loads the picture %q", src)
		}
	})
	if strings.Contains(page.body, img.URL) {
		t.Errorf("the page names the remote server's media %s", img.URL)
	}
}

// TestFediverseAvatars: a remote author's icon is fetched by a job (never while the inbox
// POST waits), scaled to an avatar and served from our media on the comment, never from its
// server; its Update with a new icon replaces the file; a blocked server is not asked; the
// operator's block of the author and the author's Delete of itself remove the file.
func TestFediverseAvatars(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, beete := fediverseBeete(t, db)
		img := newImageServer(t)
		b := s.browser()
		send := func(a *pictureAuthor, typ activitypub.Type, n int, object activitypub.ObjectRef) {
			t.Helper()
			b.postActivity("/garten/-/inbox", a.activity(t, typ, n, object), a.keyID, a.key).expect(t, http.StatusAccepted)
		}
		amelie := newPictureAuthor(t, "amelie", img.URL+"/avatar.png")
		send(amelie, activitypub.TypeCreate, 1, activitypub.Embed(amelie.note(1, beete, "<p>Hallo</p>")))
		if n := img.total(); n != 0 {
			t.Fatalf("the image server was asked %d times while the inbox POST waited", n)
		}
		if page := b.get("/garten/beete/"); page.doc.Find("#comments img").Length() != 0 {
			t.Error("the comment shows an avatar before it was fetched")
		}
		if failed := s.mediaJobs(); len(failed) != 0 {
			t.Fatalf("media jobs failed: %v", failed)
		}
		first := avatarOf(t, db, amelie)
		if !strings.HasPrefix(first, "avatars/") || jpegSize(t, s, first) != "256x256" {
			t.Fatalf("avatar %q (%s), want a 256×256 JPEG below avatars/", first, jpegSize(t, s, first))
		}
		page := b.get("/garten/beete/")
		page.expect(t, http.StatusOK, `src="/-/`+first+`"`)
		onlyOwnImages(t, page, img)
		if resp := b.get("/-/" + first); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("GET /-/%s: %d %s", first, resp.StatusCode, resp.Header.Get("Content-Type"))
		}

		// an Update of the profile with the same icon fetches nothing; a new one replaces it
		send(amelie, activitypub.TypeUpdate, 2, activitypub.Embed(amelie.actor(img.URL+"/avatar.png")))
		if failed := s.mediaJobs(); len(failed) != 0 || img.count("/avatar.png") != 1 {
			t.Fatalf("same icon: failed %v, fetched %d times", failed, img.count("/avatar.png"))
		}
		send(amelie, activitypub.TypeUpdate, 3, activitypub.Embed(amelie.actor(img.URL+"/avatar2.png")))
		if failed := s.mediaJobs(); len(failed) != 0 {
			t.Fatalf("media jobs failed: %v", failed)
		}
		second := avatarOf(t, db, amelie)
		if second == first || jpegSize(t, s, second) != "256x256" {
			t.Fatalf("after the new icon: avatar %q", second)
		}
		if _, err := os.Stat(filepath.Join(s.cfg.MediaRoot, first)); !os.IsNotExist(err) {
			t.Errorf("the replaced avatar %s is still there (%v)", first, err)
		}
		b.get("/garten/beete/").expect(t, http.StatusOK, `src="/-/`+second+`"`)

		// a stale job (for an icon replaced since, or for nobody) fetches nothing
		stand := storetest.Strings(t, db, `SELECT gestalt_id FROM activitypub_remote_authors WHERE actor_id = '`+amelie.id+`'`)
		for _, gestalt := range []string{stand[0], "0"} {
			if _, err := db.Enqueue(ctx, federation.JobAvatar, json.RawMessage(`{"gestalt_id": `+gestalt+`, "url": "`+img.URL+`/avatar.png"}`), time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		before := img.total()
		if failed := s.mediaJobs(); len(failed) != 0 || img.total() != before || avatarOf(t, db, amelie) != second {
			t.Errorf("stale jobs: failed %v, %d fetches, avatar %q", failed, img.total()-before, avatarOf(t, db, amelie))
		}

		// a blocked server is not asked
		if _, _, err := s.srv.federation.Block(ctx, strings.TrimPrefix(img.URL, "http://")); err != nil {
			t.Fatal(err)
		}
		send(amelie, activitypub.TypeUpdate, 4, activitypub.Embed(amelie.actor(img.URL+"/avatar.png")))
		before = img.total()
		if failed := s.mediaJobs(); len(failed) != 0 || img.total() != before {
			t.Errorf("blocked server: failed %v, %d fetches", failed, img.total()-before)
		}
		if got := avatarOf(t, db, amelie); got != second {
			t.Errorf("after an icon on a blocked server: avatar %q, want %q kept", got, second)
		}
		if _, err := s.srv.federation.Unblock(ctx, strings.TrimPrefix(img.URL, "http://")); err != nil {
			t.Fatal(err)
		}

		// the author's Delete of itself removes the file, and the comment goes with the account
		b.get("/garten/beete/").expect(t, http.StatusOK, "Hallo")
		send(amelie, activitypub.TypeDelete, 5, activitypub.Ref(amelie.id))
		s.mediaJobs()
		if n := storetest.Strings(t, db, `SELECT COUNT(*) FROM contributions c JOIN activitypub_replies r ON r.contribution_id = c.id
			WHERE r.actor_id = '`+amelie.id+`' AND c.deleted IS NULL`); n[0] != "0" {
			t.Errorf("after the author's Delete of itself: %s comment(s) of theirs left", n[0])
		}
		if page := b.get("/garten/beete/"); strings.Contains(page.doc.Find("#comments").Text(), "Hallo") {
			t.Error("the deleted account's comment still shows")
		}
		if got := avatarOf(t, db, amelie); got != "" {
			t.Errorf("after the author's Delete: avatar %q", got)
		}
		if _, err := os.Stat(filepath.Join(s.cfg.MediaRoot, second)); !os.IsNotExist(err) {
			t.Errorf("the deleted author's avatar %s is still there (%v)", second, err)
		}
		if page := b.get("/garten/beete/"); page.doc.Find("#comments img").Length() != 0 {
			t.Error("the comment still shows the deleted author's avatar")
		}

		// the operator's block of an author removes its avatar
		carl := newPictureAuthor(t, "carl", img.URL+"/avatar.png")
		send(carl, activitypub.TypeCreate, 1, activitypub.Embed(carl.note(1, beete, "<p>Moin</p>")))
		s.mediaJobs()
		carls := avatarOf(t, db, carl)
		if carls == "" {
			t.Fatal("carl has no avatar")
		}
		if _, _, err := s.srv.federation.Block(ctx, carl.id); err != nil {
			t.Fatal(err)
		}
		s.mediaJobs()
		if _, err := os.Stat(filepath.Join(s.cfg.MediaRoot, carls)); avatarOf(t, db, carl) != "" || !os.IsNotExist(err) {
			t.Errorf("after the block: avatar %q, file %v", avatarOf(t, db, carl), err)
		}
	})
}

// TestFediverseMediaBounds: a remote picture too large (streamed or said so), of another
// type, no picture at all, behind a redirect into the network, wider than MaxMediaSide or a
// decompression bomb is refused for good, without its bitmap ever being made; the comment
// keeps the initials. A server that is down is tried again.
func TestFediverseMediaBounds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, beete := fediverseBeete(t, db)
		img := newImageServer(t)
		b := s.browser()
		bruno := newPictureAuthor(t, "bruno", img.URL+"/avatar.png")
		b.postActivity("/garten/-/inbox", bruno.activity(t, activitypub.TypeCreate, 1,
			activitypub.Embed(bruno.note(1, beete, "<p>Hallo</p>"))), bruno.keyID, bruno.key).expect(t, http.StatusAccepted)
		s.mediaJobs()
		good := avatarOf(t, db, bruno)
		if good == "" {
			t.Fatal("bruno's first avatar was not fetched")
		}
		for i, c := range []struct {
			path      string
			permanent bool
			cause     error // nil: an answer other than success
		}{
			{"/big.png", true, activitypub.ErrTooLarge}, {"/big-length.png", true, activitypub.ErrTooLarge},
			{"/page.png", true, activitypub.ErrInvalid}, {"/drawing.svg", true, activitypub.ErrInvalid},
			{"/fake.png", true, images.ErrNotImage}, {"/redirect.png", true, activitypub.ErrRefusedAddress},
			{"/wide.png", true, images.ErrTooManyPixels}, {"/bomb.png", true, images.ErrTooManyPixels},
			{"/missing.png", true, nil}, {"/flaky.png", false, nil},
		} {
			b.postActivity("/garten/-/inbox", bruno.activity(t, activitypub.TypeUpdate, 10+i,
				activitypub.Embed(bruno.actor(img.URL+c.path))), bruno.keyID, bruno.key).expect(t, http.StatusAccepted)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			failed := s.mediaJobs()
			runtime.ReadMemStats(&after)
			var status *activitypub.StatusError
			if errs := failed[federation.JobAvatar]; len(errs) != 1 || federation.IsPermanent(errs[0]) != c.permanent ||
				(c.cause != nil && !errors.Is(errs[0], c.cause)) || (c.cause == nil && !errors.As(errs[0], &status)) {
				t.Errorf("%s: errors %v, want one (permanent: %v) for %v", c.path, errs, c.permanent, c.cause)
			}
			if got := avatarOf(t, db, bruno); got != good {
				t.Errorf("%s: avatar %q, want %q kept", c.path, got, good)
			}
			// far below the 1.6 GB of the bomb's bitmap, and the 16 MB of the big file's
			// bytes read a second time
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 24<<20 {
				t.Errorf("%s: %d MB allocated", c.path, alloc>>20)
			}
		}
		if img.count("/redirect.png") != 1 {
			t.Errorf("the redirect was asked %d times", img.count("/redirect.png"))
		}
		// the same refusals for pictures: the job ends, nothing is attached
		bad := []activitypub.Image{picture(img.URL+"/bomb.png", "Bombe"), picture(img.URL+"/big.png", ""),
			picture(img.URL+"/wide.png", ""), picture(img.URL+"/page.png", "")}
		b.postActivity("/garten/-/inbox", bruno.activity(t, activitypub.TypeCreate, 30,
			activitypub.Embed(bruno.withPictures(30, beete, "<p>Bilder</p>", bad...))), bruno.keyID, bruno.key).expect(t, http.StatusAccepted)
		if failed := s.mediaJobs(); len(failed) != 0 {
			t.Errorf("the pictures job failed: %v", failed)
		}
		if files := storetest.Strings(t, db, `SELECT id FROM contributions WHERE kind = 'file'`); len(files) != 0 || len(s.mediaFiles()) != 0 {
			t.Errorf("refused pictures attached: %q, files %q", files, s.mediaFiles())
		}
	})
}

// TestFediversePictures: the first four pictures of a reply are fetched by a job, scaled as
// uploaded pictures are and attached to the comment with their descriptions, served from our
// media; other attachments show nothing; the author's Update replaces them, its Delete
// removes them, and so does a member's delete of the comment.
func TestFediversePictures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, beete := fediverseBeete(t, db)
		img := newImageServer(t)
		b := s.browser()
		amelie := newPictureAuthor(t, "amelie", "")
		send := func(typ activitypub.Type, n int, object activitypub.ObjectRef) {
			t.Helper()
			b.postActivity("/garten/-/inbox", amelie.activity(t, typ, n, object), amelie.keyID, amelie.key).expect(t, http.StatusAccepted)
		}
		attachments := []activitypub.Image{
			{Type: activitypub.TypeDocument, MediaType: "video/mp4", URL: activitypub.Href(img.URL + "/clip.mp4")},
			picture(img.URL+"/p1.png", "Tomaten\u202e im\x00 Beet "+strings.Repeat("lang ", 200)),
			picture(img.URL+"/p2.png", `<script>alert("alt")</script>`),
			{Type: activitypub.TypeImage, MediaType: "image/png", URL: activitypub.Href(img.URL + "/p3.png")},
			picture(img.URL+"/p4.png", "Kürbis"),
			picture(img.URL+"/p5.png", "zu viel"),
		}
		send(activitypub.TypeCreate, 1, activitypub.Embed(amelie.withPictures(1, beete, "<p>Seht mal</p>", attachments...)))
		if n := img.total(); n != 0 {
			t.Fatalf("the image server was asked %d times while the inbox POST waited", n)
		}
		if failed := s.mediaJobs(); len(failed) != 0 {
			t.Fatalf("media jobs failed: %v", failed)
		}
		if img.count("/p5.png") != 0 || img.count("/clip.mp4") != 0 {
			t.Errorf("fetched the fifth picture (%d) or the video (%d)", img.count("/p5.png"), img.count("/clip.mp4"))
		}
		stored := storetest.Strings(t, db, `SELECT f.file FROM contributions c JOIN files f ON f.id = c.file_id
			WHERE c.kind = 'file' AND c.deleted IS NULL ORDER BY c.id`)
		// the descriptions are the pictures' texts; their files have no name of the author's
		alts := storetest.Strings(t, db, `SELECT c.text FROM contributions c JOIN files f ON f.id = c.file_id
			WHERE c.kind = 'file' AND c.deleted IS NULL ORDER BY c.id`)
		if names := storetest.Strings(t, db, `SELECT COALESCE(f.filename, '') FROM contributions c JOIN files f ON f.id = c.file_id
			WHERE c.kind = 'file' AND c.deleted IS NULL AND f.filename IS NOT NULL`); len(names) != 0 {
			t.Errorf("files named %q by the remote author", names)
		}
		if len(stored) != 4 {
			t.Fatalf("attached %q, want four pictures", stored)
		}
		if want := "Tomaten im Beet lang"; !strings.HasPrefix(alts[0], want) || len([]rune(alts[0])) != 500 || alts[3] != "Kürbis" || alts[2] != "" {
			t.Errorf("descriptions %q", alts)
		}
		// scaled into 2560×2560 as uploads are (3000×100 → 2560×85)
		if got := jpegSize(t, s, stored[0]); got != "2560x85" {
			t.Errorf("the first picture is %q, want 2560x85", got)
		}
		page := b.get("/garten/beete/")
		for _, name := range stored {
			page.expect(t, http.StatusOK, `src="/-/files/`+name+`"`)
			if resp := b.get("/-/files/" + name); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" {
				t.Errorf("GET /-/files/%s: %d %s", name, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		onlyOwnImages(t, page, img)
		if strings.Contains(page.body, "<script>alert") || !strings.Contains(page.body, "Kürbis") {
			t.Error("the descriptions are not shown as text")
		}
		if n := page.doc.Find("#comments li.item").Length(); n != 1 {
			t.Errorf("%d comments, want the reply with its pictures as one", n)
		}

		// an Update with the same pictures fetches nothing; one with another replaces them
		note := amelie.withPictures(1, beete, "<p>Seht mal genau</p>", attachments...)
		send(activitypub.TypeUpdate, 2, activitypub.Embed(note))
		before := img.total()
		if s.mediaJobs(); img.total() != before {
			t.Errorf("the same pictures fetched again: %d requests", img.total()-before)
		}
		note = amelie.withPictures(1, beete, "<p>Nur noch eins</p>", picture(img.URL+"/p5.png", "Eins"))
		send(activitypub.TypeUpdate, 3, activitypub.Embed(note))
		if failed := s.mediaJobs(); len(failed) != 0 {
			t.Fatalf("media jobs failed: %v", failed)
		}
		now := storetest.Strings(t, db, `SELECT f.file FROM contributions c JOIN files f ON f.id = c.file_id
			WHERE c.kind = 'file' AND c.deleted IS NULL`)
		if len(now) != 1 || len(s.mediaFiles()) != 1 || s.mediaFiles()[0] != now[0] {
			t.Fatalf("after the Update: attached %q, files %q", now, s.mediaFiles())
		}
		b.get("/garten/beete/").expect(t, http.StatusOK, `alt="Eins"`)

		// the author's Delete removes them
		send(activitypub.TypeDelete, 4, activitypub.Ref(note.ID))
		s.mediaJobs()
		if files := s.mediaFiles(); len(files) != 0 {
			t.Errorf("after the Delete: files %q", files)
		}
		if resp := b.get("/-/files/" + now[0]); resp.StatusCode == http.StatusOK {
			t.Error("the deleted comment's picture is still served")
		}

		// a member's delete of the comment removes them too; a job that comes after the
		// delete attaches nothing
		send(activitypub.TypeCreate, 5, activitypub.Embed(amelie.withPictures(5, beete, "<p>Noch eins</p>", picture(img.URL+"/p1.png", ""))))
		late := storetest.Strings(t, db, `SELECT payload FROM jobs WHERE kind = '`+federation.JobPictures+`'`)
		s.mediaJobs()
		ids := storetest.Strings(t, db, `SELECT attached_to_id FROM contributions WHERE kind = 'file' AND deleted IS NULL`)
		if len(ids) != 1 || len(s.mediaFiles()) != 1 {
			t.Fatalf("second reply: attached to %q, files %q", ids, s.mediaFiles())
		}
		member := s.loggedIn("alice", "alice-password")
		member.post("/garten/beete/contributions/"+ids[0]+"/delete/", nil).expect(t, http.StatusSeeOther)
		s.mediaJobs()
		if files := s.mediaFiles(); len(files) != 0 {
			t.Errorf("after the member's delete: files %q", files)
		}
		if len(late) == 1 {
			if _, err := db.Enqueue(context.Background(), federation.JobPictures, json.RawMessage(late[0]), time.Now()); err == nil {
				s.mediaJobs()
			}
		}
		if files := s.mediaFiles(); len(files) != 0 {
			t.Errorf("a job after the delete attached files %q", files)
		}
	})
}
