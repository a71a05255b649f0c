package web

import (
	"net/http"
	"os"
	"strings"
)

// withMaintenance closes the site while maintenance_mode is configured or its flag file
// exists (touched by hand or by an upgrade): every page and form answers 503 with the
// maintenance page, as the Django grouprise's uwsgi did, so that nothing changes meanwhile.
// Static files still come, for the page's own style; the command line works as ever.
func (s *Server) withMaintenance(next http.Handler) http.Handler {
	configured, flag := s.cfg.MaintenanceMode, s.cfg.MaintenanceFlag()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (configured || flagExists(flag)) && !strings.HasPrefix(r.URL.Path, "/stadt/static/") {
			w.Header().Set("Retry-After", "60")
			s.errorPage(w, r, http.StatusServiceUnavailable, "error.maintenance")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// flagExists tells whether the file path exists; a stat per request costs a microsecond.
func flagExists(path string) bool {
	if path == "" {
		return false
	}
	_, err := os.Stat(path)
	return err == nil
}
