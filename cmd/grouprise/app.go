package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/user"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/journal"

	"grouprise.org/grouprise/internal/app"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/logging"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/systemd"
)

// options are where e looks for configuration.
func (e *env) options() config.Options {
	return config.Options{Env: e.environ, WorkDir: e.workDir, HomeDir: e.homeDir, SystemDir: e.systemConfigDir}
}

// loadConfig reads the configuration and returns it with a logger at its level. Unknown keys
// are logged as warnings; keys of the Django grouprise without effect only in debug mode.
func (e *env) loadConfig() (*config.Config, *slog.Logger, error) {
	cfg, err := config.Load(e.options())
	if err != nil {
		if os.Geteuid() != 0 && errors.Is(err, fs.ErrPermission) {
			// The package's configuration is root's and the service's only (it holds the
			// secret key): whoever may not read it is neither (see dropPrivileges).
			return nil, nil, fmt.Errorf("only root and the service user may run this command (%v)", err)
		}
		return nil, nil, err
	}
	level := slog.LevelInfo
	if cfg.Debug {
		level = slog.LevelDebug
	}
	log := logging.New(e.stderr, level, e.stderr == os.Stderr && underJournal())
	for _, w := range cfg.Warnings {
		l := slog.LevelWarn
		if w.Obsolete {
			l = slog.LevelDebug
		}
		log.Log(context.Background(), l, "configuration: "+w.Message, "file", w.File, "key", w.Key)
	}
	return cfg, log, nil
}

// loadConfigAsOwner loads the configuration and, started as root, becomes the owner of
// data_path (see openStore), for commands that read or write its files without the store.
func (e *env) loadConfigAsOwner() (*config.Config, error) {
	cfg, _, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	if err := dropPrivileges(cfg.DataPath); err != nil {
		return nil, err
	}
	return cfg, nil
}

// underJournal tells whether stderr goes to journald (a systemd unit's output).
func underJournal() bool {
	ok, err := journal.StderrIsJournalStream()
	return ok && err == nil
}

// openApp builds the application (store, catalog, letters, services) on a store with a
// current schema. A daemon's (daemon set) waits for `grouprise migrate` when systemd started it.
func (e *env) openApp(ctx context.Context, cfg *config.Config, log *slog.Logger, daemon bool) (*app.App, error) {
	open := e.openCurrentStore
	if daemon {
		open = func(ctx context.Context, cfg *config.Config) (*store.DB, error) {
			return e.openDaemonStore(ctx, cfg, log)
		}
	}
	return app.New(ctx, cfg, app.Options{Open: open, Log: log, Version: version})
}

// loadApp loads the configuration and builds the application on it (see openApp).
func (e *env) loadApp(ctx context.Context, daemon bool) (*app.App, error) {
	cfg, log, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	return e.openApp(ctx, cfg, log, daemon)
}

// withApp builds the application on a store with a current schema and runs fn.
func withApp(ctx context.Context, e *env, fn func(a *app.App) error) error {
	a, err := e.loadApp(ctx, false)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}

// listener is a daemon's socket: the one systemd passes by name, else one on addr (nil
// without an addr).
func listener(name, addr string) (net.Listener, error) {
	sockets, err := systemd.Passed()
	if err != nil {
		return nil, err
	}
	return sockets.Listener(name, addr)
}

// serveDaemon tells systemd that the daemon is ready, feeds systemd's watchdog while the
// store answers and serves l until ctx ends; what names the daemon in the log.
func serveDaemon(ctx context.Context, a *app.App, what string, l net.Listener, serve func(context.Context, net.Listener) error) error {
	systemd.Ready()
	go systemd.Watchdog(ctx, a.DB.Ping)
	a.Log.Info(what+" serving", "listen", l.Addr().String(), "database", a.DB.Location)
	err := serve(ctx, l)
	systemd.Stopping()
	a.Log.Info(what + " stopped")
	return err
}

// openStore opens the configured database. Started as root, the command first becomes the
// owner of data_path (the service user), so that files it creates belong to the daemons and
// PostgreSQL's peer authentication sees the service user.
func (e *env) openStore(ctx context.Context, cfg *config.Config, create bool) (*store.DB, error) {
	if err := dropPrivileges(cfg.DataPath); err != nil {
		return nil, err
	}
	return store.Open(ctx, cfg.Database, store.OpenOptions{Create: create})
}

// openCurrentStore opens the database and refuses an outdated schema.
func (e *env) openCurrentStore(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	db, err := e.openStore(ctx, cfg, false)
	if err != nil {
		return nil, err
	}
	if err := db.CheckSchema(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// migrationWait is how long a daemon started by systemd waits for `grouprise migrate`.
const migrationWait = 10 * time.Minute

// openDaemonStore opens the database for a daemon. Started by systemd before the schema is
// current — a request during a package upgrade, after the new binary was unpacked and before
// the postinst migrated — the daemon waits up to migrationWait for the migration instead of
// failing: requests and mail wait in systemd's socket meanwhile, and a failing daemon would
// soon make systemd give up the socket. Run by hand, it refuses an outdated schema at once.
func (e *env) openDaemonStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (*store.DB, error) {
	db, err := e.openStore(ctx, cfg, false)
	if err != nil {
		return nil, err
	}
	err = db.CheckSchema(ctx)
	if errors.Is(err, store.ErrSchemaOutdated) && systemd.Supervised() {
		err = waitForMigration(ctx, db, log, err)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// waitForMigration checks the schema every second until it is current, the wait is over or
// ctx ends; outdated is the first check's error.
func waitForMigration(ctx context.Context, db *store.DB, log *slog.Logger, outdated error) error {
	log.Warn("waiting for the database migration", "for", migrationWait, "err", outdated)
	systemd.Status("waiting for `grouprise migrate`")
	deadline := time.Now().Add(migrationWait)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	extended := time.Time{}
	for {
		if time.Since(extended) > 20*time.Second {
			systemd.StillStarting(time.Minute)
			extended = time.Now()
		}
		select {
		case <-ctx.Done():
			return outdated
		case <-tick.C:
		}
		err := db.CheckSchema(ctx)
		switch {
		case err == nil:
			log.Info("the database was migrated; starting")
			systemd.Status("")
			return nil
		case !errors.Is(err, store.ErrSchemaOutdated):
			return err
		case time.Now().After(deadline):
			return err
		}
	}
}

// dropPrivileges lets only root and the owner of dir (data_path) work on the site's data:
// root becomes that owner (unless it is root too), the owner goes on, anyone else is refused,
// as the Django grouprise's grouprisectl refused them. In the package the owner is the service
// user _grouprise; a developer's own data directory is the developer's. Without the directory
// there is nothing to protect yet (`grouprise check` reports it missing).
func dropPrivileges(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	euid := os.Geteuid()
	if euid != 0 {
		if uint32(euid) == st.Uid {
			return nil
		}
		return fmt.Errorf("only root and %s, the owner of %s, may run this command, not %s",
			userName(st.Uid), dir, userName(uint32(euid)))
	}
	if st.Uid == 0 {
		return nil
	}
	if err := syscall.Setgroups([]int{int(st.Gid)}); err != nil {
		return fmt.Errorf("become the owner of %s: %w", dir, err)
	}
	if err := syscall.Setgid(int(st.Gid)); err != nil {
		return fmt.Errorf("become the owner of %s: %w", dir, err)
	}
	if err := syscall.Setuid(int(st.Uid)); err != nil {
		return fmt.Errorf("become the owner of %s: %w", dir, err)
	}
	return nil
}

// userName is the login name of uid, or the number when it has none.
func userName(uid uint32) string {
	id := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(id); err == nil {
		return u.Username
	}
	return "uid " + id
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := e.flags("version", "")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "grouprise %s\n", version)
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(e.stdout, "built with %s\n", bi.GoVersion)
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.time" || s.Key == "-tags" {
				fmt.Fprintf(e.stdout, "%s %s\n", s.Key, s.Value)
			}
		}
	}
	return nil
}
