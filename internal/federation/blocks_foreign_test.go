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

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestBlockAccountForeignActor: a server answers by WebFinger for its own accounts only. One
// that names an actor on another server (another host, or another port) is refused, by block
// and by unblock, with a line that names the actor's address; nothing is blocked or lifted.
// The operator can block that address itself.
func TestBlockAccountForeignActor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var srv *httptest.Server
		srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host := strings.TrimPrefix(srv.URL, "https://")
			name, _ := strings.CutPrefix(r.URL.Query().Get("resource"), "acct:")
			user, _, _ := strings.Cut(name, "@")
			actors := map[string]string{
				"troll":  "https://friendly.example/users/alice",
				"porter": "https://127.0.0.1:1/users/porter", // same address, another port
				"own":    srv.URL + "/users/own",
			}
			actor, ok := actors[user]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", activitypub.JRDMediaType)
			json.NewEncoder(w).Encode(activitypub.ActorJRD(user, host, actor, actor))
		}))
		t.Cleanup(srv.Close)
		host := strings.TrimPrefix(srv.URL, "https://")
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(
			"domain: grouprise.test\nsecret_key: 0123456789abcdef0123\ndata_path: " + t.TempDir() +
				"\nactivitypub: {enabled: true, allowed_private_networks: [127.0.0.0/8]}\n")}}, "/test.yaml")
		if err != nil {
			t.Fatal(err)
		}
		s := New(db, cfg, Options{TLS: &tls.Config{RootCAs: pool}})

		// the operator blocked alice by her address (a server with another WebFinger host)
		const alice = "https://friendly.example/users/alice"
		if entry, _, err := s.Block(ctx, alice); err != nil || entry != alice {
			t.Fatalf("block %s: %q, %v", alice, entry, err)
		}
		for _, c := range []struct{ user, actor string }{
			{"troll", alice},
			{"porter", "https://127.0.0.1:1/users/porter"},
		} {
			account := "@" + c.user + "@" + host
			_, _, err := s.Block(ctx, account)
			if !errors.Is(err, ErrForeignActor) || !strings.Contains(err.Error(), "grouprise activitypub block "+c.actor) ||
				strings.Contains(err.Error(), "\n") {
				t.Errorf("block %s: %v, want a refusal naming %s", account, err, c.actor)
			}
			if ok, err := s.Unblock(ctx, account); ok || !errors.Is(err, ErrForeignActor) {
				t.Errorf("unblock %s: %v, %v; want a refusal", account, ok, err)
			}
		}
		list, err := s.Blocks(ctx)
		if err != nil || len(list) != 1 || list[0].Entry != alice {
			t.Errorf("blocks: %+v (%v), want alice's only", list, err)
		}
		// its own accounts it names
		if entry, _, err := s.Block(ctx, "@own@"+host); err != nil || entry != srv.URL+"/users/own" {
			t.Errorf("block @own@%s: %q, %v", host, entry, err)
		}
	})
}
