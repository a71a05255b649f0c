package web

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
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
	if f.Valid() {
		g, err := s.authenticate(r, name, f.Raw("password"))
		switch {
		case errors.Is(err, errTooManyAttempts):
			f.Error = s.t(r, "login.too_many", "Minutes", int(loginWindow.Minutes()))
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
			s.flash(r, msgSuccess, s.t(r, "login.welcome", "Name", g.Name()))
			redirect(w, r, next)
			return
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "login", s.t(r, "login.title"), loginData{Form: f, Next: next, Again: again})
}

// errTooManyAttempts: the account or the client address had too many failed logins lately.
var errTooManyAttempts = errors.New("web: too many failed logins")

// authenticate checks a password, for the login form and the feeds' HTTP Basic auth alike.
// Failed attempts count per account (all spellings of its username and addresses together,
// as accounts.LoginKey names it) and per client address; past either limit even the right
// password is refused (errTooManyAttempts) until loginWindow has passed. A check that had to
// give way to others (accounts.ErrBusy) is no failed attempt.
func (s *Server) authenticate(r *http.Request, login, password string) (*store.Gestalt, error) {
	ctx := r.Context()
	account, err := s.accounts.LoginKey(ctx, login)
	if err != nil {
		return nil, err
	}
	keys := []struct {
		key   string
		limit int
	}{{"login:account:" + account, loginPerAccount}, {"login:ip:" + addressKey(clientIP(r)), loginPerAddress}}
	for _, k := range keys {
		n, err := s.db.Attempts(ctx, k.key, s.now(), loginWindow)
		if err != nil {
			return nil, err
		}
		if n >= k.limit {
			return nil, errTooManyAttempts
		}
	}
	g, err := s.accounts.Authenticate(ctx, login, password)
	if errors.Is(err, accounts.ErrBadLogin) {
		for _, k := range keys {
			if _, err := s.db.CountAttempt(ctx, k.key, s.now(), loginWindow); err != nil {
				return nil, err
			}
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if err := s.db.ResetAttempts(ctx, keys[0].key); err != nil {
		return nil, err
	}
	return g, nil
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
