package e2e

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
)

// During a package upgrade the new binary is unpacked before the postinst migrates: a
// request meanwhile starts the new web daemon on the old schema. Started by systemd, the
// daemon waits for `grouprise migrate` and then answers the request; a daemon that failed
// instead would answer nothing, and systemd would soon give up the socket. Run by hand it
// still refuses at once, naming the command.
func TestDaemonWaitsForTheMigration(t *testing.T) {
	activate, err := exec.LookPath("systemd-socket-activate")
	if err != nil {
		if os.Getenv("GROUPRISE_TEST_REQUIRE_SYSTEMD") == "1" {
			t.Fatal("systemd-socket-activate required but missing")
		}
		t.Skip("no systemd-socket-activate (Debian package systemd)")
	}
	in := unmigrated(t, "")
	ctx := context.Background()
	db, err := store.Open(ctx, config.Database{Engine: "sqlite", Name: filepath.Join(in.dir, "grouprise.sqlite3")}, store.OpenOptions{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	state, err := db.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// the previous release's schema
	if err := db.MigrateTo(ctx, state.Latest-1); err != nil {
		t.Fatal(err)
	}
	db.Close()

	sock := filepath.Join(in.dir, "web.sock")
	byHand := in.command("web")
	byHand.Env = append(byHand.Env, "GROUPRISE_WEB__LISTEN="+sock, "NOTIFY_SOCKET=")
	out, err := byHand.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "run `grouprise migrate`") {
		t.Fatalf("started by hand on an old schema: %v\n%s", err, out)
	}

	// systemd's notification socket, to see what the daemon tells it
	notifySock := filepath.Join(in.dir, "notify.sock")
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: notifySock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer notify.Close()
	var mu sync.Mutex
	var notices []string
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := notify.Read(buf)
			if err != nil {
				return
			}
			mu.Lock()
			notices = append(notices, strings.Split(string(buf[:n]), "\n")...)
			mu.Unlock()
		}
	}()
	told := func(prefix string) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, n := range notices {
			if strings.HasPrefix(n, prefix) {
				return true
			}
		}
		return false
	}

	sa := exec.Command(activate, "--listen="+sock, "--fdname=web", "--setenv=GROUPRISE_CONFIG="+in.conf,
		"--setenv=NOTIFY_SOCKET="+notifySock, in.bin, "web")
	sa.Env = in.env
	var daemonOut strings.Builder
	sa.Stderr = &daemonOut
	if err := sa.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sa.Process.Signal(os.Interrupt); sa.Wait() }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("systemd-socket-activate made no socket")
		}
	}

	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}}}
	type answer struct {
		code int
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := client.Get("http://grouprise.test/")
		if err != nil {
			answered <- answer{err: err}
			return
		}
		resp.Body.Close()
		answered <- answer{code: resp.StatusCode}
	}()

	for deadline := time.Now().Add(15 * time.Second); !told("STATUS=waiting for `grouprise migrate`"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not say that it waits; notices %q\n%s", notices, daemonOut.String())
		}
	}
	if !told("EXTEND_TIMEOUT_USEC=") {
		t.Errorf("the daemon did not extend its start timeout: %q", notices)
	}
	select {
	case a := <-answered:
		t.Fatalf("answered before the migration: %+v\n%s", a, daemonOut.String())
	case <-time.After(1500 * time.Millisecond):
	}
	if told("READY=1") {
		t.Fatal("ready before the migration")
	}

	if out, err := in.command("migrate").CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	select {
	case a := <-answered:
		if a.err != nil || a.code != http.StatusOK {
			t.Fatalf("the waiting request: %+v\n%s", a, daemonOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no answer after the migration\n%s", daemonOut.String())
	}
	if !told("READY=1") {
		t.Errorf("not ready after the migration: %q", notices)
	}
}
