package web

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/oidcprovider"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// site is a running web daemon on a unix socket, with a store of its own.
type site struct {
	t   testing.TB
	db  *store.DB
	cfg *config.Config
	srv *Server
	// oidc is the OpenID Connect provider when the config turns it on.
	oidc *oidcprovider.Provider
	// sock is the unix socket the daemon listens on.
	sock string
}

func newSite(t testing.TB, db *store.DB, extra string) *site {
	t.Helper()
	dir := t.TempDir()
	if !strings.Contains(extra, "anonymous_cache") {
		extra += "web: {anonymous_cache: 0}\n" // tests look at fresh pages
	}
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(
		"domain: grouprise.test\ntransport_security: disabled\nsecret_key: 0123456789abcdef0123\n" +
			"data_path: " + dir + "\n" + extra)}}, "/test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return serveSite(t, db, cfg)
}

// serveSite runs the web daemon with cfg on db; its socket and keys go into data_path.
func serveSite(t testing.TB, db *store.DB, cfg *config.Config) *site {
	t.Helper()
	dir := cfg.DataPath
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	notifier, err := notify.New(cfg, catalog)
	if err != nil {
		t.Fatal(err)
	}
	var provider *oidcprovider.Provider
	if cfg.OIDCProvider.Enabled {
		provider, err = oidcprovider.New(oidcprovider.Options{BaseURL: cfg.BaseURL(), SecretKey: cfg.SecretKey, DB: db,
			Keys: &oidcprovider.Keys{Dir: filepath.Join(dir, "oidc"), Bits: 2048}})
		if err != nil {
			t.Fatal(err)
		}
	}
	srv, err := New(Deps{Config: cfg, DB: db, Catalog: catalog, Notifier: notifier, OIDC: provider,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s := &site{t: t, db: db, cfg: cfg, srv: srv, oidc: provider, sock: filepath.Join(dir, "web.sock")}
	l, err := net.Listen("unix", s.sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, l); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// browser is a visitor with cookies, talking HTTP over the daemon's unix socket.
type browser struct {
	s      *site
	client *http.Client
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{s: s, client: &http.Client{
		Jar: jar,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", s.sock)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is an answer with its parsed HTML.
type response struct {
	*http.Response
	body string
	doc  *goquery.Document
}

func (b *browser) do(req *http.Request) *response {
	b.s.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := &response{Response: resp, body: string(data)}
	r.doc, _ = goquery.NewDocumentFromReader(strings.NewReader(r.body))
	return r
}

func (b *browser) get(path string) *response {
	b.s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://grouprise.test"+path, nil)
	return b.do(req)
}

// post submits a form as a browser on the site would (same origin).
func (b *browser) post(path string, values url.Values) *response {
	b.s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test"+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://grouprise.test")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// text is the trimmed text of the first element matching selector.
func (r *response) text(selector string) string {
	return strings.TrimSpace(r.doc.Find(selector).First().Text())
}

func (r *response) expect(t *testing.T, status int, contains ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Errorf("%s %s: status %d, want %d", r.Request.Method, r.Request.URL.Path, r.StatusCode, status)
	}
	for _, c := range contains {
		if !strings.Contains(r.body, c) {
			t.Errorf("%s %s: the page lacks %q", r.Request.Method, r.Request.URL.Path, c)
		}
	}
}

// person makes an account with a password.
func (s *site) person(username, password string) *store.Gestalt {
	s.t.Helper()
	a := accounts.New(s.db, s.cfg.SlugReserved, nil)
	g, err := a.Create(context.Background(), accounts.NewAccount{Username: username, Email: username + "@example.org",
		FirstName: strings.ToUpper(username[:1]) + username[1:], Password: password, Verified: true})
	if err != nil {
		s.t.Fatal(err)
	}
	return g
}

// loggedIn returns a browser logged in as the person.
func (s *site) loggedIn(username, password string) *browser {
	s.t.Helper()
	b := s.browser()
	r := b.post("/stadt/login/", url.Values{"login": {username}, "password": {password}})
	if r.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("login as %s: status %d\n%s", username, r.StatusCode, r.text(".form-error"))
	}
	return b
}

// group makes a group whose creator is its first member.
func (s *site) group(name string, creator *store.Gestalt) *store.Group {
	s.t.Helper()
	g, err := groups.New(s.db, s.cfg.SlugReserved, nil).Create(context.Background(), groups.NewGroup{Name: name, Creator: creator})
	if err != nil {
		s.t.Fatal(err)
	}
	return g
}
