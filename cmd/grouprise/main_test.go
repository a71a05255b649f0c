package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestMain doubles as the grouprise binary for the tests that need a real process.
func TestMain(m *testing.M) {
	if os.Getenv("GROUPRISE_TEST_AS_BINARY") == "1" {
		main()
		return
	}
	storetest.Main(m)
}

// site is a configuration directory with its data directories, for one test.
type site struct {
	t      *testing.T
	dir    string // the conf.d
	data   string
	dbName config.Database
}

func newSite(t *testing.T, d store.Dialect, extra string) *site {
	t.Helper()
	root := t.TempDir()
	s := &site{t: t, dir: filepath.Join(root, "conf.d"), data: filepath.Join(root, "data")}
	for _, d := range []string{s.dir, s.data, filepath.Join(s.data, "media"), filepath.Join(root, "backups")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	db := fmt.Sprintf("database: {engine: sqlite, name: %s}\n", filepath.Join(s.data, "grouprise.sqlite3"))
	if d == store.Postgres {
		db = fmt.Sprintf("database: {engine: postgresql, name: '%s'}\n", storetest.EmptyPostgres(t).Name)
	}
	s.write("100-test.yaml", "domain: grouprise.test\nsecret_key: 0123456789abcdef0123\n"+
		"data_path: "+s.data+"\nbackup_path: "+filepath.Join(root, "backups")+"\n"+
		"email_submission: {backend: console}\n"+db)
	if extra != "" {
		s.write("200-extra.yaml", extra)
	}
	return s
}

func (s *site) write(name, content string) {
	if err := os.WriteFile(filepath.Join(s.dir, name), []byte(content), 0o640); err != nil {
		s.t.Fatal(err)
	}
}

// run runs grouprise with args and stdin and returns exit status, stdout and stderr.
func (s *site) run(stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &env{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut,
		environ: []string{"GROUPRISE_CONFIG=" + s.dir}, systemConfigDir: filepath.Join(s.dir, "nowhere"),
	})
	return code, out.String(), errOut.String()
}

// expect runs a command and checks its exit status and that its output contains want.
func (s *site) expect(wantCode int, want string, stdin string, args ...string) string {
	s.t.Helper()
	code, out, errOut := s.run(stdin, args...)
	if code != wantCode || !strings.Contains(out+errOut, want) {
		s.t.Errorf("grouprise %s: exit %d, want %d; output should contain %q\nstdout: %s\nstderr: %s",
			strings.Join(args, " "), code, wantCode, want, out, errOut)
	}
	return out
}

func TestCommandLine(t *testing.T) {
	s := newSite(t, store.SQLite, "")
	s.expect(exitConfig, "usage: grouprise COMMAND", "")
	s.expect(exitOK, "commands:", "", "help")
	s.expect(exitConfig, `unknown command "frobnicate"`, "", "frobnicate")
	s.expect(exitOK, "grouprise dev", "", "version")
	s.expect(exitConfig, "flag provided but not defined: -x", "", "migrate", "-x")
	s.expect(exitConfig, "wrong number of arguments", "", "settings", "get")
	s.expect(exitConfig, "unknown settings command", "", "settings", "frob")
}

func TestNoConfiguration(t *testing.T) {
	var out, errOut bytes.Buffer
	dir := t.TempDir()
	code := run(context.Background(), []string{"check"}, &env{stdout: &out, stderr: &errOut, workDir: dir,
		homeDir: dir, systemConfigDir: filepath.Join(dir, "etc")})
	if code != exitConfig || !strings.Contains(errOut.String(), "no configuration found; looked in "+dir+"/grouprise.yaml") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}

func TestInvalidConfiguration(t *testing.T) {
	s := newSite(t, store.SQLite, "")
	s.write("800-local.yaml", "email_submission: {port: mail}\n")
	want := fmt.Sprintf("grouprise migrate: config: %s/800-local.yaml: email_submission.port: expected a whole number, got \"mail\"\n", s.dir)
	if code, _, errOut := s.run("", "migrate"); code != exitConfig || errOut != want {
		t.Errorf("exit %d, stderr %q; want %d, %q", code, errOut, exitConfig, want)
	}
	s.write("800-local.yaml", "mispelled: 1\n")
	s.expect(exitConfig, "database does not exist yet; run `grouprise migrate`", "", "user", "list")
	s.expect(exitConfig, "level=WARN msg=\"configuration: unknown key, ignored (misspelt or outdated?)\" file="+s.dir+"/800-local.yaml key=mispelled", "", "user", "list")
}

func TestMigrateCheckAndAdminister(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			s := newSite(t, d, "")
			out := s.expect(exitFailure, "1 problem(s) found", "", "check")
			if !strings.Contains(out, "run `grouprise migrate`") {
				t.Errorf("check does not say what to do:\n%s", out)
			}
			s.expect(exitConfig, "run `grouprise migrate`", "", "group", "list")
			latest := migrations(t, 1)
			s.expect(exitOK, "applied migration(s) "+latest.list+"; schema version "+latest.last, "", "migrate")
			s.expect(exitOK, "schema version "+latest.last+" is current; nothing to do", "", "migrate")
			s.expect(exitOK, "all checks passed", "", "check")

			// accounts
			s.expect(exitOK, "created account alice", "peer-password\n", "user", "create", "--username", "alice",
				"--email", "alice@example.org", "--first-name", "Alice", "--last-name", "Amsel", "--password-stdin")
			s.expect(exitFailure, "the username is taken", "", "user", "create", "--username", "ALICE", "--email", "a@example.org")
			s.expect(exitFailure, "the username is reserved", "", "user", "create", "--username", "stadt", "--email", "s@example.org")
			s.expect(exitConfig, "--username and --email are required", "", "user", "create", "--username", "x")
			s.expect(exitOK, "created account bob", "", "user", "create", "--username", "bob", "--email", "bob@example.org")
			s.expect(exitOK, "password of bob changed", "bob-password\n", "user", "set-password", "bob")
			s.expect(exitFailure, "a password has at least 8 characters", "short\n", "user", "set-password", "bob")
			s.expect(exitFailure, `no account "carol"`, "carol-password\n", "user", "set-password", "carol")
			s.expect(exitOK, "alice is a site administrator", "", "user", "promote", "alice")
			list := s.expect(exitOK, "USERNAME", "", "user", "list")
			for _, want := range []string{"alice     Alice Amsel  alice@example.org  yes    password", "bob       bob          bob@example.org    no     password"} {
				if !strings.Contains(list, want) {
					t.Errorf("user list lacks %q:\n%s", want, list)
				}
			}

			// groups
			s.expect(exitOK, "created group stadtgarten", "", "group", "create", "--name", "Stadtgarten", "--creator", "alice")
			s.expect(exitOK, "created group nachbarschaftshilfe", "", "group", "create", "--name", "Nachbarschaftshilfe", "--closed")
			s.expect(exitFailure, "the short name is taken by a group or a person", "", "group", "create", "--name", "X", "--slug", "Bob")
			s.expect(exitOK, "bob is a member of stadtgarten now", "", "group", "add-member", "--slug", "stadtgarten", "--user", "bob")
			s.expect(exitFailure, "bob: already a member of the group", "", "group", "add-member", "--slug", "stadtgarten", "--user", "bob")
			s.expect(exitOK, "created shadow account gustav for gustav@example.net", "", "group", "add-member",
				"--slug", "nachbarschaftshilfe", "--email", "gustav@example.net")
			s.expect(exitFailure, `no group "gartenverein"`, "", "group", "add-member", "--slug", "gartenverein", "--user", "bob")
			s.expect(exitConfig, "one of --user or --email", "", "group", "add-member", "--slug", "stadtgarten", "--user", "bob", "--email", "b@example.org")
			groups := s.expect(exitOK, "SLUG", "", "group", "list")
			for _, want := range []string{"stadtgarten          Stadtgarten          2        no", "nachbarschaftshilfe  Nachbarschaftshilfe  1        yes"} {
				if !strings.Contains(groups, want) {
					t.Errorf("group list lacks %q:\n%s", want, groups)
				}
			}
			s.expect(exitOK, "bob is no longer a member of stadtgarten", "", "group", "remove-member", "--slug", "stadtgarten", "--email", "BOB@example.org")
			s.expect(exitFailure, "bob: not a member of the group", "", "group", "remove-member", "--slug", "stadtgarten", "--user", "bob")

			// What the commands wrote is what the store holds.
			cfg, err := config.Load(config.Options{Env: []string{"GROUPRISE_CONFIG=" + s.dir}})
			if err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(context.Background(), cfg.Database, store.OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			a := accounts.New(db, cfg.SlugReserved, nil)
			for user, password := range map[string]string{"alice": "peer-password", "bob": "bob-password"} {
				if _, err := a.Authenticate(context.Background(), user, password); err != nil {
					t.Errorf("login as %s: %v", user, err)
				}
			}
			g, _ := db.GroupBySlug(context.Background(), "stadtgarten")
			subs, _ := db.Subscribers(context.Background(), g.ID)
			if len(subs) != 1 || subs[0].Username != "alice" {
				t.Errorf("subscribers of stadtgarten: %v, want alice only", subs)
			}
		})
	}
}

func TestCheckReportsProblems(t *testing.T) {
	// migrate makes a missing media_root (as root, anywhere), so this one is a file.
	media := filepath.Join(t.TempDir(), "media")
	if err := os.WriteFile(media, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := newSite(t, store.SQLite, "template_directories: [/nonexistent/templates]\nmedia_root: "+media+"\n"+
		"email_submission: {backend: smtp, host: 127.0.0.1, port: 1}\nextra_allowed_hosts: [127.0.0.1]\ncache_storage: {backend: dummy}\n")
	s.expect(exitOK, "applied", "", "migrate")
	out := s.expect(exitFailure, "3 problem(s) found", "", "check")
	for _, want := range []string{
		"PROBLEM media_root: " + media + " is not a directory",
		"PROBLEM template_directories[0]: /nonexistent/templates is not a directory",
		"PROBLEM email_submission: no SMTP server answers at 127.0.0.1:1",
		// The Django grouprise's keys that do nothing here are named, and are no problem.
		"extra_allowed_hosts: has no effect", "cache_storage: the Go grouprise keeps no cache; ignored",
		"ok      schema: version ", ", current",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

func TestSettings(t *testing.T) {
	s := newSite(t, store.SQLite, "")
	s.expect(exitOK, "grouprise.test\n", "", "settings", "get", "domain")
	s.expect(exitOK, "25\n", "", "settings", "get", "email_submission.port")
	s.expect(exitOK, "noreply+{slug}@grouprise.test", "", "settings", "get", "default_distinct_from_email")
	s.expect(exitConfig, "config: frobnicate: unknown key", "", "settings", "get", "frobnicate")

	s.expect(exitOK, "", "2525\n", "settings", "set", "email_submission.port")
	s.expect(exitOK, "2525\n", "", "settings", "get", "email_submission.port")
	local := filepath.Join(s.dir, "800-local.yaml")
	before, err := os.ReadFile(local)
	if err != nil {
		t.Fatalf("settings set did not write %s: %v", local, err)
	}
	s.expect(exitConfig, local+": email_submission.port: expected a port number from 1 to 65535, got 99999", "99999\n",
		"settings", "set", "email_submission.port")
	if after, _ := os.ReadFile(local); !bytes.Equal(before, after) {
		t.Errorf("a refused value changed %s:\n%s", local, after)
	}
	other := filepath.Join(s.dir, "700-package.yaml")
	s.expect(exitOK, "", "{engine: sqlite, name: /srv/grouprise.sqlite3}\n", "settings", "set", "database", "--file", other)
	s.expect(exitOK, "name: /srv/grouprise.sqlite3", "", "settings", "get", "database")
	dump := s.expect(exitOK, "# read from "+s.dir+"/100-test.yaml", "", "settings", "dump")
	for _, want := range []string{"# read from " + other, "domain: grouprise.test", "port: 2525", "transport_security: reverse-proxy"} {
		if !strings.Contains(dump, want) {
			t.Errorf("dump lacks %q:\n%s", want, dump)
		}
	}
}

// The files the Django grouprise's Debian package writes (reference D4, D5) load unchanged.
func TestDjangoConfDirectory(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"050-defaults.yaml": "cache_storage: {backend: filesystem, location: /run/grouprise/django-cache}\n" +
			"data_path: /var/lib/grouprise\ntemplate_directories: [/etc/grouprise/templates]\n",
		"100-package.yaml": "secret_key: 'q0dW3xT5fWm8rA2yU7cZ1kP4nL9sB6hE3vJ0gX5tR8o'\nbackup_path: /var/backups/grouprise\n" +
			"domain: grouprise.example.org\nfile_download_backend: nginx\n",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"settings", "dump"}, &env{stdout: &out, stderr: &errOut, systemConfigDir: dir})
	if code != exitOK || errOut.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	for _, want := range []string{"domain: grouprise.example.org", "name: /var/lib/grouprise/grouprise.sqlite3", "file_download_backend: nginx"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dump lacks %q", want)
		}
	}
}

// The real process ends with the documented exit statuses.
func TestProcessExitStatus(t *testing.T) {
	s := newSite(t, store.SQLite, "transport_security: sometimes\n")
	for _, c := range []struct {
		args []string
		want int
	}{{[]string{"version"}, exitOK}, {[]string{"check"}, exitConfig}, {[]string{"dump"}, exitConfig}} {
		cmd := exec.Command(os.Args[0], c.args...)
		cmd.Env = append(os.Environ(), "GROUPRISE_TEST_AS_BINARY=1", "GROUPRISE_CONFIG="+s.dir)
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.want {
			t.Errorf("grouprise %v: exit status %d, want %d", c.args, code, c.want)
		}
	}
}

// migrate --backup copies an existing database first and keeps the newest five copies.
func TestMigrateBackup(t *testing.T) {
	s := newSite(t, store.SQLite, "")
	backups := filepath.Join(s.dir, "..", "backups") // backup_path, where dumps go too
	out := s.expect(exitOK, "applied migration(s)", "", "migrate", "--backup", backups)
	if strings.Contains(out, "copied") {
		t.Errorf("a new database was copied: %s", out)
	}
	// The first installation leaves the README in the backup directory, before any copy (D3).
	if readme, err := os.ReadFile(filepath.Join(backups, "README")); err != nil || !strings.Contains(string(readme), "grouprise restore") {
		t.Errorf("README of the backup directory after the first migrate: %v", err)
	}
	// Five dumps, and copies that an older version named grouprise-TIME.sqlite3.
	for range 5 {
		s.expect(exitOK, "grouprise-dump-", "", "dump")
	}
	for _, old := range []string{"grouprise-20240101-000000.000000.sqlite3", "grouprise-20240102-000000.000000.sqlite3"} {
		if err := os.WriteFile(filepath.Join(backups, old), []byte("old"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	for range 7 {
		s.expect(exitOK, "copied to "+backups+"/grouprise-upgrade-", "", "migrate", "--backup", backups)
	}
	count := func(pattern string) []string {
		found, _ := filepath.Glob(filepath.Join(backups, pattern))
		return found
	}
	copies := count("grouprise-upgrade-*.sqlite3")
	if len(copies) != 5 || len(count("grouprise-2*")) != 0 {
		t.Fatalf("%d copies kept, %d of the old names; want the newest 5 copies", len(copies), len(count("grouprise-2*")))
	}
	if n := len(count("grouprise-dump-*.tar.gz")); n != 5 {
		t.Errorf("%d dumps after the upgrade copies, want all 5", n)
	}
	if readme, err := os.ReadFile(filepath.Join(backups, "README")); err != nil || !strings.Contains(string(readme), "grouprise-upgrade-") {
		t.Errorf("README of the backup directory: %v", err)
	}
	db, err := store.Open(context.Background(), config.Database{Engine: "sqlite", Name: copies[4]}, store.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckSchema(context.Background()); err != nil {
		t.Errorf("the copy is no usable database: %v", err)
	}

	// A clock set back: the copy just made is older than the five kept, and stays anyway.
	for i := range 5 {
		if err := os.WriteFile(filepath.Join(backups, fmt.Sprintf("grouprise-upgrade-2999010%d-000000.000000.sqlite3", i)), []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	out = s.expect(exitOK, "copied to", "", "migrate", "--backup", backups)
	just := strings.TrimSuffix(strings.TrimSpace(out[strings.Index(out, "copied to ")+len("copied to "):]), "\n")
	just = strings.Fields(just)[0]
	if _, err := os.Stat(just); err != nil {
		t.Errorf("the copy just made (%s) was removed: %v", just, err)
	}

	// dump --keep N keeps the newest N dumps and no upgrade copy is touched.
	s.expect(exitOK, "grouprise-dump-", "", "dump", "--keep", "2")
	if n := len(count("grouprise-dump-*.tar.gz")); n != 2 {
		t.Errorf("%d dumps after dump --keep 2", n)
	}
	if n := len(count("grouprise-upgrade-*")); n != 6 {
		t.Errorf("%d upgrade copies after dump --keep 2, want 6", n)
	}
	s.expect(exitConfig, "--keep N", "", "dump", "--keep", "2", "--output", filepath.Join(backups, "x.tar.gz"))
}

// A fresh site has no media directory until migrate makes one, with the service's modes
// and the setgid group of the data directory, so that the next check finds nothing to fix.
func TestMigrateMakesMediaRoot(t *testing.T) {
	s := newSite(t, store.SQLite, "")
	media := filepath.Join(s.data, "media")
	if err := os.Remove(media); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.data, 0o750|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	s.expect(exitOK, "applied migration(s) 1, 2, 3, 4", "", "migrate")
	fi, err := os.Stat(media)
	if err != nil {
		t.Fatalf("after migrate: %v", err)
	}
	if got := fi.Mode() & (os.ModePerm | os.ModeSetgid); got != 0o750|os.ModeSetgid {
		t.Errorf("media_root mode %v, want drwxr-x--- with setgid", got)
	}
	out := s.expect(exitOK, "all checks passed", "", "check")
	if !strings.Contains(out, "ok      media_root: "+media+" writable") {
		t.Errorf("check output lacks media_root ok:\n%s", out)
	}

	// A site whose schema is current gets a lost media directory back too.
	if err := os.Remove(media); err != nil {
		t.Fatal(err)
	}
	s.expect(exitOK, "nothing to do", "", "migrate")
	s.expect(exitOK, "all checks passed", "", "check")
}
