package storetest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"
)

var (
	clusterMu   sync.Mutex
	clusterDir  string
	clusterProc *exec.Cmd
)

// postgresBin finds the newest PostgreSQL server binaries that Debian installed.
func postgresBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no /usr/lib/postgresql/*/bin/postgres (Debian package postgresql)")
}

// startCluster runs initdb and postgres on a temporary directory, listening only on a unix
// socket there, and returns the URL of its maintenance database. PostgreSQL refuses to run as
// root, so as root the cluster belongs to the user postgres (or nobody).
func startCluster() (string, error) {
	bin, err := postgresBin()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "grouprise-pg-")
	if err != nil {
		return "", err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			u, err = user.Lookup("nobody")
		}
		if err != nil {
			return "", fmt.Errorf("no user to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", err
		}
	}
	run := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "TZ=UTC")
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd
	}
	data := filepath.Join(dir, "data")
	initdb := run("initdb", "-D", data, "-U", "grouprise", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("initdb: %v: %s", err, bytes.TrimSpace(out))
	}
	var log bytes.Buffer
	server := run("postgres", "-D", data, "-k", dir, "-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=64MB")
	server.Stdout, server.Stderr = &log, &log
	if err := server.Start(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("postgres: %w", err)
	}
	clusterMu.Lock()
	clusterDir, clusterProc = dir, server
	clusterMu.Unlock()

	url := "postgres://grouprise@/postgres?host=" + dir
	deadline := time.Now().Add(30 * time.Second)
	for {
		db, err := sql.Open("pgx", url)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err = db.PingContext(ctx)
			cancel()
			db.Close()
		}
		if err == nil {
			return url, nil
		}
		if time.Now().After(deadline) {
			stopCluster()
			return "", fmt.Errorf("postgres did not start: %v: %s", err, bytes.TrimSpace(log.Bytes()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stopCluster stops the cluster that startCluster began, if any, and removes its files.
func stopCluster() {
	clusterMu.Lock()
	defer clusterMu.Unlock()
	if clusterProc == nil {
		return
	}
	clusterProc.Process.Signal(syscall.SIGINT) // fast shutdown
	done := make(chan struct{})
	go func() { clusterProc.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		clusterProc.Process.Kill()
		<-done
	}
	os.RemoveAll(clusterDir)
	clusterProc, clusterDir = nil, ""
}
