package federation

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestBlockAccount: an account (@user@host) is blocked as the actor its server names by
// WebFinger, and unblocked the same way; its follows end. An account its server does not know,
// a server that cannot be reached, one on a refused address and an answer without an actor
// fail with a message that says which.
func TestBlockAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var srv *httptest.Server
		srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host := strings.TrimPrefix(srv.URL, "https://")
			res := r.URL.Query().Get("resource")
			w.Header().Set("Content-Type", activitypub.JRDMediaType)
			switch res {
			case "acct:troll@" + host:
				json.NewEncoder(w).Encode(activitypub.ActorJRD("troll", host, srv.URL+"/users/troll", srv.URL+"/@troll"))
			case "acct:noactor@" + host:
				json.NewEncoder(w).Encode(activitypub.JRD{Subject: res})
			default:
				http.NotFound(w, r)
			}
		}))
		t.Cleanup(srv.Close)
		host := strings.TrimPrefix(srv.URL, "https://")
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		service := func(networks string) *Service {
			cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(
				"domain: grouprise.test\nsecret_key: 0123456789abcdef0123\ndata_path: " + t.TempDir() +
					"\nactivitypub: {enabled: true, allowed_private_networks: [" + networks + "]}\n")}}, "/test.yaml")
			if err != nil {
				t.Fatal(err)
			}
			return New(db, cfg, Options{TLS: &tls.Config{RootCAs: pool}})
		}
		s := service("127.0.0.0/8")
		g := addGroup(t, db, "garten", false)
		troll := srv.URL + "/users/troll"
		if err := db.AddFollower(ctx, store.Follower{GroupID: g.ID, ActorID: troll, FollowID: troll + "/follow",
			Inbox: troll + "/inbox", Accepted: true, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}

		entry, removed, err := s.Block(ctx, "@troll@"+host)
		if err != nil || entry != troll || removed != 1 {
			t.Fatalf("block @troll@%s: %q, %d, %v", host, entry, removed, err)
		}
		if blocked, _ := s.Blocked(ctx, troll+"#main-key"); !blocked {
			t.Error("the actor is not blocked")
		}
		if blocked, _ := s.Blocked(ctx, srv.URL+"/users/other"); blocked {
			t.Error("its neighbour is blocked")
		}
		if ok, err := s.Unblock(ctx, "acct:troll@"+host); !ok || err != nil {
			t.Errorf("unblock: %v, %v", ok, err)
		}

		for _, c := range []struct {
			svc            *Service
			account, error string
			unknown        bool
		}{
			{s, "@nobody@" + host, "no such account @nobody@" + host + ": " + host + " answers 404", true},
			{s, "@noactor@" + host, host + " names no actor", false},
			{s, "@troll@127.0.0.1:1", "127.0.0.1:1 cannot be asked", false},
			{service(""), "@troll@" + host, "the address of " + host + " is refused", false},
		} {
			_, _, err := c.svc.Block(ctx, c.account)
			if err == nil || !strings.Contains(err.Error(), c.error) || strings.Contains(err.Error(), "\n") ||
				errors.Is(err, ErrUnknownAccount) != c.unknown {
				t.Errorf("block %s: %v, want %q", c.account, err, c.error)
			}
		}
		if list, _ := s.Blocks(ctx); len(list) != 0 {
			t.Errorf("blocks left: %+v", list)
		}
	})
}
