package federation_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
	"grouprise.org/grouprise/internal/tasks"
)

// BenchmarkPublishFanout: one article of a group with 1,000 followers on 100 servers (ten
// each, sharing their server's inbox) reaches every server, through the real task runner
// (publish job, 100 signed deliveries, 4 workers). It reports the time until the last server
// has it and the deliveries per second, beside its ceiling in the same run: the same 100 POSTs
// of the same body by 4 goroutines with a bare http.Client, unsigned and signed.
//
//	go test -tags sqlite_fts5 -run '^$' -bench PublishFanout -benchtime 5x ./internal/federation/
func BenchmarkPublishFanout(b *testing.B) {
	const servers, perServer, workers = 100, 10, 4
	db := storetest.Open(b, store.SQLite)
	yaml := "domain: grouprise.test\nsecret_key: 0123456789abcdef0123\ndata_path: " + b.TempDir() +
		"\nactivitypub: {enabled: true, allowed_private_networks: [127.0.0.0/8]}\n"
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(yaml)}}, "/test.yaml")
	if err != nil {
		b.Fatal(err)
	}
	catalog, err := i18n.Load()
	if err != nil {
		b.Fatal(err)
	}
	runner := tasks.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), tasks.Options{Workers: workers, Poll: 20 * time.Millisecond})
	if _, err := tasks.Register(runner, cfg, catalog, &mail.SMTP{Addr: "127.0.0.1:1"}); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { runner.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	// arrivals counts POSTs; all is closed when the expected number arrived
	var mu sync.Mutex
	var arrived, want int
	var all chan struct{}
	inbox := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
		mu.Lock()
		defer mu.Unlock()
		if arrived++; arrived == want {
			close(all)
		}
	})
	expect := func(n int) chan struct{} {
		mu.Lock()
		defer mu.Unlock()
		arrived, want, all = 0, n, make(chan struct{})
		return all
	}
	var inboxes []string
	now := time.Now()
	alice := &store.Gestalt{Username: "alice", DateJoined: now}
	garten := &store.Group{Slug: "garten", Name: "Garten", DateCreated: now, TimeModified: now, DateFounded: now}
	err = db.Tx(ctx, func(q *store.Queries) error {
		if _, err := q.CreateGestalt(ctx, alice); err != nil {
			return err
		}
		if _, err := q.CreateGroup(ctx, garten); err != nil {
			return err
		}
		for range servers {
			srv := httptest.NewServer(inbox)
			b.Cleanup(srv.Close)
			inboxes = append(inboxes, srv.URL+"/inbox")
			for j := range perServer {
				actor := fmt.Sprintf("%s/users/%d", srv.URL, j)
				if err := q.AddFollower(ctx, store.Follower{GroupID: garten.ID, ActorID: actor, FollowID: actor + "#f",
					Inbox: actor + "/inbox", SharedInbox: srv.URL + "/inbox", Accepted: true, CreatedAt: now}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	svc := contents.New(db).WithFederation(federation.New(db, cfg, federation.Options{}))
	text := string(bytes.Repeat([]byte("Was im Garten zu tun ist. "), 40))
	client := &http.Client{}
	body := bytes.Repeat([]byte("x"), 3000) // about the size of the Create

	key, err := activitypub.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	signer := activitypub.Signer{KeyID: "https://grouprise.test/garten/#main-key", Key: key}
	// post sends body to every inbox as the ceiling does, signed when s is not nil.
	post := func(s *activitypub.Signer) time.Duration {
		all := expect(servers)
		start := time.Now()
		work := make(chan string)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for u := range work {
					req, _ := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
					req.Header.Set("Content-Type", activitypub.MediaType)
					if s != nil {
						if err := s.Sign(req, body); err != nil {
							b.Error(err)
						}
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						continue
					}
					resp.Body.Close()
				}
			})
		}
		for _, u := range inboxes {
			work <- u
		}
		close(work)
		wg.Wait()
		<-all
		return time.Since(start)
	}

	var ours, ceiling, signedCeiling time.Duration
	b.ResetTimer()
	for i := range b.N {
		all := expect(servers)
		start := time.Now()
		if _, err := svc.Create(ctx, alice, garten.ID, contents.Article, contents.Draft{Title: fmt.Sprintf("Beete %d", i), Text: text, Public: true}); err != nil {
			b.Fatal(err)
		}
		runner.Wake()
		select {
		case <-all:
		case <-time.After(time.Minute):
			b.Fatalf("after a minute, %d of %d servers have the article", arrived, servers)
		}
		ours += time.Since(start)

		ceiling += post(nil)
		signedCeiling += post(&signer)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(ours.Seconds()/n*1000, "ms-to-last")
	b.ReportMetric(servers*n/ours.Seconds(), "deliveries/s")
	b.ReportMetric(ceiling.Seconds()/n*1000, "ceiling-ms")
	b.ReportMetric(ours.Seconds()/ceiling.Seconds(), "x-ceiling")
	b.ReportMetric(signedCeiling.Seconds()/n*1000, "signed-ceiling-ms")
	b.ReportMetric(ours.Seconds()/signedCeiling.Seconds(), "x-signed-ceiling")
}
