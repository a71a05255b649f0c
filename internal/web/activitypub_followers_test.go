package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// deliveries are the queued deliveries' activities, decoded, oldest first.
func deliveries(t *testing.T, db *store.DB) []*activitypub.Activity {
	t.Helper()
	var out []*activitypub.Activity
	for _, p := range storetest.Strings(t, db, `SELECT payload FROM jobs WHERE kind = '`+federation.JobDeliver+`' ORDER BY id`) {
		var d federation.Delivery
		if err := json.Unmarshal([]byte(p), &d); err != nil {
			t.Fatal(err)
		}
		a, err := activitypub.ParseActivity(d.Activity)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// followersSite is fediSite with the closed group kreis visible, bob in a group of his own,
// carol in none, dave administrating; mallory (a remote actor) follows garten (accepted)
// and asks to follow kreis (pending).
func followersSite(t *testing.T, db *store.DB) (*site, *remote, map[string]*store.Group) {
	ctx := context.Background()
	s, garten := fediSite(t, db, "")
	s.group("Werkstatt", s.person("bob", "bob-password"))
	s.person("carol", "carol-password")
	dave := s.person("dave", "dave-password")
	if err := db.SetSuperuser(ctx, dave.ID, true); err != nil {
		t.Fatal(err)
	}
	kreis, err := db.GroupBySlug(ctx, "kreis")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.srv.federation.SetVisible(ctx, kreis, true); err != nil {
		t.Fatal(err)
	}
	m := newRemote(t)
	b := s.browser()
	b.postActivity("/garten/-/inbox", m.activity(t, activitypub.TypeFollow, 1, activitypub.Ref("http://grouprise.test/garten/")),
		m.keyID, m.key).expect(t, http.StatusAccepted)
	b.postActivity("/kreis/-/inbox", m.activity(t, activitypub.TypeFollow, 2, activitypub.Ref("http://grouprise.test/kreis/")),
		m.keyID, m.key).expect(t, http.StatusAccepted)
	return s, m, map[string]*store.Group{"garten": garten, "kreis": kreis}
}

// TestFediverseFollowersPermissions: the followers page and its decisions are for the group's
// members only: anonymous visitors go to the login, outsiders, other groups' members and
// administrators (who are in no group) get 403, and none of them changes anything; GETs
// change nothing for anybody.
func TestFediverseFollowersPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, m, g := followersSite(t, db)
		page := "/stadt/groups/" + itoa(g["kreis"].ID) + "/followers/"
		roles := []struct {
			name string
			b    *browser
			get  int
		}{
			{"anonymous", s.browser(), http.StatusFound},
			{"outsider", s.loggedIn("carol", "carol-password"), http.StatusForbidden},
			{"member", s.loggedIn("alice", "alice-password"), http.StatusOK},
			{"other group's member", s.loggedIn("bob", "bob-password"), http.StatusForbidden},
			{"admin", s.loggedIn("dave", "dave-password"), http.StatusForbidden},
		}
		state := func() string {
			return strings.Join(storetest.Strings(t, db, `SELECT actor_id || ' ' || group_id || ' ' || CASE WHEN accepted THEN 'yes' ELSE 'no' END
				FROM activitypub_followers ORDER BY group_id`), "; ") + " / " + itoa(int64(len(deliveries(t, db))))
		}
		before := state()
		for _, r := range roles {
			t.Run(r.name, func(t *testing.T) {
				got := r.b.get(page)
				if got.StatusCode != r.get {
					t.Fatalf("GET: %d, want %d", got.StatusCode, r.get)
				}
				if r.get == http.StatusOK {
					got.expect(t, http.StatusOK, "@mallory@"+strings.TrimPrefix(m.srv.URL, "http://"), "möchte folgen")
					return
				}
				for _, action := range []string{"accept", "remove"} {
					post := r.b.post(page, url.Values{"actor": {m.id}, "action": {action}})
					if post.StatusCode != r.get {
						t.Errorf("POST %s: %d, want %d", action, post.StatusCode, r.get)
					}
				}
			})
		}
		// the GETs of the pages with the decisions change nothing either
		for _, r := range roles {
			r.b.get(page + "?actor=" + url.QueryEscape(m.id) + "&action=accept")
			r.b.get("/kreis/-/remote-follow?instance=example.org")
		}
		if after := state(); after != before {
			t.Errorf("state changed by refused requests and GETs:\n%s\n%s", before, after)
		}
		if list, _ := db.Followers(ctx, g["kreis"].ID); len(list) != 1 || list[0].Accepted {
			t.Errorf("kreis followers %+v, want mallory pending", list)
		}

		// the group menu and the group page link the list for members only
		alice := roles[2].b
		if alice.get("/kreis/").doc.Find(`a[href="`+page+`"]`).Length() == 0 {
			t.Error("the group page does not link the followers for a member")
		}
		if n := roles[3].b.get("/kreis/").doc.Find(`a[href="` + page + `"]`).Length(); n != 0 {
			t.Error("the group page links the followers for a non-member")
		}

		// with federation off there is no such page
		off := newSite(t, storetest.Open(t, db.Dialect()), "")
		garten := off.group("Garten", off.person("erna", "erna-password"))
		off.loggedIn("erna", "erna-password").get("/stadt/groups/"+itoa(garten.ID)+"/followers/").expect(t, http.StatusNotFound)
	})
}

// TestFediverseFollowersDecide: members accept a closed group's pending follow (the follower
// is counted, an Accept of its Follow goes to its inbox), reject one, and remove an accepted
// follower (a Reject of its Follow goes out); a decision on a follow that is not there, or
// an unknown action, changes nothing.
func TestFediverseFollowersDecide(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, m, g := followersSite(t, db)
		alice := s.loggedIn("alice", "alice-password")
		kreisPage := "/stadt/groups/" + itoa(g["kreis"].ID) + "/followers/"
		gartenPage := "/stadt/groups/" + itoa(g["garten"].ID) + "/followers/"
		queued := len(deliveries(t, db)) // the Accept of garten's follow

		alice.get(kreisPage).expect(t, http.StatusOK, "Zustimmen", "Ablehnen")
		alice.post(kreisPage, url.Values{"actor": {m.id}, "action": {"accept"}}).expect(t, http.StatusSeeOther)
		if list, _ := db.Followers(ctx, g["kreis"].ID); len(list) != 1 || !list[0].Accepted {
			t.Fatalf("kreis followers %+v, want mallory accepted", list)
		}
		acts := deliveries(t, db)
		if len(acts) != queued+1 {
			t.Fatalf("%d deliveries, want %d", len(acts), queued+1)
		}
		accept := acts[len(acts)-1]
		if accept.Type != activitypub.TypeAccept || accept.Actor != "http://grouprise.test/kreis/" || accept.Object.ID() != m.id+"/activities/2" {
			t.Errorf("accept %+v", accept)
		}
		alice.get("/kreis/").expect(t, http.StatusOK, "eine Person folgt")
		// accepting again: nothing pending
		alice.post(kreisPage, url.Values{"actor": {m.id}, "action": {"accept"}}).expect(t, http.StatusSeeOther)
		if n := len(deliveries(t, db)); n != queued+1 {
			t.Errorf("a second accept queued another delivery (%d)", n)
		}

		// removing the accepted follower of garten: a Reject of the Follow goes out
		alice.get(gartenPage).expect(t, http.StatusOK, "Entfernen")
		alice.post(gartenPage, url.Values{"actor": {m.id}, "action": {"remove"}}).expect(t, http.StatusSeeOther)
		if list, _ := db.Followers(ctx, g["garten"].ID); len(list) != 0 {
			t.Fatalf("garten followers %+v after the removal", list)
		}
		acts = deliveries(t, db)
		reject := acts[len(acts)-1]
		inner, err := reject.Object.Activity()
		if reject.Type != activitypub.TypeReject || reject.Actor != "http://grouprise.test/garten/" || err != nil ||
			inner.ID != m.id+"/activities/1" || inner.Type != activitypub.TypeFollow || string(inner.Actor) != m.id ||
			inner.Object.ID() != "http://grouprise.test/garten/" {
			t.Errorf("reject %+v of %+v (%v)", reject, inner, err)
		}

		// a pending follow rejected: gone, a Reject goes out
		b := s.browser()
		b.postActivity("/garten/-/inbox", m.activity(t, activitypub.TypeUndo, 3, activitypub.Ref(m.id+"/activities/2")), m.keyID, m.key).
			expect(t, http.StatusAccepted)
		other := newRemote(t)
		b.postActivity("/kreis/-/inbox", other.activity(t, activitypub.TypeFollow, 1, activitypub.Ref("http://grouprise.test/kreis/")),
			other.keyID, other.key).expect(t, http.StatusAccepted)
		n := len(deliveries(t, db))
		alice.post(kreisPage, url.Values{"actor": {other.id}, "action": {"remove"}}).expect(t, http.StatusSeeOther)
		if list, _ := db.Followers(ctx, g["kreis"].ID); len(list) != 0 {
			t.Errorf("kreis followers %+v after the rejection", list)
		}
		if acts := deliveries(t, db); len(acts) != n+1 || acts[n].Type != activitypub.TypeReject {
			t.Errorf("no Reject queued for the pending follow")
		}

		// what is not there, or not an action
		n = len(deliveries(t, db))
		for _, v := range []url.Values{
			{"actor": {other.id}, "action": {"accept"}},
			{"actor": {"https://example.org/users/nobody"}, "action": {"remove"}},
			{"actor": {""}, "action": {"remove"}},
		} {
			alice.post(kreisPage, v).expect(t, http.StatusSeeOther)
		}
		alice.post(kreisPage, url.Values{"actor": {other.id}, "action": {"delete"}}).expect(t, http.StatusNotFound)
		if len(deliveries(t, db)) != n {
			t.Error("a decision on nothing queued a delivery")
		}
	})
}

// TestRemoteFollow: the group page's form sends visitors to their server's
// authorize_interaction page for the group's handle; what is not a plain host name (with a
// port) is refused and sends nobody anywhere; the form is only there for groups visible in
// the Fediverse, and other sites cannot post it.
func TestRemoteFollow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := fediSite(t, db, "")
		b := s.browser()
		const uri = "?uri=garten%40grouprise.test"
		for in, want := range map[string]string{
			"mastodon.social":          "https://mastodon.social/authorize_interaction" + uri,
			" Mastodon.Social ":        "https://mastodon.social/authorize_interaction" + uri,
			"https://mastodon.social/": "https://mastodon.social/authorize_interaction" + uri,
			"@alice@mastodon.social":   "https://mastodon.social/authorize_interaction" + uri,
			"social.example.org:8443":  "https://social.example.org:8443/authorize_interaction" + uri,
		} {
			r := b.post("/garten/-/remote-follow", url.Values{"instance": {in}})
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != want {
				t.Errorf("%q: %d %q, want %q", in, r.StatusCode, r.Header.Get("Location"), want)
			}
		}
		for _, in := range []string{
			"", "localhost", "mastodon.social/path", "mastodon.social/authorize_interaction?uri=x", "//evil.example",
			"http://evil.example", "javascript:alert(1)", "user:pw@evil.example", "evil.example:99999", "evil.example:0",
			"evil.example:", "evil..example", "-evil.example", "evil-.example", "évil.example", "evil.example%2F",
			"evil.example\r\nSet-Cookie: x=y", "evil.example#x", "evil.example?x", "[::1]:443", "evil.example\\@good.example",
			"evil.example good.example", strings.Repeat("a.", 200) + "example",
		} {
			r := b.post("/garten/-/remote-follow", url.Values{"instance": {in}})
			if r.StatusCode != http.StatusUnprocessableEntity || r.Header.Get("Location") != "" {
				t.Errorf("%q: %d %q, want 422 without a redirect", in, r.StatusCode, r.Header.Get("Location"))
			}
		}
		b.post("/garten/-/remote-follow", url.Values{"instance": {"x"}}).expect(t, http.StatusUnprocessableEntity, "kein Servername")

		// another site cannot make visitors post it
		req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test/garten/-/remote-follow", strings.NewReader("instance=evil.example"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := b.do(req); r.StatusCode != http.StatusForbidden || r.Header.Get("Location") != "" {
			t.Errorf("cross-site POST: %d %q", r.StatusCode, r.Header.Get("Location"))
		}

		// only for groups visible in the Fediverse
		if b.get("/garten/").doc.Find(`form[action="/garten/-/remote-follow"] input[name=instance]`).Length() != 1 {
			t.Error("the page of a visible group has no remote-follow form")
		}
		for _, slug := range []string{"kreis", "versteckt"} {
			if b.get("/"+slug+"/").doc.Find(`form[action$="/-/remote-follow"]`).Length() != 0 {
				t.Errorf("%s: a remote-follow form on the page of a group not visible", slug)
			}
			b.post("/"+slug+"/-/remote-follow", url.Values{"instance": {"mastodon.social"}}).expect(t, http.StatusNotFound)
		}
		off := newSite(t, storetest.Open(t, db.Dialect()), "")
		off.group("Garten", off.person("alice", "alice-password"))
		ob := off.browser()
		if ob.get("/garten/").doc.Find(`form[action$="/-/remote-follow"]`).Length() != 0 {
			t.Error("federation off: a remote-follow form")
		}
		ob.post("/garten/-/remote-follow", url.Values{"instance": {"mastodon.social"}}).expect(t, http.StatusNotFound)
	})
}

// inboxServer is an inbox on another server that counts what it is sent.
func inboxServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestBlocks: a blocked server's or actor's inbox POSTs are refused with 403 before its key
// is fetched, and nothing is stored; its follows end when it is blocked; nothing is delivered
// to it; the group's actor and WebFinger are still answered; unblocking lets it in again.
func TestBlocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, m, g := followersSite(t, db)
		fed := s.srv.federation
		b := s.browser()
		host := strings.TrimPrefix(m.srv.URL, "http://")

		entry, removed, err := fed.Block(ctx, host)
		if err != nil || entry != host || removed != 2 {
			t.Fatalf("block %s: %q, %d follows ended (%v), want 2", host, entry, removed, err)
		}
		if n, _ := db.Count(ctx, "activitypub_followers"); n != 0 {
			t.Fatalf("%d followers after the block", n)
		}
		follow := m.activity(t, activitypub.TypeFollow, 10, activitypub.Ref("http://grouprise.test/garten/"))
		b.postActivity("/garten/-/inbox", follow, m.keyID, m.key).expect(t, http.StatusForbidden)
		// a new actor on the blocked server: refused before its key is fetched
		fresh := newRemote(t)
		if _, _, err := fed.Block(ctx, strings.TrimPrefix(fresh.srv.URL, "http://")); err != nil {
			t.Fatal(err)
		}
		b.postActivity("/stadt/activitypub/inbox", fresh.activity(t, activitypub.TypeFollow, 1, activitypub.Ref("http://grouprise.test/garten/")),
			fresh.keyID, fresh.key).expect(t, http.StatusForbidden)
		if fresh.fetches.Load() != 0 {
			t.Error("the blocked server was asked for the key")
		}
		if n, _ := db.Count(ctx, "activitypub_followers"); n != 0 {
			t.Errorf("%d followers after blocked follows", n)
		}
		if _, err := db.RemoteActorByID(ctx, fresh.id); err == nil {
			t.Error("the blocked server's actor was stored")
		}
		// public data is still answered
		b.getAs("/garten/", activitypub.MediaType).expect(t, http.StatusOK, `"type":"Group"`)
		b.get("/.well-known/webfinger?resource=acct:garten@grouprise.test").expect(t, http.StatusOK)

		// nothing is delivered to a blocked server, even what was queued before the block
		inbox, got := inboxServer(t)
		if _, _, err := fed.Block(ctx, strings.TrimPrefix(inbox.URL, "http://")); err != nil {
			t.Fatal(err)
		}
		payload, _ := json.Marshal(federation.Delivery{GroupID: g["garten"].ID, Inbox: inbox.URL + "/inbox", Activity: []byte(`{}`)})
		if err := fed.Deliver(ctx, &store.Job{ID: 1, Kind: federation.JobDeliver, Payload: payload}); err != nil {
			t.Errorf("delivery to a blocked server: %v, want dropped", err)
		}
		if got.Load() != 0 {
			t.Error("a blocked server was delivered to")
		}

		// unblocked: let in again
		if ok, err := fed.Unblock(ctx, host); !ok || err != nil {
			t.Fatalf("unblock: %v %v", ok, err)
		}
		b.postActivity("/garten/-/inbox", follow, m.keyID, m.key).expect(t, http.StatusAccepted)

		// an actor blocked: it, and only it
		if _, _, err := fed.Block(ctx, m.id); err != nil {
			t.Fatal(err)
		}
		b.postActivity("/garten/-/inbox", m.activity(t, activitypub.TypeFollow, 11, activitypub.Ref("http://grouprise.test/kreis/")),
			m.keyID, m.key).expect(t, http.StatusForbidden)
		if list, _ := db.Followers(ctx, g["garten"].ID); len(list) != 0 {
			t.Errorf("the blocked actor still follows: %+v", list)
		}
		third := newRemote(t)
		b.postActivity("/garten/-/inbox", third.activity(t, activitypub.TypeFollow, 1, activitypub.Ref("http://grouprise.test/garten/")),
			third.keyID, third.key).expect(t, http.StatusAccepted)

		list, err := fed.Blocks(ctx)
		if err != nil || len(list) != 3 || list[0].Since.IsZero() {
			t.Errorf("blocks %+v (%v)", list, err)
		}
	})
}

// TestInboxRateLimit: a server may send activitypub.inbox_limit inbox POSTs a minute; more
// get 429 with Retry-After, while other servers are let in; forged POSTs in its name do not
// use up its limit.
func TestInboxRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "activitypub: {enabled: true, allowed_private_networks: [127.0.0.0/8], inbox_limit: 3}\n")
		s.group("Garten", s.person("alice", "alice-password"))
		m, other := newRemote(t), newRemote(t)
		forger, err := activitypub.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		b := s.browser()
		announce := func(r *remote, n int) []byte {
			return r.activity(t, activitypub.TypeAnnounce, n, activitypub.Ref("https://example.org/notes/1"))
		}
		for i := range 5 {
			b.postActivity("/garten/-/inbox", announce(m, i), m.keyID, forger).expect(t, http.StatusUnauthorized)
		}
		for i := range 3 {
			b.postActivity("/garten/-/inbox", announce(m, 10+i), m.keyID, m.key).expect(t, http.StatusAccepted)
		}
		r := b.postActivity("/garten/-/inbox", announce(m, 20), m.keyID, m.key)
		r.expect(t, http.StatusTooManyRequests)
		if r.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		b.postActivity("/garten/-/inbox", announce(other, 1), other.keyID, other.key).expect(t, http.StatusAccepted)
	})
}
