// Command oidclogin is the system test's relying party: a service that logs a person in with
// grouprise through OpenID Connect, as a wiki or a Matrix homeserver would. It reads the
// discovery document, sends a browser (with cookies) through the authorization code flow
// with PKCE, logs in with a username and password, agrees if asked, exchanges the code,
// verifies the ID token against the published keys and reads userinfo; it prints the claims
// and exits 0 only when all of it worked and the claims name the person.
//
//	oidclogin ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI USERNAME PASSWORD
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

func main() {
	if len(os.Args) != 7 {
		fmt.Fprintln(os.Stderr, "usage: oidclogin ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI USERNAME PASSWORD")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3], os.Args[4], os.Args[5], os.Args[6]); err != nil {
		fmt.Fprintln(os.Stderr, "oidclogin:", err)
		os.Exit(1)
	}
}

func run(issuer, clientID, secret, redirect, username, password string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	conf := oauth2.Config{ClientID: clientID, ClientSecret: secret, Endpoint: provider.Endpoint(),
		RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	start := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce))

	back, err := browse(ctx, start, redirect, username, password)
	if err != nil {
		return err
	}
	if back.Query().Get("state") != state {
		return fmt.Errorf("back at the client with state %q, sent %q", back.Query().Get("state"), state)
	}
	if e := back.Query().Get("error"); e != "" {
		return fmt.Errorf("refused: %s %s", e, back.Query().Get("error_description"))
	}
	tok, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		return fmt.Errorf("token exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idToken, err := provider.Verifier(&oidc.Config{ClientID: clientID}).Verify(ctx, raw)
	if err != nil {
		return fmt.Errorf("ID token: %w", err)
	}
	if idToken.Nonce != nonce {
		return errors.New("ID token: wrong nonce")
	}
	var claims map[string]any
	if err := idToken.Claims(&claims); err != nil {
		return err
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return fmt.Errorf("userinfo: %w", err)
	}
	var infoClaims map[string]any
	if err := info.Claims(&infoClaims); err != nil {
		return err
	}
	out, _ := json.MarshalIndent(map[string]any{"id_token": claims, "userinfo": infoClaims}, "", "  ")
	fmt.Println(string(out))
	for _, c := range []map[string]any{claims, infoClaims} {
		if c["id"] != username || c["preferred_username"] != username || c["sub"] != idToken.Subject {
			return fmt.Errorf("the claims do not name %s", username)
		}
	}
	return nil
}

// browse is the person's browser: it follows the site's redirects, logs in, agrees, and
// returns the address the site sends it back to at the client.
func browse(ctx context.Context, start, redirect, username, password string) (*url.URL, error) {
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	site, _ := url.Parse(start)
	origin := site.Scheme + "://" + site.Host
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, start, nil)
	loggedIn, agreed := false, false
	for range 12 {
		resp, err := b.Do(req)
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		here := resp.Request.URL
		switch {
		case resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther:
			next, err := here.Parse(resp.Header.Get("Location"))
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(next.String(), redirect) {
				return next, nil
			}
			fmt.Fprintf(os.Stderr, "%d %s -> %s\n", resp.StatusCode, here.Path, next.Path)
			req, _ = http.NewRequestWithContext(ctx, http.MethodGet, next.String(), nil)
		case resp.StatusCode == http.StatusOK && here.Path == "/stadt/login/" && !loggedIn:
			loggedIn = true
			fmt.Fprintln(os.Stderr, "200 login page: logging in as", username)
			req = form(ctx, here, origin, url.Values{"login": {username}, "password": {password}, "next": {here.Query().Get("next")}})
		case resp.StatusCode == http.StatusOK && strings.Contains(string(body), `name="decision"`) && !agreed:
			agreed = true
			fmt.Fprintln(os.Stderr, "200 consent page: agreeing")
			req = form(ctx, here, origin, url.Values{"decision": {"allow"}})
		default:
			return nil, fmt.Errorf("%s: unexpected answer %d:\n%.500s", here, resp.StatusCode, body)
		}
	}
	return nil, errors.New("too many steps")
}

func form(ctx context.Context, to *url.URL, origin string, v url.Values) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, to.String(), strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	return req
}

func random() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
