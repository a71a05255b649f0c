package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"grouprise.org/grouprise/internal/config"
)

// Whatever the umask, an SQLite database, its WAL and shared-memory files and its backups
// are readable by the service and its group only (they hold every password hash and
// session); a database that others could read before is closed to them when opened.
func TestSQLiteFileModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	ctx := context.Background()
	dir := t.TempDir()
	name := filepath.Join(dir, "grouprise.sqlite3")
	db, err := Open(ctx, config.Database{Engine: "sqlite", Name: name}, OpenOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.sqlite3")
	if err := db.BackupSQLite(ctx, backup); err != nil {
		t.Fatal(err)
	}
	expectMode := func(path string, want os.FileMode) {
		t.Helper()
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, want %v (%v)", filepath.Base(path), fi.Mode().Perm(), want, err)
		}
	}
	for _, f := range []string{name, name + "-wal", name + "-shm", backup} {
		expectMode(f, 0o640)
	}
	db.Close()

	// a database from before, readable by everybody
	for _, f := range []string{name, name + "-wal", name + "-shm"} {
		os.Chmod(f, 0o644)
	}
	db, err = Open(ctx, config.Database{Engine: "sqlite", Name: name}, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SetSiteSetting(ctx, "name", "Stadtgarten"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{name, name + "-wal", name + "-shm"} {
		expectMode(f, 0o640)
	}
}
