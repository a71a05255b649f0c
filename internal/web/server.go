// Package web is grouprise's HTTP front end: routing (one function), sessions, rendering of
// templates in the visitor's language, and one handler per page and action.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/app"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/images"
	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/memo"
	"grouprise.org/grouprise/internal/memory"
	"grouprise.org/grouprise/internal/mentions"
	"grouprise.org/grouprise/internal/metrics"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/oidcprovider"
	"grouprise.org/grouprise/internal/polls"
	"grouprise.org/grouprise/internal/reports"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/static"
)

// Deps are what the web front end works with; main wires them.
type Deps struct {
	Config   *config.Config
	DB       *store.DB
	Catalog  *i18n.Catalog
	Notifier *notify.Notifier
	Log      *slog.Logger
	// Wake tells the task runner that jobs wait (after a commit that queued some).
	Wake func()
	// Metrics counts requests (nil: metrics are off); Reports tells the administrators of
	// panics and failed pages (nil: logged only).
	Metrics *metrics.HTTP
	Reports *reports.Reporter
	// OIDC is the OpenID Connect provider (nil: oidc_provider.enabled is off).
	OIDC *oidcprovider.Provider
	// Services are the domain services the handlers call (nil: wired here from Config, DB
	// and Notifier, as app.New wires them).
	Services *app.Services
	// Images decodes pictures, a bounded number at once for the whole process (nil: a
	// Renderer of its own with two slots).
	Images *images.Renderer

	// testRoutes adds routes in this package's tests (a handler that panics).
	testRoutes func(*http.ServeMux)
}

// workMemory (KiB) is what password hashing and picture decoding may use together at once:
// two argon2id hashes and a picture of 16 megapixels.
const workMemory = 96 * 1024

// Server serves the site.
type Server struct {
	cfg           *config.Config
	db            *store.DB
	metrics       *metrics.HTTP
	reports       *reports.Reporter
	oidc          *oidcprovider.Provider
	catalog       *i18n.Catalog
	notifier      *notify.Notifier
	log           *slog.Logger
	wake          func()
	accounts      *accounts.Accounts
	groups        *groups.Groups
	conversations *conversations.Conversations
	contents      *contents.Service
	polls         *polls.Service
	federation    *federation.Service
	markdown      *markdown.Renderer
	images        *images.Renderer
	sessions      *scs.SessionManager
	views         *views
	assets        map[string]*static.Asset
	handler       http.Handler
	routesMux     *http.ServeMux // the routes, to name the pattern of a failed request
	testRoutes    func(*http.ServeMux)
	site          siteCache
	// cache keeps pages of anonymous visitors for a moment; nil when off.
	cache *pageCache
	// memo keeps what pages computed from the store until the store changes.
	memo *memo.Cache
	// loginChecks bounds password checks to one per client address at a time.
	loginChecks checksInFlight
	// buffers are reused for rendering, so that a busy daemon does not grow one per page.
	buffers sync.Pool
	now     func() time.Time
}

// New parses every template and prepares the routes; a broken template fails here.
func New(d Deps) (*Server, error) {
	svc := d.Services
	if svc == nil {
		svc = app.NewServices(d.Config, d.DB, d.Notifier)
	}
	s := &Server{
		cfg: d.Config, db: d.DB, catalog: d.Catalog, notifier: d.Notifier, log: d.Log, wake: d.Wake,
		metrics: d.Metrics, reports: d.Reports, oidc: d.OIDC, testRoutes: d.testRoutes,
		accounts: svc.Accounts, groups: svc.Groups, conversations: svc.Conversations, contents: svc.Contents,
		polls: svc.Polls, federation: svc.Federation,
		markdown: markdown.New(d.Config.BaseURL(), mentions.Resolver{Q: d.DB.Queries}),
		now:      time.Now,
		memo:     memo.New(memoBytes),
	}
	if s.wake == nil {
		s.wake = func() {}
	}
	// Password hashes and decoded pictures take their memory from one budget, so that a
	// flood of logins and uploads together stays as small as either alone.
	work := memory.NewBudget(workMemory)
	s.accounts.ShareMemory(work)
	if s.images = d.Images; s.images == nil {
		s.images = images.NewRenderer(2).ShareMemory(work)
	}
	var err error
	if s.assets, err = static.Assets(); err != nil {
		return nil, err
	}
	if s.views, err = loadViews(d.Config, d.Catalog, s.assets); err != nil {
		return nil, err
	}
	s.sessions = newSessions(d.DB, d.Config)
	if d.Config.Web.AnonymousCache > 0 {
		s.cache = &pageCache{ttl: time.Duration(d.Config.Web.AnonymousCache) * time.Second, entries: map[string]*cachedPage{}}
	}
	s.handler = s.middleware(s.routes())
	return s, nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Serve answers requests on l until ctx ends, then finishes the requests in flight (for at
// most 30 seconds).
//
// It stops without http.Server.Shutdown's haste: Shutdown closes a connection unanswered when
// it reads the request only after the shutdown began, and behind systemd's socket such a
// connection was accepted from the queue that the next daemon would have answered (nginx
// showed 502 for one request in about 600 during an upgrade). So Serve stops accepting, lets
// every accepted connection be read and answered (without keep-alive), and only then shuts
// the server down.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	var open atomic.Int64 // accepted connections not yet closed
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ConnState: func(_ net.Conn, state http.ConnState) {
			switch state {
			case http.StateNew:
				open.Add(1)
			case http.StateClosed, http.StateHijacked:
				open.Add(-1)
			}
		},
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return fmt.Errorf("web: %w", err)
	case <-ctx.Done():
	}
	srv.SetKeepAlivesEnabled(false) // each answer closes its connection; idle ones close now
	l.Close()
	// Serve returns after its last Accept, so every connection it accepted is counted.
	if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("web: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for open.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
		return fmt.Errorf("web: requests still running after 30 seconds: %w", err)
	}
	return nil
}
