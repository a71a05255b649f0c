package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"strconv"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
)

// runDBShell starts the database's own client on the configured database — sqlite3 for SQLite,
// psql for PostgreSQL — as the owner of data_path (see dropPrivileges), with the terminal or
// the pipe of the caller: `echo 'select 1;' | grouprise dbshell`. Arguments after `--` go to
// the client. Its exit status is the command's.
func runDBShell(_ context.Context, e *env, args []string) error {
	fs := e.flags("dbshell", "[-- CLIENT-ARGUMENTS]")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: grouprise dbshell [-- CLIENT-ARGUMENTS]\n\nsqlite3 or psql on the configured database, as the owner of data_path")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err.Error()}
	}
	cfg, _, err := e.loadConfig()
	if err != nil {
		return err
	}
	if err := dropPrivileges(cfg.DataPath); err != nil {
		return err
	}
	name, argv, environ, err := dbClient(cfg.Database, fs.Args())
	if err != nil {
		return err
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("%s, the database's client, is not installed: apt install %s", name, clientPackage[name])
	}
	// A child, not exec: the tests run commands in their own process. Interrupts reach the
	// client through the terminal; grouprise only waits for it.
	cmd := exec.Command(path, argv...)
	cmd.Env = append(e.environ[:len(e.environ):len(e.environ)], environ...)
	if u, err := user.LookupId(strconv.Itoa(os.Geteuid())); err == nil {
		// the client's history goes to the home of the user it runs as, not to root's
		cmd.Env = append(cmd.Env, "HOME="+u.HomeDir)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return &exitStatus{code: exit.ExitCode(), err: errProblems} // the client said why
	}
	return err
}

// clientPackage is the Debian package of each client.
var clientPackage = map[string]string{"sqlite3": "sqlite3", "psql": "postgresql-client"}

// dbClient returns the client for db with its arguments and environment. PostgreSQL's
// password goes into the environment, never onto the command line that ps shows everybody.
func dbClient(db config.Database, extra []string) (name string, args, environ []string, err error) {
	if db.Engine != "postgresql" {
		if _, err := os.Stat(db.Name); err != nil {
			return "", nil, nil, fmt.Errorf("%w: %s", store.ErrNoDatabase, db.Name)
		}
		// Waits for the daemons' writes instead of failing with "database is locked". No
		// ~/.sqliterc: run by root, the client would read the service user's, whose commands
		// (.system …) would run on root's terminal.
		return "sqlite3", append([]string{"-init", "/dev/null", "-cmd", ".timeout 10000", db.Name}, extra...), nil, nil
	}
	environ = []string{"PGAPPNAME=grouprise-dbshell"}
	// -X: no ~/.psqlrc, for the reason sqlite3 reads no ~/.sqliterc.
	if u, perr := url.Parse(db.Name); perr == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if pw, ok := u.User.Password(); ok {
			environ = append(environ, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
		q := u.Query()
		if pw := q.Get("password"); pw != "" {
			environ = append(environ, "PGPASSWORD="+pw)
			q.Del("password")
		}
		if q.Has("sslpassword") {
			return "", nil, nil, errors.New("database.name holds sslpassword, which psql would show to every user in ps; give the key's password to psql through ~/.pgpass or an unencrypted key")
		}
		u.RawQuery = q.Encode()
		return "psql", append([]string{"-X", "--dbname=" + u.String()}, extra...), environ, nil
	}
	host := db.Host
	if host == "" {
		host = "/var/run/postgresql"
	}
	set := func(k, v string) {
		if v != "" {
			environ = append(environ, k+"="+v)
		}
	}
	set("PGHOST", host)
	if db.Port != 0 {
		set("PGPORT", strconv.Itoa(db.Port))
	}
	set("PGDATABASE", db.Name)
	set("PGUSER", db.User)
	set("PGPASSWORD", db.Password)
	return "psql", append([]string{"-X"}, extra...), environ, nil
}
