package web

import (
	"crypto/rsa"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/activitypub"
)

// crowd is one server of as many remote actors as one asks for (/users/<name>), all with
// one key: what actors cost an attacker. It listens on host (127.0.0.1, 127.0.0.2, ...),
// which the limits count as a domain of its own.
type crowd struct {
	srv *httptest.Server
	key *rsa.PrivateKey
}

func newCrowd(t *testing.T, host string) *crowd {
	key, err := activitypub.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := activitypub.EncodePublicKey(&key.PublicKey)
	c := &crowd{key: key}
	c.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		name, ok := strings.CutPrefix(req.URL.Path, "/users/")
		if req.Method == http.MethodPost && ok && strings.HasSuffix(name, "/inbox") {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		if !ok || req.Method != http.MethodGet || strings.Contains(name, "/") {
			http.NotFound(w, req)
			return
		}
		id := c.srv.URL + "/users/" + name
		w.Header().Set("Content-Type", activitypub.MediaType)
		b, _ := activitypub.Encode(&activitypub.Actor{ID: id, Type: activitypub.TypePerson, PreferredUsername: name,
			Name: "Crowd " + name, Inbox: id + "/inbox",
			Icon:      &activitypub.Image{Type: activitypub.TypeImage, MediaType: "image/png", URL: activitypub.Href(id + ".png")},
			PublicKey: activitypub.PublicKey{ID: id + "#main-key", Owner: id, PublicKeyPEM: pub}})
		w.Write(b)
	}))
	l, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Skipf("no loopback address %s: %v", host, err)
	}
	c.srv.Listener.Close()
	c.srv.Listener = l
	c.srv.Start()
	t.Cleanup(c.srv.Close)
	return c
}

// actor is the crowd's actor name.
func (c *crowd) actor(name string) *remote {
	id := c.srv.URL + "/users/" + name
	return &remote{id: id, keyID: id + "#main-key", key: c.key, srv: c.srv}
}
