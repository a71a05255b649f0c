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
	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/store"
)

// Names in the backup directory: each kind has its own prefix and its own retention, so that
// one kind never removes the other (copies of grouprise 6.0 before this were named
// grouprise-TIME.* and count as upgrade copies).
const (
	upgradePrefix = "grouprise-upgrade-"
	dumpPrefix    = "grouprise-dump-"
)

// backupDatabase writes a copy of the database into dir (SQLite: VACUUM INTO; PostgreSQL:
// pg_dump in its custom format) and keeps the newest keep upgrade copies there; the copy just
// made is never removed, and dumps are left alone.
func backupDatabase(ctx context.Context, db *store.DB, cfg *config.Config, dir string, keep int) (string, error) {
	if err := backupDir(dir); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	stamp := time.Now().UTC().Format("20060102-150405.000000")
	var path string
	if db.Dialect() == store.SQLite {
		path = filepath.Join(dir, upgradePrefix+stamp+".sqlite3")
		if err := db.BackupSQLite(ctx, path); err != nil {
			return "", err
		}
	} else {
		path = filepath.Join(dir, upgradePrefix+stamp+".pgdump")
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
	if err := prune(dir, keep, path, upgradePrefix+"*", "grouprise-[0-9]*.sqlite3", "grouprise-[0-9]*.pgdump"); err != nil {
		return path, fmt.Errorf("backup: %w", err)
	}
	return path, nil
}

// prune keeps the newest keep files in dir whose names match one of patterns (the time stamp
// in their names orders them) and removes the older ones; just, the file just written, stays
// in any case.
func prune(dir string, keep int, just string, patterns ...string) error {
	var files []string
	for _, p := range patterns {
		found, err := filepath.Glob(filepath.Join(dir, p))
		if err != nil {
			return err
		}
		files = append(files, found...)
	}
	stamp := func(f string) string {
		name := filepath.Base(f)
		for _, prefix := range []string{upgradePrefix, dumpPrefix, "grouprise-"} {
			if rest, ok := strings.CutPrefix(name, prefix); ok {
				return rest
			}
		}
		return name
	}
	sort.Slice(files, func(i, j int) bool { return stamp(files[i]) > stamp(files[j]) })
	kept := 0
	for _, f := range files {
		if f == just || kept < keep {
			kept++
			continue
		}
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// backupReadme tells whoever looks into the backup directory what the files are.
const backupReadme = `grouprise backups

grouprise-upgrade-TIME.sqlite3 (or .pgdump for PostgreSQL) is a copy of the database made
before the schema was migrated, by every package upgrade (grouprise migrate --backup). The
newest 5 are kept. Put one back with the daemons stopped: copy the .sqlite3 file over
/var/lib/grouprise/grouprise.sqlite3 (and install the grouprise version it came from), or
pg_restore --clean --dbname=... the .pgdump. "grouprise dbshell" opens the database that is
configured (sqlite3 or psql), to look into it first.

grouprise-dump-TIME.tar.gz is an archive of the database and the media that
"grouprise dump" wrote; "grouprise restore FILE" reads it into an empty store. Dumps are
kept until you remove them, or "grouprise dump --keep N" keeps the newest N.

Everything here holds every password hash of the site: keep it private (0640, 0750).

---

Sicherungen von grouprise

grouprise-upgrade-ZEIT.sqlite3 (bei PostgreSQL .pgdump) ist eine Kopie der Datenbank, die
jede Paketaktualisierung vor dem Umbau des Schemas anlegt; die neuesten 5 bleiben. Dumps
(grouprise-dump-ZEIT.tar.gz, von "grouprise dump") bleiben, bis sie jemand löscht oder
"grouprise dump --keep N" nur die neuesten N behält. "grouprise restore DATEI" liest einen
Dump in eine leere Datenbank.
`

// backupDir makes the backup directory (private) and writes its README if it has none.
func backupDir(dir string) error {
	if err := files.MkdirAll(dir); err != nil {
		return err
	}
	readme := filepath.Join(dir, "README")
	if _, err := os.Stat(readme); err == nil {
		return nil
	}
	return files.WriteAtomic(readme, []byte(backupReadme))
}
