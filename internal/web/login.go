package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/store"
)

// Failed password checks allowed within loginWindow, per account and per client address.
const (
	loginWindow     = 15 * time.Minute
	loginPerAccount = 10
	loginPerAddress = 30
)

type loginData struct {
	Form *form
	Next string
	// Again: someone logged in is asked for the password once more (a service wants a fresh
	// login).
	Again bool
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"), "/")
	again := r.URL.Query().Get("again") != ""
	if viewer(r).LoggedIn() && !again {
		redirect(w, r, next)
		return nil
	}
	s.render(w, r, http.StatusOK, "login", s.t(r, "login.title"), loginData{Form: newForm(nil), Next: next, Again: again})
	return nil
}

// login checks the password of an account named by username or e-mail address (see
// authenticate for the limits).
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	f := newForm(r)
	next := safeNext(f.Get("next"), "/")
	again := f.Get("again") != ""
	if viewer(r).LoggedIn() && !again {
		redirect(w, r, next)
		return nil
	}
	name := strings.ToLower(f.Get("login"))
	if name == "" {
		f.Fail("login", s.t(r, "form.required"))
	}
	if f.Raw("password") == "" {
		f.Fail("password", s.t(r, "form.required"))
	}
	status := http.StatusUnprocessableEntity
	if f.Valid() {
		g, err := s.authenticate(r, name, f.Raw("password"))
		switch {
		case errors.Is(err, errTooManyAttempts):
			f.Error = s.t(r, "login.too_many", "Minutes", int(loginWindow.Minutes()))
		case errors.Is(err, errCheckInFlight):
			// 429, not the hasher's 503: this visitor's own address sends logins faster than
			// they are checked (a double click, or a script); the site is not overloaded. The
			// form stays, with a word on why, for a person to send again.
			w.Header().Set("Retry-After", "1")
			status, f.Error = http.StatusTooManyRequests, s.t(r, "login.in_flight")
		case errors.Is(err, accounts.ErrBadLogin):
			f.Error = s.t(r, "login.wrong")
		case err != nil:
			// accounts.ErrBusy among them: the adapter answers it with 503.
			return err
		default:
			if err := s.logIn(r, g, f.Checked("remember")); err != nil {
				return fmt.Errorf("login: %w", err)
			}
			s.rememberDevice(w, r, g)
			s.flash(r, msgSuccess, s.t(r, "login.welcome", "Name", g.Name()))
			redirect(w, r, next)
			return nil
		}
	}
	s.render(w, r, status, "login", s.t(r, "login.title"), loginData{Form: f, Next: next, Again: again})
	return nil
}

// errTooManyAttempts: the account or the client address had too many failed logins lately.
var errTooManyAttempts = errors.New("web: too many failed logins")

// errCheckInFlight: a password check from the same client address is running or waiting for
// the hasher; see loginChecks.
var errCheckInFlight = errors.New("web: another password check from this address is in flight")

// authenticate checks a password, for the login form and the feeds' HTTP Basic auth alike.
//
// Attempts count per account (all spellings of its username and addresses together, as
// accounts.LoginKey names it) and per client address, before the check, so that a burst of
// concurrent guesses cannot all pass a limit that is only read; past either limit even the
// right password is refused (errTooManyAttempts) until loginWindow has passed. A check that
// had to give way to others (accounts.ErrBusy) is taken back; a success clears the account's
// count. Past the account's limit a browser that logged in to the account before with its
// current password (its device cookie, see knownDevice) is still let try, within the
// address's limit and counted as before, so that a stranger's guesses cannot lock the owner
// out; HTTP Basic auth clients carry no such cookie and stay limited. Only one check per
// client address runs or waits at a time (else errCheckInFlight), so that new login names,
// which count apart, cannot fill the hasher's queue from one address.
func (s *Server) authenticate(r *http.Request, login, password string) (*store.Gestalt, error) {
	ctx := r.Context()
	address := addressKey(clientIP(r))
	if !s.loginChecks.start(address) {
		return nil, errCheckInFlight
	}
	defer s.loginChecks.done(address)
	account, err := s.accounts.LoginKey(ctx, login)
	if err != nil {
		return nil, err
	}
	onAccount, onAddress, err := s.accounts.CountLoginAttempts(ctx, account, address, 1, loginWindow)
	if err != nil {
		return nil, err
	}
	if onAddress > loginPerAddress {
		return nil, errTooManyAttempts
	}
	if onAccount > loginPerAccount {
		known, err := s.knownDevice(r, account)
		if err != nil {
			return nil, err
		}
		if !known {
			return nil, errTooManyAttempts
		}
	}
	g, err := s.accounts.Authenticate(ctx, login, password)
	if errors.Is(err, accounts.ErrBusy) {
		if _, _, err := s.accounts.CountLoginAttempts(context.WithoutCancel(ctx), account, address, -1, loginWindow); err != nil {
			return nil, err
		}
		return nil, accounts.ErrBusy
	}
	if err != nil {
		return nil, err
	}
	if err := s.accounts.ForgetLoginAttempts(ctx, account); err != nil {
		return nil, err
	}
	return g, nil
}

// checksInFlight are the client addresses (as addressKey names them) with a password check
// running or waiting. Each web daemon bounds its own; the zero value is ready to use.
type checksInFlight struct {
	mu        sync.Mutex
	addresses map[string]bool
}

// start claims the address's check; false when another one holds it.
func (c *checksInFlight) start(address string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.addresses[address] {
		return false
	}
	if c.addresses == nil {
		c.addresses = map[string]bool{}
	}
	c.addresses[address] = true
	return true
}

func (c *checksInFlight) done(address string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.addresses, address)
}

// A browser that logged in to an account is a known device of it: it carries the cookie
// deviceCookieName, which lists up to maxKnownAccounts entries "<account id>.<device
// id>.<signature>" separated by "~", newest first. The device id is random; the signature
// is an HMAC with the site's secret key over both and the account's password hash, so that a
// password change or reset, which ends the other sessions, ends the other marks as well.
const (
	deviceCookieName = "grouprise_device"
	deviceCookieAge  = 400 * 24 * time.Hour // what browsers keep at most
	maxKnownAccounts = 5
)

func (s *Server) deviceSignature(accountID, device, passwordHash string) string {
	m := hmac.New(sha256.New, []byte(s.cfg.SecretKey))
	m.Write([]byte("login-device\x00" + accountID + "\x00" + device + "\x00" + passwordHash))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// deviceEntries are the entries of the request's device cookie, split into their three
// parts, unchecked; no more than we write, so that a long cookie costs nothing.
func deviceEntries(r *http.Request) [][]string {
	c, err := r.Cookie(deviceCookieName)
	if err != nil {
		return nil
	}
	all := strings.Split(c.Value, "~")
	var entries [][]string
	for _, e := range all[:min(len(all), maxKnownAccounts)] {
		if parts := strings.Split(e, "."); len(parts) == 3 {
			entries = append(entries, parts)
		}
	}
	return entries
}

// knownDevice tells whether the request comes from a browser that logged in to the account
// (named as accounts.LoginKey names it) with its current password.
func (s *Server) knownDevice(r *http.Request, account string) (bool, error) {
	id, ok := strings.CutPrefix(account, "id:")
	if !ok {
		return false, nil
	}
	for _, e := range deviceEntries(r) {
		n, err := strconv.ParseInt(e[0], 10, 64)
		if err != nil || e[0] != id {
			continue
		}
		g, err := s.db.GestaltByID(r.Context(), n)
		if err != nil {
			return false, err
		}
		return hmac.Equal([]byte(e[2]), []byte(s.deviceSignature(e[0], e[1], g.Password))), nil
	}
	return false, nil
}

// rememberDevice marks the browser as a known device of the account it just logged in to,
// keeping the entries of other accounts.
func (s *Server) rememberDevice(w http.ResponseWriter, r *http.Request, g *store.Gestalt) {
	random := make([]byte, 16)
	rand.Read(random)
	id, device := strconv.FormatInt(g.ID, 10), base64.RawURLEncoding.EncodeToString(random)
	entries := []string{id + "." + device + "." + s.deviceSignature(id, device, g.Password)}
	for _, e := range deviceEntries(r) {
		if e[0] != id && len(entries) < maxKnownAccounts {
			entries = append(entries, strings.Join(e, "."))
		}
	}
	http.SetCookie(w, &http.Cookie{Name: deviceCookieName, Value: strings.Join(entries, "~"), Path: "/",
		MaxAge: int(deviceCookieAge.Seconds()), HttpOnly: true, Secure: s.cfg.TransportSecurity != "disabled",
		SameSite: http.SameSiteLaxMode})
}

func (s *Server) logoutForm(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		redirect(w, r, "/")
		return nil
	}
	s.render(w, r, http.StatusOK, "logout", s.t(r, "logout.title"), nil)
	return nil
}

// logout ends the session; only by POST, so that a link cannot log anybody out.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.logOut(r); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	redirect(w, r, "/")
	return nil
}

// setLanguage remembers the language a visitor chose (people set theirs in their settings).
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) error {
	f := newForm(r)
	l := s.catalog.Printer(f.Get("language")).Lang
	s.sessions.Put(r.Context(), sessionLanguage, l)
	redirect(w, r, safeNext(f.Get("next"), "/"))
	return nil
}

// addressKey is the client address as the per-address limit counts it: an IPv6 visitor
// usually has a whole /64 to choose from, so the /64 counts as one address.
func addressKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Is4() {
		return addr
	}
	p, _ := a.Prefix(64)
	return p.String()
}
