package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/netip"
	"slices"
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

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"), "/")
	again := r.URL.Query().Get("again") != ""
	if viewer(r).LoggedIn() && !again {
		redirect(w, r, next)
		return
	}
	s.render(w, r, http.StatusOK, "login", s.t(r, "login.title"), loginData{Form: newForm(nil), Next: next, Again: again})
}

// login checks the password of an account named by username or e-mail address (see
// authenticate for the limits).
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	next := safeNext(f.Get("next"), "/")
	again := f.Get("again") != ""
	if viewer(r).LoggedIn() && !again {
		redirect(w, r, next)
		return
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
		case errors.Is(err, accounts.ErrBusy):
			s.serviceBusy(w, r)
			return
		case err != nil:
			s.fail(w, r, err)
			return
		default:
			if err := s.logIn(r, g, f.Checked("remember")); err != nil {
				s.fail(w, r, err)
				return
			}
			s.rememberDevice(w, r, g.ID)
			s.flash(r, msgSuccess, s.t(r, "login.welcome", "Name", g.Name()))
			redirect(w, r, next)
			return
		}
	}
	s.render(w, r, status, "login", s.t(r, "login.title"), loginData{Form: f, Next: next, Again: again})
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
// count. Past the account's limit a browser that logged in to the account before (its
// device cookie, see knownDevice) is still let try, within the address's limit, so that a
// stranger's guesses cannot lock the owner out; HTTP Basic auth clients carry no such cookie
// and stay limited. Only one check per client address runs or waits at a time (else
// errCheckInFlight), so that new login names, which count apart, cannot fill the hasher's
// queue from one address.
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
	accountCounter, addressCounter := "login:account:"+account, "login:ip:"+address
	count := func(ctx context.Context, n int) (onAccount, onAddress int, err error) {
		if onAccount, err = s.db.AddAttempts(ctx, accountCounter, n, s.now(), loginWindow); err != nil {
			return 0, 0, err
		}
		onAddress, err = s.db.AddAttempts(ctx, addressCounter, n, s.now(), loginWindow)
		return onAccount, onAddress, err
	}
	onAccount, onAddress, err := count(ctx, 1)
	if err != nil {
		return nil, err
	}
	if onAddress > loginPerAddress || (onAccount > loginPerAccount && !s.knownDevice(r, account)) {
		return nil, errTooManyAttempts
	}
	g, err := s.accounts.Authenticate(ctx, login, password)
	if errors.Is(err, accounts.ErrBusy) {
		if _, _, err := count(context.WithoutCancel(ctx), -1); err != nil {
			return nil, err
		}
		return nil, accounts.ErrBusy
	}
	if err != nil {
		return nil, err
	}
	if err := s.db.ResetAttempts(ctx, accountCounter); err != nil {
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
// id>.<signature>" separated by "~" (the device id is random, the signature an HMAC with the
// site's secret key over both), newest first.
const (
	deviceCookieName = "grouprise_device"
	deviceCookieAge  = 400 * 24 * time.Hour // what browsers keep at most
	maxKnownAccounts = 5
)

func (s *Server) deviceSignature(accountID, device string) string {
	m := hmac.New(sha256.New, []byte(s.cfg.SecretKey))
	m.Write([]byte("login-device\x00" + accountID + "\x00" + device))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// knownDevices are the account ids (as "id:<id>", like accounts.LoginKey's) of the correctly
// signed entries of the request's device cookie, with the entries.
func (s *Server) knownDevices(r *http.Request) (ids, entries []string) {
	c, err := r.Cookie(deviceCookieName)
	if err != nil {
		return nil, nil
	}
	all := strings.Split(c.Value, "~")
	for _, e := range all[:min(len(all), maxKnownAccounts)] { // no more signatures than we write
		parts := strings.Split(e, ".")
		if len(parts) != 3 {
			continue
		}
		if hmac.Equal([]byte(parts[2]), []byte(s.deviceSignature(parts[0], parts[1]))) {
			ids, entries = append(ids, "id:"+parts[0]), append(entries, e)
		}
	}
	return ids, entries
}

// knownDevice tells whether the request comes from a browser that logged in to the account
// (named as accounts.LoginKey names it) before.
func (s *Server) knownDevice(r *http.Request, account string) bool {
	known, _ := s.knownDevices(r)
	return slices.Contains(known, account)
}

// rememberDevice marks the browser as a known device of the account it just logged in to.
func (s *Server) rememberDevice(w http.ResponseWriter, r *http.Request, id int64) {
	random := make([]byte, 16)
	rand.Read(random)
	accountID, device := strconv.FormatInt(id, 10), base64.RawURLEncoding.EncodeToString(random)
	entries := []string{accountID + "." + device + "." + s.deviceSignature(accountID, device)}
	known, old := s.knownDevices(r)
	for i, e := range old {
		if known[i] != "id:"+accountID && len(entries) < maxKnownAccounts {
			entries = append(entries, e)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: deviceCookieName, Value: strings.Join(entries, "~"), Path: "/",
		MaxAge: int(deviceCookieAge.Seconds()), HttpOnly: true, Secure: s.cfg.TransportSecurity != "disabled",
		SameSite: http.SameSiteLaxMode})
}

func (s *Server) logoutForm(w http.ResponseWriter, r *http.Request) {
	if !viewer(r).LoggedIn() {
		redirect(w, r, "/")
		return
	}
	s.render(w, r, http.StatusOK, "logout", s.t(r, "logout.title"), nil)
}

// logout ends the session; only by POST, so that a link cannot log anybody out.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.logOut(r); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/")
}

// setLanguage remembers the language a visitor chose (people set theirs in their settings).
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	l := s.catalog.Printer(f.Get("language")).Lang
	s.sessions.Put(r.Context(), sessionLanguage, l)
	redirect(w, r, safeNext(f.Get("next"), "/"))
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
