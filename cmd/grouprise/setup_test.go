package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"grouprise.org/grouprise/internal/store"
)

func TestSetup(t *testing.T) {
	s := newSite(t, store.SQLite, "")
	s.expect(exitOK, "applied migration", "", "migrate")
	out := s.expect(exitOK, "created the operator group plattform-betrieb", "ada-password-1\n", "setup",
		"--site-name", "Stadtgestalten", "--operator-group", "Plattform-Betrieb", "--admin", "ada",
		"--admin-email", "ada@example.org", "--admin-password-stdin")
	for _, want := range []string{"site name: Stadtgestalten", "created account ada (id 1)", "created account unbekannt (id 2)",
		"created account feed-import (id 3)", "wrote the article /plattform-betrieb/imprint/", "wrote the article /plattform-betrieb/wiki/",
		"wrote unknown_gestalt_id: 2, feed_importer_gestalt_id: 3, log_recipient_emails: ada@example.org into"} {
		if !strings.Contains(out, want) {
			t.Errorf("setup output lacks %q:\n%s", want, out)
		}
	}
	s.expect(exitOK, "2", "", "settings", "get", "unknown_gestalt_id")
	s.expect(exitOK, "3", "", "settings", "get", "feed_importer_gestalt_id")
	s.expect(exitOK, "ada@example.org", "", "settings", "get", "log_recipient_emails")
	s.expect(exitOK, "ada       ", "", "user", "list")
	if !regexp.MustCompile(`ada@example.org +yes`).MatchString(s.expect(exitOK, "ada", "", "user", "list")) {
		t.Error("ada is no administrator")
	}
	// Again: nothing twice, the configuration stays.
	again := s.expect(exitOK, "the configuration was right already", "", "setup", "--operator-slug", "plattform-betrieb", "--admin", "ada")
	if strings.Contains(again, "created") || strings.Contains(again, "wrote the article") {
		t.Errorf("a second setup made things again:\n%s", again)
	}
	s.expect(exitFailure, "give its e-mail address", "", "setup", "--admin", "zora")
	s.expect(exitConfig, "--admin-password-stdin needs --admin", "", "setup", "--admin-password-stdin")
}

// TestSetupAsRoot runs setup as root on a data directory of a service user (nobody): the
// database half runs as that user, and root writes the configuration.
func TestSetupAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch to the service user")
	}
	s := newSite(t, store.SQLite, "")
	root := filepath.Dir(s.dir)
	for _, dir := range []string{filepath.Dir(root), root, s.dir} {
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
	binary := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "GROUPRISE_TEST_AS_BINARY=1", "GROUPRISE_CONFIG="+s.dir)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) || err != nil {
			t.Fatalf("grouprise %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	binary("", "migrate")
	out := binary("ada-password-1\n", "setup", "--operator-group", "Betrieb", "--admin", "ada", "--admin-email",
		"ada@example.org", "--admin-password-stdin")
	if !strings.Contains(out, "created account ada") || !strings.Contains(out, "unknown_gestalt_id: 2") {
		t.Errorf("setup as root:\n%s", out)
	}
	info, err := os.Stat(filepath.Join(s.data, "grouprise.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	if st := info.Sys().(*syscall.Stat_t); st.Uid != 65534 {
		t.Errorf("the database belongs to uid %d, not to the service user", st.Uid)
	}
	if got := binary("", "settings", "get", "unknown_gestalt_id"); strings.TrimSpace(got) != "2" {
		t.Errorf("unknown_gestalt_id = %q", got)
	}
	if !strings.Contains(binary("", "user", "list"), "ada") {
		t.Error("ada is missing")
	}
}
