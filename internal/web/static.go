package web

import (
	"net/http"
	"strings"
)

// serveStatic answers /stadt/static/<name>; with the content hash in ?v= the answer may be
// cached for good.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets[strings.TrimPrefix(r.URL.Path, "/stadt/static/")]
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+a.Hash+`"`)
	if r.URL.Query().Get("v") == a.Hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=3600")
	}
	if r.Header.Get("If-None-Match") == `"`+a.Hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(a.Data)
}

// robots keeps crawlers where the Django grouprise kept them (out of the report form, the
// login, the sign-up and the tag pages; prefixes, as there) and away from the pages only
// people use. Public pages, files and pictures stay open to search engines, as there.
func (s *Server) robots(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write([]byte("User-agent: *\nDisallow: /stadt/abuse\nDisallow: /stadt/login\nDisallow: /stadt/signup\nDisallow: /stadt/tags\n" +
		"Disallow: /stadt/password/\nDisallow: /stadt/settings/\nDisallow: /stadt/search\nDisallow: /stadt/groups/join/\n" +
		"Disallow: /stadt/unsubscribe/\n"))
}
