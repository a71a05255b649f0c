package e2e

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"grouprise.org/grouprise/internal/lmtp/lmtptest"
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
// -benchtime 5x -cpuprofile /tmp/lmtp.prof ./internal/lmtp/ && go tool pprof -top /tmp/lmtp.prof
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
			lmtptest.GroupOf50(b, db)
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
				lat, took := lmtptest.Load(b, sock, 4, time.Second)
				all, total = append(all, lat...), total+took
				lat, took = lmtptest.Load(b, ceiling, 4, time.Second)
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
