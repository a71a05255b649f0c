package federation_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// signedInbox records the requests that arrive, whole, so that a test checks which key
// signed them.
type signedInbox struct {
	mu  sync.Mutex
	got []*http.Request
}

func (b *signedInbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := r.Clone(context.Background())
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.Header.Set("X-Body", string(body))
	b.mu.Lock()
	b.got = append(b.got, c)
	b.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func (b *signedInbox) take() []*http.Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	got := b.got
	b.got = nil
	return got
}

type oneKey struct{ pub *rsa.PublicKey }

func (k oneKey) PublicKey(_ context.Context, keyID string) (*activitypub.Key, error) {
	return &activitypub.Key{ID: keyID, Owner: strings.TrimSuffix(keyID, "#main-key"), Public: k.pub}, nil
}

// signedWith tells whether pub signed the recorded request.
func signedWith(r *http.Request, pub *rsa.PublicKey) bool {
	v := &activitypub.Verifier{Keys: oneKey{pub}}
	_, err := v.Verify(context.Background(), r, []byte(r.Header.Get("X-Body")))
	return err == nil
}

func count(kinds []string, kind string) int {
	n := 0
	for _, k := range kinds {
		if k == kind {
			n++
		}
	}
	return n
}

// arrivedActor is what the live server got: "inbox type objecttype name" with the actor's
// name, or the object's IRI for a Delete.
func arrivedActor(f *pubFixture) []string {
	var out []string
	for _, a := range f.live.take() {
		what := ""
		switch o := a["object"].(type) {
		case map[string]any:
			what = str(o["type"]) + " " + str(o["name"])
		case string:
			what = o
		}
		out = append(out, a["_inbox"].(string)+" "+str(a["type"])+" "+what)
	}
	return out
}

func newGroups(f *pubFixture) *groups.Groups {
	return groups.New(f.db, func(string) bool { return false }, nil).WithFediverse(f.fed)
}

func settingsOf(g *store.Group) store.GroupSettings {
	return store.GroupSettings{Name: g.Name, Slug: g.Slug, Description: g.Description, Address: g.Address, URL: g.URL,
		DateFounded: g.DateFounded, Closed: g.Closed}
}

// TestActorUpdate: a change of what a group's actor shows (name, description, avatar, logo,
// open or closed) reaches each inbox of its followers as one Update of the actor, however
// many changes came within the window; changes it does not show, and groups without
// followers or outside the Fediverse, send none; federation off sends nothing.
func TestActorUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPubFixture(t, db, true)
		gs := newGroups(f)
		ctx := f.ctx
		if _, err := f.fed.GroupActor(ctx, "garten"); err != nil { // makes the key
			t.Fatal(err)
		}
		g, _ := db.GroupByID(ctx, f.garten.ID)
		s := settingsOf(g)
		s.Name, s.Description = "Gemeinschaftsgarten", "Wir gärtnern."
		if err := gs.UpdateSettings(ctx, g, s); err != nil {
			t.Fatal(err)
		}
		if err := gs.SetImage(ctx, g, "avatar", "avatars/garten.png"); err != nil {
			t.Fatal(err)
		}
		if err := gs.SetImage(ctx, g, "logo", "logos/garten.jpg"); err != nil {
			t.Fatal(err)
		}
		kinds := f.run(t)
		if n := count(kinds, federation.JobActorUpdate); n != 1 {
			t.Errorf("%d actor update jobs for three changes in a window, want 1", n)
		}
		got := f.live.take()
		want := []string{"/inbox", "/users/c/inbox"}
		if len(got) != len(want) {
			t.Fatalf("%d deliveries, want %d: %v", len(got), len(want), got)
		}
		for i, a := range got {
			o, _ := a["object"].(map[string]any)
			icon, _ := o["icon"].(map[string]any)
			image, _ := o["image"].(map[string]any)
			if a["_inbox"] != want[i] || a["type"] != "Update" || a["actor"] != "https://grouprise.test/garten/" ||
				o["id"] != "https://grouprise.test/garten/" || o["type"] != "Group" || o["name"] != "Gemeinschaftsgarten" ||
				o["summary"] != "<p>Wir gärtnern.</p>" || icon["url"] != "https://grouprise.test/-/avatars/garten.png" ||
				image["url"] != "https://grouprise.test/-/logos/garten.jpg" || o["manuallyApprovesFollowers"] != false {
				t.Errorf("delivery %d: %v", i, a)
			}
		}

		// what the actor does not show
		g, _ = db.GroupByID(ctx, f.garten.ID)
		s = settingsOf(g)
		s.Address, s.URL = "Am Beet 1", "https://garten.example/"
		if err := gs.UpdateSettings(ctx, g, s); err != nil {
			t.Fatal(err)
		}
		if kinds := f.run(t); count(kinds, federation.JobActorUpdate) != 0 {
			t.Errorf("address and website changed: %v", kinds)
		}
		// closing it: the actor asks for approval (the group chose to be visible)
		if err := f.fed.SetVisible(ctx, g, true); err != nil {
			t.Fatal(err)
		}
		g, _ = db.GroupByID(ctx, f.garten.ID)
		s = settingsOf(g)
		s.Closed = true
		if err := gs.UpdateSettings(ctx, g, s); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		if got := f.live.take(); len(got) != 2 || got[0]["object"].(map[string]any)["manuallyApprovesFollowers"] != true {
			t.Errorf("closed: %v", got)
		}
		// a group outside the Fediverse, without followers
		k, _ := db.GroupByID(ctx, f.kreis.ID)
		s = settingsOf(k)
		s.Name = "Kreis Nord"
		if err := gs.UpdateSettings(ctx, k, s); err != nil {
			t.Fatal(err)
		}
		if kinds := f.run(t); len(kinds) != 0 {
			t.Errorf("group outside the Fediverse renamed: %v", kinds)
		}

	})
}

// TestLifecycleOff: with federation off, changes and deletes of groups queue nothing for it.
func TestLifecycleOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPubFixture(t, db, false)
		gs := newGroups(f)
		g, _ := db.GroupByID(f.ctx, f.garten.ID)
		s := settingsOf(g)
		s.Name = "Anders"
		if err := gs.UpdateSettings(f.ctx, g, s); err != nil {
			t.Fatal(err)
		}
		if err := gs.Delete(f.ctx, g.ID); err != nil {
			t.Fatal(err)
		}
		if kinds := f.run(t); len(kinds) != 0 {
			t.Errorf("federation off: %v", kinds)
		}
	})
}

// follow adds an accepted follower of the group on the server at base.
func follow(t *testing.T, f *pubFixture, g *store.Group, base, user string) {
	t.Helper()
	err := f.db.Tx(f.ctx, func(q *store.Queries) error {
		return q.AddFollower(f.ctx, store.Follower{GroupID: g.ID, ActorID: base + "/users/" + user, FollowID: base + "/follows/" + user,
			Inbox: base + "/users/" + user + "/inbox", SharedInbox: base + "/inbox", Accepted: true, CreatedAt: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestActorKeyRotation: after rotate-keys the followers get an Update of the actor with the
// new key, signed with the old one (the key their servers know); later deliveries are signed
// with the new one.
func TestActorKeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPubFixture(t, db, true)
		ctx := f.ctx
		peer := &signedInbox{}
		srv := httptest.NewServer(peer)
		t.Cleanup(srv.Close)
		follow(t, f, f.garten, srv.URL, "bob")
		before, err := f.fed.GroupActor(ctx, "garten")
		if err != nil {
			t.Fatal(err)
		}
		oldKey, _ := activitypub.ParsePublicKey(before.PublicKey.PublicKeyPEM)
		if _, err := f.fed.RotateKeys(ctx, []string{"garten"}); err != nil {
			t.Fatal(err)
		}
		after, _ := f.fed.GroupActor(ctx, "garten")
		newKey, _ := activitypub.ParsePublicKey(after.PublicKey.PublicKeyPEM)
		if oldKey.Equal(newKey) {
			t.Fatal("the key did not change")
		}
		f.run(t)
		got := peer.take()
		if len(got) != 1 {
			t.Fatalf("%d deliveries to the peer, want 1", len(got))
		}
		var upd struct {
			Type   string
			Object struct{ PublicKey struct{ PublicKeyPem string } }
		}
		_ = json.Unmarshal([]byte(got[0].Header.Get("X-Body")), &upd)
		if upd.Type != "Update" || upd.Object.PublicKey.PublicKeyPem != after.PublicKey.PublicKeyPEM {
			t.Errorf("the peer got %s", got[0].Header.Get("X-Body"))
		}
		if !signedWith(got[0], oldKey) || signedWith(got[0], newKey) {
			t.Error("the Update is not signed with the old key alone")
		}
		// the next change: the new key
		g, _ := db.GroupByID(ctx, f.garten.ID)
		s := settingsOf(g)
		s.Name = "Neu"
		if err := newGroups(f).UpdateSettings(ctx, g, s); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		if got := peer.take(); len(got) != 1 || !signedWith(got[0], newKey) {
			t.Errorf("the next Update: %d deliveries, or not signed with the new key", len(got))
		}
		// the instance actor has no followers: its rotation sends nothing
		if _, err := f.fed.InstanceActor(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := f.fed.RotateKeys(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if kinds := f.run(t); count(kinds, federation.JobActorUpdate) != 1 {
			t.Errorf("rotation of all keys: %v, want one actor update (garten's)", kinds)
		}
	})
}

// TestActorDelete: a group that is deleted, leaves the Fediverse by its choice, is closed
// without a choice of its own, or takes a new slug (its actor's id) sends its followers a
// Delete of its actor, signed with its key, and has no followers after; made visible again,
// it starts without any.
func TestActorDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPubFixture(t, db, true)
		ctx := f.ctx
		gs := newGroups(f)
		peer := &signedInbox{}
		srv := httptest.NewServer(peer)
		t.Cleanup(srv.Close)
		follow(t, f, f.garten, srv.URL, "bob")
		all, err := db.Followers(ctx, f.garten.ID)
		if err != nil {
			t.Fatal(err)
		}
		restore := func() {
			t.Helper()
			err := db.Tx(ctx, func(q *store.Queries) error {
				for _, fl := range all {
					if err := q.AddFollower(ctx, *fl); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		actor, err := f.fed.GroupActor(ctx, "garten")
		if err != nil {
			t.Fatal(err)
		}
		key, _ := activitypub.ParsePublicKey(actor.PublicKey.PublicKeyPEM)
		var check2 func(step, actor string)
		check := func(step string) {
			t.Helper()
			check2(step, "https://grouprise.test/garten/")
		}
		check2 = func(step, actor string) {
			t.Helper()
			deleted := []string{"/inbox Delete " + actor, "/users/c/inbox Delete " + actor}
			if got := arrivedActor(f); !eq(got, deleted) {
				t.Errorf("%s: the live server got %q, want %q", step, got, deleted)
			}
			if got := peer.take(); len(got) != 1 || !signedWith(got[0], key) {
				t.Errorf("%s: %d deliveries to the peer, or not signed with the group's key", step, len(got))
			}
			if n, _ := db.FollowerCount(ctx, f.garten.ID); n != 0 {
				t.Errorf("%s: %d followers left", step, n)
			}
		}

		// closed, without a choice of its own: not visible any more
		g, _ := db.GroupByID(ctx, f.garten.ID)
		s := settingsOf(g)
		s.Closed = true
		if err := gs.UpdateSettings(ctx, g, s); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		check("closed")

		// by its choice
		if err := f.fed.SetVisible(ctx, g, true); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.FollowerCount(ctx, f.garten.ID); n != 0 {
			t.Errorf("visible again with %d followers", n)
		}
		restore()
		if err := f.fed.SetVisible(ctx, g, false); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		check("left")
		if err := f.fed.SetVisible(ctx, g, true); err != nil {
			t.Fatal(err)
		}

		// a new slug: the actor's id changes, the old actor goes
		restore()
		g, _ = db.GroupByID(ctx, f.garten.ID)
		s = settingsOf(g)
		s.Slug = "beet"
		if err := gs.UpdateSettings(ctx, g, s); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		check("renamed")

		// deleted: the deliveries carry the key, which goes with the group
		restore()
		if err := gs.Delete(ctx, f.garten.ID); err != nil {
			t.Fatal(err)
		}
		f.run(t)
		check2("deleted", "https://grouprise.test/beet/")
	})
}
