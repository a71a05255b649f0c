package gtstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// User is a local GoToSocial account with an access token for the client API.
type User struct {
	s *Server
	// Username is the local name: the handle is @Username@Host.
	Username, Email, Password string
	// ID is the account's ID in the client API, Token its bearer token.
	ID, Token string
}

// oob is the out-of-band redirect URI: the code is shown instead of sent to a client.
const oob = "urn:ietf:wg:oauth:2.0:oob"

// NewUser creates a confirmed account with the admin command, signs it in through the OAuth
// code flow (GoToSocial has no password grant) and unlocks it, so that follows are accepted
// without a request to approve.
func (s *Server) NewUser(username string) *User {
	s.t.Helper()
	started := time.Now()
	u := &User{s: s, Username: username, Email: username + "@example.org", Password: "Testpass-12345-" + username}
	// The admin command makes the account confirmed and approved already (v0.18.3 marks the
	// e-mail verified), so `admin account confirm` would only cost another start of the binary.
	if err := s.admin("account", "create", "--username", username, "--email", u.Email, "--password", u.Password); err != nil {
		s.t.Fatal(err)
	}
	token, err := s.signIn(u.Email, u.Password)
	if err != nil {
		s.t.Fatalf("gtstest: sign in %s: %v", username, err)
	}
	u.Token = token
	var me Account
	if err := u.call("PATCH", "/api/v1/accounts/update_credentials", url.Values{"locked": {"false"}}, &me); err != nil {
		s.t.Fatalf("gtstest: unlock %s: %v", username, err)
	}
	u.ID = me.ID
	s.t.Logf("gtstest: user %s ready after %v", username, time.Since(started).Round(time.Millisecond))
	return u
}

// Handle is the user's handle, @name@127.0.0.1:PORT.
func (u *User) Handle() string { return "@" + u.Username + "@" + u.s.Host() }

// ActorID is the user's ActivityPub ID.
func (u *User) ActorID() string { return u.s.URL() + "/users/" + u.Username }

// signIn gets a token the way a browser would: register an app, open the authorize page,
// sign in (the form's username is the e-mail address), allow, and trade the code shown on the
// out-of-band page for a token.
func (s *Server) signIn(email, password string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: s.client.Transport}
	var app struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := s.form(c, "/api/v1/apps", url.Values{"client_name": {"gtstest"}, "redirect_uris": {oob},
		"scopes": {"read write follow"}}, &app); err != nil {
		return "", fmt.Errorf("register app: %w", err)
	}
	authorize := s.URL() + "/oauth/authorize?" + url.Values{"client_id": {app.ClientID}, "redirect_uri": {oob},
		"response_type": {"code"}, "scope": {"read write follow"}}.Encode()
	resp, err := c.Get(authorize)
	if err != nil {
		return "", err
	}
	drain(resp)
	// Redirected back to the "Allow" page after signing in.
	resp, err = c.PostForm(s.URL()+"/auth/sign_in", url.Values{"username": {email}, "password": {password}})
	if err != nil {
		return "", err
	}
	drain(resp)
	if resp.Request.URL.Path != "/oauth/authorize" {
		return "", fmt.Errorf("sign in: ended at %s (status %d), not the authorize page", resp.Request.URL, resp.StatusCode)
	}
	resp, err = c.Post(s.URL()+"/oauth/authorize", "application/x-www-form-urlencoded", nil)
	if err != nil {
		return "", err
	}
	drain(resp)
	code := resp.Request.URL.Query().Get("code")
	if resp.Request.URL.Path != "/oauth/oob" || code == "" {
		return "", fmt.Errorf("authorize: ended at %s (status %d), no code", resp.Request.URL, resp.StatusCode)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := s.form(c, "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "redirect_uri": {oob}}, &tok); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	if tok.AccessToken == "" {
		return "", errors.New("token: empty")
	}
	return tok.AccessToken, nil
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}

func (s *Server) form(c *http.Client, path string, v url.Values, out any) error {
	resp, err := c.PostForm(s.URL()+path, v)
	if err != nil {
		return err
	}
	return decode(resp, out)
}

// HTTPError is a client API answer other than 200.
type HTTPError struct {
	Status int
	Body   string
}

func (e *HTTPError) Error() string { return fmt.Sprintf("status %d: %s", e.Status, e.Body) }

// IsStatus reports whether err is an answer with that HTTP status.
func IsStatus(err error, status int) bool {
	var h *HTTPError
	return errors.As(err, &h) && h.Status == status
}

func decode(resp *http.Response, out any) error {
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return &HTTPError{Status: resp.StatusCode, Body: string(data)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode %s: %w", resp.Request.URL.Path, err)
	}
	return nil
}

// call is a client API request as the user; form is sent as a form body, or for GET and
// DELETE as the query.
func (u *User) call(method, path string, form url.Values, out any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	target := u.s.URL() + path
	var body io.Reader
	if method == "GET" || method == "DELETE" {
		if len(form) > 0 {
			target += "?" + form.Encode()
		}
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+u.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := u.s.client.Do(req)
	if err != nil {
		return err
	}
	if err := decode(resp, out); err != nil {
		return fmt.Errorf("gtstest: %s %s: %w", method, path, err)
	}
	return nil
}
