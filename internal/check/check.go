// Package check inspects an installation for `grouprise check`: configuration, directories
// and their permissions, the database and its schema, and the way out for mail.
package check

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
)

// Result is the outcome of one check: a line of `grouprise check`.
type Result struct {
	Name    string
	Problem bool
	Detail  string
}

func ok(name, format string, args ...any) Result {
	return Result{Name: name, Detail: fmt.Sprintf(format, args...)}
}

func problem(name, format string, args ...any) Result {
	return Result{Name: name, Problem: true, Detail: fmt.Sprintf(format, args...)}
}

// Run checks everything that does not depend on a running daemon.
func Run(ctx context.Context, cfg *config.Config) []Result {
	var results []Result
	results = append(results, configuration(cfg)...)
	results = append(results, directories(cfg)...)
	results = append(results, database(ctx, cfg)...)
	results = append(results, mail(ctx, cfg))
	return results
}

func configuration(cfg *config.Config) []Result {
	src := cfg.Dir
	if src == "" && len(cfg.Sources) > 0 {
		src = cfg.Sources[0]
	}
	results := []Result{ok("config", "%s (%d files)", src, len(cfg.Sources))}
	for _, w := range cfg.Warnings {
		if w.Obsolete { // keys of the Django grouprise that do nothing here: said, not a problem
			results = append(results, ok("config", "%s", w))
		} else {
			results = append(results, problem("config", "%s", w))
		}
	}
	if cfg.SecretKey == "" {
		results = append(results, problem("secret_key", "not set; the web daemon needs a random secret of at least 16 characters"))
	}
	return results
}

func directories(cfg *config.Config) []Result {
	results := []Result{
		writableDir("data_path", cfg.DataPath),
		writableDir("media_root", cfg.MediaRoot),
		writableDir("backup_path", cfg.BackupPath),
	}
	for i, d := range cfg.TemplateDirectories {
		name := "template_directories[" + strconv.Itoa(i) + "]"
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			results = append(results, problem(name, "%s is not a directory", d))
		} else {
			results = append(results, ok(name, "%s", d))
		}
	}
	return results
}

// writableDir checks that dir exists and that this process (the service user, when
// `grouprise check` was started as root) may create files in it.
func writableDir(name, dir string) Result {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return problem(name, "%s does not exist", dir)
	case err != nil:
		return problem(name, "%s: %v", dir, err)
	case !fi.IsDir():
		return problem(name, "%s is not a directory", dir)
	}
	if err := syscall.Access(dir, 2|1); err != nil { // W_OK|X_OK
		return problem(name, "%s is not writable for %s", dir, whoami())
	}
	return ok(name, "%s writable for %s", dir, whoami())
}

func whoami() string {
	return "uid " + strconv.Itoa(os.Geteuid())
}

func database(ctx context.Context, cfg *config.Config) []Result {
	db, err := store.Open(ctx, cfg.Database, store.OpenOptions{})
	if errors.Is(err, store.ErrNoDatabase) {
		return []Result{problem("database", "%s: %v", cfg.Database.Name, store.ErrNoDatabase)}
	}
	if err != nil {
		return []Result{problem("database", "%v", err)}
	}
	defer db.Close()
	results := []Result{ok("database", "%s answers (%s)", db.Location, db.Dialect())}
	if db.Dialect() == store.SQLite {
		if err := syscall.Access(filepath.Dir(cfg.Database.Name), 2|1); err != nil {
			results = append(results, problem("database", "the directory of %s is not writable for %s", cfg.Database.Name, whoami()))
		}
		if err := syscall.Access(cfg.Database.Name, 2|4); err != nil {
			results = append(results, problem("database", "%s is not readable and writable for %s", cfg.Database.Name, whoami()))
		}
	}
	s, err := db.Schema(ctx)
	switch {
	case err != nil:
		results = append(results, problem("schema", "%v", err))
	case s.Pending():
		results = append(results, problem("schema", "version %d, this grouprise needs %d; run `grouprise migrate`", s.Current, s.Latest))
	case s.Current > s.Latest:
		results = append(results, problem("schema", "version %d is newer than this grouprise (%d)", s.Current, s.Latest))
	default:
		results = append(results, ok("schema", "version %d, current", s.Current))
		results = append(results, queue(ctx, db))
	}
	return results
}

// StaleAfter is how long a due job may wait before the runner counts as stuck or missing.
const StaleAfter = 10 * time.Minute

// queue reports parked jobs and due jobs that wait too long.
func queue(ctx context.Context, db *store.DB) Result {
	now := time.Now()
	st, err := db.QueueStats(ctx, now)
	if err != nil {
		return problem("jobs", "%v", err)
	}
	age := time.Duration(0)
	if !st.OldestDue.IsZero() {
		age = now.Sub(st.OldestDue).Round(time.Second)
	}
	summary := fmt.Sprintf("%d waiting (the oldest due for %s), %d running, %d parked", st.Waiting, age, st.Running, st.Parked)
	switch {
	case st.Parked > 0:
		return problem("jobs", "%s; `grouprise jobs` shows why", summary)
	case age > StaleAfter:
		return problem("jobs", "%s; is `grouprise tasks` running?", summary)
	}
	return ok("jobs", "%s", summary)
}

// mail checks that outgoing mail has somewhere to go.
func mail(ctx context.Context, cfg *config.Config) Result {
	es := cfg.EmailSubmission
	switch es.Backend {
	case "smtp":
		addr := net.JoinHostPort(es.Host, strconv.Itoa(es.Port))
		d := net.Dialer{Timeout: 3 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return problem("email_submission", "no SMTP server answers at %s: %v", addr, err)
		}
		conn.Close()
		return ok("email_submission", "SMTP server at %s answers", addr)
	case "sendmail":
		const sendmail = "/usr/sbin/sendmail"
		if err := syscall.Access(sendmail, 1); err != nil {
			return problem("email_submission", "%s is not executable: %v", sendmail, err)
		}
		return ok("email_submission", "mail goes to %s", sendmail)
	default:
		return ok("email_submission", "backend %s: mail is not delivered (development only)", es.Backend)
	}
}
