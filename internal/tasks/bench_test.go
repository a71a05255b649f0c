package tasks

import (
	"context"
	"fmt"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/mail/mailtest"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// BenchmarkNotificationFanout measures one comment in a group with 1,000 subscribers: from
// the commit of the comment until the last of the 1,000 mails is handed to a local SMTP
// server, through the runner in this process (the fan-out's chain of jobs, then one mail
// job per recipient). e2e.BenchmarkFanout measures the real daemon beside its ceiling; this
// one is for profiles:
//
//	go test -tags sqlite_fts5 -run '^$' -bench NotificationFanout -benchtime 20x \
//		-cpuprofile /tmp/fanout.prof ./internal/tasks/ && go tool pprof -top -cum tasks.test /tmp/fanout.prof
func BenchmarkNotificationFanout(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(d.String(), func(b *testing.B) { benchmarkFanout(b, d, 1000) })
	}
}

func benchmarkFanout(b *testing.B, d store.Dialect, subscribers int) {
	ctx := context.Background()
	db := storetest.Open(b, d)
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/b.yaml": []byte(
		"domain: grouprise.test\ndata_path: " + b.TempDir() + "\n")}}, "/b.yaml")
	if err != nil {
		b.Fatal(err)
	}
	catalog, _ := i18n.Load()
	sink := mailtest.Start(b)
	var groupID, authorID, contentID int64
	now := time.Now()
	err = db.Tx(ctx, func(q *store.Queries) error {
		g := &store.Group{Slug: "garten", Name: "Garten", DateCreated: now, TimeModified: now, DateFounded: now}
		if _, err := q.CreateGroup(ctx, g); err != nil {
			return err
		}
		groupID = g.ID
		for i := range subscribers {
			p := &store.Gestalt{Username: fmt.Sprintf("p%d", i), FirstName: "Person", LastName: fmt.Sprint(i), IsActive: true, DateJoined: now}
			if _, err := q.CreateGestalt(ctx, p); err != nil {
				return err
			}
			if _, err := q.AddEmailAddress(ctx, &store.EmailAddress{GestaltID: p.ID, Email: p.Username + "@example.org", Primary: true}); err != nil {
				return err
			}
			if err := q.Subscribe(ctx, groupID, p.ID); err != nil {
				return err
			}
			if i == 0 {
				authorID = p.ID
			}
		}
		c := &store.Content{Title: "Frühjahrsputz"}
		if _, err := q.CreateContent(ctx, c, &store.Version{AuthorID: authorID, Text: "Samstag", TimeCreated: now}); err != nil {
			return err
		}
		contentID = c.ID
		_, err := q.CreateAssociation(ctx, &store.Association{ContentID: c.ID, GroupID: groupID, Public: true, Slug: "putz"})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	r := New(db, quiet, Options{Workers: 8, Poll: time.Hour})
	transport := &mail.SMTP{Addr: sink.Addr, MaxIdle: 8}
	defer transport.Close()
	if _, err := Register(r, cfg, catalog, transport); err != nil {
		b.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { r.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()

	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		err := db.Tx(ctx, func(q *store.Queries) error {
			c := &store.Contribution{ContentID: contentID, AuthorID: authorID, Text: "Ich komme!", TimeCreated: time.Now(), Public: true}
			if _, err := q.AddContribution(ctx, c); err != nil {
				return err
			}
			return notify.ContributionCreated(ctx, q, c.ID, time.Now())
		})
		if err != nil {
			b.Fatal(err)
		}
		r.Wake()
		sink.Wait(b, (i+1)*subscribers, 5*time.Minute)
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N*subscribers)/elapsed.Seconds(), "mails/s")
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s/fanout")
}
