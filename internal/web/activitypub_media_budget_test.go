package web

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/mail/mailtest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
	"grouprise.org/grouprise/internal/tasks"
)

// hostAuthors is a Fediverse server on a loopback address of its own (so a domain of its own
// for the media budgets) whose authors all share one key.
type hostAuthors struct {
	srv     *httptest.Server
	mu      sync.Mutex
	authors map[string]*pictureAuthor
}

func newHostAuthors(t *testing.T, ip string) *hostAuthors {
	h := &hostAuthors{authors: map[string]*pictureAuthor{}}
	h.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.mu.Lock()
		a := h.authors[strings.TrimPrefix(req.URL.Path, "/users/")]
		h.mu.Unlock()
		if a == nil {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", activitypub.MediaType)
		b, _ := activitypub.Encode(a.actor(a.icon.Load().(string)))
		w.Write(b)
	}))
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	h.srv.Listener = l
	h.srv.Start()
	t.Cleanup(h.srv.Close)
	return h
}

// author is a new author on the server, with the key it shares with the others.
func (h *hostAuthors) author(t *testing.T, shared *pictureAuthor, username, icon string) *pictureAuthor {
	a := &pictureAuthor{remote: &remote{key: shared.key, srv: h.srv}, username: username}
	a.icon.Store(icon)
	a.id = h.srv.URL + "/users/" + username
	a.keyID = a.id + "#main-key"
	h.mu.Lock()
	h.authors[username] = a
	h.mu.Unlock()
	return a
}

// TestFediverseMediaSiteBudget: domains cost an attacker nothing, so beside each domain's
// budget the whole site queues at most SiteMediaPerHour pictures jobs and avatar jobs an
// hour. Authors on six domains (six loopback addresses), none beyond its own domain's budget,
// together reach the site's: the replies and authors beyond it come without pictures and
// avatars.
func TestFediverseMediaSiteBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, beete := fediverseBeete(t, db)
		img := newImageServer(t)
		b := s.browser()
		shared := newPictureAuthor(t, "schluessel", "")
		perDomain := federation.MediaPerHour - 1
		domains := federation.SiteMediaPerHour/perDomain + 1
		total := 0
		for d := range domains {
			h := newHostAuthors(t, fmt.Sprintf("127.0.0.%d", 11+d))
			for i := range perDomain {
				a := h.author(t, shared, fmt.Sprintf("person%d", i), img.URL+"/avatar.png")
				b.postActivity("/garten/-/inbox", a.activity(t, activitypub.TypeCreate, 1, activitypub.Embed(
					a.withPictures(1, beete, fmt.Sprintf("<p>Antwort %d-%d</p>", d, i), picture(img.URL+"/p1.png", "")))), a.keyID, a.key).
					expect(t, http.StatusAccepted)
				total++
			}
		}
		count := func(query string) string { return storetest.Strings(t, db, query)[0] }
		if got := count(`SELECT COUNT(*) FROM activitypub_replies`); got != fmt.Sprint(total) {
			t.Fatalf("%s replies taken, want all %d", got, total)
		}
		want := fmt.Sprint(federation.SiteMediaPerHour)
		if got := count(`SELECT COUNT(*) FROM jobs WHERE kind = '` + federation.JobPictures + `'`); got != want {
			t.Errorf("%d replies with pictures on %d domains queued %s pictures jobs, want the site's %s", total, domains, got, want)
		}
		if got := count(`SELECT COUNT(*) FROM jobs WHERE kind = '` + federation.JobAvatar + `'`); got != want {
			t.Errorf("%d new authors on %d domains queued %s avatar jobs, want the site's %s", total, domains, got, want)
		}
		over := fmt.Sprint(total - federation.SiteMediaPerHour)
		if got := count(`SELECT COUNT(*) FROM activitypub_replies WHERE pictures = ''`); got != over {
			t.Errorf("%s replies without pictures, want the %s beyond the site's budget", got, over)
		}
		if got := count(`SELECT COUNT(*) FROM activitypub_remote_authors WHERE avatar_url = ''`); got != over {
			t.Errorf("%s authors without an icon to fetch, want the %s beyond the site's budget", got, over)
		}
	})
}

// TestFediverseMediaJobDeadline: a reply's pictures are fetched within one MediaTimeout for
// all of them, so a job holds the fetch slot no longer than that however many pictures it
// has: of a reply with a quick picture and three that come slower than the deadline, the
// quick one is attached and only one slow fetch was ever started (it ended at the deadline),
// and the job ends without failing.
func TestFediverseMediaJobDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, beete := fediverseBeete(t, db)
		img := newImageServer(t)
		slow := newSlowImages(t)
		author := newPictureAuthor(t, "geduld", "")
		s.browser().postActivity("/garten/-/inbox", author.activity(t, activitypub.TypeCreate, 1, activitypub.Embed(
			author.withPictures(1, beete, "<p>Vier Bilder</p>", picture(img.URL+"/p1.png", "schnell"),
				picture(slow.URL+"/1.png", ""), picture(slow.URL+"/2.png", ""), picture(slow.URL+"/3.png", "")))),
			author.keyID, author.key).expect(t, http.StatusAccepted)
		failed := s.mediaJobs()
		// the server notices the fetch's end a moment after the job
		var most, ended, running int
		for range 100 {
			slow.mu.Lock()
			most, ended, running = slow.most, slow.ended, slow.running
			slow.mu.Unlock()
			if running == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(failed) != 0 || most != 1 || ended != 1 || running != 0 {
			t.Errorf("jobs failed %v; slow fetches: %d at once, %d ended, %d running; want one fetch, ended at the job's deadline",
				failed, most, ended, running)
		}
		attached := storetest.Strings(t, db, `SELECT text FROM contributions WHERE kind = 'file' AND deleted IS NULL`)
		if strings.Join(attached, ",") != "schnell" {
			t.Errorf("attached %q, want the quick picture", attached)
		}
	})
}

// lockedBuffer collects a runner's log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestFediverseMediaWaitGrows: a media job that finds the fetch slot taken waits the longer
// the longer it has waited (about 20 s at first, up to 10 minutes), so that a long line of
// waiting jobs does not keep the queue busy with postponements; one that has waited six
// hours is given up, with a log line, instead of waiting for ever. The real task runner.
func TestFediverseMediaWaitGrows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, beete := fediverseBeete(t, db)
		img := newImageServer(t)
		slow := newSlowImages(t)
		b := s.browser()
		author := newPictureAuthor(t, "warten", "")
		for i, url := range []string{slow.URL + "/a.png", img.URL + "/p1.png", img.URL + "/p2.png", img.URL + "/p3.png"} {
			b.postActivity("/garten/-/inbox", author.activity(t, activitypub.TypeCreate, i+1, activitypub.Embed(
				author.withPictures(i+1, beete, fmt.Sprintf("<p>Bild %d</p>", i), picture(url, "")))),
				author.keyID, author.key).expect(t, http.StatusAccepted)
		}
		ids := storetest.Strings(t, db, `SELECT id FROM jobs WHERE kind = '`+federation.JobPictures+`' ORDER BY id`)
		if len(ids) != 4 {
			t.Fatalf("pictures jobs %q, want 4", ids)
		}
		// the first job takes the slot; the others (new, 3 hours old, 7 hours old) come later
		fresh, old, ancient := ids[1], ids[2], ids[3]
		ago := func(hours int) string {
			if db.Dialect() == store.Postgres {
				return fmt.Sprintf("created_at - interval '%d hours'", hours)
			}
			return fmt.Sprintf("datetime(created_at, '-%d hours')", hours)
		}
		storetest.Exec(t, db,
			`UPDATE jobs SET run_at = '2999-01-01 00:00:00' WHERE id IN (`+fresh+`, `+old+`, `+ancient+`)`,
			`UPDATE jobs SET created_at = `+ago(3)+` WHERE id = `+old,
			`UPDATE jobs SET created_at = `+ago(7)+` WHERE id = `+ancient)
		catalog, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		var logs lockedBuffer
		runner := tasks.New(db, slog.New(slog.NewTextHandler(&logs, nil)), tasks.Options{Poll: 50 * time.Millisecond})
		if _, err := tasks.Register(runner, s.cfg, catalog, &mail.SMTP{Addr: mailtest.Start(t).Addr}); err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { runner.Run(runCtx); close(done) }()
		defer func() { stop(); slow.CloseClientConnections(); <-done }()
		for deadline := time.Now().Add(activitypub.MediaTimeout / 2); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if most, _ := slow.counts(); most > 0 {
				break
			}
		}
		if most, _ := slow.counts(); most != 1 {
			t.Fatalf("the first job's slow fetch did not start")
		}
		storetest.Exec(t, db, `UPDATE jobs SET run_at = '2000-01-01 00:00:00' WHERE id IN (`+fresh+`, `+old+`, `+ancient+`)`)
		wait := `CAST((julianday(run_at) - julianday(updated_at)) * 86400 AS INTEGER)`
		if db.Dialect() == store.Postgres {
			wait = `CAST(EXTRACT(EPOCH FROM run_at - updated_at) AS INTEGER)`
		}
		waits, attempts := map[string]int{}, map[string]string{}
		for range 200 {
			rows := storetest.Strings(t, db, `SELECT id || ' ' || `+wait+` || ' ' || attempts || ' ' || state FROM jobs
				WHERE id IN (`+fresh+`, `+old+`, `+ancient+`)`)
			clear(waits)
			postponed := true
			for _, r := range rows {
				f := strings.Fields(r)
				waits[f[0]], _ = strconv.Atoi(f[1])
				attempts[f[0]] = f[2]
				postponed = postponed && f[3] == "waiting" && waits[f[0]] > 0
			}
			if _, there := waits[ancient]; !there && postponed {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if attempts[fresh] != "0" || attempts[old] != "0" {
			t.Errorf("the postponed jobs count %s and %s attempts; waiting for the slot counts none", attempts[fresh], attempts[old])
		}
		if w := waits[fresh]; w < 19 || w > 40 {
			t.Errorf("a new job waits %d s for the slot, want 20–40", w)
		}
		if w := waits[old]; w < 599 || w > 1200 {
			t.Errorf("a job that waited 3 hours waits %d s more, want 10–20 minutes", w)
		}
		if w, there := waits[ancient]; there {
			t.Errorf("a job that waited 7 hours waits %d s more, want it given up", w)
		}
		if !strings.Contains(logs.String(), "media job given up") || !strings.Contains(logs.String(), "job="+ancient) {
			t.Errorf("no log line says that job %s was given up:\n%s", ancient, logs.String())
		}
		if n := img.total(); n != 0 {
			t.Errorf("the waiting jobs' server was asked %d times while the slot was taken", n)
		}
	})
}

// TestFediverseMediaUpdateOverBudget: an Update that asks for other pictures when its domain
// has no pictures jobs left this hour leaves the comment the pictures it has (and its new
// text); an Update without pictures still takes them away.
func TestFediverseMediaUpdateOverBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, beete := fediverseBeete(t, db)
		img := newImageServer(t)
		b := s.browser()
		author := newPictureAuthor(t, "bilder", "")
		post := func(typ activitypub.Type, act, n int, text string, pics ...activitypub.Image) {
			t.Helper()
			b.postActivity("/garten/-/inbox", author.activity(t, typ, act, activitypub.Embed(
				author.withPictures(n, beete, text, pics...))), author.keyID, author.key).expect(t, http.StatusAccepted)
		}
		post(activitypub.TypeCreate, 1, 1, "<p>Erste Antwort</p>", picture(img.URL+"/p1.png", "Beet im Mai"))
		if failed := s.mediaJobs(); len(failed) != 0 {
			t.Fatalf("media jobs failed: %v", failed)
		}
		attached := func() string {
			return strings.Join(storetest.Strings(t, db, `SELECT text FROM contributions WHERE kind = 'file' AND deleted IS NULL`), ",")
		}
		if got := attached(); got != "Beet im Mai" {
			t.Fatalf("attached %q, want the first picture", got)
		}
		// the rest of the domain's hour goes to other replies
		for n := 2; n <= federation.MediaPerHour; n++ {
			post(activitypub.TypeCreate, n, n, fmt.Sprintf("<p>Antwort %d</p>", n), picture(img.URL+"/p2.png", ""))
		}
		count := func(kind string) string {
			return storetest.Strings(t, db, `SELECT COUNT(*) FROM jobs WHERE kind = '`+kind+`'`)[0]
		}
		queued := fmt.Sprint(federation.MediaPerHour - 1)
		if got := count(federation.JobPictures); got != queued {
			t.Fatalf("%s pictures jobs, want %s", got, queued)
		}
		post(activitypub.TypeUpdate, 100, 1, "<p>Erste Antwort, neu</p>", picture(img.URL+"/p3.png", "Beet im Juni"))
		if got := attached(); got != "Beet im Mai" {
			t.Errorf("after an Update beyond the budget: attached %q, want the picture it had", got)
		}
		if got := count(federation.JobPictures) + "/" + count(federation.JobRemoveMedia); got != queued+"/0" {
			t.Errorf("after an Update beyond the budget: pictures/removal jobs %s, want %s/0", got, queued)
		}
		page := b.get("/garten/beete/")
		page.expect(t, http.StatusOK, "Erste Antwort, neu")
		if alt := page.doc.Find(`ul.attachments img[alt="Beet im Mai"]`).Length(); alt != 1 {
			t.Errorf("the page shows the kept picture %d times, want once", alt)
		}
		post(activitypub.TypeUpdate, 101, 1, "<p>Erste Antwort, ohne Bild</p>")
		if got := attached(); got != "" {
			t.Errorf("after an Update without pictures: attached %q, want none", got)
		}
	})
}

// TestFediverseMediaRetryQuickFailures: a media job is tried again only when its server
// failed at once (briefly down); one that failed after holding the fetch slot longer than a
// tenth of the deadline would hold it as long at each try, so its picture is left out and the
// job ends.
func TestFediverseMediaRetryQuickFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, beete := fediverseBeete(t, db)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/zaeh.png" {
				time.Sleep(activitypub.MediaTimeout / 10 * 3 / 2)
			}
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}))
		t.Cleanup(srv.Close)
		b := s.browser()
		author := newPictureAuthor(t, "fehler", "")
		for i, path := range []string{"/sofort.png", "/zaeh.png"} {
			b.postActivity("/garten/-/inbox", author.activity(t, activitypub.TypeCreate, i+1, activitypub.Embed(
				author.withPictures(i+1, beete, "<p>Bild "+path+"</p>", picture(srv.URL+path, "")))), author.keyID, author.key).
				expect(t, http.StatusAccepted)
		}
		errs := s.mediaJobs()[federation.JobPictures]
		if len(errs) != 1 || federation.IsPermanent(errs[0]) || !strings.Contains(errs[0].Error(), "sofort") {
			t.Errorf("pictures jobs failed with %v; want only the one whose server failed at once, to be tried again", errs)
		}
	})
}
