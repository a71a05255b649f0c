// Command grouprise is the one binary of grouprise: the web, LMTP and task daemons and the
// administrator's commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	_ "time/tzdata" // time zones work without Debian's tzdata

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
)

// version is set at build time: -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	wd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	code := run(ctx, os.Args[1:], &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		environ: os.Environ(), workDir: wd, homeDir: home,
	})
	stop()
	os.Exit(code)
}

// env is what a command may use of the outside world; tests fill it themselves.
type env struct {
	stdin           io.Reader
	stdout, stderr  io.Writer
	environ         []string
	workDir         string
	homeDir         string
	systemConfigDir string // replaces /etc/grouprise/conf.d in tests
}

// command is one subcommand of grouprise.
type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands is the whole command line interface; every subcommand is here.
func commands() map[string]command {
	return map[string]command{
		"version":          {"print the version and build information", runVersion},
		"check":            {"check configuration, directories, database and mail settings", runCheck},
		"migrate":          {"create or update the database schema", runMigrate},
		"settings":         {"read and change the configuration (get, set, dump)", runSettings},
		"dbshell":          {"open the database's own client (sqlite3 or psql) on the configured database", runDBShell},
		"user":             {"manage accounts (create, list, set-password, promote)", runUser},
		"group":            {"manage groups (create, list, add-member, remove-member, import-members, reserved-slugs, release-slug)", runGroup},
		"activitypub":      {"federation: new actor keys (rotate-keys), blocked actors and servers (block, unblock, blocks)", runActivityPub},
		"web":              {"run the web daemon", runWeb},
		"lmtpd":            {"run the LMTP daemon for incoming mail", runLMTPD},
		"tasks":            {"run the task runner (schedules and the job queue)", runTasks},
		"jobs":             {"show the job queue; retry parked jobs", runJobs},
		"matrix-commander": {"run the administrators' chat bot (or --console)", runMatrixCommander},
		"oidc":             {"OpenID Connect provider: register clients, rotate the signing key", runOIDC},
		"demo":             {"fill an empty database with demo content", runDemo},
		"dump":             {"write database and media into one archive, while the site runs", runDump},
		"restore":          {"read an archive of `grouprise dump` into a new, empty store", runRestore},
		"import-feeds":     {"import the feeds of group websites now (the task runner does it hourly)", runImportFeeds},
		"import-mail":      {"read one message from stdin as if it came over LMTP", runImportMail},
		"setup":            {"set up the site: its name, operator group, administrator and special accounts", runSetup},
		"import-django":    {"import the database and media of a Django grouprise", runImportDjango},
	}
}

// Exit statuses: 2 means the configuration, the command line or the schema needs an
// administrator (systemd units do not restart on it); 1 is any other failure.
const (
	exitOK      = 0
	exitFailure = 1
	exitConfig  = 2
)

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// errProblems means a command has already reported its problems and only sets the status.
var errProblems = errors.New("problems found")

func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr)
		if len(args) == 0 {
			return exitConfig
		}
		return exitOK
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "grouprise: unknown command %q\n", args[0])
		usage(e.stderr)
		return exitConfig
	}
	err := cmd.run(ctx, e, args[1:])
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if !errors.Is(err, errProblems) {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(e.stderr, "grouprise %s: %s\n", args[0], line)
		}
	}
	return exitCode(err)
}

func exitCode(err error) int {
	var (
		usage    *usageError
		cfgErr   *config.Error
		notFound *config.NotFoundError
		status   *exitStatus
	)
	switch {
	case errors.As(err, &status):
		return status.code
	case errors.As(err, &usage), errors.As(err, &cfgErr), errors.As(err, &notFound),
		errors.Is(err, store.ErrSchemaOutdated), errors.Is(err, store.ErrNoDatabase),
		errors.Is(err, store.ErrDjangoDatabase):
		return exitConfig
	}
	return exitFailure
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: grouprise COMMAND [ARGS]\n\ncommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\n'grouprise COMMAND -h' describes a command's options.")
}

// flags returns a flag set for a subcommand that reports to the command's stderr.
func (e *env) flags(name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet("grouprise "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: grouprise %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and positional arguments in any order and checks their number.
func parse(fs *flag.FlagSet, args []string, minArgs, maxArgs int) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) < minArgs || len(positional) > maxArgs {
		fs.Usage()
		return nil, usagef("wrong number of arguments")
	}
	return positional, nil
}
