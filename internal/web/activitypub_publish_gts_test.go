package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub/gtstest"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
	"grouprise.org/grouprise/internal/tasks"
)

// TestPublishToGoToSocial: a GoToSocial (v0.18.3) account follows @garten@<our host>; the
// group's new public article and event appear in its home timeline (the Create alone does
// it: no Announce needed), our edit reaches it as an edit, our delete removes it, and an
// internal article never arrives.
func TestPublishToGoToSocial(t *testing.T) {
	if testing.Short() {
		t.Skip("starts GoToSocial")
	}
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
	cfg.Domain = host // the acct domain with its port, as in TestFollowFromGoToSocial
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	notifier, err := notify.New(cfg, catalog)
	if err != nil {
		t.Fatal(err)
	}
	runner := tasks.New(db, log, tasks.Options{Poll: 100 * time.Millisecond})
	if _, err := tasks.Register(runner, cfg, catalog, &mail.SMTP{Addr: "127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Deps{Config: cfg, DB: db, Catalog: catalog, Notifier: notifier, Log: log, Wake: runner.Wake})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { srv.Serve(ctx, l); done <- struct{}{} }()
	go func() { runner.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })

	s := &site{t: t, db: db, cfg: cfg, srv: srv}
	author := s.person("anna", "anna-password")
	garten, err := groups.New(db, cfg.SlugReserved, nil).Create(ctx, groups.NewGroup{Name: "Garten", Creator: author})
	if err != nil {
		t.Fatal(err)
	}

	alice := gts.NewUser("alice")
	group, err := alice.ResolveAccount("@garten@" + host)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Follow(group.ID); err != nil {
		t.Fatal(err)
	}
	gtstest.Await(t, 60*time.Second, func() error {
		rel, err := alice.Relationship(group.ID)
		if err == nil && !rel.Following {
			err = fmt.Errorf("relationship %+v, want following", rel)
		}
		return err
	})

	// inHome waits for the status with that ActivityPub ID in alice's home timeline.
	inHome := func(uri string) gtstest.Status {
		t.Helper()
		var found gtstest.Status
		gtstest.Await(t, 60*time.Second, func() error {
			home, err := alice.HomeTimeline()
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
	publish := func(kind contents.Kind, d contents.Draft) *store.Association {
		t.Helper()
		a, err := srv.contents.Create(ctx, author, garten.ID, kind, d)
		if err != nil {
			t.Fatal(err)
		}
		runner.Wake()
		return a
	}
	base := "https://" + host + "/garten/"

	publish(contents.Article, contents.Draft{Title: "Kasse", Text: "Nur für uns: der Kassenstand."})
	article := publish(contents.Article, contents.Draft{Title: "Beete im Dezember", Text: "Was jetzt **zu tun** ist. #Winter", Public: true})
	st := inHome(base + "beete-im-dezember/")
	t.Logf("GoToSocial shows the article as spoiler_text %q, content %q, url %q, tags %v, reblog %v", st.SpoilerText, st.Content, st.URL, st.Tags, st.Reblog != nil)
	if st.SpoilerText != "Beete im Dezember" || !strings.Contains(st.Content, "<strong>zu tun</strong>") ||
		st.URL != base+"beete-im-dezember/" || st.Account.ID != group.ID || st.Visibility != "public" {
		t.Errorf("article in the home timeline: %+v", st)
	}

	// the Create alone: no second entry (a boost) for the same article
	home, err := alice.HomeTimeline()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range home {
		if h.Reblog != nil {
			t.Errorf("a boost in the home timeline: %+v", h)
		}
	}

	start := time.Date(2027, 3, 20, 14, 0, 0, 0, time.UTC)
	publish(contents.Event, contents.Draft{Title: "Pflanztag", Text: "Komm vorbei.", Public: true,
		Place: "Gartenstraße 1", Start: start, End: start.Add(3 * time.Hour)})
	ev := inHome(base + "pflanztag/")
	t.Logf("GoToSocial shows the event as spoiler_text %q, content %q, url %q", ev.SpoilerText, ev.Content, ev.URL)
	if !strings.Contains(ev.Content, "2027-03-20 15:00") || !strings.Contains(ev.Content, "Gartenstraße 1") {
		t.Errorf("event in the home timeline without its time and place: %+v", ev)
	}

	if err := srv.contents.Update(ctx, article, author, contents.Article, contents.Draft{Title: "Beete im Januar",
		Text: "Jetzt ist Ruhe.", Public: true}); err != nil {
		t.Fatal(err)
	}
	runner.Wake()
	gtstest.Await(t, 60*time.Second, func() error {
		got, err := alice.Status(st.ID)
		if err == nil && (got.EditedAt == "" || !strings.Contains(got.Content, "Jetzt ist Ruhe.")) {
			err = fmt.Errorf("after the edit: edited_at %q, content %q", got.EditedAt, got.Content)
		}
		return err
	})

	if err := srv.contents.Delete(ctx, article); err != nil {
		t.Fatal(err)
	}
	runner.Wake()
	gtstest.Await(t, 60*time.Second, func() error {
		if _, err := alice.Status(st.ID); !gtstest.IsStatus(err, http.StatusNotFound) {
			return fmt.Errorf("after the delete: %v, want 404", err)
		}
		return nil
	})

	if home, err = alice.HomeTimeline(); err != nil {
		t.Fatal(err)
	}
	for _, h := range home {
		if strings.Contains(h.Content, "Kasse") || strings.Contains(h.URI, "kasse") {
			t.Errorf("the internal article arrived: %+v", h)
		}
	}
	if n := len(storetest.Strings(t, db, `SELECT inbox FROM activitypub_deliveries WHERE activity_id LIKE '%kasse%'`)); n != 0 {
		t.Errorf("%d deliveries of the internal article", n)
	}
}
