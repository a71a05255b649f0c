package web

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"grouprise.org/grouprise/internal/oidcprovider"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

const oidcConfig = "oidc_provider: {enabled: true}\n"

// relyingParty is a service that logs people in with grouprise, driven by a real OIDC client
// library (go-oidc and x/oauth2) against the daemon's discovery document.
type relyingParty struct {
	t        testing.TB
	ctx      context.Context
	provider *gooidc.Provider
	conf     oauth2.Config
}

func (s *site) relyingParty(t testing.TB, clientID, secret, redirect string) *relyingParty {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", s.sock)
	}}}
	ctx := gooidc.ClientContext(context.Background(), hc)
	p, err := gooidc.NewProvider(ctx, "http://grouprise.test/stadt/oauth")
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return &relyingParty{t: t, ctx: ctx, provider: p, conf: oauth2.Config{
		ClientID: clientID, ClientSecret: secret, Endpoint: p.Endpoint(), RedirectURL: redirect,
		Scopes: []string{gooidc.ScopeOpenID, "profile", "email"},
	}}
}

// login is one authorization: the URL the browser starts at and what the client keeps.
type login struct {
	url, state, nonce, verifier string
}

func (rp *relyingParty) start(extra ...oauth2.AuthCodeOption) login {
	l := login{state: oauth2.GenerateVerifier()[:16], nonce: oauth2.GenerateVerifier()[:16], verifier: oauth2.GenerateVerifier()}
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(l.verifier), gooidc.Nonce(l.nonce)}, extra...)
	l.url = rp.conf.AuthCodeURL(l.state, opts...)
	return l
}

// claims are what the tests read from ID tokens and userinfo.
type claims struct {
	Subject           string `json:"sub"`
	ID                string `json:"id"`
	Name              string `json:"name"`
	DisplayName       string `json:"display_name"`
	PreferredUsername string `json:"preferred_username"`
	Email             string `json:"email"`
	EmailVerified     bool   `json:"email_verified"`
	Nonce             string `json:"nonce"`
}

// exchange trades a code for tokens and verifies the ID token against the provider's keys.
func (rp *relyingParty) exchange(code string, l login) (*oauth2.Token, *gooidc.IDToken, error) {
	tok, err := rp.conf.Exchange(rp.ctx, code, oauth2.VerifierOption(l.verifier))
	if err != nil {
		return nil, nil, err
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := rp.provider.Verifier(&gooidc.Config{ClientID: rp.conf.ClientID}).Verify(rp.ctx, raw)
	if err != nil {
		return nil, nil, err
	}
	return tok, id, nil
}

// authorize walks a browser from the client's authorization URL until the site sends it back
// to the client; it answers a consent page with decision (failing if one comes unexpected)
// and tells whether it was asked.
func (b *browser) authorize(t testing.TB, start, decision string) (back *url.URL, asked bool) {
	t.Helper()
	u, _ := url.Parse(start)
	r := b.get(u.RequestURI())
	for range 10 {
		switch r.StatusCode {
		case http.StatusFound, http.StatusSeeOther:
			loc, err := r.Request.URL.Parse(r.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if loc.Host != "grouprise.test" {
				return loc, asked
			}
			r = b.get(loc.RequestURI())
		case http.StatusOK:
			if decision == "" || asked {
				t.Fatalf("%s: unexpected page\n%s", r.Request.URL, r.text("h1"))
			}
			asked = true
			r = b.post(r.Request.URL.RequestURI(), url.Values{"decision": {decision}})
		default:
			t.Fatalf("%s: status %d: %s", r.Request.URL, r.StatusCode, r.body)
		}
	}
	t.Fatal("too many redirects")
	return nil, false
}

// code checks the answer of the site to the client and returns the code.
func (l login) code(t testing.TB, back *url.URL, redirect string) string {
	t.Helper()
	q := back.Query()
	if !strings.HasPrefix(back.String(), redirect) || q.Get("state") != l.state || q.Get("code") == "" {
		t.Fatalf("back at the client: %s", back)
	}
	return q.Get("code")
}

func addClient(t testing.TB, db *store.DB, c store.OIDCClient, secret string) {
	t.Helper()
	if secret != "" {
		c.SecretHash = oidcprovider.HashSecret(secret)
	}
	c.CreatedAt = time.Now()
	if err := db.AddOIDCClient(context.Background(), &c); err != nil {
		t.Fatal(err)
	}
}

func TestOIDCAuthorizationCodeFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, oidcConfig)
		alice := s.person("alice", "alice-password")
		const wikiBack = "https://wiki.test/callback"
		addClient(t, db, store.OIDCClient{ClientID: "wiki", Name: "Das Wiki", RedirectURIs: []string{wikiBack}}, "wiki-secret")
		wiki := s.relyingParty(t, "wiki", "wiki-secret", wikiBack)
		if got := wiki.provider.Endpoint().AuthURL; got != "http://grouprise.test/stadt/oauth/authorize" {
			t.Errorf("authorization endpoint %s", got)
		}

		// Someone who is not logged in logs in first, is asked once, and the client gets its code.
		b := s.browser()
		l := wiki.start()
		u, _ := url.Parse(l.url)
		r := b.get(u.RequestURI())
		if r.StatusCode != http.StatusFound || !strings.HasPrefix(r.Header.Get("Location"), oidcprovider.LoginPath) {
			t.Fatalf("authorize: %d %s %s", r.StatusCode, r.Header.Get("Location"), r.body)
		}
		next := r.Header.Get("Location")
		r = b.get(next)
		if r.StatusCode != http.StatusFound || r.Header.Get("Location") != "/stadt/login/?next="+url.QueryEscape(next) {
			t.Fatalf("not logged in: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		r = b.post("/stadt/login/", url.Values{"login": {"alice"}, "password": {"alice-password"}, "next": {next}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != next {
			t.Fatalf("login: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		consent := b.get(next)
		consent.expect(t, http.StatusOK, "Bei Das Wiki anmelden", "deinen Benutzernamen", "deine E-Mail-Adresse")
		back, _ := b.authorize(t, l.url, "allow")
		tok, idToken, err := wiki.exchange(l.code(t, back, wikiBack), l)
		if err != nil {
			t.Fatalf("token exchange: %v", err)
		}
		var c claims
		if err := idToken.Claims(&c); err != nil {
			t.Fatal(err)
		}
		want := claims{Subject: strconv.FormatInt(alice.ID, 10), ID: "alice", Name: "Alice", DisplayName: "Alice", PreferredUsername: "alice",
			Email: "alice@example.org", EmailVerified: true, Nonce: l.nonce}
		if c != want {
			t.Errorf("ID token claims %+v, want %+v", c, want)
		}
		var at struct {
			AuthTime int64 `json:"auth_time"`
		}
		idToken.Claims(&at)
		if idToken.Issuer != "http://grouprise.test/stadt/oauth" || at.AuthTime < time.Now().Add(-time.Minute).Unix() {
			t.Errorf("issuer %s, auth_time %v", idToken.Issuer, at.AuthTime)
		}
		info, err := wiki.provider.UserInfo(wiki.ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		var ic claims
		info.Claims(&ic)
		if info.Subject != want.Subject || ic.ID != "alice" || ic.Email != "alice@example.org" || ic.PreferredUsername != "alice" {
			t.Errorf("userinfo %+v", ic)
		}

		// The next login is not asked again: the consent is remembered.
		l2 := wiki.start()
		back, asked := b.authorize(t, l2.url, "")
		if asked {
			t.Error("asked again")
		}
		code2 := l2.code(t, back, wikiBack)

		// Refused: the same code twice (and the tokens of the first use are revoked with it).
		tok2, _, err := wiki.exchange(code2, l2)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := wiki.exchange(code2, l2); !isOAuthError(err, "invalid_grant") {
			t.Errorf("the code used again: %v", err)
		}
		if _, err := wiki.provider.UserInfo(wiki.ctx, oauth2.StaticTokenSource(tok2)); err == nil {
			t.Error("the token of a reused code still answers")
		}
		if _, err := wiki.provider.UserInfo(wiki.ctx, oauth2.StaticTokenSource(tok)); err != nil {
			t.Errorf("the token of another login was revoked too: %v", err)
		}

		// Refused: an expired code.
		l3 := wiki.start()
		back, _ = b.authorize(t, l3.url, "")
		code3 := l3.code(t, back, wikiBack)
		storetest.Exec(t, db, `UPDATE oidc_auth_requests SET expires_at = created_at WHERE code_hash = '`+
			oidcprovider.HashSecret(code3)+`'`)
		if _, _, err := wiki.exchange(code3, l3); !isOAuthError(err, "invalid_grant") {
			t.Errorf("an expired code: %v", err)
		}

		// Refused: the wrong client secret, and the wrong PKCE verifier.
		l4 := wiki.start()
		back, _ = b.authorize(t, l4.url, "")
		thief := *wiki
		thief.conf.ClientSecret = "guessed"
		code4 := l4.code(t, back, wikiBack)
		if _, _, err := thief.exchange(code4, l4); !isOAuthError(err, "invalid_client") {
			t.Errorf("the wrong secret: %v", err)
		}
		if _, _, err := wiki.exchange(code4, l4); err != nil {
			t.Errorf("the code after someone tried it with the wrong secret: %v", err)
		}
		l5 := wiki.start()
		back, _ = b.authorize(t, l5.url, "")
		l5.verifier = oauth2.GenerateVerifier()
		if _, _, err := wiki.exchange(l5.code(t, back, wikiBack), l5); !isOAuthError(err, "invalid_grant") {
			t.Errorf("the wrong PKCE verifier: %v", err)
		}

		// Refused: a redirect URI that is not registered; the browser is not sent there.
		evil := *wiki
		evil.conf.RedirectURL = "https://evil.test/callback"
		u, _ = url.Parse(evil.start().url)
		r = b.get(u.RequestURI())
		if r.StatusCode != http.StatusBadRequest || strings.Contains(r.Header.Get("Location"), "evil") {
			t.Errorf("a foreign redirect URI: %d %s", r.StatusCode, r.Header.Get("Location"))
		}

		// Whoever knows a request's first id (the link to the login page) cannot fetch the code
		// of the person who agreed: the request has a new id after the approval.
		l7 := wiki.start()
		u, _ = url.Parse(l7.url)
		r = b.get(u.RequestURI())
		first := strings.TrimSuffix(strings.TrimPrefix(r.Header.Get("Location"), oidcprovider.LoginPath), "/")
		if r = b.get(oidcprovider.LoginPath + first + "/"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("approval: %d", r.StatusCode)
		}
		stolen := s.browser().get("/stadt/oauth/authorize/callback?id=" + first)
		if loc := stolen.Header.Get("Location"); strings.Contains(loc, "code=") {
			t.Errorf("the first id fetched the code: %s", loc)
		}
		if !strings.HasPrefix(r.Header.Get("Location"), "/stadt/oauth/authorize/callback?id=") || strings.Contains(r.Header.Get("Location"), first) {
			t.Errorf("the callback after the approval: %s", r.Header.Get("Location"))
		}

		// A fresh login when the client wants one (prompt=login, max_age=0): the password
		// once more, then on.
		for _, opt := range []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0")} {
			l8 := wiki.start(opt)
			u, _ = url.Parse(l8.url)
			login := b.get(b.get(u.RequestURI()).Header.Get("Location"))
			to := login.Header.Get("Location")
			if login.StatusCode != http.StatusFound || !strings.Contains(to, "again=1") {
				t.Fatalf("no fresh login asked: %d %s", login.StatusCode, to)
			}
			b.get(to).expect(t, http.StatusOK, "noch einmal", `name="again"`)
			next, _ := url.Parse(to)
			r = b.post("/stadt/login/", url.Values{"login": {"alice"}, "password": {"alice-password"}, "next": {next.Query().Get("next")}, "again": {"1"}})
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("fresh login: %d", r.StatusCode)
			}
			back, _ = b.authorize(t, "http://grouprise.test"+r.Header.Get("Location"), "")
			if _, _, err := wiki.exchange(l8.code(t, back, wikiBack), l8); err != nil {
				t.Errorf("after the fresh login: %v", err)
			}
		}

		// prompt=consent asks although the consent is remembered; "deny" is honoured.
		l9 := wiki.start(oauth2.SetAuthURLParam("prompt", "consent"))
		back, asked = b.authorize(t, l9.url, "deny")
		if !asked || back.Query().Get("error") != "access_denied" {
			t.Errorf("prompt=consent: asked %v, back at %s", asked, back)
		}

		// Consents add up: agreeing to fewer scopes keeps the ones allowed before.
		narrow := *wiki
		narrow.conf.Scopes = []string{gooidc.ScopeOpenID}
		l10 := narrow.start(oauth2.SetAuthURLParam("prompt", "consent"))
		b.authorize(t, l10.url, "allow")
		if got := storetest.Rows(t, db, `SELECT scopes FROM oidc_consents`); len(got) != 1 || got[0] != "openid profile email" {
			t.Errorf("consents after a narrower one: %v", got)
		}

		// After the consent is withdrawn, the person is asked again, and may decline.
		b.get("/stadt/settings/services/").expect(t, http.StatusOK, "Das Wiki")
		if r := b.post("/stadt/settings/services/", url.Values{"client": {"wiki"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("withdraw: %d", r.StatusCode)
		}
		if _, err := wiki.provider.UserInfo(wiki.ctx, oauth2.StaticTokenSource(tok)); err == nil {
			t.Error("the client's tokens outlived the withdrawn consent")
		}
		l6 := wiki.start()
		back, asked = b.authorize(t, l6.url, "deny")
		if !asked || back.Query().Get("error") != "access_denied" || back.Query().Get("state") != l6.state {
			t.Errorf("declined: asked %v, back at %s", asked, back)
		}
	})
}

func TestOIDCClientKinds(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), oidcConfig)
	s.person("bob", "bob-password")
	const appBack = "http://127.0.0.1/callback"
	addClient(t, s.db, store.OIDCClient{ClientID: "app", Name: "App", RedirectURIs: []string{appBack}}, "")
	addClient(t, s.db, store.OIDCClient{ClientID: "matrix", Name: "Chat", RedirectURIs: []string{"https://matrix.test/cb"}, Trusted: true}, "matrix-secret")
	b := s.loggedIn("bob", "bob-password")

	// A trusted client: nobody is asked.
	matrix := s.relyingParty(t, "matrix", "matrix-secret", "https://matrix.test/cb")
	l := matrix.start()
	back, asked := b.authorize(t, l.url, "")
	if _, _, err := matrix.exchange(l.code(t, back, "https://matrix.test/cb"), l); err != nil || asked {
		t.Errorf("trusted client: asked %v, %v", asked, err)
	}

	// A public client: no secret, but PKCE; a loopback redirect on any port (RFC 8252).
	app := s.relyingParty(t, "app", "", "http://127.0.0.1:49152/callback")
	l = app.start()
	back, _ = b.authorize(t, l.url, "allow")
	if _, _, err := app.exchange(l.code(t, back, "http://127.0.0.1:49152/callback"), l); err != nil {
		t.Errorf("public client with PKCE: %v", err)
	}
	state := "plain-state"
	u, _ := url.Parse(app.conf.AuthCodeURL(state))
	back, _ = b.authorize(t, u.String(), "")
	if _, err := app.conf.Exchange(app.ctx, back.Query().Get("code")); !isOAuthError(err, "invalid_request") {
		t.Errorf("public client without PKCE: %v", err)
	}
	// PKCE with the plain method is refused: S256 only.
	u, _ = url.Parse(app.conf.AuthCodeURL(state, oauth2.SetAuthURLParam("code_challenge", "abcdefghijklmnopqrstuvwxyz0123456789abcdefgh"),
		oauth2.SetAuthURLParam("code_challenge_method", "plain")))
	back, _ = b.authorize(t, u.String(), "")
	if back.Query().Get("error") != "invalid_request" {
		t.Errorf("plain PKCE: %s", back)
	}
	// The consent page of a native app lets its form end at the app's loopback address.
	l = app.start(oauth2.SetAuthURLParam("prompt", "consent"))
	u, _ = url.Parse(l.url)
	page := b.get(b.get(u.RequestURI()).Header.Get("Location"))
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https: http://127.0.0.1:49152") {
		t.Errorf("consent page CSP: %s", csp)
	}

	// prompt=none for someone not logged in: back to the client with login_required.
	l = matrix.start(oauth2.SetAuthURLParam("prompt", "none"))
	back, _ = s.browser().authorize(t, l.url, "")
	if back.Query().Get("error") != "login_required" {
		t.Errorf("prompt=none: %s", back)
	}

	// A request that has expired or never was: a page that says so.
	s.browser().get(oidcprovider.LoginPath+"nonsense/").expect(t, http.StatusNotFound, "abgelaufen")

	// A new signing key: both keys are published, and tokens of either verify.
	keys, _ := http.NewRequest(http.MethodGet, "http://grouprise.test/stadt/oauth/keys", nil)
	before := b.do(keys).body
	if _, err := (&oidcprovider.Keys{Dir: s.cfg.DataPath + "/oidc", Bits: 2048}).Rotate(time.Now()); err != nil {
		t.Fatal(err)
	}
	after := b.do(keys).body
	if strings.Count(before, `"kid"`) != 1 || strings.Count(after, `"kid"`) != 2 {
		t.Errorf("published keys before and after a rotation:\n%s\n%s", before, after)
	}
	l = matrix.start()
	back, _ = b.authorize(t, l.url, "")
	if _, _, err := matrix.exchange(l.code(t, back, "https://matrix.test/cb"), l); err != nil {
		t.Errorf("after the rotation: %v", err)
	}
}

func TestOIDCOff(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "")
	s.browser().get("/stadt/oauth/.well-known/openid-configuration").expect(t, http.StatusNotFound)
	s.browser().get(oidcprovider.LoginPath+"x/").expect(t, http.StatusNotFound)
}

func isOAuthError(err error, code string) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == code
}

// BenchmarkOIDCLogin is one complete login of a logged-in person at a trusted client, over the
// daemon's socket: authorization request, approval, code, token exchange with PKCE (an RS256
// signature), ID token verified against the published keys, userinfo.
func BenchmarkOIDCLogin(b *testing.B) {
	s := newSite(b, storetest.Open(b, store.SQLite), oidcConfig)
	s.person("bob", "bob-password")
	addClient(b, s.db, store.OIDCClient{ClientID: "matrix", Name: "Chat", RedirectURIs: []string{"https://matrix.test/cb"}, Trusted: true}, "matrix-secret")
	rp := s.relyingParty(b, "matrix", "matrix-secret", "https://matrix.test/cb")
	br := s.loggedIn("bob", "bob-password")
	b.ResetTimer()
	for range b.N {
		l := rp.start()
		back, _ := br.authorize(b, l.url, "")
		tok, _, err := rp.exchange(l.code(b, back, "https://matrix.test/cb"), l)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rp.provider.UserInfo(rp.ctx, oauth2.StaticTokenSource(tok)); err != nil {
			b.Fatal(err)
		}
	}
}

// tokenRequest posts a form to the token endpoint as a client would, with Basic
// authentication when id is given, and returns the status and OAuth error code.
func (b *browser) tokenRequest(t testing.TB, basicID, basicSecret string, form url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test/stadt/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(url.QueryEscape(basicID), url.QueryEscape(basicSecret))
	}
	r := b.do(req)
	var e struct {
		Error string `json:"error"`
	}
	json.Unmarshal([]byte(r.body), &e)
	return r.StatusCode, e.Error
}

// A token request without a valid client is refused before any code is looked up: it
// neither burns a victim's code nor, with a used code, revokes the victim's tokens.
func TestOIDCTokenRequestNeedsClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, oidcConfig)
		s.person("alice", "alice-password")
		const wikiBack, appBack = "https://wiki.test/callback", "http://127.0.0.1:49152/callback"
		addClient(t, db, store.OIDCClient{ClientID: "wiki", Name: "Das Wiki", RedirectURIs: []string{wikiBack}, Trusted: true}, "wiki-secret")
		addClient(t, db, store.OIDCClient{ClientID: "app", Name: "App", RedirectURIs: []string{"http://127.0.0.1/callback"}, Trusted: true}, "")
		wiki := s.relyingParty(t, "wiki", "wiki-secret", wikiBack)
		app := s.relyingParty(t, "app", "", appBack)
		b := s.loggedIn("alice", "alice-password")
		attacker := s.browser()

		bad := func(code, verifier string) []struct {
			name       string
			id, secret string
			form       url.Values
		} {
			form := func(extra ...string) url.Values {
				v := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {wikiBack}, "code_verifier": {verifier}}
				for i := 0; i+1 < len(extra); i += 2 {
					v.Set(extra[i], extra[i+1])
				}
				return v
			}
			return []struct {
				name       string
				id, secret string
				form       url.Values
			}{
				{"no client", "", "", form()},
				{"an unknown client", "", "", form("client_id", "nobody")},
				{"an unknown client with a secret", "nobody", "x", form()},
				{"the public client's id", "", "", form("client_id", "app")},
				{"the public client's id in Basic", "app", "", form()},
				{"the confidential client without its secret", "", "", form("client_id", "wiki")},
				{"the wrong secret", "wiki", "guessed", form()},
				{"the wrong secret in the form", "", "", form("client_id", "wiki", "client_secret", "guessed")},
			}
		}

		// A victim's fresh code survives every bad request, and then works.
		l := wiki.start()
		back, _ := b.authorize(t, l.url, "")
		code := l.code(t, back, wikiBack)
		for _, tc := range bad(code, l.verifier) {
			if status, e := attacker.tokenRequest(t, tc.id, tc.secret, tc.form); status < 400 || (e != "invalid_client" && e != "invalid_grant") {
				t.Errorf("%s: %d %q", tc.name, status, e)
			}
		}
		tok, _, err := wiki.exchange(code, l)
		if err != nil {
			t.Fatalf("the code after the bad requests: %v", err)
		}
		// Bad requests with the used code revoke nothing.
		for _, tc := range bad(code, l.verifier) {
			attacker.tokenRequest(t, tc.id, tc.secret, tc.form)
		}
		if _, err := wiki.provider.UserInfo(wiki.ctx, oauth2.StaticTokenSource(tok)); err != nil {
			t.Errorf("the victim's token after bad requests with its used code: %v", err)
		}

		// A public client's code: somebody without its PKCE verifier cannot burn it.
		la := app.start()
		back, _ = b.authorize(t, la.url, "")
		acode := la.code(t, back, appBack)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {acode}, "redirect_uri": {appBack},
			"client_id": {"app"}, "code_verifier": {oauth2.GenerateVerifier()}}
		if status, e := attacker.tokenRequest(t, "", "", form); status < 400 || e != "invalid_grant" {
			t.Errorf("the wrong verifier: %d %q", status, e)
		}
		form.Del("code_verifier")
		if status, e := attacker.tokenRequest(t, "", "", form); status < 400 || (e != "invalid_grant" && e != "invalid_request") {
			t.Errorf("no verifier: %d %q", status, e)
		}
		if _, _, err := app.exchange(acode, la); err != nil {
			t.Errorf("the public client's code after the bad requests: %v", err)
		}
	})
}
