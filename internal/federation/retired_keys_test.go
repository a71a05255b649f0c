package federation

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// keyedInbox records each request that arrives and whether pub signed it.
type keyedInbox struct {
	mu     sync.Mutex
	pub    *activitypub.Key
	signed []bool
}

func (b *keyedInbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	b.mu.Lock()
	defer b.mu.Unlock()
	v := &activitypub.Verifier{Keys: fixedKey{b.pub}}
	_, err := v.Verify(context.Background(), r, body)
	b.signed = append(b.signed, err == nil)
	w.WriteHeader(http.StatusAccepted)
}

func (b *keyedInbox) take() []bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	got := b.signed
	b.signed = nil
	return got
}

type fixedKey struct{ k *activitypub.Key }

func (f fixedKey) PublicKey(context.Context, string) (*activitypub.Key, error) { return f.k, nil }

// TestRetiredKeys: the deliveries that sign with an actor's key as it was (the Delete of a
// deleted group's actor, the Update after a rotation) carry the key's id, never the key; they
// are signed with it while it lasts (RetiredKeyLife); a delivery that runs after is dropped
// with a log line, sends nothing and completes, and the key is gone from the store.
func TestRetiredKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(
			"domain: grouprise.test\nsecret_key: 0123456789abcdef0123\ndata_path: " + t.TempDir() +
				"\nactivitypub: {enabled: true, allowed_private_networks: [127.0.0.0/8]}\n")}}, "/test.yaml")
		if err != nil {
			t.Fatal(err)
		}
		var logged bytes.Buffer
		s := New(db, cfg, Options{Log: slog.New(slog.NewTextHandler(&logged, nil))})
		clock := time.Now()
		s.now = func() time.Time { return clock }

		peer := &keyedInbox{}
		srv := httptest.NewServer(peer)
		t.Cleanup(srv.Close)
		garten, hof := addGroup(t, db, "garten", false), addGroup(t, db, "hof", false)
		for _, g := range []*store.Group{garten, hof} {
			for _, user := range []string{"a", "b"} {
				actor := srv.URL + "/" + g.Slug + "/users/" + user
				if err := db.AddFollower(ctx, store.Follower{GroupID: g.ID, ActorID: actor, FollowID: actor + "#f",
					Inbox: actor + "/inbox", Accepted: true, CreatedAt: clock}); err != nil {
					t.Fatal(err)
				}
			}
		}
		keyOf := func(g *store.Group) *activitypub.Key {
			t.Helper()
			a, err := s.GroupActor(ctx, g.Slug)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := activitypub.ParsePublicKey(a.PublicKey.PublicKeyPEM)
			if err != nil {
				t.Fatal(err)
			}
			return &activitypub.Key{ID: a.PublicKey.ID, Owner: a.ID, Public: pub}
		}
		noKeysInJobs := func(step string, wantKind string) {
			t.Helper()
			payloads := storetest.Strings(t, db, `SELECT kind || ' ' || payload FROM jobs ORDER BY id`)
			if len(payloads) == 0 {
				t.Fatalf("%s: no jobs", step)
			}
			for _, p := range payloads {
				if strings.Contains(p, "PRIVATE KEY") || !strings.HasPrefix(p, wantKind+" ") {
					t.Errorf("%s: job %.120s…", step, p)
				}
			}
		}
		deliverAll := func() (ran int) {
			t.Helper()
			jobs, err := db.ClaimJobs(ctx, "test", 10, clock.Add(time.Minute), clock.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range jobs {
				if j.Kind != JobDeliver {
					t.Fatalf("job %s", j.Kind)
				}
				if err := s.Deliver(ctx, j); err != nil {
					t.Errorf("deliver %d: %v", j.ID, err)
				}
				if err := db.CompleteJob(ctx, j); err != nil {
					t.Fatal(err)
				}
			}
			return len(jobs)
		}

		// hof rotates its key: the Update goes out signed with the old one
		oldHof := keyOf(hof)
		if _, err := s.RotateKeys(ctx, []string{"hof"}); err != nil {
			t.Fatal(err)
		}
		noKeysInJobs("rotation", JobActorUpdate)
		jobs, err := db.ClaimJobs(ctx, "test", 10, clock.Add(time.Hour), clock.Add(2*time.Hour))
		if err != nil || len(jobs) != 1 || !strings.Contains(string(jobs[0].Payload), `"sign_with_key":`) {
			t.Fatalf("actor update jobs: %v, %v", jobs, err)
		}
		if err := db.Tx(ctx, func(q *store.Queries) error {
			if err := s.UpdateActor(ctx, q, jobs[0]); err != nil {
				return err
			}
			return q.CompleteJob(ctx, jobs[0])
		}); err != nil {
			t.Fatal(err)
		}
		noKeysInJobs("rotation's update", JobDeliver)
		peer.pub = oldHof
		if n, got := deliverAll(), peer.take(); n != 2 || len(got) != 2 || !got[0] || !got[1] {
			t.Errorf("rotation: %d deliveries, signed with the old key: %v", n, got)
		}

		// garten is deleted: its Delete is signed with its key, kept retired
		peer.pub = keyOf(garten)
		if err := db.Tx(ctx, func(q *store.Queries) error {
			if err := s.ActorGone(ctx, q, garten); err != nil {
				return err
			}
			return q.DeleteGroup(ctx, garten.ID)
		}); err != nil {
			t.Fatal(err)
		}
		noKeysInJobs("deleted", JobDeliver)
		if n := storetest.Strings(t, db, `SELECT COUNT(*) FROM activitypub_retired_keys`); n[0] != "2" {
			t.Errorf("%s retired keys, want 2", n[0])
		}
		// one delivery on the key's last day, the other after it
		clock = clock.Add(RetiredKeyLife - time.Hour)
		jobs, err = db.ClaimJobs(ctx, "test", 1, clock, clock.Add(time.Hour))
		if err != nil || len(jobs) != 1 {
			t.Fatalf("claimed %v, %v", jobs, err)
		}
		if err := s.Deliver(ctx, jobs[0]); err != nil {
			t.Fatal(err)
		}
		if got := peer.take(); len(got) != 1 || !got[0] {
			t.Errorf("the key's last day: %v, want one delivery signed with garten's key", got)
		}
		_ = db.CompleteJob(ctx, jobs[0])
		clock = clock.Add(2 * time.Hour)
		if n := deliverAll(); n != 1 {
			t.Errorf("%d deliveries after the key's expiry, want 1", n)
		}
		if got := peer.take(); len(got) != 0 {
			t.Errorf("sent after the key's expiry: %v", got)
		}
		if l := logged.String(); !strings.Contains(l, "delivery dropped: the key it was to be signed with has expired") ||
			!strings.Contains(l, srv.URL+"/garten/users/") {
			t.Errorf("log: %q", l)
		}
		if n := storetest.Strings(t, db, `SELECT COUNT(*) FROM jobs`); n[0] != "0" {
			t.Errorf("%s jobs left", n[0])
		}
		// hof's old key expired too; Cleanup removes it
		removed, err := db.Cleanup(ctx, clock)
		if err != nil || removed["activitypub_retired_keys"] != 1 {
			t.Errorf("cleanup: %v, %v", removed, err)
		}
		if n := storetest.Strings(t, db, `SELECT COUNT(*) FROM activitypub_retired_keys`); n[0] != "0" {
			t.Errorf("%s retired keys left", n[0])
		}
	})
}
