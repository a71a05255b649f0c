package activitypub

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var onlyLocalhost = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

func testClient(t *testing.T, allowed []netip.Prefix) *Client {
	return loopbackOnly(t, NewClient(ClientConfig{Domain: "grouprise.example", Version: "1.2", AllowedNetworks: allowed, Timeout: 5 * time.Second}))
}

// loopbackOnly makes sure that no test sends a packet beyond this machine, even with the
// guard broken: a dial to an address outside loopback fails the test and is not made.
func loopbackOnly(t *testing.T, c *Client) *Client {
	tr := c.http.Transport.(*http.Transport)
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if a, err := netip.ParseAddr(host); host != "localhost" && (err != nil || !a.Unmap().IsLoopback()) {
			t.Errorf("the client dialled %s", addr)
			return nil, errors.New("test: no traffic beyond loopback")
		}
		return dial(ctx, network, addr)
	}
	return c
}

// countingServer answers every request with the handler and counts the requests.
func countingServer(t *testing.T, listen string, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	if listen != "" {
		l, err := net.Listen("tcp", listen)
		if err != nil {
			t.Fatalf("cannot listen on %s: %v", listen, err)
		}
		srv.Listener.Close()
		srv.Listener = l
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &n
}

func serveActivity(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", MediaType)
		io.WriteString(w, body)
	}
}

// Loopback is refused unless allowed, also when a name resolves to it; nothing reaches the
// server then.
func TestClientGuardsLoopback(t *testing.T) {
	srv, hits := countingServer(t, "", serveActivity(`{}`))
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	byName := "http://localhost:" + strconv.Itoa(port) + "/"
	for _, tc := range []struct {
		name    string
		allowed []netip.Prefix
		url     string
		refused bool
	}{
		{"address, none allowed", nil, srv.URL, true},
		{"name resolving to loopback, none allowed", nil, byName, true},
		{"mapped IPv6 form, none allowed", nil, "http://[::ffff:127.0.0.1]:" + strconv.Itoa(port) + "/", true},
		{"address, loopback allowed", onlyLocalhost, srv.URL, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := hits.Load()
			_, _, err := testClient(t, tc.allowed).Fetch(context.Background(), tc.url, nil)
			if tc.refused != errors.Is(err, ErrRefusedAddress) || (!tc.refused && err != nil) {
				t.Fatalf("got %v, want refused %v", err, tc.refused)
			}
			if got := hits.Load() - before; tc.refused && got != 0 {
				t.Errorf("the server got %d requests", got)
			}
		})
	}
}

// A redirect to a refused address is not followed; one to an allowed address is, and the
// request is signed anew for its target.
func TestClientRedirects(t *testing.T) {
	key := testKey(t, 0)
	const keyID = "https://grouprise.example/actor#main-key"
	verifier := &Verifier{Keys: &keyMap{keys: map[string]*rsa.PublicKey{keyID: &key.PublicKey}}}
	final, finalHits := countingServer(t, "", func(w http.ResponseWriter, r *http.Request) {
		if _, err := verifier.Verify(r.Context(), r, nil); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		serveActivity(`{"ok":true}`)(w, r)
	})
	other, otherHits := countingServer(t, "127.0.0.2:0", serveActivity(`{}`))
	// IPv6's loopback, where the machine has one; without, the guard must refuse the address
	// all the same (a dial there would fail with another error than ErrRefusedAddress).
	v6URL, v6Hits := "http://[::1]:9/", new(atomic.Int32)
	if l, err := net.Listen("tcp", "[::1]:0"); err == nil {
		l.Close()
		var v6 *httptest.Server
		v6, v6Hits = countingServer(t, "[::1]:0", serveActivity(`{}`))
		v6URL = v6.URL
	}
	otherPort := strconv.Itoa(other.Listener.Addr().(*net.TCPAddr).Port)
	redirector, _ := countingServer(t, "", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	via := func(to string) string { return redirector.URL + "/?to=" + to }
	c := testClient(t, onlyLocalhost)
	signer := &Signer{KeyID: keyID, Key: key}

	body, from, err := c.Fetch(context.Background(), via(final.URL+"/actor"), signer)
	if err != nil || string(body) != `{"ok":true}` || from != final.URL+"/actor" {
		t.Fatalf("allowed redirect: %q from %s, %v", body, from, err)
	}
	if finalHits.Load() != 1 {
		t.Errorf("final server hit %d times", finalHits.Load())
	}
	for _, to := range []string{
		other.URL,
		"http://[::ffff:127.0.0.2]:" + otherPort + "/",
		v6URL,
		"http://169.254.169.254/latest/meta-data/",
		"http://10.0.0.1/",
	} {
		if _, _, err := c.Fetch(context.Background(), via(to), signer); !errors.Is(err, ErrRefusedAddress) {
			t.Errorf("redirect to %s: %v, want refused", to, err)
		}
	}
	if _, _, err := c.Fetch(context.Background(), via("file:///etc/passwd"), nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("redirect to a file: %v, want refused", err)
	}
	if otherHits.Load() != 0 || v6Hits.Load() != 0 {
		t.Errorf("refused servers were reached: %d, %d", otherHits.Load(), v6Hits.Load())
	}
	loop := via(via(via(via(final.URL))))
	if _, _, err := c.Fetch(context.Background(), loop, nil); err == nil || !strings.Contains(err.Error(), "more than 3 redirects") {
		t.Errorf("four redirects: %v", err)
	}
}

// Responses are bounded in size, type and time, and every request names us.
func TestClientLimits(t *testing.T) {
	var userAgent atomic.Value
	big := strings.Repeat("x", 100)
	srv, _ := countingServer(t, "", func(w http.ResponseWriter, r *http.Request) {
		userAgent.Store(r.Header.Get("User-Agent"))
		switch r.URL.Path {
		case "/big":
			w.Header().Set("Content-Type", MediaType)
			io.WriteString(w, big)
		case "/big-chunked":
			w.Header().Set("Content-Type", MediaType)
			io.WriteString(w, big[:50])
			w.(http.Flusher).Flush()
			io.WriteString(w, big[50:])
		case "/html":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "{}")
		case "/ld":
			w.Header().Set("Content-Type", LDMediaType)
			io.WriteString(w, "{}")
		case "/slow":
			time.Sleep(500 * time.Millisecond)
			serveActivity("{}")(w, r)
		case "/gone":
			http.Error(w, "gone", http.StatusGone)
		}
	})
	c := loopbackOnly(t, NewClient(ClientConfig{Domain: "grouprise.example", Version: "1.2", AllowedNetworks: onlyLocalhost,
		Timeout: 200 * time.Millisecond, MaxResponseSize: 99}))
	fetch := func(path string) error {
		_, _, err := c.Fetch(context.Background(), srv.URL+path, nil)
		return err
	}
	if err := fetch("/big"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("100 bytes with a limit of 99: %v", err)
	}
	if err := fetch("/big-chunked"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("100 bytes chunked: %v", err)
	}
	if err := fetch("/html"); !errors.Is(err, ErrInvalid) {
		t.Errorf("text/html: %v", err)
	}
	if err := fetch("/ld"); err != nil {
		t.Errorf("ld+json: %v", err)
	}
	if err := fetch("/slow"); err == nil || !strings.Contains(err.Error(), "Client.Timeout") {
		t.Errorf("slow: %v", err)
	}
	var status *StatusError
	if err := fetch("/gone"); !errors.As(err, &status) || status.Code != http.StatusGone || !status.Permanent() {
		t.Errorf("gone: %v", err)
	}
	if got := userAgent.Load(); got != "grouprise/1.2 (+https://grouprise.example/)" {
		t.Errorf("User-Agent %q", got)
	}
}

// Deliver POSTs a signed activity that the inbox verifies, follows no redirect, and tells a
// failure worth retrying from one that is not.
func TestClientDeliver(t *testing.T) {
	key := testKey(t, 0)
	const keyID = "https://grouprise.example/stadtgarten/#main-key"
	verifier := &Verifier{Keys: &keyMap{keys: map[string]*rsa.PublicKey{keyID: &key.PublicKey}}}
	var got atomic.Value
	inbox, _ := countingServer(t, "", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/inbox", http.StatusTemporaryRedirect)
			return
		case "/busy":
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		body, _ := ReadBody(r.Body)
		if _, err := verifier.Verify(r.Context(), r, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		got.Store(r.Header.Get("Content-Type") + " " + string(body))
		w.WriteHeader(http.StatusAccepted)
	})
	c := testClient(t, onlyLocalhost)
	s := Signer{KeyID: keyID, Key: key}
	body := []byte(`{"type":"Accept"}`)
	if err := c.Deliver(context.Background(), inbox.URL+"/inbox", body, s); err != nil {
		t.Fatal(err)
	}
	if got.Load() != MediaType+` {"type":"Accept"}` {
		t.Errorf("inbox got %q", got.Load())
	}
	var status *StatusError
	err := c.Deliver(context.Background(), inbox.URL+"/moved", body, s)
	if !errors.As(err, &status) || status.Code != http.StatusTemporaryRedirect {
		t.Errorf("redirect: %v", err)
	}
	err = c.Deliver(context.Background(), inbox.URL+"/busy", body, s)
	if !errors.As(err, &status) || status.Code != http.StatusServiceUnavailable || status.Permanent() {
		t.Errorf("busy: %v", err)
	}
	if err := c.Deliver(context.Background(), inbox.URL+"/inbox", body, Signer{KeyID: keyID, Key: testKey(t, 1)}); !errors.As(err, &status) || status.Code != http.StatusUnauthorized {
		t.Errorf("wrong key: %v", err)
	}
	if err := testClient(t, nil).Deliver(context.Background(), inbox.URL+"/inbox", body, s); !errors.Is(err, ErrRefusedAddress) {
		t.Errorf("loopback not allowed: %v", err)
	}
}

// An actor is taken only from its own server.
func TestClientFetchActor(t *testing.T) {
	key := testKey(t, 0)
	pemKey, _ := EncodePublicKey(&key.PublicKey)
	var self string
	srv, _ := countingServer(t, "", func(w http.ResponseWriter, r *http.Request) {
		id := self + "/users/alice"
		if r.URL.Path == "/spoof" {
			id = "https://mastodon.example/users/alice"
		}
		a := &Actor{ID: id, Type: TypePerson, PreferredUsername: "alice", Inbox: id + "/inbox",
			PublicKey: PublicKey{ID: id + "#main-key", Owner: id, PublicKeyPEM: pemKey}}
		b, _ := Encode(a)
		w.Header().Set("Content-Type", MediaType+"; charset=utf-8")
		w.Write(b)
	})
	self = srv.URL
	c := testClient(t, onlyLocalhost)
	a, err := c.FetchActor(context.Background(), srv.URL+"/users/alice", nil)
	if err != nil || a.PreferredUsername != "alice" {
		t.Fatalf("%+v, %v", a, err)
	}
	if _, err := c.FetchActor(context.Background(), srv.URL+"/spoof", nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("actor of another server: %v", err)
	}
}

// WebFinger goes over https to the account's host (with its port), and the answer must be
// about the account asked for.
func TestClientWebFinger(t *testing.T) {
	var actorURL string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/webfinger" {
			http.NotFound(w, r)
			return
		}
		user, host, err := ParseAcct(r.URL.Query().Get("resource"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if user == "liar" {
			user = "someone-else"
		}
		b, _ := marshal(ActorJRD(user, host, actorURL, actorURL))
		w.Header().Set("Content-Type", JRDMediaType)
		w.Write(b)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	actorURL = srv.URL + "/stadtgarten/"
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	c := loopbackOnly(t, NewClient(ClientConfig{Domain: "grouprise.example", AllowedNetworks: onlyLocalhost, TLS: &tls.Config{RootCAs: roots}}))

	j, err := c.WebFinger(context.Background(), "acct:stadtgarten@"+host)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := j.ActorURL(); err != nil || u != actorURL {
		t.Errorf("actor %q, %v", u, err)
	}
	if _, err := c.WebFinger(context.Background(), "@liar@"+host); !errors.Is(err, ErrInvalid) {
		t.Errorf("answer about another account: %v", err)
	}
	if _, err := testClient(t, nil).WebFinger(context.Background(), "stadtgarten@"+host); !errors.Is(err, ErrRefusedAddress) {
		t.Errorf("loopback not allowed: %v", err)
	}
}
