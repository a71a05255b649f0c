package gtstest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePeer is the least an https ActivityPub server must show GoToSocial: WebFinger and an
// unsigned Group actor; it records what GoToSocial sends.
type fakePeer struct {
	pubPEM string

	mu         sync.Mutex
	fingers    []finger
	activities []map[string]any
}

// finger is a WebFinger request as the peer saw it.
type finger struct {
	tls       bool
	signature string
}

// actorID is the group's ID; host is the peer's 127.0.0.1:PORT, as GoToSocial asks for it.
func actorID(host string) string { return "https://" + host + "/actors/stadtgarten" }

func (p *fakePeer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/.well-known/webfinger":
		p.mu.Lock()
		p.fingers = append(p.fingers, finger{tls: r.TLS != nil, signature: r.Header.Get("Signature")})
		p.mu.Unlock()
		subject := "acct:stadtgarten@" + r.Host
		if r.URL.Query().Get("resource") != subject {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		json.NewEncoder(w).Encode(map[string]any{"subject": subject, "links": []map[string]string{
			{"rel": "self", "type": "application/activity+json", "href": actorID(r.Host)}}})
	case r.URL.Path == "/actors/stadtgarten" && r.Method == "GET":
		id := actorID(r.Host)
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(map[string]any{
			"@context":          []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":                id,
			"type":              "Group",
			"preferredUsername": "stadtgarten",
			"name":              "Stadtgarten",
			"inbox":             id + "/inbox",
			"outbox":            id + "/outbox",
			"followers":         id + "/followers",
			"following":         id + "/following",
			"publicKey":         map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": p.pubPEM},
		})
	case r.URL.Path == "/articles/1" && r.Method == "GET":
		id := "https://" + r.Host + r.URL.Path
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(map[string]any{
			"@context":     "https://www.w3.org/ns/activitystreams",
			"id":           id,
			"type":         "Article",
			"attributedTo": actorID(r.Host),
			"name":         "Beete im Dezember",
			"content":      "<p>Was jetzt zu tun ist.</p>",
			"url":          id,
			"published":    "2026-12-01T10:00:00Z",
			"to":           []string{"https://www.w3.org/ns/activitystreams#Public"},
			"cc":           []string{actorID(r.Host) + "/followers"},
		})
	case r.URL.Path == "/actors/stadtgarten/inbox" && r.Method == "POST":
		var act map[string]any
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := json.Unmarshal(body, &act); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		p.activities = append(p.activities, act)
		p.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

// received returns an activity of that type the inbox got, or an error.
func (p *fakePeer) received(typ string) (map[string]any, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var seen []string
	for _, a := range p.activities {
		if a["type"] == typ {
			return a, nil
		}
		seen = append(seen, fmt.Sprint(a["type"]))
	}
	return nil, fmt.Errorf("no %s in the inbox (got %v)", typ, seen)
}

// TestPeer starts one GoToSocial and exercises what the federation tests rely on: a user with
// a token, WebFinger over https with the self-signed certificate (acct domain with a port),
// follow and unfollow delivered to the peer's inbox, a reply to the peer's article delivered
// there too, posting and the home timeline.
func TestPeer(t *testing.T) {
	cert := NewCert(t)
	s := Start(t, Options{Trust: []string{cert.CertFile}})

	alice := s.NewUser("alice")
	me, err := alice.VerifyCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if me.Username != "alice" || me.Acct != "alice" || me.Locked || me.ID != alice.ID {
		t.Fatalf("verify_credentials = %+v, want unlocked alice with ID %s", me, alice.ID)
	}

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	peer := &fakePeer{pubPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))}
	l := cert.Listen(t)
	go http.Serve(l, peer)
	host := l.Addr().String()

	handle := "@stadtgarten@" + host
	group, err := alice.ResolveAccount(handle)
	if err != nil {
		t.Fatalf("resolve %s: %v", handle, err)
	}
	if group.Acct != "stadtgarten@"+host || group.DisplayName != "Stadtgarten" {
		t.Fatalf("resolved %+v", group)
	}
	peer.mu.Lock()
	first := peer.fingers[0]
	peer.mu.Unlock()
	if !first.tls || first.signature == "" {
		t.Errorf("WebFinger request: %+v, want a signed request over TLS", first)
	}

	rel, err := alice.Follow(group.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Following || !rel.Requested {
		t.Errorf("after follow without Accept: %+v, want requested only", rel)
	}
	aliceURI := "http://" + s.Host() + "/users/alice"
	if alice.ActorID() != aliceURI || alice.Handle() != "@alice@"+s.Host() {
		t.Errorf("alice is %s, %s", alice.ActorID(), alice.Handle())
	}
	Await(t, 30*time.Second, func() error {
		f, err := peer.received("Follow")
		if err == nil && (f["actor"] != aliceURI || f["object"] != actorID(host)) {
			return fmt.Errorf("follow %v, want %s → %s", f, aliceURI, actorID(host))
		}
		return err
	})
	if rel, err = alice.Unfollow(group.ID); err != nil || rel.Requested || rel.Following {
		t.Errorf("unfollow: %+v, %v", rel, err)
	}
	Await(t, 30*time.Second, func() error { _, err := peer.received("Undo"); return err })
	if rel, err = alice.Relationship(group.ID); err != nil || rel.Requested || rel.Following {
		t.Errorf("relationship after unfollow: %+v, %v", rel, err)
	}

	// A reply to the peer's article: resolved by its URL, it reaches the group's inbox.
	article := "https://" + host + "/articles/1"
	reply, err := alice.Reply(article, "Danke!")
	if err != nil {
		t.Fatal(err)
	}
	orig, err := alice.Status(reply.InReplyToID)
	if err != nil || orig.URI != article || orig.Account.ID != group.ID {
		t.Fatalf("replied to %+v (%v), want the group's article", orig, err)
	}
	t.Logf("an Article shows as content %q, spoiler %q, url %q", orig.Content, orig.SpoilerText, orig.URL)
	Await(t, 30*time.Second, func() error {
		c, err := peer.received("Create")
		if err != nil {
			return err
		}
		note, _ := c["object"].(map[string]any)
		if note["inReplyTo"] != article || !strings.Contains(fmt.Sprint(note["content"]), "Danke!") {
			return fmt.Errorf("create %v, want a reply to %s", c, article)
		}
		return nil
	})

	post, err := alice.Post("Hallo Garten", "public")
	if err != nil {
		t.Fatal(err)
	}
	own, err := alice.Reply(post.URL, "Antwort")
	if err != nil {
		t.Fatal(err)
	}
	if own.InReplyToID != post.ID || strings.Contains(own.Content, "@alice") {
		t.Errorf("reply to own post: %+v, want in reply to %s without a mention", own, post.ID)
	}
	Await(t, 30*time.Second, func() error {
		home, err := alice.HomeTimeline()
		if err != nil {
			return err
		}
		var got []string
		for _, st := range home {
			got = append(got, st.Content)
		}
		if len(home) != 3 || home[0].ID != own.ID || home[1].URL != post.URL || home[2].ID != reply.ID {
			return fmt.Errorf("home timeline %q, want the own reply, the post and the reply to the article", got)
		}
		return nil
	})
	if a, err := alice.ResolveAccount("@nobody@" + host); err == nil {
		t.Errorf("resolving an account the peer does not have gave %+v", a)
	}
}

// TestPeerHTTPS runs GoToSocial over https, as in production: its accounts are https actors
// whose WebFinger answers over TLS with the test certificate.
func TestPeerHTTPS(t *testing.T) {
	cert := NewCert(t)
	s := Start(t, Options{TLS: cert})
	bob := s.NewUser("bob")
	me, err := bob.VerifyCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://" + s.Host() + "/@bob"; me.URL != want {
		t.Errorf("profile URL %q, want %q", me.URL, want)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: cert.ClientTLS()}}
	resp, err := c.Get(s.URL() + "/.well-known/webfinger?resource=acct:bob@" + s.Host())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var jrd struct {
		Links []struct{ Rel, Type, Href string } `json:"links"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&jrd); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("WebFinger: %d, %v", resp.StatusCode, err)
	}
	var self string
	for _, l := range jrd.Links {
		if l.Rel == "self" {
			self = l.Href
		}
	}
	if want := "https://" + s.Host() + "/users/bob"; self != want {
		t.Errorf("WebFinger self link %q, want %q", self, want)
	}
}
