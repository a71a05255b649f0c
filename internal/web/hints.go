package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"grouprise.org/grouprise/internal/accounts"
)

// Hints are boxes that explain a page until the visitor dismisses them (F15): remembered per
// person in their settings, for visitors without an account in their session.
var hintNames = []string{
	"intro",                 // the start page's introduction of the site and its operators
	"groups-order",          // the group directory: how the groups are ordered
	"conversations-private", // a group's conversations: only members and participants see them
}

const sessionHints = "hints"

// ShowHint tells whether the page shows the hint name: not once the viewer dismissed it.
// The dismissed hints are read on the first call only, so pages without hints read nothing.
func (p *page) ShowHint(name string) bool {
	if p.hints == nil {
		return true
	}
	if p.dismissed == nil {
		p.dismissed = p.hints()
	}
	return !p.dismissed[name]
}

// dismissedHints reads what the viewer dismissed: a failure shows the hints.
func (s *Server) dismissedHints(r *http.Request) func() map[string]bool {
	return func() map[string]bool {
		if v := viewer(r); v.LoggedIn() {
			m, err := cached(s, r, "person:"+strconv.FormatInt(v.ID(), 10)+":hints", func() (map[string]bool, int, error) {
				m, err := s.accounts.DismissedHints(r.Context(), v.ID())
				return m, 64 + 32*len(m), err
			})
			if err != nil {
				s.log.Warn("reading dismissed hints failed", "err", err)
			}
			return m
		}
		out := map[string]bool{}
		if list, ok := s.sessions.Get(r.Context(), sessionHints).([]string); ok {
			for _, n := range list {
				out[n] = true
			}
		}
		return out
	}
}

// dismissHint remembers that the viewer has seen enough of a hint, and goes back (the
// script of the pages does the same without leaving the page).
func (s *Server) dismissHint(w http.ResponseWriter, r *http.Request) error {
	f := newForm(r)
	name := f.Get("name")
	if !slices.Contains(hintNames, name) {
		return errNotFound
	}
	if v := viewer(r); v.LoggedIn() {
		err := s.accounts.DismissHint(r.Context(), v.ID(), name)
		if errors.Is(err, accounts.ErrTooManySettings) {
			s.log.Info("a hint stays: the person has the most settings allowed", "gestalt", v.ID())
		} else if err != nil {
			return err
		}
	} else {
		list, _ := s.sessions.Get(r.Context(), sessionHints).([]string)
		if !slices.Contains(list, name) {
			s.sessions.Put(r.Context(), sessionHints, append(list, name))
		}
	}
	if r.Header.Get("Accept") == "application/json" {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	redirect(w, r, safeNext(f.Get("next"), "/"))
	return nil
}
