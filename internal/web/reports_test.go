package web

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/mail/mailtest"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/reports"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
	"grouprise.org/grouprise/internal/tasks"
)

// TestPanicReport: a handler that panics gives a 500 page, the daemon goes on serving, and
// ten such requests send the administrators exactly one report mail (through the queue and
// SMTP).
func TestPanicReport(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	sink := mailtest.Start(t)
	host, port, _ := net.SplitHostPort(sink.Addr)
	dir := t.TempDir()
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(
		"domain: grouprise.test\ntransport_security: disabled\nsecret_key: 0123456789abcdef0123\n" +
			"data_path: " + dir + "\nweb: {anonymous_cache: 0}\nlog_recipient_emails: [admin@example.org]\n" +
			"email_submission: {backend: smtp, host: " + host + ", port: " + port + ", encryption: plain}\n")}}, "/test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	catalog, _ := i18n.Load()
	notifier, _ := notify.New(cfg, catalog)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rep := &reports.Reporter{DB: db, Daemon: "web", Recipients: cfg.LogRecipientEmails, From: cfg.DefaultFromEmail, Site: "Test", Log: log}
	srv, err := New(Deps{Config: cfg, DB: db, Catalog: catalog, Notifier: notifier, Log: log, Reports: rep,
		testRoutes: func(mux *http.ServeMux) {
			mux.HandleFunc("GET /stadt/boom/{$}", func(http.ResponseWriter, *http.Request) { panic("the handler broke") })
		}})
	if err != nil {
		t.Fatal(err)
	}
	s := &site{t: t, db: db, cfg: cfg, srv: srv, sock: filepath.Join(dir, "web.sock")}
	l, err := net.Listen("unix", s.sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, l); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	runner := tasks.New(db, log, tasks.Options{})
	transport := mail.NewTransport(cfg.EmailSubmission, nil, log, "test")
	defer transport.Close()
	if _, err := tasks.Register(runner, cfg, catalog, transport); err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	for i := 0; i < 10; i++ {
		b.get("/stadt/boom/").expect(t, http.StatusInternalServerError)
		// the queue runs between the failures, as the task runner would
		if _, err := runner.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	b.get("/").expect(t, http.StatusOK)
	sink.Wait(t, 1, 10*time.Second)
	// what is still queued goes out now; the sink keeps a message before it answers DATA
	if _, err := runner.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := sink.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d report mails for ten failures, want 1", len(msgs))
	}
	body := string(msgs[0].Data)
	if msgs[0].To[0] != "admin@example.org" || !strings.Contains(body, "panic: the handler broke") ||
		!strings.Contains(body, "GET /stadt/boom/") {
		t.Errorf("the report:\n%s", body)
	}
}
