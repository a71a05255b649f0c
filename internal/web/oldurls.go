package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/store"
)

// The Django grouprise's addresses that have no page of their own here lead to the page
// that does the same today, so that links in old mails, bookmarks and texts keep working.

// oldMedia answers /stadt/media/<name>, where the Django grouprise's web server handed out
// uploaded files and pictures (import-django keeps them under their names): a picture goes
// to /-/images/ (public, as there), a file to /-/files/ for those who may fetch it. To
// everybody else a file they may not see answers exactly as a missing one, so that the
// address does not tell that it exists.
func (s *Server) oldMedia(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if !files.ValidName(name) {
		return errNotFoundOrLogin
	}
	ctx := r.Context()
	if _, err := s.db.ImageByFile(ctx, name); err == nil {
		http.Redirect(w, r, "/-/images/"+url.PathEscape(name), http.StatusMovedPermanently)
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	u, err := s.db.FileByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFoundOrLogin
	} else if err != nil {
		return err
	}
	allowed, err := s.mayDownload(ctx, viewer(r), u)
	if err != nil {
		return err
	}
	if !allowed {
		return errNotFoundOrLogin
	}
	// The answer depends on who asks: no shared cache may keep it.
	w.Header().Set("Cache-Control", "private")
	http.Redirect(w, r, "/-/files/"+url.PathEscape(name), http.StatusMovedPermanently)
	return nil
}

// oldAbuseLinks hands the Django grouprise's report links to h before the routes see
// them: their path= segment holds a whole path, which no route pattern can take beside
// the patterns of /<entity>/<content>/….
func oldAbuseLinks(routes, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.HasPrefix(r.URL.Path, abusePrefix) {
			h.ServeHTTP(w, r)
			return
		}
		routes.ServeHTTP(w, r)
	})
}

// abusePrefix starts the Django grouprise's report links.
const abusePrefix = "/stadt/abuse/path="

// oldAbuseLink answers the Django grouprise's report link /stadt/abuse/path=<path> with the
// report form for that page; a path that is not one of this site's is no report link.
func (s *Server) oldAbuseLink(w http.ResponseWriter, r *http.Request) error {
	reported, ok := strings.CutPrefix(r.URL.EscapedPath(), abusePrefix)
	if !ok {
		return errNotFound
	}
	if r.URL.RawQuery != "" {
		reported += "?" + r.URL.RawQuery
	}
	target, ok := localTarget(reported)
	if !ok {
		return errNotFound
	}
	http.Redirect(w, r, "/stadt/abuse/?path="+url.QueryEscape(target), http.StatusMovedPermanently)
	return nil
}

// oldApplyLink answers the Django grouprise's link /stadt/associations/<pk>/apply/, which
// offered the membership application in a conversation with a closed group: those who may
// see the conversation go to the application to its group, which checks the rest.
func (s *Server) oldApplyLink(w http.ResponseWriter, r *http.Request) error {
	a, err := s.conversationOfPath(r)
	if err != nil {
		return err
	}
	if a.GroupID == 0 {
		return errNotFound
	}
	w.Header().Set("Cache-Control", "private")
	http.Redirect(w, r, "/stadt/groups/"+itoa(a.GroupID)+"/conversations/add/?apply_for_membership=1", http.StatusMovedPermanently)
	return nil
}
