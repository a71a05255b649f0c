package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/store"
)

// errorData is what an error page shows.
type errorData struct {
	Code    int
	Message string
	// Login, when set, is the page to return to after a login the error page offers.
	Login string
}

// errorPage renders the page for an HTTP error with a translated explanation.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, code int, msgID string) {
	if lang(r) == "" {
		// Refused before the session was read (another origin, an early panic): the browser's
		// language or the site's.
		l := s.catalog.Match(r.Header.Get("Accept-Language"))
		if l == "" {
			l = s.catalog.Printer(s.cfg.LanguageCode).Lang
		}
		r = r.WithContext(context.WithValue(r.Context(), langKey, l))
	}
	s.render(w, r, code, "error", http.StatusText(code), errorData{Code: code, Message: s.t(r, msgID)})
}

// fail answers an unexpected error: logged with its cause, a 500 page for the visitor.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if errors.Is(err, accounts.ErrBusy) {
		s.serviceBusy(w, r)
		return
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	if !errors.Is(err, context.Canceled) { // the visitor left: nothing to report
		s.report(r, err.Error(), fmt.Sprintf("%+v", err))
	}
	s.errorPage(w, r, http.StatusInternalServerError, "error.internal")
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "error.not_found")
}

// notFoundOrLogin is 404 for what is missing or hidden alike; a visitor who is not logged in
// is offered the login, which leads back here.
func (s *Server) notFoundOrLogin(w http.ResponseWriter, r *http.Request) {
	if viewer(r).LoggedIn() {
		s.notFound(w, r)
		return
	}
	s.render(w, r, http.StatusNotFound, "error", http.StatusText(http.StatusNotFound), errorData{Code: http.StatusNotFound,
		Message: s.t(r, "error.not_found_or_login"), Login: "/stadt/login/?next=" + url.QueryEscape(r.URL.EscapedPath())})
}

// forbidden sends anonymous visitors to the login (and back afterwards); a logged-in person
// gets 403, as the original's permission checks did.
func (s *Server) forbidden(w http.ResponseWriter, r *http.Request) {
	if !viewer(r).LoggedIn() {
		s.redirectToLogin(w, r)
		return
	}
	s.errorPage(w, r, http.StatusForbidden, "error.forbidden")
}

func (s *Server) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = r.URL.EscapedPath()
	}
	http.Redirect(w, r, "/stadt/login/?next="+url.QueryEscape(next), http.StatusFound)
}

// redirect answers a form with 303 See Other, so that reloading does not post again.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
