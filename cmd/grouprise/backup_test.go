package main

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// Whatever the umask, the copy `migrate --backup` takes (VACUUM INTO or pg_dump) is the
// service's and its group's only: it holds every password hash.
func TestBackupIsPrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			cfg := storetest.Config(t, d)
			db := storetest.OpenConfig(t, cfg, d == store.SQLite)
			dir := filepath.Join(t.TempDir(), "backups")
			path, err := backupDatabase(context.Background(), db, &config.Config{Database: cfg}, dir, 5)
			if err != nil {
				t.Fatal(err)
			}
			for p, want := range map[string]os.FileMode{path: 0o640, dir: 0o750 | os.ModeDir} {
				if fi, err := os.Stat(p); err != nil || fi.Mode() != want || fi.Size() == 0 && p == path {
					t.Errorf("%s: %v, %v, want %v and content", p, fi.Mode(), err, want)
				}
			}
		})
	}
}
