package main

import (
	"context"
	"os"
	"runtime/debug"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/metrics"
	"grouprise.org/grouprise/internal/oidcprovider"
	"grouprise.org/grouprise/internal/web"
)

// runWeb is the web daemon: HTTP on the socket systemd passes (name "web") or on web.listen.
// webMemoryLimit is the web daemon's soft memory limit (bytes): its budget for hashing and
// pictures (96 MiB) and its usual heap.
const webMemoryLimit = 112 << 20

func runWeb(ctx context.Context, e *env, args []string) error {
	if _, err := parse(e.flags("web", ""), args, 0, 0); err != nil {
		return err
	}
	cfg, log, err := e.loadConfig()
	if err != nil {
		return err
	}
	// A small live heap (templates, a few pages in flight): collect at 1.5× instead of 2×, so
	// that the daemon stays small beside its neighbours.
	debug.SetGCPercent(50)
	// And a soft limit, unless GOMEMLIMIT sets another: during a flood of logins and uploads
	// the collector gives the memory of finished work back before new work adds to it (the
	// work itself is bounded by the web server's memory budget).
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(webMemoryLimit)
	}
	if cfg.SecretKey == "" {
		return &config.Error{Key: "secret_key", Msg: "not set; the web daemon needs a random secret of at least 16 characters"}
	}
	a, err := e.openApp(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer a.Close()
	reg, rep, err := a.Observe(ctx, "web", true)
	if err != nil {
		return err
	}
	var httpMetrics *metrics.HTTP
	if reg != nil {
		httpMetrics = reg.NewHTTP()
	}
	var provider *oidcprovider.Provider
	if cfg.OIDCProvider.Enabled {
		provider, err = oidcprovider.New(oidcprovider.Options{BaseURL: cfg.BaseURL(), SecretKey: cfg.SecretKey,
			DB: a.DB, Keys: oidcKeys(cfg), Log: log})
		if err != nil {
			return err
		}
	}
	srv, err := web.New(web.Deps{Config: cfg, DB: a.DB, Catalog: a.Catalog, Notifier: a.Notifier, Services: a.Services,
		Log: log, Wake: a.Wake, Metrics: httpMetrics, Reports: rep, OIDC: provider})
	if err != nil {
		return err
	}
	if reg != nil {
		reg.Memo(srv.MemoStats)
	}
	l, err := listener("web", cfg.Web.Listen)
	if err != nil {
		return err
	}
	return serveDaemon(ctx, a, "web daemon", l, srv.Serve)
}
