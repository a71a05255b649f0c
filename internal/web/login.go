package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/accounts"
)

// Login attempts allowed within loginWindow, per account and per address.
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

// login checks the password of an account named by username or e-mail address. Failed
// attempts are counted per account and per address; past the limit even the right password
// waits until the window has passed.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	next := safeNext(f.Get("next"), "/")
	again := f.Get("again") != ""
	if viewer(r).LoggedIn() && !again {
		redirect(w, r, next)
		return
	}
	ctx := r.Context()
	name := strings.ToLower(f.Get("login"))
	if name == "" {
		f.Fail("login", s.t(r, "form.required"))
	}
	if f.Raw("password") == "" {
		f.Fail("password", s.t(r, "form.required"))
	}
	keys := []struct {
		key   string
		limit int
	}{{"login:account:" + name, loginPerAccount}, {"login:ip:" + clientIP(r), loginPerAddress}}
	if f.Valid() {
		for _, k := range keys {
			n, err := s.db.Attempts(ctx, k.key, s.now(), loginWindow)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if n >= k.limit {
				f.Error = s.t(r, "login.too_many", "Minutes", int(loginWindow.Minutes()))
			}
		}
	}
	if f.Valid() {
		g, err := s.accounts.Authenticate(ctx, name, f.Raw("password"))
		switch {
		case errors.Is(err, accounts.ErrBadLogin):
			for _, k := range keys {
				if _, err := s.db.CountAttempt(ctx, k.key, s.now(), loginWindow); err != nil {
					s.fail(w, r, err)
					return
				}
			}
			f.Error = s.t(r, "login.wrong")
		case err != nil:
			s.fail(w, r, err)
			return
		default:
			if err := s.db.ResetAttempts(ctx, keys[0].key); err != nil {
				s.fail(w, r, err)
				return
			}
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
