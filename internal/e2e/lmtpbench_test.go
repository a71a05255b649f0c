package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// BenchmarkLMTP measures `grouprise lmtpd` on SQLite and on PostgreSQL: mails to a group
// address with 50 members, each becoming a conversation with its notification job, from 4
// concurrent LMTP connections (as Postfix would open them): messages per second and the 99th
// percentile time of a transaction (MAIL to the reply after DATA). Beside it, in the same run
// and with the same client and mails, the ceiling: a bare go-smtp server in LMTP mode on a
// unix socket that reads every message and discards it; the ratio is in per mille of it.
//
// GROUPRISE_BENCH_BIN names another build of grouprise to measure instead (before and after,
// interleaved). The daemon is a process of its own; for a CPU profile of the same path, the
// in-process harness: go test -tags sqlite_fts5 -run '^$' -bench LMTPInProcess/sqlite
// -benchtime 20x -cpuprofile /tmp/lmtp.prof ./internal/lmtp/ && go tool pprof -top /tmp/lmtp.prof
func BenchmarkLMTP(b *testing.B) {
	ceiling := discardingLMTP(b)
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(d.String(), func(b *testing.B) {
			var db *store.DB
			var in *installation
			if d == store.SQLite {
				in = install(b, "")
				db = in.open(b)
			} else {
				cfg := storetest.Config(b, store.Postgres)
				in = install(b, "database:\n  engine: postgresql\n  name: \""+cfg.Name+"\"\n")
				db = storetest.OpenConfig(b, cfg, false)
			}
			if bin := os.Getenv("GROUPRISE_BENCH_BIN"); bin != "" {
				in.bin = bin // another build, for before-and-after runs side by side
			}
			benchGroupOf50(b, db)
			sock := filepath.Join(in.dir, "lmtp.sock")
			daemon := in.command("lmtpd")
			daemon.Env = append(daemon.Env, "GROUPRISE_LMTP__LISTEN="+sock)
			if err := daemon.Start(); err != nil {
				b.Fatal(err)
			}
			defer func() { daemon.Process.Signal(os.Interrupt); daemon.Wait() }()
			deliverLMTPWait(b, sock)

			var all, top []time.Duration
			var total, topTotal time.Duration
			for range b.N {
				lat, took := lmtpLoad(b, sock, 4, time.Second)
				all, total = append(all, lat...), total+took
				lat, took = lmtpLoad(b, ceiling, 4, time.Second)
				top, topTotal = append(top, lat...), topTotal+took
			}
			if len(all) == 0 || len(top) == 0 {
				return
			}
			slices.Sort(all)
			rate, topRate := float64(len(all))/total.Seconds(), float64(len(top))/topTotal.Seconds()
			b.ReportMetric(rate, "msgs/s")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(topRate, "ceiling-msgs/s")
			b.ReportMetric(1000*rate/topRate, "permille-of-ceiling")
			if n, _ := db.Count(context.Background(), "conversations"); n < len(all) {
				b.Errorf("%d conversations for %d mails", n, len(all))
			}
		})
	}
}

// benchGroupOf50 writes the group garten with 50 members, m00 (its creator) to m49.
func benchGroupOf50(b *testing.B, db *store.DB) {
	ctx := context.Background()
	reserved := func(string) bool { return false }
	acc := accounts.New(db, reserved, nil)
	gr := groups.New(db, reserved, nil)
	var group, creator int64
	for i := range 50 {
		p, err := acc.Create(ctx, accounts.NewAccount{Username: fmt.Sprintf("m%02d", i), Email: fmt.Sprintf("m%02d@example.org", i)})
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			g, err := gr.Create(ctx, groups.NewGroup{Name: "Garten", Creator: p})
			if err != nil {
				b.Fatal(err)
			}
			group, creator = g.ID, p.ID
			continue
		}
		if err := gr.AddMember(ctx, group, p.ID, creator); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSeq numbers the benchmark's mails: every Message-ID is new, on every server.
var benchSeq atomic.Int64

// lmtpLoad delivers mails from m00 to garten over c connections to sock for d and returns the
// time of every transaction (MAIL to the reply after DATA).
func lmtpLoad(b *testing.B, sock string, c int, d time.Duration) ([]time.Duration, time.Duration) {
	text := strings.Repeat("Eine Zeile Text für die Gruppe.\r\n", 20)
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for range c {
		wg.Go(func() {
			conn, err := net.Dial("unix", sock)
			if err != nil {
				b.Error(err)
				return
			}
			defer conn.Close()
			r := bufio.NewReader(conn)
			read := func() string {
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						b.Error(err)
						return ""
					}
					if len(line) < 4 || line[3] != '-' {
						return line
					}
				}
			}
			read()
			fmt.Fprintf(conn, "LHLO bench\r\n")
			read()
			var mine []time.Duration
			for time.Now().Before(stop) {
				n := benchSeq.Add(1)
				t0 := time.Now()
				fmt.Fprintf(conn, "MAIL FROM:<m00@example.org>\r\nRCPT TO:<garten@grouprise.test>\r\nDATA\r\n")
				read()
				read()
				read()
				fmt.Fprintf(conn, "Message-ID: <bench%d@example.org>\r\nSubject: Nachricht %d\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s.\r\n",
					n, n, text)
				if reply := read(); !strings.HasPrefix(reply, "250") {
					b.Errorf("delivery: %q", reply)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			fmt.Fprintf(conn, "QUIT\r\n")
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all, time.Since(start)
}

// discardingLMTP starts a bare go-smtp server in LMTP mode on a unix socket that takes every
// recipient and reads each message to its end: the most an LMTP server on go-smtp answers on
// this machine, the ceiling of the daemon's ratio.
func discardingLMTP(b *testing.B) string {
	sock := filepath.Join(b.TempDir(), "bare.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &discardSession{}, nil }))
	srv.LMTP = true
	srv.Domain = "bare.test"
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	return sock
}

// discardSession accepts and discards.
type discardSession struct{}

func (discardSession) Mail(string, *smtp.MailOptions) error { return nil }
func (discardSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (discardSession) Reset()                               {}
func (discardSession) Logout() error                        { return nil }
func (discardSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

// deliverLMTPWait waits until the daemon answers on its socket.
func deliverLMTPWait(b *testing.B, sock string) {
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return
		}
	}
	b.Fatal("the LMTP daemon did not come up")
}
