package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
)

// backupDatabase writes a copy of the database into dir (SQLite: VACUUM INTO; PostgreSQL:
// pg_dump in its custom format) and keeps the newest keep copies there.
func backupDatabase(ctx context.Context, db *store.DB, cfg *config.Config, dir string, keep int) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	stamp := time.Now().UTC().Format("20060102-150405.000000")
	var path string
	if db.Dialect() == store.SQLite {
		path = filepath.Join(dir, "grouprise-"+stamp+".sqlite3")
		if err := db.BackupSQLite(ctx, path); err != nil {
			return "", err
		}
	} else {
		path = filepath.Join(dir, "grouprise-"+stamp+".pgdump")
		// Made first, so that pg_dump writes into a file private whatever the umask.
		if err := os.WriteFile(path, nil, store.FileMode); err != nil {
			return "", fmt.Errorf("backup: %w", err)
		}
		if err := os.Chmod(path, store.FileMode); err != nil {
			return "", fmt.Errorf("backup: %w", err)
		}
		dump := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--file="+path, "--dbname="+store.PostgresConnString(cfg.Database))
		if out, err := dump.CombinedOutput(); err != nil {
			os.Remove(path)
			return "", fmt.Errorf("backup: pg_dump: %v: %s", err, strings.TrimSpace(string(out)))
		}
	}
	old, _ := filepath.Glob(filepath.Join(dir, "grouprise-*"))
	sort.Strings(old) // the time stamp sorts them
	for len(old) > keep {
		os.Remove(old[0])
		old = old[1:]
	}
	return path, nil
}
