package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
)

// TestDumpAndRestoreCommands moves a site from SQLite to PostgreSQL with the two commands.
func TestDumpAndRestoreCommands(t *testing.T) {
	from := newSite(t, store.SQLite, "")
	old := filepath.Join(t.TempDir(), "django.sqlite3")
	copyFixture(t, old)
	from.expect(exitOK, "applied migration", "", "migrate")
	from.expect(exitOK, "no problems", "", "import-django", old)
	out := from.expect(exitOK, "8 media files", "", "dump")
	archive := strings.SplitN(out, ":", 2)[0]
	if info, err := os.Stat(archive); err != nil || info.Mode().Perm() != 0o640 ||
		filepath.Dir(archive) != filepath.Join(filepath.Dir(from.data), "backups") {
		t.Fatalf("the dump %q is not a 0640 file in backup_path: %v", archive, err)
	}

	to := newSite(t, store.Postgres, "")
	to.expect(exitOK, "restored the dump", "", "restore", archive)
	to.expect(exitOK, "gustav", "", "user", "list")
	if _, err := os.Stat(filepath.Join(to.data, "media", "wbb4dzubxc8lkupn.pdf")); err != nil {
		t.Errorf("media not restored: %v", err)
	}
	to.expect(exitFailure, "holds a site already", "", "restore", archive)
	to.expect(exitFailure, "not a grouprise dump", "", "restore", old)

	// to standard output and back from standard input
	var stdout string
	_, stdout, _ = from.run("", "dump", "--output", "-")
	third := newSite(t, store.SQLite, "")
	third.expect(exitOK, "restored the dump", stdout, "restore", "-")
}
