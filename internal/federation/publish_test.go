package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// inboxes is a server with inboxes that records what arrives; fail makes it answer 503.
type inboxes struct {
	mu   sync.Mutex
	got  []map[string]any
	fail bool
}

func (b *inboxes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail || r.Header.Get("Signature") == "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var act map[string]any
	_ = json.Unmarshal(body, &act)
	act["_inbox"] = r.URL.Path
	b.got = append(b.got, act)
	w.WriteHeader(http.StatusAccepted)
}

// take returns and forgets what arrived.
func (b *inboxes) take() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	got := b.got
	b.got = nil
	return got
}

type pubFixture struct {
	ctx       context.Context
	db        *store.DB
	fed       *federation.Service
	svc       *contents.Service
	alice     *store.Gestalt
	garten    *store.Group
	kreis     *store.Group // not in the Fediverse
	live, die *inboxes
	dieURL    string
}

func newPubFixture(t *testing.T, db *store.DB, enabled bool) *pubFixture {
	t.Helper()
	f := &pubFixture{ctx: context.Background(), db: db, live: &inboxes{}, die: &inboxes{fail: true}}
	yaml := "domain: grouprise.test\nsecret_key: 0123456789abcdef0123\ndata_path: " + t.TempDir() + "\n"
	if enabled {
		yaml += "activitypub: {enabled: true, allowed_private_networks: [127.0.0.0/8]}\n"
	}
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(yaml)}}, "/test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f.fed = federation.New(db, cfg, federation.Options{})
	f.svc = contents.New(db).WithFederation(f.fed)
	live, die := httptest.NewServer(f.live), httptest.NewServer(f.die)
	t.Cleanup(live.Close)
	t.Cleanup(die.Close)
	f.dieURL = die.URL
	now := time.Now()
	err = db.Tx(f.ctx, func(q *store.Queries) error {
		f.alice = &store.Gestalt{Username: "alice", DateJoined: now}
		if _, err := q.CreateGestalt(f.ctx, f.alice); err != nil {
			return err
		}
		f.garten = &store.Group{Slug: "garten", Name: "Garten", DateCreated: now, TimeModified: now, DateFounded: now}
		f.kreis = &store.Group{Slug: "kreis", Name: "Kreis", DateCreated: now, TimeModified: now, DateFounded: now}
		for _, g := range []*store.Group{f.garten, f.kreis} {
			if _, err := q.CreateGroup(f.ctx, g); err != nil {
				return err
			}
		}
		if err := q.SetFediverseVisibility(f.ctx, f.kreis.ID, false); err != nil {
			return err
		}
		// two followers on the live server share its inbox, one has only its own; one
		// follower is on the dead server, one has not been accepted
		for _, fl := range []store.Follower{
			{ActorID: live.URL + "/users/a", Inbox: live.URL + "/users/a/inbox", SharedInbox: live.URL + "/inbox", Accepted: true},
			{ActorID: live.URL + "/users/b", Inbox: live.URL + "/users/b/inbox", SharedInbox: live.URL + "/inbox", Accepted: true},
			{ActorID: live.URL + "/users/c", Inbox: live.URL + "/users/c/inbox", Accepted: true},
			{ActorID: live.URL + "/users/d", Inbox: live.URL + "/users/d/inbox"},
			{ActorID: die.URL + "/users/e", Inbox: die.URL + "/users/e/inbox", Accepted: true},
		} {
			fl.GroupID, fl.FollowID, fl.CreatedAt = f.garten.ID, fl.ActorID+"#follow", now
			if err := q.AddFollower(f.ctx, fl); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// run works off the queue as the task runner does (publish jobs and actor updates in the
// transaction that completes them), failed deliveries included (once each); it returns the
// kinds run.
func (f *pubFixture) run(t *testing.T) []string {
	t.Helper()
	var kinds []string
	for {
		now := time.Now()
		jobs, err := f.db.ClaimJobs(f.ctx, "test", 100, now.Add(time.Hour), now.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) == 0 {
			return kinds
		}
		for _, j := range jobs {
			kinds = append(kinds, j.Kind)
			switch j.Kind {
			case federation.JobPublish, federation.JobActorUpdate:
				run := f.fed.Publish
				if j.Kind == federation.JobActorUpdate {
					run = f.fed.UpdateActor
				}
				err = f.db.Tx(f.ctx, func(q *store.Queries) error {
					if err := run(f.ctx, q, j); err != nil {
						return err
					}
					return q.CompleteJob(f.ctx, j)
				})
			case federation.JobDeliver:
				_ = f.fed.Deliver(f.ctx, j) // the dead server fails
				err = f.db.CompleteJob(f.ctx, j)
			default:
				err = f.db.CompleteJob(f.ctx, j)
			}
			if err != nil {
				t.Fatalf("job %s: %v", j.Kind, err)
			}
		}
	}
}

// arrived is what the live server got since the last call: "inbox type objecttype name".
func (f *pubFixture) arrived() []string {
	var out []string
	for _, a := range f.live.take() {
		o, _ := a["object"].(map[string]any)
		out = append(out, strings.Join([]string{a["_inbox"].(string), a["type"].(string), o["type"].(string), str(o["name"])}, " "))
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func eq(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }

// TestPublish: what a group publishes reaches each inbox of its accepted followers once — a
// shared inbox once for all its followers: public contents as Create, edits as Update,
// deletes and contents made internal as Delete; internal contents, personal ones and those
// of groups not in the Fediverse never.
func TestPublish(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPubFixture(t, db, true)
		ctx := f.ctx
		both := func(typ, objType, name string) []string {
			return []string{"/inbox " + typ + " " + objType + " " + name, "/users/c/inbox " + typ + " " + objType + " " + name}
		}

		a, err := f.svc.Create(ctx, f.alice, f.garten.ID, contents.Article, contents.Draft{Title: "Beete im Dezember",
			Text: "Was jetzt **zu tun** ist. #Winter @kreis @garten", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		f.run(t)
		got := f.live.take()
		if len(got) != 2 {
			t.Fatalf("%d deliveries of the Create, want 2 (shared inbox, own inbox): %v", len(got), got)
		}
		act := got[0]
		obj := act["object"].(map[string]any)
		if act["actor"] != "https://grouprise.test/garten/" || obj["attributedTo"] != act["actor"] {
			t.Errorf("actor %v, attributedTo %v, want the group", act["actor"], obj["attributedTo"])
		}
		if act["type"] != "Create" || obj["type"] != "Article" || obj["name"] != "Beete im Dezember" ||
			!strings.Contains(str(obj["content"]), "<strong>zu tun</strong>") ||
			obj["id"] != "https://grouprise.test/garten/beete-im-dezember/" || obj["url"] != obj["id"] {
			t.Errorf("Create %v", act)
		}
		if to, _ := obj["to"].([]any); len(to) != 1 || to[0] != "https://www.w3.org/ns/activitystreams#Public" {
			t.Errorf("to %v, want Public", obj["to"])
		}
		if cc, _ := obj["cc"].([]any); len(cc) != 1 || !strings.HasSuffix(str(cc[0]), "/garten/-/followers") {
			t.Errorf("cc %v, want the followers", obj["cc"])
		}
		tags, _ := json.Marshal(obj["tag"])
		if !strings.Contains(string(tags), `"name":"#Winter"`) || !strings.Contains(string(tags), `"name":"@garten@grouprise.test"`) ||
			strings.Contains(string(tags), "kreis") {
			t.Errorf("tags %s, want #Winter and @garten, not the group outside the Fediverse", tags)
		}

		// internal, personal, and in a group outside the Fediverse: nothing
		for _, c := range []struct {
			group  int64
			public bool
		}{{f.garten.ID, false}, {0, true}, {f.kreis.ID, true}} {
			if _, err := f.svc.Create(ctx, f.alice, c.group, contents.Article, contents.Draft{Title: "Intern", Text: "geheim", Public: c.public}); err != nil {
				t.Fatal(err)
			}
		}
		f.run(t)
		if got := f.arrived(); len(got) != 0 {
			t.Errorf("internal or personal contents went out: %v", got)
		}

		// an edit: Update; an edit that changes nothing the Fediverse sees: nothing
		d := contents.Draft{Title: "Beete im Januar", Text: "Neu.", Public: true}
		if err := f.svc.Update(ctx, a, f.alice, contents.Article, d); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		got = f.live.take()
		if len(got) != 2 || got[0]["type"] != "Update" {
			t.Fatalf("after the edit: %v", got)
		}
		upd := got[0]["object"].(map[string]any)
		if upd["name"] != "Beete im Januar" || upd["id"] != obj["id"] || str(upd["updated"]) < str(upd["published"]) {
			t.Errorf("Update of %v: %v (servers refuse an update before the publication)", obj["id"], upd)
		}
		d.Pinned = true
		if err := f.svc.Update(ctx, a, f.alice, contents.Article, d); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		if got := f.arrived(); len(got) != 0 {
			t.Errorf("pinning sent %v", got)
		}

		// made internal: Delete; public again: a Create under a new id; deleted: Delete
		if err := f.svc.SetPublic(ctx, a, false); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		if got := f.arrived(); !eq(got, both("Delete", "Tombstone", "")) {
			t.Errorf("made internal: %v", got)
		}
		if err := f.svc.SetPublic(ctx, a, true); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		got = f.live.take()
		if len(got) != 2 || got[0]["type"] != "Create" || !strings.Contains(str(got[0]["object"].(map[string]any)["id"]), "?v=") {
			t.Errorf("public again: %v", got)
		}
		if err := f.svc.Delete(ctx, a); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		if got := f.arrived(); !eq(got, both("Delete", "Tombstone", "")) {
			t.Errorf("deleted: %v", got)
		}

		// an event, repeated: its first date only
		start := time.Date(2027, 3, 20, 14, 0, 0, 0, time.UTC)
		if _, err := f.svc.Create(ctx, f.alice, f.garten.ID, contents.Event, contents.Draft{Title: "Pflanztag", Text: "Komm vorbei.",
			Public: true, Place: "Gartenstraße 1", Start: start, End: start.Add(3 * time.Hour),
			Repeat: contents.Repeat{Period: "weekly", Count: 3}}); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		got = f.live.take()
		if len(got) != 2 {
			t.Fatalf("event: %v", got)
		}
		ev := got[0]["object"].(map[string]any)
		loc, _ := ev["location"].(map[string]any)
		if ev["type"] != "Event" || ev["startTime"] != "2027-03-20T14:00:00Z" || ev["endTime"] != "2027-03-20T17:00:00Z" ||
			loc["name"] != "Gartenstraße 1" || !strings.Contains(str(ev["content"]), "2027-03-20 15:00 – 2027-03-20 18:00 (Europe/Berlin), Gartenstraße 1") {
			t.Errorf("event %v", ev)
		}

		// a gallery: its pictures; a poll: a link to the page
		if _, err := f.svc.Create(ctx, f.alice, f.garten.ID, contents.Gallery, contents.Draft{Title: "Ernte", Public: true,
			NewImages: []string{"images/a.jpg", "images/b.png"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, f.alice, f.garten.ID, contents.Poll, contents.Draft{Title: "Wann?", Public: true,
			Options: []contents.Option{{Title: "Montag"}}}); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		got = f.live.take()
		if len(got) != 4 {
			t.Fatalf("gallery and poll: %v", got)
		}
		gallery, _ := json.Marshal(got[0]["object"].(map[string]any)["attachment"])
		if string(gallery) != `[{"mediaType":"image/jpeg","type":"Image","url":"https://grouprise.test/-/images/images/a.jpg"},`+
			`{"mediaType":"image/png","type":"Image","url":"https://grouprise.test/-/images/images/b.png"}]` {
			t.Errorf("gallery attachments %s", gallery)
		}
		if poll := got[2]["object"].(map[string]any); poll["type"] != "Article" ||
			!strings.Contains(str(poll["content"]), `<a href="https://grouprise.test/garten/wann/">Wann?</a>`) {
			t.Errorf("poll %v", poll)
		}
		// a picture replaced: the gallery is updated with its new address
		img, err := db.ImageByFile(ctx, "images/a.jpg")
		if err != nil {
			t.Fatal(err)
		}
		viewer := access.New(f.alice, map[int64]time.Time{f.garten.ID: time.Now()})
		if _, _, err := f.svc.ReplaceImage(ctx, viewer, img.ID, "images/c.jpg"); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		got = f.live.take()
		if len(got) != 2 || got[0]["type"] != "Update" ||
			!strings.Contains(fmt.Sprint(got[0]["object"].(map[string]any)["attachment"]), "images/c.jpg") {
			t.Errorf("after the picture was replaced: %v", got)
		}

		// the dead server had every activity, failed each time
		if n, _ := db.Count(ctx, "activitypub_instances"); n != 1 {
			t.Errorf("%d failing instances, want 1", n)
		}
		// the group leaves the Fediverse: its event is taken back
		if err := f.fed.SetVisible(ctx, f.garten, false); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		// its contents' Tombstones first, then its actor (lifecycle_test.go)
		got = f.live.take()
		var kinds []string
		for _, a := range got {
			o, _ := a["object"].(map[string]any)
			kinds = append(kinds, str(a["type"])+" "+str(o["type"])+str(a["object"]))
		}
		tomb, actor := "Delete Tombstone", "Delete https://grouprise.test/garten/"
		if !eq(kinds, []string{tomb, tomb, tomb, tomb, tomb, tomb, actor, actor}) {
			t.Errorf("group left: %v, want Deletes of its event, gallery, poll and actor", kinds)
		}
	})
}

// TestDeliverOnce: a delivery that ran runs not again (a job repeated after its runner died),
// and a publish job repeated sends nothing new.
func TestDeliverOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPubFixture(t, db, true)
		if _, err := f.svc.Create(f.ctx, f.alice, f.garten.ID, contents.Article, contents.Draft{Title: "Fest", Public: true}); err != nil {
			t.Fatal(err)
		}
		var deliveries []*store.Job
		for {
			now := time.Now()
			jobs, err := db.ClaimJobs(f.ctx, "t", 100, now.Add(time.Hour), now.Add(2*time.Hour))
			if err != nil || len(jobs) == 0 {
				break
			}
			for _, j := range jobs {
				if j.Kind == federation.JobPublish {
					if err := db.Tx(f.ctx, func(q *store.Queries) error { return f.fed.Publish(f.ctx, q, j) }); err != nil {
						t.Fatal(err)
					}
					// and once more, as if the first had not completed
					if err := db.Tx(f.ctx, func(q *store.Queries) error { return f.fed.Publish(f.ctx, q, j) }); err != nil {
						t.Fatal(err)
					}
				}
				if j.Kind == federation.JobDeliver {
					deliveries = append(deliveries, j)
				}
				if err := db.CompleteJob(f.ctx, j); err != nil {
					t.Fatal(err)
				}
			}
		}
		if len(deliveries) != 3 {
			t.Fatalf("%d delivery jobs, want 3 (two live inboxes, one dead)", len(deliveries))
		}
		for range 2 {
			for _, j := range deliveries {
				_ = f.fed.Deliver(f.ctx, j)
			}
		}
		if got := f.arrived(); len(got) != 2 {
			t.Errorf("arrived %v, want one Create in each live inbox", got)
		}
	})
}

// TestDeadInstance: a server that failed for DeadAfter gets one probe per ProbeEvery; the
// other deliveries to it are skipped; a probe that succeeds brings it back.
func TestDeadInstance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPubFixture(t, db, true)
		host := strings.TrimPrefix(f.dieURL, "http://")
		if err := db.InstanceFailed(f.ctx, host, time.Now().Add(-federation.DeadAfter-time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, title := range []string{"Eins", "Zwei"} {
			if _, err := f.svc.Create(f.ctx, f.alice, f.garten.ID, contents.Article, contents.Draft{Title: title, Public: true}); err != nil {
				t.Fatal(err)
			}
		}
		f.run(t)
		states := storetest.Rows(t, db, `SELECT state FROM activitypub_deliveries WHERE inbox LIKE '`+f.dieURL+`%' ORDER BY id`)
		// the first was the probe (it failed, and stays to be retried); the second skipped
		if strings.Join(states, ",") != "waiting,skipped" {
			t.Errorf("deliveries to the dead server: %v, want waiting (the probe), skipped", states)
		}
		if got := f.arrived(); len(got) != 4 {
			t.Errorf("live server: %v", got)
		}
		// later, the server answers again: the next probe brings it back
		f.die.mu.Lock()
		f.die.fail = false
		f.die.mu.Unlock()
		storetest.Exec(t, db, `UPDATE activitypub_instances SET probed_at = NULL`)
		if _, err := f.svc.Create(f.ctx, f.alice, f.garten.ID, contents.Article, contents.Draft{Title: "Drei", Public: true}); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		if n, _ := db.Count(f.ctx, "activitypub_instances"); n != 0 || len(f.die.take()) != 1 {
			t.Errorf("after a successful probe: %d failing instances, want 0", n)
		}
	})
}

// TestPublishOff: with federation off, writing contents queues nothing for it.
func TestPublishOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPubFixture(t, db, false)
		if _, err := f.svc.Create(f.ctx, f.alice, f.garten.ID, contents.Article, contents.Draft{Title: "Fest", Public: true}); err != nil {
			t.Fatal(err)
		}
		for _, k := range f.run(t) {
			if strings.HasPrefix(k, "activitypub.") {
				t.Errorf("job %s with federation off", k)
			}
		}
	})
}
