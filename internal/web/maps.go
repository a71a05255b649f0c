package web

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"grouprise.org/grouprise/internal/store"
)

type groupsMapData struct {
	Groups []*store.GroupSummary
	Embed  bool
}

func (d groupsMapData) bare() bool { return d.Embed }

// groupsMap shows the groups that are on the map; ?embed=1 is the same without the site's
// frame, for other sites to embed. Without JavaScript it is a list with links to the map
// service.
func (s *Server) groupsMap(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.Geo.Enabled {
		return errNotFound
	}
	list, err := s.db.SearchGroups(r.Context(), store.GroupQuery{HasLocation: true, Limit: 1000})
	if err != nil {
		return err
	}
	d := groupsMapData{Groups: list, Embed: r.URL.Query().Get("embed") == "1"}
	if d.Embed {
		// Other sites may frame the embedded map (and only it).
		w.Header().Set("Content-Security-Policy", s.csp(true))
		w.Header().Del("X-Frame-Options")
	}
	s.render(w, r, http.StatusOK, "groups_map", s.t(r, "geo.groups_map"), d)
	return nil
}

// leafletDir is where Debian's libjs-leaflet keeps Leaflet; the web server serves it at
// /javascript/leaflet/, and the daemon does too when it runs without one (make run).
const leafletDir = "/usr/share/javascript/leaflet"

func (s *Server) leaflet(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if !s.cfg.Geo.Enabled || filepath.Base(name) != name || strings.HasPrefix(name, ".") {
		return errNotFound
	}
	path := filepath.Join(leafletDir, name)
	if strings.Contains(r.URL.Path, "/images/") {
		path = filepath.Join(leafletDir, "images", name)
	}
	if _, err := os.Stat(path); err != nil {
		return errNotFound
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeFile(w, r, path)
	return nil
}
