package web

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

const federated = "activitypub: {enabled: true, allowed_private_networks: [127.0.0.0/8]}\n"

// fediSite is a federating site with an open group (garten), a closed one (kreis, so not
// visible by default), and an open one that chose not to be visible (versteckt).
func fediSite(t *testing.T, db *store.DB, extra string) (*site, *store.Group) {
	s := newSite(t, db, federated+extra)
	alice := s.person("alice", "alice-password")
	garten := s.group("Garten", alice)
	kreis := s.group("Kreis", alice)
	if err := groups.New(db, s.cfg.SlugReserved, nil).UpdateSettings(context.Background(), kreis,
		store.GroupSettings{Name: kreis.Name, Slug: kreis.Slug, DateFounded: kreis.DateFounded, Closed: true}); err != nil {
		t.Fatal(err)
	}
	hidden := s.group("Versteckt", alice)
	if err := s.srv.federation.SetVisible(context.Background(), hidden, false); err != nil {
		t.Fatal(err)
	}
	return s, garten
}

// getAs GETs path with an Accept header.
func (b *browser) getAs(path, accept string) *response {
	b.s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://grouprise.test"+path, nil)
	req.Header.Set("Accept", accept)
	return b.do(req)
}

// TestWebFinger: acct:<slug>@<domain> is answered for groups visible in the Fediverse and the
// instance actor, with a self link to the actor; everything else is 404, and all of it when
// federation is off.
func TestWebFinger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := fediSite(t, db, "")
		off := newSite(t, storetest.Open(t, db.Dialect()), "")
		off.group("Garten", off.person("alice", "alice-password"))
		cases := []struct {
			name, resource string
			site           *site
			status         int
			self           string
		}{
			{"open group", "acct:garten@grouprise.test", s, http.StatusOK, "http://grouprise.test/garten/"},
			{"without acct:", "garten@grouprise.test", s, http.StatusOK, "http://grouprise.test/garten/"},
			{"instance actor", "acct:stadt@grouprise.test", s, http.StatusOK, "http://grouprise.test/stadt/activitypub/actor"},
			{"closed group", "acct:kreis@grouprise.test", s, http.StatusNotFound, ""},
			{"group that chose not to be visible", "acct:versteckt@grouprise.test", s, http.StatusNotFound, ""},
			{"a person", "acct:alice@grouprise.test", s, http.StatusNotFound, ""},
			{"unknown", "acct:nobody@grouprise.test", s, http.StatusNotFound, ""},
			{"another domain", "acct:garten@example.org", s, http.StatusNotFound, ""},
			{"not an account", "https://grouprise.test/garten/", s, http.StatusNotFound, ""},
			{"federation off", "acct:garten@grouprise.test", off, http.StatusNotFound, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := c.site.browser().get("/.well-known/webfinger?resource=" + url.QueryEscape(c.resource))
				if r.StatusCode != c.status {
					t.Fatalf("status %d, want %d", r.StatusCode, c.status)
				}
				if c.status != http.StatusOK {
					return
				}
				if ct := r.Header.Get("Content-Type"); ct != activitypub.JRDMediaType {
					t.Errorf("content type %q", ct)
				}
				user, _, _ := activitypub.ParseAcct(c.resource)
				j, err := activitypub.ParseJRD([]byte(r.body), user, "grouprise.test")
				if err != nil {
					t.Fatal(err)
				}
				if self, err := j.ActorURL(); err != nil || self != c.self {
					t.Errorf("self %q (%v), want %q", self, err, c.self)
				}
			})
		}
	})
}

// TestGroupActor: /<slug>/ asked for as ActivityPub is the actor of a visible group, with
// Vary: Accept; browsers, and everybody for groups not visible or with federation off, get
// the page. The anonymous page cache keeps the two apart.
func TestGroupActor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := fediSite(t, db, "web: {anonymous_cache: 60}\n")
		b := s.browser()
		const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
		// the page first, so that the cache holds it when the actor is asked for
		page := b.getAs("/garten/", browserAccept)
		page.expect(t, http.StatusOK, "@garten@grouprise.test")
		if v := strings.Join(page.Header.Values("Vary"), ", "); !strings.Contains(v, "Accept") {
			t.Errorf("page Vary %q", v)
		}
		for _, accept := range []string{activitypub.MediaType, activitypub.LDMediaType, activitypub.Accept} {
			r := b.getAs("/garten/", accept)
			if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != activitypub.MediaType {
				t.Fatalf("Accept %s: %d %s", accept, r.StatusCode, r.Header.Get("Content-Type"))
			}
			a, err := activitypub.ParseActor([]byte(r.body))
			if err != nil {
				t.Fatal(err)
			}
			base := "http://grouprise.test/garten/"
			if a.ID != base || a.Type != activitypub.TypeGroup || a.PreferredUsername != "garten" || a.Inbox != base+"-/inbox" ||
				a.Outbox != base+"-/outbox" || a.Followers != base+"-/followers" || a.SharedInbox() != "http://grouprise.test/stadt/activitypub/inbox" ||
				a.PublicKey.ID != base+"#main-key" || a.ManuallyApprovesFollowers {
				t.Errorf("actor %+v", a)
			}
			if _, err := activitypub.ParsePublicKey(a.PublicKey.PublicKeyPEM); err != nil {
				t.Error(err)
			}
		}
		// and the page again: not the cached actor
		b.getAs("/garten/", browserAccept).expect(t, http.StatusOK, "<html")
		for _, slug := range []string{"kreis", "versteckt"} {
			r := b.getAs("/"+slug+"/", activitypub.MediaType)
			if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
				strings.Contains(r.body, "@"+slug+"@grouprise.test") {
				t.Errorf("%s: %d %s, want the page without a handle", slug, r.StatusCode, r.Header.Get("Content-Type"))
			}
		}
		for path, want := range map[string]string{"/garten/-/followers": `"totalItems":0`, "/garten/-/outbox": `"totalItems":0`,
			"/stadt/activitypub/actor": `"type":"Application"`} {
			b.getAs(path, activitypub.MediaType).expect(t, http.StatusOK, want)
		}
		b.getAs("/kreis/-/followers", activitypub.MediaType).expect(t, http.StatusNotFound)

		off := newSite(t, storetest.Open(t, db.Dialect()), "")
		off.group("Garten", off.person("alice", "alice-password"))
		r := off.browser().getAs("/garten/", activitypub.MediaType)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || strings.Contains(r.body, "@garten@") {
			t.Errorf("federation off: %s", r.Header.Get("Content-Type"))
		}
		for _, path := range []string{"/garten/-/followers", "/stadt/activitypub/actor"} {
			off.browser().getAs(path, activitypub.MediaType).expect(t, http.StatusNotFound)
		}
	})
}

// remote is an actor on another server (a loopback test server) that signs its requests.
type remote struct {
	id, keyID string
	inbox     string // its own inbox unless set
	key       *rsa.PrivateKey
	srv       *httptest.Server
	fetches   atomic.Int32
}

func newRemote(t *testing.T) *remote {
	key, err := activitypub.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	r := &remote{key: key}
	pub, _ := activitypub.EncodePublicKey(&key.PublicKey)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/users/mallory" {
			http.NotFound(w, req)
			return
		}
		r.fetches.Add(1)
		w.Header().Set("Content-Type", activitypub.MediaType)
		inbox := r.inbox
		if inbox == "" {
			inbox = r.id + "/inbox"
		}
		b, _ := activitypub.Encode(&activitypub.Actor{ID: r.id, Type: activitypub.TypePerson, PreferredUsername: "mallory",
			Inbox: inbox, PublicKey: activitypub.PublicKey{ID: r.keyID, Owner: r.id, PublicKeyPEM: pub}})
		w.Write(b)
	}))
	t.Cleanup(r.srv.Close)
	r.id = r.srv.URL + "/users/mallory"
	r.keyID = r.id + "#main-key"
	return r
}

// post sends an activity to path signed with key as keyID (nil key: unsigned).
func (b *browser) postActivity(path string, body []byte, keyID string, key *rsa.PrivateKey) *response {
	b.s.t.Helper()
	return b.postActivityTo("grouprise.test", path, body, keyID, key)
}

// postActivityTo signs and POSTs an activity as sent to host (whose name the signature covers).
func (b *browser) postActivityTo(host, path string, body []byte, keyID string, key *rsa.PrivateKey) *response {
	b.s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+host+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", activitypub.MediaType)
	if key != nil {
		if err := (activitypub.Signer{KeyID: keyID, Key: key}).Sign(req, body); err != nil {
			b.s.t.Fatal(err)
		}
	}
	return b.do(req)
}

func (r *remote) activity(t *testing.T, typ activitypub.Type, n int, object activitypub.ObjectRef) []byte {
	b, err := activitypub.Encode(&activitypub.Activity{ID: fmt.Sprintf("%s/activities/%d", r.id, n), Type: typ,
		Actor: activitypub.IRI(r.id), Object: object})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInbox: inbox POSTs are taken only signed by their actor (401 otherwise, 413 and 400
// for what cannot be read); a Follow of an open group is accepted (follower stored, an Accept
// queued to the follower's inbox), one of a closed group stays pending; Undo removes the
// follower; other activities are taken and dropped; a known actor's new key is refused; an
// actor whose inbox is on another server is not answered.
func TestInbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, garten := fediSite(t, db, "")
		kreis, err := db.GroupBySlug(ctx, "kreis")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.srv.federation.SetVisible(ctx, kreis, true); err != nil {
			t.Fatal(err)
		}
		m := newRemote(t)
		b := s.browser()
		follow := m.activity(t, activitypub.TypeFollow, 1, activitypub.Ref("http://grouprise.test/garten/"))
		other, err := activitypub.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		jobs := func() int {
			n := storetest.Strings(t, db, `SELECT id FROM jobs WHERE kind = '`+federation.JobDeliver+`'`)
			return len(n)
		}

		refused := []struct {
			name, path string
			body       []byte
			keyID      string
			key        *rsa.PrivateKey
			status     int
		}{
			{"unsigned", "/garten/-/inbox", follow, "", nil, http.StatusUnauthorized},
			{"signed with another key", "/garten/-/inbox", follow, m.keyID, other, http.StatusUnauthorized},
			{"signed by another actor's key", "/stadt/activitypub/inbox", m.activity(t, activitypub.TypeFollow, 2,
				activitypub.Ref("http://grouprise.test/garten/")), "http://grouprise.test/stadt/activitypub/actor#main-key", other, http.StatusUnauthorized},
			{"too large", "/garten/-/inbox", bytes.Repeat([]byte(" "), activitypub.MaxDocumentSize+1), m.keyID, m.key, http.StatusRequestEntityTooLarge},
			{"not JSON", "/garten/-/inbox", []byte("{follow"), m.keyID, m.key, http.StatusBadRequest},
			{"group not visible", "/versteckt/-/inbox", follow, m.keyID, m.key, http.StatusNotFound},
			{"no such group", "/nobody/-/inbox", follow, m.keyID, m.key, http.StatusNotFound},
		}
		for _, c := range refused {
			b.postActivity(c.path, c.body, c.keyID, c.key).expect(t, c.status)
		}
		// well signed, but for another site: a replay of what was sent there
		b.postActivityTo("andere-seite.test", "/garten/-/inbox", follow, m.keyID, m.key).expect(t, http.StatusUnauthorized)
		if n, _ := db.Count(ctx, "activitypub_followers"); n != 0 || jobs() != 0 {
			t.Fatalf("after refused POSTs: %d followers, %d jobs", n, jobs())
		}

		b.postActivity("/garten/-/inbox", follow, m.keyID, m.key).expect(t, http.StatusAccepted)
		list, err := db.Followers(ctx, garten.ID)
		if err != nil || len(list) != 1 || list[0].ActorID != m.id || !list[0].Accepted || list[0].Inbox != m.id+"/inbox" {
			t.Fatalf("followers %+v (%v)", list, err)
		}
		payloads := storetest.Strings(t, db, `SELECT payload FROM jobs WHERE kind = '`+federation.JobDeliver+`'`)
		if len(payloads) != 1 {
			t.Fatalf("%d deliveries queued, want 1", len(payloads))
		}
		var d federation.Delivery
		if err := json.Unmarshal([]byte(payloads[0]), &d); err != nil || d.Inbox != m.id+"/inbox" || d.GroupID != garten.ID {
			t.Fatalf("delivery %+v (%v)", d, err)
		}
		accept, err := activitypub.ParseActivity(d.Activity)
		if err != nil || accept.Type != activitypub.TypeAccept || accept.Actor != "http://grouprise.test/garten/" ||
			accept.Object.ID() != m.id+"/activities/1" {
			t.Fatalf("accept %+v (%v)", accept, err)
		}
		b.get("/garten/").expect(t, http.StatusOK, "eine Person folgt", "@garten@grouprise.test")

		// the closed group: pending, no Accept, not counted (through the shared inbox)
		b.postActivity("/stadt/activitypub/inbox", m.activity(t, activitypub.TypeFollow, 3, activitypub.Ref("http://grouprise.test/kreis/")),
			m.keyID, m.key).expect(t, http.StatusAccepted)
		if list, _ := db.Followers(ctx, kreis.ID); len(list) != 1 || list[0].Accepted || jobs() != 1 {
			t.Errorf("closed group: followers %+v, %d jobs", list, jobs())
		}
		b.get("/kreis/").expect(t, http.StatusOK, "0 Personen folgen")

		// taken and dropped
		b.postActivity("/garten/-/inbox", m.activity(t, activitypub.TypeAnnounce, 4, activitypub.Ref("https://example.org/notes/1")),
			m.keyID, m.key).expect(t, http.StatusAccepted)
		b.postActivity("/garten/-/inbox", m.activity(t, activitypub.TypeFollow, 5, activitypub.Ref("http://grouprise.test/kreis/")),
			m.keyID, m.key).expect(t, http.StatusAccepted)

		// Undo by another actor's key is refused; by the follower it removes the follow
		undo := m.activity(t, activitypub.TypeUndo, 6, activitypub.Embed(&activitypub.Activity{ID: m.id + "/activities/1",
			Type: activitypub.TypeFollow, Actor: activitypub.IRI(m.id), Object: activitypub.Ref("http://grouprise.test/garten/")}))
		b.postActivity("/garten/-/inbox", undo, m.keyID, other).expect(t, http.StatusUnauthorized)
		b.postActivity("/garten/-/inbox", undo, m.keyID, m.key).expect(t, http.StatusAccepted)
		if list, _ := db.Followers(ctx, garten.ID); len(list) != 0 {
			t.Errorf("after Undo: %+v", list)
		}
		b.postActivity("/stadt/activitypub/inbox", m.activity(t, activitypub.TypeUndo, 7, activitypub.Ref(m.id+"/activities/3")),
			m.keyID, m.key).expect(t, http.StatusAccepted)
		if n, _ := db.Count(ctx, "activitypub_followers"); n != 0 {
			t.Errorf("after Undo by IRI: %d followers", n)
		}
		if n := m.fetches.Load(); n != 1 {
			t.Errorf("the actor was fetched %d times, want once (then cached)", n)
		}

		// an actor whose inbox is on another server gets no Accept sent there
		elsewhere := newRemote(t)
		elsewhere.inbox = "http://grouprise.test/stadt/activitypub/inbox"
		b.postActivity("/garten/-/inbox", elsewhere.activity(t, activitypub.TypeFollow, 1, activitypub.Ref("http://grouprise.test/garten/")),
			elsewhere.keyID, elsewhere.key).expect(t, http.StatusAccepted)
		if n, _ := db.Count(ctx, "activitypub_followers"); n != 0 || jobs() != 1 {
			t.Errorf("a follower with an inbox elsewhere: %d followers, %d jobs", n, jobs())
		}

		// the actor comes with a new key: refused
		m.key, m.keyID = other, m.id+"#new-key"
		b.postActivity("/garten/-/inbox", m.activity(t, activitypub.TypeFollow, 8, activitypub.Ref("http://grouprise.test/garten/")),
			m.keyID, m.key).expect(t, http.StatusUnauthorized)
	})
}

// TestFediverseSetting: the group setting "visible in the Fediverse" is shown when federation
// is on, changed only by those who may change the group, and takes the group out of
// WebFinger and off its page's handle.
func TestFediverseSetting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := fediSite(t, db, "")
		s.person("bob", "bob-password")
		alice := s.loggedIn("alice", "alice-password")
		form := alice.get("/stadt/settings/group/?group=garten")
		form.expect(t, http.StatusOK, "Im Fediverse sichtbar")
		if !form.doc.Find(`input[name=fediverse]`).Is("[checked]") {
			t.Error("an open group's setting is not ticked")
		}
		if alice.get("/stadt/settings/group/?group=kreis").doc.Find(`input[name=fediverse]`).Is("[checked]") {
			t.Error("a closed group's setting is ticked")
		}
		hide := url.Values{"name": {"Garten"}, "slug": {"garten"}}
		for _, c := range []struct {
			name string
			b    *browser
			want int
		}{{"anonymous", s.browser(), http.StatusFound}, {"outsider", s.loggedIn("bob", "bob-password"), http.StatusForbidden}} {
			if r := c.b.post("/stadt/settings/group/?group=garten", hide); r.StatusCode != c.want {
				t.Errorf("%s: %d, want %d", c.name, r.StatusCode, c.want)
			}
		}
		finger := "/.well-known/webfinger?resource=acct:garten@grouprise.test"
		s.browser().get(finger).expect(t, http.StatusOK)
		alice.post("/stadt/settings/group/?group=garten", hide).expect(t, http.StatusSeeOther)
		s.browser().get(finger).expect(t, http.StatusNotFound)
		if strings.Contains(s.browser().get("/garten/").body, "@garten@grouprise.test") {
			t.Error("the page shows the handle of a group that is not visible")
		}
		alice.post("/stadt/settings/group/?group=garten", url.Values{"name": {"Garten"}, "slug": {"garten"}, "fediverse": {"on"}}).
			expect(t, http.StatusSeeOther)
		s.browser().get(finger).expect(t, http.StatusOK)

		off := newSite(t, storetest.Open(t, db.Dialect()), "")
		off.group("Garten", off.person("carol", "carol-password"))
		page := off.loggedIn("carol", "carol-password").get("/stadt/settings/group/?group=garten")
		if page.StatusCode != http.StatusOK || page.doc.Find(`input[name=fediverse]`).Length() != 0 {
			t.Errorf("federation off: %d, the setting is shown", page.StatusCode)
		}
	})
}
