package lmtp

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/lmtp/lmtptest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// BenchmarkLMTPInProcess is internal/e2e's BenchmarkLMTP (mails from a member to a group of
// 50 over 4 connections, a second of them per iteration) with the server in the test's
// process, for CPU profiles:
// go test -tags sqlite_fts5 -run '^$' -bench LMTPInProcess/sqlite -benchtime 5x
// -cpuprofile /tmp/lmtp.prof ./internal/lmtp/ && go tool pprof -top /tmp/lmtp.prof
func BenchmarkLMTPInProcess(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(d.String(), func(b *testing.B) {
			db := storetest.Open(b, d)
			lmtptest.GroupOf50(b, db)
			sock := benchServer(b, db)
			var mails int
			var total time.Duration
			for range b.N {
				lat, took := lmtptest.Load(b, sock, 4, time.Second)
				mails, total = mails+len(lat), total+took
			}
			b.ReportMetric(float64(mails)/total.Seconds(), "msgs/s")
		})
	}
}

// benchServer starts the LMTP server on db as lmtpd wires it and returns its socket.
func benchServer(b *testing.B, db *store.DB) string {
	dir := b.TempDir()
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/t.yaml": []byte(
		"domain: grouprise.test\nsecret_key: lmtp-test-secret-0123\ndata_path: " + dir + "\n")}}, "/t.yaml")
	if err != nil {
		b.Fatal(err)
	}
	catalog, err := i18n.Load()
	if err != nil {
		b.Fatal(err)
	}
	sock := filepath.Join(dir, "lmtp.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	// The daemon logs every mail at level Info; formatting is part of its cost.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := NewServer(New(cfg, db, catalog, log, contents.New(db), conversations.New(db)), cfg.Domain, cfg.LMTP.MaxMessageSize, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, l); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	return sock
}
