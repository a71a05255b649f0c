package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/images"
	"grouprise.org/grouprise/internal/images/imagestest"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/mail/mailtest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
	"grouprise.org/grouprise/internal/tasks"
)

// TestFediverseMediaBudget: one domain's replies queue at most MediaPerHour pictures jobs an
// hour, and its new authors at most MediaPerHour avatar jobs; beyond that the replies are
// comments without pictures and the authors show initials, and an Update of such a reply
// with pictures stays without them. Every author here is on 127.0.0.1, one domain, though
// each on a server (port) of its own.
func TestFediverseMediaBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, beete := fediverseBeete(t, db)
		img := newImageServer(t)
		b := s.browser()
		over := 5
		authors := make([]*pictureAuthor, federation.MediaPerHour+over)
		for i := range authors {
			a := newPictureAuthor(t, fmt.Sprintf("person%d", i), img.URL+"/avatar.png")
			authors[i] = a
			b.postActivity("/garten/-/inbox", a.activity(t, activitypub.TypeCreate, 1, activitypub.Embed(
				a.withPictures(1, beete, fmt.Sprintf("<p>Antwort %d</p>", i), picture(img.URL+"/p1.png", "")))), a.keyID, a.key).
				expect(t, http.StatusAccepted)
		}
		count := func(kind string) string {
			return storetest.Strings(t, db, `SELECT COUNT(*) FROM jobs WHERE kind = '`+kind+`'`)[0]
		}
		want := fmt.Sprint(federation.MediaPerHour)
		if got := count(federation.JobPictures); got != want {
			t.Errorf("%d replies with pictures queued %s pictures jobs, want %s", len(authors), got, want)
		}
		if got := count(federation.JobAvatar); got != want {
			t.Errorf("%d new authors queued %s avatar jobs, want %s", len(authors), got, want)
		}
		if got := storetest.Strings(t, db, `SELECT COUNT(*) FROM activitypub_replies WHERE pictures = ''`)[0]; got != fmt.Sprint(over) {
			t.Errorf("%s replies without pictures, want the %d over the budget", got, over)
		}
		if got := storetest.Strings(t, db, `SELECT COUNT(*) FROM activitypub_remote_authors WHERE avatar_url = ''`)[0]; got != fmt.Sprint(over) {
			t.Errorf("%s authors without an icon to fetch, want the %d over the budget", got, over)
		}
		page := b.get("/garten/beete/")
		for i := range authors {
			page.expect(t, http.StatusOK, fmt.Sprintf("Antwort %d", i))
		}
		// an Update with other pictures is a job too, and the hour has none left
		last := authors[len(authors)-1]
		b.postActivity("/garten/-/inbox", last.activity(t, activitypub.TypeUpdate, 2, activitypub.Embed(
			last.withPictures(1, beete, "<p>Antwort neu</p>", picture(img.URL+"/p2.png", "")))), last.keyID, last.key).
			expect(t, http.StatusAccepted)
		if got := count(federation.JobPictures); got != want {
			t.Errorf("after an Update with pictures: %s pictures jobs, want %s", got, want)
		}
		s.mediaJobs()
		if got := storetest.Strings(t, db, `SELECT COUNT(*) FROM contributions WHERE kind = 'file' AND deleted IS NULL`)[0]; got != want {
			t.Errorf("%s pictures attached, want %s", got, want)
		}
	})
}

// slowImages is a server that sends a picture's bytes one by one, never finishing within a
// media fetch's time, and counts how many of its answers run at once and how many ended.
type slowImages struct {
	*httptest.Server
	mu                   sync.Mutex
	running, most, ended int
	stop                 chan struct{}
}

func newSlowImages(t *testing.T) *slowImages {
	si := &slowImages{stop: make(chan struct{})}
	si.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		si.mu.Lock()
		si.running++
		si.most = max(si.most, si.running)
		si.mu.Unlock()
		defer func() {
			si.mu.Lock()
			si.running--
			si.ended++
			si.mu.Unlock()
		}()
		w.Header().Set("Content-Type", "image/png")
		for {
			if _, err := w.Write([]byte{0}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-si.stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}))
	t.Cleanup(func() {
		close(si.stop)
		si.CloseClientConnections()
		si.Close()
	})
	return si
}

func (si *slowImages) counts() (most, ended int) {
	si.mu.Lock()
	defer si.mu.Unlock()
	return si.most, si.ended
}

// TestFediverseMediaDoesNotHoldUpMail: with replies' pictures on a server that sends them
// slower than a media fetch may take queued before a mail, the real task runner (four
// workers) fetches one picture at a time and puts the other media jobs back without counting
// an attempt, so that the mail goes out while the first fetch still waits: it does not wait
// for any media job to end.
func TestFediverseMediaDoesNotHoldUpMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, beete := fediverseBeete(t, db)
		slow := newSlowImages(t)
		b := s.browser()
		author := newPictureAuthor(t, "langsam", "")
		const replies = 6
		for i := range replies {
			b.postActivity("/garten/-/inbox", author.activity(t, activitypub.TypeCreate, i+1, activitypub.Embed(
				author.withPictures(i+1, beete, fmt.Sprintf("<p>Bild %d</p>", i), picture(fmt.Sprintf("%s/%d.png", slow.URL, i), "")))),
				author.keyID, author.key).expect(t, http.StatusAccepted)
		}
		sink := mailtest.Start(t)
		err := db.Tx(ctx, func(q *store.Queries) error {
			return mail.Queue(ctx, q, mail.Envelope{From: "noreply@grouprise.test", To: []string{"anna@example.org"}},
				&mail.Message{From: mail.Address{Address: "noreply@grouprise.test"}, To: []mail.Address{{Address: "anna@example.org"}},
					Subject: "Passwort", Text: "Der Link"}, time.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		catalog, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		runner := tasks.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), tasks.Options{Poll: 50 * time.Millisecond})
		if _, err := tasks.Register(runner, s.cfg, catalog, &mail.SMTP{Addr: sink.Addr}); err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { runner.Run(runCtx); close(done) }()
		defer func() { stop(); slow.CloseClientConnections(); <-done }()

		sink.Wait(t, 1, 2*activitypub.MediaTimeout)
		most, ended := slow.counts()
		if ended != 0 || most > 1 {
			t.Errorf("when the mail went out: %d fetches had ended, %d ran at once; want none ended and one at a time", ended, most)
		}
		// the others wait for their turn, no attempt counted
		var postponed []string
		for range 100 {
			postponed = storetest.Strings(t, db, `SELECT attempts FROM jobs WHERE kind = '`+federation.JobPictures+`' AND state = 'waiting'`)
			if len(postponed) == replies-1 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if strings.Join(postponed, ",") != strings.Repeat("0,", replies-2)+"0" {
			t.Errorf("the waiting pictures jobs have the attempts %q, want %d with none", postponed, replies-1)
		}
		// the first fetch ends at MediaTimeout, whole, though bytes kept coming; a server that
		// slow is not asked again: its job ends without the picture
		for deadline := time.Now().Add(3 * activitypub.MediaTimeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if _, ended := slow.counts(); ended > 0 {
				break
			}
		}
		var jobs []string
		for range 100 {
			jobs = storetest.Strings(t, db, `SELECT state || ' ' || attempts FROM jobs WHERE kind = '`+federation.JobPictures+`'`)
			if len(jobs) < replies {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, ended := slow.counts(); ended != 1 || strings.Join(jobs, ",") != strings.Repeat("waiting 0,", replies-2)+"waiting 0" {
			t.Errorf("after the first fetch: %d ended, jobs %q; want it ended and its job gone", ended, jobs)
		}
	})
}

// TestFediverseMediaDecodeBound: a remote progressive JPEG whose decoding would take more
// than MaxMediaDecode (a 4000×4000 one of 100 KB: 300 MB of coefficients and bitmap) is
// refused for good from its header, with nothing decoded; one within the bound is taken, and
// what its decoding and scaling allocate stays below 100 MB.
func TestFediverseMediaDecodeBound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, beete := fediverseBeete(t, db)
		files := map[string][]byte{
			"/bomb.jpg": imagestest.ProgressiveJPEG(4000, 4000),
			"/edge.jpg": imagestest.ProgressiveJPEG(1800, 1800),
			"/edge.png": imagestest.PNG(3100, 3100, 10, 20, 30, 255),
		}
		for name, data := range files {
			cost, err := images.DecodeCost(bytes.NewReader(data))
			if err != nil || (name == "/bomb.jpg") != (cost > federation.MaxMediaDecode) {
				t.Fatalf("%s costs %d MB (%v): not on the side of the bound it is to test", name, cost>>20, err)
			}
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			data, ok := files[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", map[bool]string{true: "image/jpeg", false: "image/png"}[strings.HasSuffix(r.URL.Path, ".jpg")])
			w.Write(data)
		}))
		t.Cleanup(srv.Close)
		b := s.browser()
		author := newPictureAuthor(t, "grafik", "")
		for i, path := range []string{"/bomb.jpg", "/edge.jpg", "/edge.png"} {
			b.postActivity("/garten/-/inbox", author.activity(t, activitypub.TypeCreate, i+1, activitypub.Embed(
				author.withPictures(i+1, beete, "<p>Bild "+path+"</p>", picture(srv.URL+path, "")))), author.keyID, author.key).
				expect(t, http.StatusAccepted)
			debug.FreeOSMemory()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			failed := s.mediaJobs()
			runtime.ReadMemStats(&after)
			attached := storetest.Strings(t, db, `SELECT COUNT(*) FROM contributions WHERE kind = 'file'`)[0]
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s: %d MB allocated", path, alloc>>20)
			switch {
			case len(failed) != 0:
				t.Errorf("%s: jobs failed: %v", path, failed)
			case path == "/bomb.jpg" && (attached != "0" || alloc > 8<<20):
				t.Errorf("%s: %s attached, %d MB allocated; want it refused before decoding", path, attached, alloc>>20)
			case path != "/bomb.jpg" && (attached != fmt.Sprint(i) || alloc > 100<<20):
				t.Errorf("%s: %s attached, %d MB allocated; want it taken below 100 MB", path, attached, alloc>>20)
			}
		}
	})
}

// TestFediversePictureNames: a picture's description is its alt text only; the file keeps
// no name of the remote author's choosing, so a description such as "Rechnung-2026.pdf"
// names neither the download nor a mail's attachment.
func TestFediversePictureNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, beete := fediverseBeete(t, db)
		img := newImageServer(t)
		b := s.browser()
		author := newPictureAuthor(t, "rechnung", "")
		b.postActivity("/garten/-/inbox", author.activity(t, activitypub.TypeCreate, 1, activitypub.Embed(
			author.withPictures(1, beete, "<p>Anbei</p>", picture(img.URL+"/p1.png", "Rechnung-2026.pdf")))), author.keyID, author.key).
			expect(t, http.StatusAccepted)
		if failed := s.mediaJobs(); len(failed) != 0 {
			t.Fatalf("media jobs failed: %v", failed)
		}
		stored := storetest.Strings(t, db, `SELECT f.file || ' ' || COALESCE(f.filename, '-') FROM files f`)
		if len(stored) != 1 || !strings.HasSuffix(stored[0], " -") {
			t.Fatalf("files %q, want one without a name", stored)
		}
		name := strings.TrimSuffix(stored[0], " -")
		page := b.get("/garten/beete/")
		if alt := page.doc.Find("ul.attachments img").AttrOr("alt", ""); alt != "Rechnung-2026.pdf" {
			t.Errorf("alt %q, want the description", alt)
		}
		if got := page.doc.Find("ul.attachments figcaption").Text(); strings.Contains(got, "Rechnung") {
			t.Errorf("the caption names the file %q", got)
		}
		resp := b.get("/-/files/" + name)
		if cd := resp.Header.Get("Content-Disposition"); resp.StatusCode != http.StatusOK || strings.Contains(cd, "Rechnung") || !strings.Contains(cd, name) {
			t.Errorf("GET /-/files/%s: %d, Content-Disposition %q", name, resp.StatusCode, cd)
		}
	})
}

// TestFediverseMediaRedirectToBlocked: a picture whose server redirects to a server the
// operator blocked is not fetched from there (every hop is checked against the blocks, not
// only the first address), and the reply comes without it.
func TestFediverseMediaRedirectToBlocked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, beete := fediverseBeete(t, db)
		blocked := newImageServer(t)
		redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, blocked.URL+"/p1.png", http.StatusFound)
		}))
		t.Cleanup(redirector.Close)
		if _, _, err := s.srv.federation.Block(ctx, strings.TrimPrefix(blocked.URL, "http://")); err != nil {
			t.Fatal(err)
		}
		b := s.browser()
		author := newPictureAuthor(t, "umweg", redirector.URL+"/avatar.png")
		b.postActivity("/garten/-/inbox", author.activity(t, activitypub.TypeCreate, 1, activitypub.Embed(
			author.withPictures(1, beete, "<p>Umweg</p>", picture(redirector.URL+"/p.png", "")))), author.keyID, author.key).
			expect(t, http.StatusAccepted)
		failed := s.mediaJobs()
		if n := blocked.total(); n != 0 {
			t.Errorf("the blocked server was asked %d times", n)
		}
		if errs := failed[federation.JobAvatar]; len(errs) != 1 || !federation.IsPermanent(errs[0]) || !strings.Contains(errs[0].Error(), "blocked") {
			t.Errorf("the avatar behind the redirect: %v, want refused for good as blocked", errs)
		}
		if files := storetest.Strings(t, db, `SELECT id FROM files`); len(files) != 0 || len(failed[federation.JobPictures]) != 0 {
			t.Errorf("files %q, pictures jobs failed %v; want the picture left out", files, failed[federation.JobPictures])
		}
	})
}
