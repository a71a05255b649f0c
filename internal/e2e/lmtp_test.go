package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

// lmtpSite is an installation with anna, member of garten.
func lmtpSite(t *testing.T, extra string) (*installation, *store.DB) {
	in := install(t, extra)
	db := in.open(t)
	ctx := context.Background()
	reserved := func(string) bool { return false }
	anna, err := accounts.New(db, reserved, nil).Create(ctx, accounts.NewAccount{Username: "anna", Email: "anna@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := groups.New(db, reserved, nil).Create(ctx, groups.NewGroup{Name: "Garten", Creator: anna}); err != nil {
		t.Fatal(err)
	}
	return in, db
}

// deliverLMTP speaks one LMTP transaction to the socket and returns the reply after DATA.
func deliverLMTP(t *testing.T, sock, from, to, msg string) string {
	t.Helper()
	var c net.Conn
	var err error
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err = net.Dial("unix", sock); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("the LMTP daemon does not answer: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	read := func() string {
		var last string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("LMTP: %v", err)
			}
			last = strings.TrimRight(line, "\r\n")
			if len(last) < 4 || last[3] != '-' {
				return last
			}
		}
	}
	read() // greeting
	fmt.Fprintf(c, "LHLO test\r\nMAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n", from, to)
	for _, want := range []string{"250", "250", "250", "354"} {
		if got := read(); !strings.HasPrefix(got, want) {
			t.Fatalf("LMTP: %q, want %s", got, want)
		}
	}
	fmt.Fprintf(c, "%s\r\n.\r\nQUIT\r\n", strings.ReplaceAll(msg, "\n", "\r\n"))
	return read()
}

func conversations(t *testing.T, db *store.DB) int {
	n, err := db.Count(context.Background(), "conversations")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The daemon as packaged: `grouprise lmtpd` on lmtp.listen, and under socket activation
// (the socket named "lmtp", as systemd passes it).
func TestLMTPDaemon(t *testing.T) {
	in, db := lmtpSite(t, "")
	sock := filepath.Join(in.dir, "lmtp.sock")
	daemon := in.command("lmtpd")
	daemon.Env = append(daemon.Env, "GROUPRISE_LMTP__LISTEN="+sock)
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	reply := deliverLMTP(t, sock, "anna@example.org", "garten@grouprise.test", "Message-ID: <d1@example.org>\nSubject: Hallo\n\nGrüße!")
	if !strings.HasPrefix(reply, "250 2.0.0") || conversations(t, db) != 1 {
		t.Errorf("delivery: %q", reply)
	}
	daemon.Process.Signal(os.Interrupt)
	if err := daemon.Wait(); err != nil {
		t.Errorf("the daemon stopped with %v", err)
	}

	activate, err := exec.LookPath("systemd-socket-activate")
	if err != nil {
		if os.Getenv("GROUPRISE_TEST_REQUIRE_SYSTEMD") == "1" {
			t.Fatal("systemd-socket-activate required but missing")
		}
		t.Skip("no systemd-socket-activate (Debian package systemd)")
	}
	activated := filepath.Join(in.dir, "activated.sock")
	sa := exec.Command(activate, "--listen="+activated, "--fdname=lmtp", "--setenv=GROUPRISE_CONFIG="+in.conf, in.bin, "lmtpd")
	sa.Env = in.env
	if err := sa.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sa.Process.Signal(os.Interrupt); sa.Wait() }()
	reply = deliverLMTP(t, activated, "anna@example.org", "garten@grouprise.test", "Message-ID: <d2@example.org>\nSubject: Aktiviert\n\nÜber den Socket von systemd.")
	if !strings.HasPrefix(reply, "250 2.0.0") || conversations(t, db) != 2 {
		t.Errorf("socket-activated delivery: %q", reply)
	}
}

// import-mail answers with the exit codes sendmail-style callers understand.
func TestImportMail(t *testing.T) {
	in, db := lmtpSite(t, "")
	run := func(stdin string, env []string, args ...string) int {
		c := in.command(append([]string{"import-mail"}, args...)...)
		c.Env = append(c.Env, env...)
		c.Stdin = strings.NewReader(strings.ReplaceAll(stdin, "\n", "\r\n"))
		out, err := c.CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Logf("import-mail %v: %s", args, out)
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	msg := "Return-Path: <anna@example.org>\nDelivered-To: garten@grouprise.test\nMessage-ID: <i1@example.org>\nSubject: Per Pipe\n\nText"
	if code := run(msg, nil); code != 0 || conversations(t, db) != 1 {
		t.Errorf("headers: exit %d, %d conversations", code, conversations(t, db))
	}
	if code := run(msg, nil); code != 0 || conversations(t, db) != 1 {
		t.Errorf("again: exit %d, %d conversations", code, conversations(t, db))
	}
	other := "Message-ID: <i2@example.org>\nSubject: Umgebung\n\nText"
	if code := run(other, []string{"ORIGINAL_RECIPIENT=GARTEN@grouprise.test", "SENDER=anna@example.org"}); code != 0 || conversations(t, db) != 2 {
		t.Errorf("environment: exit %d", code)
	}
	if code := run(other, nil, "--recipient", "niemand@grouprise.test", "--sender", "anna@example.org"); code != 67 {
		t.Errorf("unknown recipient: exit %d, want 67 (EX_NOUSER)", code)
	}
	if code := run(other, nil); code != 67 {
		t.Errorf("no recipient: exit %d, want 67", code)
	}
	os.Rename(filepath.Join(in.dir, "grouprise.sqlite3"), filepath.Join(in.dir, "weg.sqlite3"))
	if code := run(msg, nil, "--recipient", "garten@grouprise.test"); code != 75 {
		t.Errorf("no database: exit %d, want 75 (EX_TEMPFAIL)", code)
	}
}
