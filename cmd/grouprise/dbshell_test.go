package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
)

// dbshell hands the configured database to its own client, on both dialects.
func TestDBShell(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			s := newSite(t, d, "")
			if d == store.SQLite {
				s.expect(exitConfig, "the database does not exist yet; run `grouprise migrate`", "select 40+2;\n", "dbshell")
			}
			s.expect(exitOK, "applied migration(s)", "", "migrate")
			out := s.expect(exitOK, "42", "select 40+2;\n", "dbshell")
			if d == store.SQLite && out != "42\n" {
				t.Errorf("sqlite3 answered %q", out)
			}
			// the client sees grouprise's database
			s.expect(exitOK, "", "", "user", "create", "--username", "ada", "--email", "ada@example.org")
			s.expect(exitOK, "ada", "select username from gestalten;\n", "dbshell")
		})
	}
	s := newSite(t, store.SQLite, "")
	s.expect(exitOK, "", "", "migrate")
	// the client's own failure is the command's, in the client's words only
	if code, _, errOut := s.run("select nonsense from nowhere;\n", "dbshell"); code != exitFailure ||
		strings.Contains(errOut, "grouprise dbshell:") || !strings.Contains(errOut, "nowhere") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// Without the client, dbshell says which package brings it.
func TestDBShellWithoutClient(t *testing.T) {
	s := newSite(t, store.SQLite, "")
	s.expect(exitOK, "", "", "migrate")
	cmd := exec.Command(os.Args[0], "dbshell")
	cmd.Env = append(os.Environ(), "GROUPRISE_TEST_AS_BINARY=1", "GROUPRISE_CONFIG="+s.dir, "PATH="+t.TempDir())
	cmd.Stdin = strings.NewReader("select 1;\n")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitFailure ||
		string(out) != "grouprise dbshell: sqlite3, the database's client, is not installed: apt install sqlite3\n" {
		t.Errorf("%v: %q", err, out)
	}
}

// Only root (who becomes the owner of data_path) and that owner work on the site's data:
// anyone else is refused with exit status 1 and one line, as grouprisectl did.
func TestOtherUsersRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run as other users")
	}
	s := newSite(t, store.SQLite, "")
	root := filepath.Dir(s.dir)
	for _, dir := range []string{filepath.Dir(root), root, s.dir, filepath.Join(root, "backups")} {
		os.Chmod(dir, 0o755)
	}
	entries, _ := os.ReadDir(s.dir)
	for _, e := range entries {
		os.Chmod(filepath.Join(s.dir, e.Name()), 0o644)
	}
	for _, dir := range []string{s.data, filepath.Join(s.data, "media")} {
		if err := os.Chown(dir, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	// The test binary, where other users may run it.
	bin := filepath.Join(t.TempDir(), "grouprise")
	os.Chmod(filepath.Dir(bin), 0o755)
	copyFile(t, os.Args[0], bin)
	as := func(uid uint32, stdin string, args ...string) (int, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "GROUPRISE_TEST_AS_BINARY=1", "GROUPRISE_CONFIG="+s.dir)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
		cmd.Dir = "/"
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	if code, out := as(0, "", "migrate"); code != 0 {
		t.Fatalf("migrate as root: %d\n%s", code, out)
	}
	if code, out := as(65534, "select 40+2;\n", "dbshell"); code != 0 || out != "42\n" {
		t.Errorf("dbshell as the owner: %d %q", code, out)
	}
	if code, out := as(0, "select 40+2;\n", "dbshell"); code != 0 || out != "42\n" {
		t.Errorf("dbshell as root: %d %q", code, out)
	}
	for _, args := range [][]string{{"dbshell"}, {"migrate"}, {"user", "list"}, {"check"}, {"dump"}} {
		want := "grouprise " + args[0] + ": only root and nobody, the owner of " + s.data + ", may run this command, not uid 65533\n"
		if code, out := as(65533, "select 1;\n", args...); code != exitFailure || out != want {
			t.Errorf("grouprise %v as uid 65533: exit %d, output %q; want 1, %q", args, code, out, want)
		}
	}
	// The package's configuration is root's and the service's only.
	os.Chmod(filepath.Join(s.dir, "100-test.yaml"), 0o640)
	code, out := as(65533, "", "user", "list")
	if code != exitFailure || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "grouprise user: only root and the service user may run this command (") {
		t.Errorf("with an unreadable configuration: exit %d, output %q", code, out)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// A PostgreSQL password reaches psql through its environment, never through its command line,
// which every local account sees in ps.
func TestDBShellKeepsThePasswordOffTheCommandLine(t *testing.T) {
	for _, c := range []struct {
		name    string
		db      config.Database
		args    []string
		environ []string
	}{
		{"url", config.Database{Engine: "postgresql", Name: "postgresql://gr:s3cret%21@db.example:5433/site?sslmode=require"},
			[]string{"-X", "--dbname=postgresql://gr@db.example:5433/site?sslmode=require", "-c", "select 1"},
			[]string{"PGAPPNAME=grouprise-dbshell", "PGPASSWORD=s3cret!"}},
		{"password in the query", config.Database{Engine: "postgresql", Name: "postgresql://gr@db.example/site?password=s3cret&sslmode=require"},
			[]string{"-X", "--dbname=postgresql://gr@db.example/site?sslmode=require", "-c", "select 1"},
			[]string{"PGAPPNAME=grouprise-dbshell", "PGPASSWORD=s3cret"}},
		{"keys", config.Database{Engine: "postgresql", Name: "site", Host: "db.example", Port: 5433, User: "gr", Password: "s3cret"},
			[]string{"-X", "-c", "select 1"},
			[]string{"PGAPPNAME=grouprise-dbshell", "PGHOST=db.example", "PGPORT=5433", "PGDATABASE=site", "PGUSER=gr", "PGPASSWORD=s3cret"}},
		{"local socket", config.Database{Engine: "postgresql", Name: "site"},
			[]string{"-X", "-c", "select 1"},
			[]string{"PGAPPNAME=grouprise-dbshell", "PGHOST=/var/run/postgresql", "PGDATABASE=site"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			name, args, environ, err := dbClient(c.db, []string{"-c", "select 1"})
			if err != nil || name != "psql" || !slices.Equal(args, c.args) || !slices.Equal(environ, c.environ) {
				t.Errorf("got %s %q %q, %v; want psql %q %q", name, args, environ, err, c.args, c.environ)
			}
		})
	}
	if _, _, _, err := dbClient(config.Database{Engine: "postgresql", Name: "postgresql://gr@h/site?sslpassword=k3y"}, nil); err == nil {
		t.Error("an sslpassword in the URL would go onto psql's command line")
	}
}

// The clients read no startup file: the service user's ~/.sqliterc or ~/.psqlrc would run
// on the terminal of root, who called dbshell.
func TestDBShellReadsNoStartupFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.sqlite3")
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, args, _, err := dbClient(config.Database{Engine: "sqlite", Name: db}, nil)
	if err != nil || len(args) < 2 || args[0] != "-init" || args[1] != "/dev/null" {
		t.Errorf("sqlite3 %q, %v: want -init /dev/null first", args, err)
	}
}
