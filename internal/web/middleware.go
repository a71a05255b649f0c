package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/metrics"
	"grouprise.org/grouprise/internal/oidcprovider"
	"grouprise.org/grouprise/internal/reports"
	"grouprise.org/grouprise/internal/store"
)

// middleware wraps the routes: panics become 500 pages; headers for security; requests from
// other origins may not change state; sessions; the viewer and their language.
func (s *Server) middleware(routes http.Handler) http.Handler {
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "error.cross_origin")
	}))
	h := s.withViewer(routes)
	h = s.sessions.LoadAndSave(h)
	h = csrf.Handler(h)
	h = s.withPageCache(h)
	// Static files need no session, no viewer and no language.
	mux := http.NewServeMux()
	mux.HandleFunc("/stadt/static/", func(w http.ResponseWriter, r *http.Request) {
		metrics.SetRoute(r, "GET /stadt/static/")
		s.serveStatic(w, r)
	})
	mux.Handle("/", h)
	if s.oidc != nil {
		// The provider's endpoints are for other services: no session, no page cache; its
		// login page is one of ours.
		mux.HandleFunc(oidcprovider.Path+"/", func(w http.ResponseWriter, r *http.Request) {
			metrics.SetRoute(r, oidcprovider.Path+"/")
			s.oidc.ServeHTTP(w, r)
		})
		mux.Handle(oidcprovider.LoginPath, h)
	}
	h = s.withSecurityHeaders(s.withMaintenance(mux))
	h = s.withRecovery(h)
	h = withClientAddress(h, s.cfg.Web.TrustedProxyNetworks())
	return s.withLog(h)
}

// clientKey holds the visitor's address in a request's context.
type clientKey struct{}

// withClientAddress finds the visitor's address once per request (see clientAddress).
func withClientAddress(next http.Handler, trusted []netip.Prefix) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := clientAddress(r.RemoteAddr, r.Header, trusted)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, a)))
	})
}

// statusWriter remembers the status of a response for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withLog logs server errors always and every request in debug mode.
func (s *Server) withLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		var route *string
		if s.metrics != nil {
			r, route = metrics.WithRoute(r)
		}
		next.ServeHTTP(sw, r)
		if route != nil {
			if *route == "" { // answered before routing (from the page cache, a refusal)
				_, *route = s.routesMux.Handler(r)
			}
			s.metrics.Observe(*route, r.Method, sw.status, time.Since(start))
		}
		if sw.status >= 500 {
			s.log.Warn("request failed", "method", r.Method, "path", r.URL.Path, "status", sw.status, "took", time.Since(start))
		} else {
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "took", time.Since(start))
		}
	})
}

// withRecovery turns a panic into a logged error and a 500 page; the daemon keeps serving.
func (s *Server) withRecovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				stack := string(debug.Stack())
				s.log.Error("panic while serving a request", "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", stack)
				s.report(r, fmt.Sprintf("panic: %v", p), stack)
				s.errorPage(w, r, http.StatusInternalServerError, "error.internal")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// withSecurityHeaders sets the content security policy and, unless transport_security is
// disabled, HSTS.
func (s *Server) withSecurityHeaders(next http.Handler) http.Handler {
	csp := s.csp(false)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "SAMEORIGIN")
		if s.cfg.TransportSecurity != "disabled" && s.secure(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// secure tells whether the visitor reached the site over HTTPS: directly, or (with
// transport_security: reverse-proxy) as the proxy says in X-Forwarded-Proto.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.cfg.TransportSecurity == "reverse-proxy" && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// withViewer loads the logged-in person (if any) and chooses the language.
func (s *Server) withViewer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = withGeneration(r)
		ctx := r.Context()
		v := access.Anonymous()
		if id := s.sessions.GetInt64(ctx, sessionUser); id != 0 {
			// The person and their memberships as of the store's generation.
			person, err := cached(s, r, "viewer:"+strconv.FormatInt(id, 10), func() (*access.Viewer, int, error) {
				g, err := s.db.GestaltByID(ctx, id)
				if err != nil {
					return nil, 0, err
				}
				pv, err := access.Load(ctx, s.db.Queries, g)
				return pv, 1024, err
			})
			switch {
			case errors.Is(err, store.ErrNotFound) || (err == nil && !person.Gestalt.IsActive):
				s.sessions.Remove(ctx, sessionUser) // the account is gone
			case err == nil && !s.sessionValid(r, person.Gestalt):
				s.sessions.Remove(ctx, sessionUser) // the password changed since this login
			case err != nil:
				s.fail(w, r, err)
				return
			default:
				v = person
			}
		}
		ctx = context.WithValue(ctx, viewerKey, v)
		ctx = context.WithValue(ctx, langKey, s.language(r, v))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// language is the viewer's language: their setting, the one they chose in this session, the
// browser's preference, or the site's.
func (s *Server) language(r *http.Request, v *access.Viewer) string {
	if v.LoggedIn() && v.Gestalt.Language != "" {
		return s.catalog.Printer(v.Gestalt.Language).Lang
	}
	if l := s.sessions.GetString(r.Context(), sessionLanguage); l != "" {
		return s.catalog.Printer(l).Lang
	}
	if l := s.catalog.Match(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	return s.catalog.Printer(s.cfg.LanguageCode).Lang
}

func lang(r *http.Request) string {
	l, _ := r.Context().Value(langKey).(string)
	return l
}

// report tells the administrators of an unexpected error while serving r, grouped by the
// route that failed.
func (s *Server) report(r *http.Request, summary, detail string) {
	if s.reports == nil {
		return
	}
	_, pattern := s.routesMux.Handler(r)
	if pattern == "" {
		pattern = r.URL.Path
	}
	s.reports.Report(context.WithoutCancel(r.Context()), reports.Event{Where: pattern, Summary: summary,
		Detail: fmt.Sprintf("%s %s\n\n%s", r.Method, r.URL.RequestURI(), detail)})
}

// csp is the content security policy: this origin only, plus the map tiles' servers when
// maps are on; embeddable pages may be framed anywhere.
func (s *Server) csp(embeddable bool) string {
	img := "img-src 'self' data:"
	if s.cfg.Geo.Enabled {
		if u, err := url.Parse(strings.ReplaceAll(s.cfg.Geo.TileServer.URL, "{s}.", "")); err == nil && u.Host != "" {
			host := u.Host
			if strings.Contains(s.cfg.Geo.TileServer.URL, "{s}.") {
				host = "*." + host
			}
			img += " " + u.Scheme + "://" + host
		}
	}
	frames := "frame-ancestors 'self'"
	if embeddable {
		frames = "frame-ancestors *"
	}
	c := s.cfg.CSP
	policy := "default-src " + cspSources("'self'", c.DefaultSrc) + "; " + img + "; style-src 'self' 'unsafe-inline'; " +
		"script-src " + cspSources("'self'", c.ScriptSrc, inlineScriptHashes(s.cfg.Scripts)) + "; "
	if len(c.ConnectSrc) > 0 {
		policy += "connect-src " + cspSources("'self'", c.ConnectSrc) + "; "
	}
	return policy + "object-src 'none'; base-uri 'self'; form-action 'self' https:; " + frames
}
