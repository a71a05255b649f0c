package web

import (
	"errors"
	"net/http"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
)

// handler is a page's handler that returns what went wrong instead of answering it itself;
// routes.go adapts it with Server.handle, the one place that turns errors into answers.
// A handler that answered (a page, a redirect, a form shown again with 422 and its
// messages) returns nil.
type handler func(w http.ResponseWriter, r *http.Request) error

// The errors a handler returns for the usual refusals.
var (
	// errNotFound: 404, for what is missing and for what is hidden from the viewer alike.
	errNotFound = errors.New("web: not found")
	// errNotFoundOrLogin: 404 that offers a visitor who is not logged in the login.
	errNotFoundOrLogin = errors.New("web: not found, or hidden from visitors")
	// errForbidden: a visitor who is not logged in goes to the login, others get 403.
	errForbidden = errors.New("web: forbidden")
)

// handle adapts a handler to net/http: not found → 404, forbidden → the login or 403, a
// busy server → 503, anything else → 500 with the error logged and reported.
func (s *Server) handle(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.answerError(w, r, err)
		}
	}
}

// answerError answers a handler's error.
func (s *Server) answerError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, errNotFound), errors.Is(err, store.ErrNotFound):
		s.notFound(w, r)
	case errors.Is(err, errNotFoundOrLogin):
		s.notFoundOrLogin(w, r)
	case errors.Is(err, errForbidden), errors.Is(err, contents.ErrNotAllowed):
		s.forbidden(w, r)
	default:
		s.fail(w, r, err)
	}
}
