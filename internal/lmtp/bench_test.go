package lmtp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// BenchmarkLMTPInProcess is internal/e2e's BenchmarkLMTP (mails from a member to a group of
// 50 over 4 connections) with the server in the test's process, for CPU profiles:
// go test -tags sqlite_fts5 -run '^$' -bench LMTPInProcess/sqlite -benchtime 20x
// -cpuprofile /tmp/lmtp.prof ./internal/lmtp/ && go tool pprof -top /tmp/lmtp.prof
func BenchmarkLMTPInProcess(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(d.String(), func(b *testing.B) {
			db := storetest.Open(b, d)
			sock := benchServer(b, db)
			var seq int
			b.ResetTimer()
			for range b.N {
				var wg sync.WaitGroup
				for range 4 {
					first := seq
					seq += 50
					wg.Go(func() { benchClient(b, sock, first, 50) })
				}
				wg.Wait()
			}
		})
	}
}

// benchServer starts the LMTP server as lmtpd wires it, on a store with the group garten of
// 50 members (m00 to m49), and returns its socket.
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
	ctx := context.Background()
	acc := accounts.New(db, cfg.SlugReserved, nil)
	gr := groups.New(db, cfg.SlugReserved, nil)
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
	sock := filepath.Join(dir, "lmtp.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	// The daemon logs every mail at level Info; formatting is part of its cost.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := NewServer(New(cfg, db, catalog, log, contents.New(db), conversations.New(db)), cfg.Domain, cfg.LMTP.MaxMessageSize, log)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { srv.Serve(sctx, l); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	return sock
}

// benchClient delivers n mails (Message-IDs from first on) from m00 to garten on one connection.
func benchClient(b *testing.B, sock string, first, n int) {
	c, err := net.Dial("unix", sock)
	if err != nil {
		b.Error(err)
		return
	}
	defer c.Close()
	r := bufio.NewReader(c)
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
	text := strings.Repeat("Eine Zeile Text für die Gruppe.\r\n", 20)
	read()
	fmt.Fprintf(c, "LHLO bench\r\n")
	read()
	for i := first; i < first+n; i++ {
		fmt.Fprintf(c, "MAIL FROM:<m00@example.org>\r\nRCPT TO:<garten@grouprise.test>\r\nDATA\r\n")
		read()
		read()
		read()
		fmt.Fprintf(c, "Message-ID: <bench%d@example.org>\r\nSubject: Nachricht %d\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s.\r\n",
			i, i, text)
		if reply := read(); !strings.HasPrefix(reply, "250") {
			b.Errorf("delivery: %q", reply)
			return
		}
	}
}
