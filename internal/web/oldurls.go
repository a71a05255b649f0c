package web

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/store"
)

// The Django grouprise's addresses that have no page of their own here lead to the page
// that does the same today, so that links in old mails, bookmarks and texts keep working.

// oldSocialLogin answers the pages of django-allauth for logins through other services
// (cancelled, failed, the signup after one), which the Django grouprise served although no
// service was set up: they lead to the login.
func (s *Server) oldSocialLogin(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/stadt/login/", http.StatusFound)
	return nil
}

// oldMedia answers /stadt/media/<name>, where the Django grouprise's web server handed out
// uploaded files and pictures: a content picture goes to /-/images/ and a picture of a person
// or group to its place below /-/ (public, as there), a file to /-/files/ for those who may
// fetch it. A name the Django grouprise or the import changed (old_media_names) leads to
// the file under its new name. To everybody else a file they may not see answers exactly as
// a missing one, so that the address does not tell that it exists.
func (s *Server) oldMedia(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	name := r.PathValue("name")
	if n, err := s.db.OldMediaName(ctx, name); err == nil {
		name = n
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if dir, base, ok := strings.Cut(name, "/"); ok {
		if !slices.Contains(store.PictureDirs, dir) || !files.ValidName(base) {
			return errNotFoundOrLogin
		}
		return s.oldPicture(w, r, dir, base)
	}
	if !files.ValidName(name) {
		return errNotFoundOrLogin
	}
	if _, err := s.db.ImageByFile(ctx, name); err == nil {
		http.Redirect(w, r, "/-/images/"+url.PathEscape(name), http.StatusMovedPermanently)
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	u, err := s.db.FileByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		// An import before schema version 5 kept the bare names of pictures of people and
		// groups; they have their directory now.
		for _, dir := range store.PictureDirs {
			if err := s.oldPicture(w, r, dir, name); !errors.Is(err, errNotFoundOrLogin) {
				return err
			}
		}
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

// oldPicture leads to dir/name if a person or group uses it as a picture.
func (s *Server) oldPicture(w http.ResponseWriter, r *http.Request, dir, name string) error {
	used, err := s.db.PictureInUse(r.Context(), dir+"/"+name)
	if err != nil {
		return err
	}
	if !used {
		return errNotFoundOrLogin
	}
	http.Redirect(w, r, "/-/"+dir+"/"+url.PathEscape(name), http.StatusMovedPermanently)
	return nil
}

// oldMediaPaths hands the Django grouprise's media URLs with directories in them (names
// from before grouprise 5.0) to h before the routes see them: no route pattern can take
// /stadt/media/<dirs>/<name> beside the patterns of /<entity>/<content>/…. A path that is not
// clean goes to the routes, which clean it first.
func oldMediaPaths(routes, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/stadt/media/")
		if ok && (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.Contains(name, "/") &&
			path.Clean("/"+name) == "/"+name {
			r.SetPathValue("name", name)
			h.ServeHTTP(w, r)
			return
		}
		routes.ServeHTTP(w, r)
	})
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
