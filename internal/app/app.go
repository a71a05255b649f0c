// Package app builds grouprise once per process: the store, the message catalog, the mail
// letters and the domain services wired from the configuration, for every command and daemon.
package app

import (
	"context"
	"errors"
	"log/slog"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/metrics"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/polls"
	"grouprise.org/grouprise/internal/reports"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/wakeup"
)

// Services are the domain services, each wired once from the configuration: groups call the
// hook scripts and keep the Matrix rooms in step wherever a group changes, whoever changes it.
type Services struct {
	Accounts      *accounts.Accounts
	Groups        *groups.Groups
	Conversations *conversations.Conversations
	Contents      *contents.Service
	Polls         *polls.Service
	Federation    *federation.Service
}

// NewServices wires the domain services on db. letters sends the mails that confirm
// addresses and invite people (nil: none are sent, such requests fail).
func NewServices(cfg *config.Config, db *store.DB, letters *notify.Notifier) *Services {
	var l accounts.Letters
	if letters != nil {
		l = letters // a nil *Notifier in the interface would look like a mail service
	}
	fed := federation.New(db, cfg, federation.Options{})
	return &Services{
		Accounts:      accounts.New(db, cfg.SlugReserved, l),
		Groups:        groups.New(db, cfg.SlugReserved, l).WithHooks(len(cfg.HookScriptPaths) > 0).WithChat(cfg.ChatDomain()).WithFediverse(fed),
		Conversations: conversations.New(db).WithFediverse(fed),
		Contents:      contents.New(db).WithFederation(fed),
		Polls:         polls.New(db),
		Federation:    fed,
	}
}

// Options are what a command decides about its App.
type Options struct {
	// Open opens the store. The command line passes its own: it drops root's privileges
	// first, refuses an outdated schema and, for a daemon started by systemd, waits for
	// `grouprise migrate`.
	Open func(ctx context.Context, cfg *config.Config) (*store.DB, error)
	// Log is the process's logger (nil: discarded).
	Log *slog.Logger
	// Version names the build in metrics and error reports.
	Version string
}

// App is one process's grouprise: configuration, store, catalog, letters and services.
type App struct {
	Config   *config.Config
	Log      *slog.Logger
	DB       *store.DB
	Catalog  *i18n.Catalog
	Notifier *notify.Notifier
	*Services

	version string
}

// New opens the store with opts.Open and wires everything on it; Close releases it.
func New(ctx context.Context, cfg *config.Config, opts Options) (*App, error) {
	if opts.Open == nil {
		return nil, errors.New("app: no way to open the store")
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, err := opts.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	catalog, err := i18n.Load()
	if err != nil {
		db.Close()
		return nil, err
	}
	notifier, err := notify.New(cfg, catalog)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &App{Config: cfg, Log: log, DB: db, Catalog: catalog, Notifier: notifier,
		Services: NewServices(cfg, db, notifier), version: opts.Version}, nil
}

// Close closes the store.
func (a *App) Close() error { return a.DB.Close() }

// Wake tells the task runner that jobs wait (after a commit that queued some).
func (a *App) Wake() { wakeup.Send(a.Config.Tasks.Listen) }

// Observe prepares a daemon's metrics (served on metrics.listen, if set, until ctx ends) and
// its error reports (mail to log_recipient_emails, Sentry with sentry.dsn). serve is false
// for one-off runs (tasks --once), which must not take the daemon's listener.
func (a *App) Observe(ctx context.Context, daemon string, serve bool) (*metrics.Registry, *reports.Reporter, error) {
	cfg := a.Config
	addr, err := metrics.Address(cfg.Metrics.Listen, daemon)
	if err != nil {
		return nil, nil, &config.Error{Key: "metrics.listen", Msg: err.Error()}
	}
	var reg *metrics.Registry
	if addr != "" && serve {
		reg = metrics.New(daemon, a.version)
		reg.DB(a.DB.PoolStats)
		go func() {
			if err := reg.Serve(ctx, addr, a.Log); err != nil {
				a.Log.Error("metrics are not served", "err", err)
			}
		}()
	}
	sentryClient, err := reports.NewSentry(cfg.Sentry.DSN, a.version, daemon, cfg.Sentry.InitOptions)
	if err != nil {
		return nil, nil, &config.Error{Key: "sentry.dsn", Msg: err.Error()}
	}
	site, err := a.DB.SiteSetting(ctx, "name", cfg.Domain)
	if err != nil {
		return nil, nil, err
	}
	rep := &reports.Reporter{DB: a.DB, Daemon: daemon, Recipients: cfg.LogRecipientEmails, From: cfg.DefaultFromEmail,
		Site: site, Log: a.Log, Sentry: sentryClient}
	return reg, rep, nil
}
