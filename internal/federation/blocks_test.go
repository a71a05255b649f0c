package federation

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestParseBlock: actors by their http(s) URL, servers by name with an optional port,
// normalised; anything else refused.
func TestParseBlock(t *testing.T) {
	for in, want := range map[string]string{
		"spam.example":                       "spam.example",
		" Spam.Example. ":                    "spam.example",
		"spam.example:8443":                  "spam.example:8443",
		"127.0.0.1":                          "127.0.0.1",
		"https://Social.Example/users/Troll": "https://social.example/users/Troll",
		"http://social.example:8080/u/x":     "http://social.example:8080/u/x",
		"https://Spam.Example/":              "spam.example",
		"https://spam.example:8443":          "spam.example:8443",
		"":                                   "",
		"spam_example.org":                   "",
		"-spam.example":                      "",
		"spam..example":                      "",
		"spam.example:0":                     "",
		"spam.example:65536":                 "",
		"spam.example:08443":                 "",
		"spam.example/path":                  "",
		"alice@spam.example":                 "",
		"@Alice@Spam.Example.":               "@Alice@spam.example",
		"acct:alice@spam.example:8443":       "@alice@spam.example:8443",
		"@alice@spam_example.org":            "",
		"@al/ice@spam.example":               "",
		"@alice@":                            "",
		"https://u:p@spam.example/users/x":   "",
		"https://spam.example/users/x#key":   "",
		"https://spam.example/users/x?y":     "",
		"https:///users/x":                   "",
		"ftp://spam.example":                 "",
		"[::1]:443":                          "",
		"späm.example":                       "",
	} {
		got, err := ParseBlock(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ParseBlock(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestBlockCovers: a server's block covers its actors and keys on every port and in every
// subdomain, one with a port only that port; an actor's block covers it and its keys (the
// #fragment of Mastodon's, the /main-key of GoToSocial's), not its neighbours.
func TestBlockCovers(t *testing.T) {
	for _, c := range []struct {
		entry, iri string
		want       bool
	}{
		{"spam.example", "https://spam.example/users/a", true},
		{"spam.example", "https://spam.example:8443/users/a", true},
		{"spam.example", "https://eu.spam.example/users/a", true},
		{"spam.example", "https://SPAM.example./users/a#main-key", true},
		{"spam.example", "https://notspam.example/users/a", false},
		{"spam.example", "https://spam.example.org/users/a", false},
		{"spam.example", "https://good.example/users/spam.example", false},
		{"spam.example:8443", "https://spam.example:8443/users/a", true},
		{"spam.example:8443", "https://spam.example/users/a", false},
		{"https://social.example/users/troll", "https://social.example/users/troll", true},
		{"https://social.example/users/troll", "https://social.example/users/troll#main-key", true},
		{"https://social.example/users/troll", "https://social.example/users/troll/main-key", true},
		{"https://social.example/users/troll", "https://social.example/users/trollop", false},
		{"https://social.example/users/troll", "https://social.example/users/other", false},
	} {
		if got := blockCovers(c.entry, c.iri); got != c.want {
			t.Errorf("block %s covers %s: %v, want %v", c.entry, c.iri, got, c.want)
		}
	}
}

// TestBlockStore: blocks are kept on both dialects, end the follows they cover, and are
// found for an IRI; unblocking lifts them.
func TestBlockStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db, true)
		s.now = func() time.Time { return time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC) }
		g := addGroup(t, db, "garten", false)
		for _, a := range []string{"https://spam.example/users/a", "https://eu.spam.example/users/b", "https://good.example/users/c"} {
			if err := db.AddFollower(ctx, store.Follower{GroupID: g.ID, ActorID: a, FollowID: a + "/follow", Inbox: a + "/inbox",
				Accepted: true, CreatedAt: s.now()}); err != nil {
				t.Fatal(err)
			}
		}
		entry, removed, err := s.Block(ctx, "Spam.Example")
		if err != nil || entry != "spam.example" || removed != 2 {
			t.Fatalf("block: %q, %d, %v", entry, removed, err)
		}
		if n, _ := db.FollowerCount(ctx, g.ID); n != 1 {
			t.Errorf("%d followers left, want 1", n)
		}
		for iri, want := range map[string]bool{"https://spam.example/users/x#main-key": true, "https://good.example/users/c": false,
			"not a url": false} {
			if got, err := s.Blocked(ctx, iri); got != want || err != nil {
				t.Errorf("Blocked(%s) = %v, %v", iri, got, err)
			}
		}
		list, err := s.Blocks(ctx)
		if err != nil || len(list) != 1 || list[0].Entry != "spam.example" || !list[0].Since.Equal(s.now()) {
			t.Errorf("blocks %+v (%v)", list, err)
		}
		if ok, err := s.Unblock(ctx, "spam.example"); !ok || err != nil {
			t.Errorf("unblock: %v, %v", ok, err)
		}
		if got, _ := s.Blocked(ctx, "https://spam.example/users/x"); got {
			t.Error("still blocked after unblocking")
		}
	})
}

// TestHandleOf: the handle shown for the actor IRIs of the common servers, none for others.
func TestHandleOf(t *testing.T) {
	for iri, want := range map[string]string{
		"https://mastodon.social/users/alice": "@alice@mastodon.social",
		"http://127.0.0.1:8080/users/gerda":   "@gerda@127.0.0.1:8080",
		"https://pleroma.example/u/bob":       "@bob@pleroma.example",
		"https://akkoma.example/@carol":       "@carol@akkoma.example",
		"https://misskey.example/notes/abc/x": "",
		"https://evil.example/users/<b>x</b>": "",
		"https://evil.example/users/a%20b":    "",
		"not a url":                           "",
	} {
		if got := handleOf(iri); got != want {
			t.Errorf("handleOf(%s) = %q, want %q", iri, got, want)
		}
	}
}

// TestDeliveryOutcomes: each delivery's outcome is counted: taken by the inbox, refused for
// good (4xx), to be tried again (5xx), and blocked (never sent).
func TestDeliveryOutcomes(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(
		"domain: grouprise.test\nsecret_key: 0123456789abcdef0123\ndata_path: " + t.TempDir() +
			"\nactivitypub: {enabled: true, allowed_private_networks: [127.0.0.0/8]}\n")}}, "/test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	counted := map[string]int{}
	s := New(db, cfg, Options{Deliveries: func(o string) { counted[o]++ }})
	g := addGroup(t, db, "garten", false)
	var sent atomic.Int32
	inbox := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		switch r.URL.Path {
		case "/refuse":
			w.WriteHeader(http.StatusForbidden)
		case "/fail":
			w.WriteHeader(http.StatusBadGateway)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer inbox.Close()
	blocked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sent.Add(100) }))
	defer blocked.Close()
	if _, _, err := s.Block(ctx, strings.TrimPrefix(blocked.URL, "http://")); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{inbox.URL + "/ok", inbox.URL + "/refuse", inbox.URL + "/fail", blocked.URL + "/inbox"} {
		payload, _ := json.Marshal(Delivery{GroupID: g.ID, Inbox: to, Activity: []byte(`{"type":"Accept"}`)})
		s.Deliver(ctx, &store.Job{ID: 1, Kind: JobDeliver, Payload: payload})
	}
	want := map[string]int{DeliveryDelivered: 1, DeliveryRefused: 1, DeliveryRetry: 1, DeliveryBlocked: 1}
	if !reflect.DeepEqual(counted, want) || sent.Load() != 3 {
		t.Errorf("counted %v, want %v; %d sent, want 3", counted, want, sent.Load())
	}
}

// The limits count by domain: every subdomain of one domain is one, IPv6 addresses by /64.
func TestDomainOf(t *testing.T) {
	for iri, want := range map[string]string{
		"https://mastodon.social/users/a":       "mastodon.social",
		"https://a.b.evil.example:8443/users/x": "evil.example",
		"https://x1.evil.example/main-key":      "evil.example",
		"https://peer.co.uk/users/a":            "peer.co.uk",
		"https://203.0.113.5:8080/users/a":      "203.0.113.5",
		"https://[2001:db8:1:2:3::4]/users/a":   "2001:db8:1:2::/64",
		"https://[::ffff:203.0.113.5]/users/a":  "203.0.113.5",
		"https://EVIL.Example/users/a":          "evil.example",
		"not a url":                             "",
	} {
		if got := domainOf(iri); got != want {
			t.Errorf("%s: %q, want %q", iri, got, want)
		}
	}
}

// Fetches of unknown keys are counted per domain, whether they succeed or not, and refused
// beyond the limit before anything is fetched: a POST needs no valid signature to make us
// fetch, so that random key ids under a victim's domain cannot turn us against it.
func TestKeyFetchBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(t, db, true)
		ctx := context.Background()
		for i := range keyFetchLimit {
			if err := s.budgetKeyFetch(ctx, "https://x"+strconv.Itoa(i)+".victim.example/key"); err != nil {
				t.Fatalf("fetch %d: %v", i, err)
			}
		}
		if err := s.budgetKeyFetch(ctx, "https://another.victim.example/key"); !errors.Is(err, ErrRateLimited) {
			t.Fatalf("fetch beyond the limit: %v", err)
		}
		if err := s.budgetKeyFetch(ctx, "https://mastodon.social/users/a#main-key"); err != nil {
			t.Fatalf("another domain: %v", err)
		}
	})
}
