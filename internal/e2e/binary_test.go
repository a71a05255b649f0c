package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
)

// installation is the grouprise binary built from this tree with a configuration and a
// migrated SQLite store in a directory of its own, as a daemon would find them.
type installation struct {
	bin, dir, conf string
	env            []string
}

// install builds grouprise, writes a configuration (plus extra YAML) for it and migrates.
func install(t testing.TB, extra string) *installation {
	t.Helper()
	in := unmigrated(t, extra)
	if out, err := in.command("migrate").CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	return in
}

// unmigrated builds grouprise and writes a configuration (plus extra YAML) for it, without
// a database.
func unmigrated(t testing.TB, extra string) *installation {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "grouprise")
	build := exec.Command("go", "build", "-tags", "sqlite_fts5", "-o", bin, "grouprise.org/grouprise/cmd/grouprise")
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	conf := filepath.Join(dir, "grouprise.yaml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("domain: grouprise.test\nsecret_key: e2e-secret-0123456789\n"+
		"data_path: %s\ntransport_security: disabled\n%s", dir, extra)), 0o644); err != nil {
		t.Fatal(err)
	}
	return &installation{bin: bin, dir: dir, conf: conf, env: append(os.Environ(), "GROUPRISE_CONFIG="+conf)}
}

// command prepares a grouprise command of the installation.
func (in *installation) command(args ...string) *exec.Cmd {
	c := exec.Command(in.bin, args...)
	c.Env = in.env
	return c
}

// open opens the installation's store beside its daemons.
func (in *installation) open(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), config.Database{Engine: "sqlite", Name: filepath.Join(in.dir, "grouprise.sqlite3")}, store.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
