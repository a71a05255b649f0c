package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub/gtstest"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/mail/mailtest"
	"grouprise.org/grouprise/internal/metrics"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
	"grouprise.org/grouprise/internal/tasks"
)

// fediPeers is our daemon, federating, served over TLS on a loopback port (host, also its
// acct domain) with its task runner, beside a GoToSocial that trusts its certificate.
type fediPeers struct {
	*site
	ctx    context.Context
	host   string
	cert   *gtstest.Cert // ours
	gts    *gtstest.Server
	runner *tasks.Runner
	// metrics are the web daemon's and the task runner's, scraped by scrape
	metrics *metrics.Registry
	// mails are what the task runner sent
	mails *mailtest.Sink
}

// startFediPeers starts both on SQLite; they stop when the test ends.
func startFediPeers(t *testing.T) *fediPeers {
	t.Helper()
	cert := gtstest.NewCert(t)
	l := cert.Listen(t)
	host := l.Addr().String()
	gts := gtstest.Start(t, gtstest.Options{Trust: []string{cert.CertFile}})

	db := storetest.Open(t, store.SQLite)
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(
		"domain: grouprise.test\ntransport_security: integrated\nsecret_key: 0123456789abcdef0123\n" +
			"data_path: " + t.TempDir() + "\nweb: {anonymous_cache: 0}\n" + federated)}}, "/test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The acct domain is the listener's 127.0.0.1:PORT; the configuration takes host names
	// only, so it is set after loading.
	cfg.Domain = host
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	notifier, err := notify.New(cfg, catalog)
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.New("test", "test")
	queue := func(context.Context) (metrics.Queue, error) { return metrics.Queue{}, nil }
	runner := tasks.New(db, log, tasks.Options{Poll: 100 * time.Millisecond, MediaLater: time.Second, Metrics: reg.NewTasks(queue)})
	sink := mailtest.Start(t)
	if _, err := tasks.Register(runner, cfg, catalog, &mail.SMTP{Addr: sink.Addr, Encryption: "plain"}); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Deps{Config: cfg, DB: db, Catalog: catalog, Notifier: notifier, Log: log, Wake: runner.Wake, Metrics: reg.NewHTTP()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { srv.Serve(ctx, l); done <- struct{}{} }()
	go func() { runner.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	return &fediPeers{site: &site{t: t, db: db, cfg: cfg, srv: srv}, ctx: ctx, host: host, cert: cert, gts: gts, runner: runner,
		metrics: reg, mails: sink}
}

// scrape is what the metrics endpoint answers now.
func (p *fediPeers) scrape() string {
	rec := httptest.NewRecorder()
	p.metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// follow makes u follow @slug@host and waits until GoToSocial has our Accept.
func (p *fediPeers) follow(u *gtstest.User, slug string) gtstest.Account {
	p.t.Helper()
	acct, err := u.ResolveAccount("@" + slug + "@" + p.host)
	if err != nil {
		p.t.Fatalf("resolve @%s@%s: %v", slug, p.host, err)
	}
	if _, err := u.Follow(acct.ID); err != nil {
		p.t.Fatal(err)
	}
	gtstest.Await(p.t, 60*time.Second, func() error {
		rel, err := u.Relationship(acct.ID)
		if err == nil && !rel.Following {
			err = fmt.Errorf("relationship %+v, want following", rel)
		}
		return err
	})
	return acct
}

// garden makes anna and her group Garten on our site.
func (p *fediPeers) garden() (*store.Gestalt, *store.Group) {
	p.t.Helper()
	anna := p.person("anna", "anna-password")
	g, err := groups.New(p.db, p.cfg.SlugReserved, nil).Create(p.ctx, groups.NewGroup{Name: "Garten", Creator: anna})
	if err != nil {
		p.t.Fatal(err)
	}
	return anna, g
}

// inHome waits for the status with that ActivityPub id in u's home timeline.
func (p *fediPeers) inHome(u *gtstest.User, uri string) gtstest.Status {
	p.t.Helper()
	var found gtstest.Status
	gtstest.Await(p.t, 60*time.Second, func() error {
		home, err := u.HomeTimeline()
		if err != nil {
			return err
		}
		var seen []string
		for _, st := range home {
			if st.URI == uri {
				found = st
				return nil
			}
			seen = append(seen, st.URI)
		}
		return fmt.Errorf("%s not in the home timeline %v", uri, seen)
	})
	return found
}
