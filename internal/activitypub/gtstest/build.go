// Package gtstest runs a real GoToSocial as a loopback ActivityPub peer for the federation
// tests, built once from the module proxy outside our module graph.
package gtstest

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
)

// Version is the GoToSocial release the tests run against (v0.18.3: the newest the module
// proxy serves; it federates over http, which older releases do not).
const Version = "v0.18.3"

const modulePath = "github.com/superseriousbusiness/gotosocial"

// Install is a built GoToSocial: the binary and the web templates and assets its sign-in
// form needs (copied from the module cache, so a cleaned module cache does not break it).
type Install struct {
	Binary      string
	TemplateDir string
	AssetDir    string
	// WazeroCache keeps GoToSocial's compiled WASM between runs.
	WazeroCache string
}

var (
	buildOnce sync.Once
	built     Install
	buildErr  error
)

// Build builds GoToSocial once per cache directory and returns it; a lock file keeps parallel
// test processes from building twice. A cold build takes minutes, so CI should call it once
// before the tests run in parallel (see TestBuild).
func Build() (Install, error) {
	buildOnce.Do(func() { built, buildErr = build(cacheDir()) })
	return built, buildErr
}

// cacheDir is where builds are kept between runs: $GROUPRISE_GOTOSOCIAL_DIR, else
// /var/cache/grouprise-gotosocial when it can be written, else the user's cache directory.
func cacheDir() string {
	if d := os.Getenv("GROUPRISE_GOTOSOCIAL_DIR"); d != "" {
		return d
	}
	if d := "/var/cache/grouprise-gotosocial"; writable(d) {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "grouprise-gotosocial")
	}
	return filepath.Join(os.TempDir(), "grouprise-gotosocial")
}

func writable(dir string) bool {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

func installIn(dir string) Install {
	return Install{
		Binary:      filepath.Join(dir, "bin", "gotosocial"),
		TemplateDir: filepath.Join(dir, "web", "template") + "/",
		AssetDir:    filepath.Join(dir, "web", "assets") + "/",
		WazeroCache: filepath.Join(dir, "wazero"),
	}
}

// build makes <cache>/<Version>/{bin,web} in a scratch module of its own. The binary is
// renamed into place last, so its presence means the whole install is complete.
func build(cache string) (Install, error) {
	dir := filepath.Join(cache, Version)
	in := installIn(dir)
	if _, err := os.Stat(in.Binary); err == nil {
		return in, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return in, fmt.Errorf("gtstest: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return in, fmt.Errorf("gtstest: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return in, fmt.Errorf("gtstest: lock %s: %w", dir, err)
	}
	if _, err := os.Stat(in.Binary); err == nil {
		return in, nil // another process built it meanwhile
	}
	mod := filepath.Join(dir, "module")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		return in, fmt.Errorf("gtstest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module gtsbuild\n\ngo 1.24\n"), 0o644); err != nil {
		return in, fmt.Errorf("gtstest: %w", err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(goTool, args...)
		if nice, err := exec.LookPath("nice"); err == nil {
			// The build competes with the tests for the cores; let the tests win.
			cmd = exec.Command(nice, append([]string{"-n", "10", goTool}, args...)...)
		}
		cmd.Dir = mod
		// The default build uses SQLite as WASM: no cgo, a static binary.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod -buildvcs=false", "GOTOOLCHAIN=local", "GOWORK=off")
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("gtstest: go %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return strings.TrimSpace(out.String()), nil
	}
	if _, err := run("get", modulePath+"@"+Version); err != nil {
		return in, err
	}
	src, err := run("list", "-m", "-f", "{{.Dir}}", modulePath)
	if err != nil {
		return in, err
	}
	for _, d := range []string{"template", "assets"} {
		to := filepath.Join(dir, "web", d)
		os.RemoveAll(to)
		if err := copyTree(filepath.Join(src, "web", d), to); err != nil {
			return in, fmt.Errorf("gtstest: copy web/%s: %w", d, err)
		}
	}
	tmp := filepath.Join(dir, "bin.tmp")
	os.RemoveAll(tmp)
	if _, err := run("build", "-trimpath", "-ldflags=-s -w -X main.Version="+strings.TrimPrefix(Version, "v"),
		"-o", tmp+"/", modulePath+"/cmd/gotosocial"); err != nil {
		return in, err
	}
	os.RemoveAll(filepath.Join(dir, "bin"))
	if err := os.Rename(tmp, filepath.Join(dir, "bin")); err != nil {
		return in, fmt.Errorf("gtstest: %w", err)
	}
	return in, nil
}

// copyTree copies a directory of regular files (the module cache's are read-only, the copies
// are not, so a later build can replace them).
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		r, err := os.Open(path)
		if err != nil {
			return err
		}
		defer r.Close()
		w, err := os.OpenFile(target, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, r); err != nil {
			w.Close()
			return err
		}
		return w.Close()
	})
}
