package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/mail/mailtest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a time that tests move forward.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newRunner(db *store.DB, c *clock) *Runner {
	r := New(db, quiet, Options{Workers: 2, Poll: 50 * time.Millisecond, Lease: time.Minute})
	if c != nil {
		r.now = c.Now
	}
	return r
}

func queueMail(t *testing.T, db *store.DB, to string, at time.Time) {
	t.Helper()
	err := db.Tx(context.Background(), func(q *store.Queries) error {
		return mail.Queue(context.Background(), q, mail.Envelope{From: "noreply@example.org", To: []string{to}},
			&mail.Message{From: mail.Address{Address: "noreply@example.org"}, To: []mail.Address{{Address: to}},
				Subject: "Hallo " + to, Text: "Text"}, at)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRetriesWithBackoffUntilTheMTATakesIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sink := mailtest.Start(t)
		refusals := 3
		sink.Refuse(func(stage, _ string) error {
			if stage == "data" && refusals > 0 {
				refusals--
				return mailtest.Temporary("queue full")
			}
			return nil
		})
		c := &clock{now: time.Now()}
		r := newRunner(db, c)
		r.Handle(mail.JobKind, (&mail.Sender{Transport: &mail.SMTP{Addr: sink.Addr}}).Handle, MailPolicy)
		queueMail(t, db, "alice@example.org", c.Now())

		var waits []time.Duration
		for attempt := 1; attempt <= 4; attempt++ {
			if n, err := r.RunOnce(ctx); err != nil || n != 1 {
				t.Fatalf("attempt %d: ran %d jobs, %v", attempt, n, err)
			}
			if n, _ := r.RunOnce(ctx); n != 0 {
				t.Fatalf("attempt %d: a failed job ran again before its backoff", attempt)
			}
			stats, _ := db.QueueStats(ctx, c.Now().Add(24*time.Hour))
			if attempt < 4 {
				if stats.Waiting != 1 || stats.OldestDue.IsZero() {
					t.Fatalf("attempt %d: stats %+v, want the job waiting", attempt, stats)
				}
				waits = append(waits, stats.OldestDue.Sub(c.Now()))
				c.Add(stats.OldestDue.Sub(c.Now()) + time.Second)
			} else if stats.Waiting+stats.Running+stats.Parked != 0 {
				t.Fatalf("after delivery: %+v", stats)
			}
		}
		// 1, 2, 4 minutes, each ±10%.
		for i, w := range waits {
			base := time.Minute << i
			if w < base*9/10-time.Second || w > base*11/10 {
				t.Errorf("wait %d was %s, want about %s", i+1, w, base)
			}
		}
		if msgs := sink.Messages(); len(msgs) != 1 || msgs[0].To[0] != "alice@example.org" {
			t.Fatalf("sink got %d messages, want exactly 1", len(msgs))
		}
	})
}

func TestPermanentRefusalParksTheJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sink := mailtest.Start(t)
		sink.Refuse(func(stage, rcpt string) error {
			if stage == "rcpt" && rcpt == "gone@example.org" {
				return mailtest.Permanent("no such user")
			}
			return nil
		})
		r := newRunner(db, nil)
		r.Handle(mail.JobKind, (&mail.Sender{Transport: &mail.SMTP{Addr: sink.Addr}}).Handle, MailPolicy)
		queueMail(t, db, "gone@example.org", time.Now())
		queueMail(t, db, "here@example.org", time.Now())
		if n, err := r.RunOnce(ctx); err != nil || n != 2 {
			t.Fatalf("ran %d, %v", n, err)
		}
		parked, _ := db.ParkedJobs(ctx)
		if len(parked) != 1 || parked[0].Attempts != 1 || !strings.Contains(parked[0].LastError, "550") ||
			!strings.Contains(string(parked[0].Payload), "gone@example.org") {
			t.Fatalf("parked %+v", parked)
		}
		if msgs := sink.Messages(); len(msgs) != 1 || msgs[0].To[0] != "here@example.org" {
			t.Fatalf("sink got %+v", msgs)
		}
	})
}

func TestMTADownThenUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sink := mailtest.Start(t)
		transport := &mail.SMTP{Addr: "127.0.0.1:1"} // nobody listens
		c := &clock{now: time.Now()}
		r := newRunner(db, c)
		r.Handle(mail.JobKind, (&mail.Sender{Transport: transport}).Handle, MailPolicy)
		for i := range 5 {
			queueMail(t, db, fmt.Sprintf("p%d@example.org", i), c.Now())
		}
		r.RunOnce(ctx)
		stats, _ := db.QueueStats(ctx, c.Now())
		if stats.Waiting != 5 || stats.Parked != 0 {
			t.Fatalf("with the MTA down: %+v, want all 5 waiting", stats)
		}
		transport.Addr = sink.Addr
		c.Add(2 * time.Minute)
		r.RunOnce(ctx)
		if msgs := sink.Messages(); len(msgs) != 5 {
			t.Fatalf("%d messages after the MTA came back, want 5", len(msgs))
		}
	})
}

func TestHandlerFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{now: time.Now()}
		r := newRunner(db, c)
		r.Handle("panics", func(context.Context, *store.Job) error { panic("boom") }, Policy{MaxAttempts: 2, First: time.Second, Max: time.Second})
		r.Handle("refuses", func(context.Context, *store.Job) error { return fmt.Errorf("bad input: %w", ErrPermanent) }, DefaultPolicy)
		var txRuns atomic.Int32
		r.HandleTx("writes", func(ctx context.Context, q *store.Queries, j *store.Job) error {
			txRuns.Add(1)
			if _, err := q.Enqueue(ctx, "follow-up", nil, c.Now().Add(time.Hour)); err != nil {
				return err
			}
			if txRuns.Load() == 1 {
				return errors.New("the first attempt fails after writing")
			}
			return nil
		}, Policy{MaxAttempts: 5, First: time.Second, Max: time.Second})
		for _, kind := range []string{"panics", "refuses", "writes", "unknown"} {
			db.Enqueue(ctx, kind, nil, c.Now())
		}
		for range 3 {
			r.RunOnce(ctx)
			c.Add(2 * time.Second)
		}
		parked, _ := db.ParkedJobs(ctx)
		kinds := map[string]string{}
		for _, j := range parked {
			kinds[j.Kind] = j.LastError
		}
		if !strings.HasPrefix(kinds["panics"], "panic: boom") || !strings.Contains(kinds["refuses"], "permanent failure") {
			t.Errorf("parked: %v", kinds)
		}
		if _, ok := kinds["unknown"]; ok {
			t.Errorf("a job without handler was parked before its attempts were used up")
		}
		// The failed transaction's write is gone; the second attempt's write stays, once.
		if txRuns.Load() != 2 {
			t.Errorf("tx handler ran %d times, want 2", txRuns.Load())
		}
		stats, _ := db.QueueStats(ctx, c.Now())
		if stats.Waiting != 2 { // the follow-up and the unknown job
			t.Errorf("waiting %d, want 2: %+v", stats.Waiting, stats)
		}
	})
}

func TestPeriodicJobsRunOncePerSlotAndExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{now: time.Date(2026, 11, 23, 3, 23, 10, 0, time.UTC)}
		var runs atomic.Int32
		a, b := newRunner(db, c), newRunner(db, c)
		for _, r := range []*Runner{a, b} {
			r.HandlePeriodic("scores", func(context.Context) error { runs.Add(1); return nil })
		}
		// Two runners fire for the same slot: one job.
		a.enqueuePeriodic(ctx, "scores")
		b.enqueuePeriodic(ctx, "scores")
		a.RunOnce(ctx)
		b.RunOnce(ctx)
		if runs.Load() != 1 {
			t.Fatalf("ran %d times for one slot, want 1", runs.Load())
		}
		// A job that could not start within 30 minutes of its slot is skipped.
		c.Add(3 * time.Hour)
		a.enqueuePeriodic(ctx, "scores")
		c.Add(31 * time.Minute)
		a.RunOnce(ctx)
		if runs.Load() != 1 {
			t.Fatalf("a late periodic job ran")
		}
		if n, _ := db.Count(ctx, "jobs"); n != 0 {
			t.Fatalf("%d jobs left", n)
		}
	})
}

func TestRunWakesUpAndStopsGracefully(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sink := mailtest.Start(t)
		r := New(db, quiet, Options{Workers: 3, Poll: time.Hour, Grace: 5 * time.Second})
		r.Handle(mail.JobKind, (&mail.Sender{Transport: &mail.SMTP{Addr: sink.Addr}}).Handle, MailPolicy)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()
		for i := range 20 {
			queueMail(t, db, fmt.Sprintf("p%d@example.org", i), time.Now())
		}
		r.Wake() // the poll interval is an hour: only the wake-up can start the work
		sink.Wait(t, 20, 10*time.Second)
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
		if n, _ := db.Count(context.Background(), "jobs"); n != 0 {
			t.Errorf("%d jobs left", n)
		}
	})
}

// A runner claims more jobs than it has workers; those that wait for a worker keep their
// lease, so that no other runner takes them over and runs them a second time.
func TestClaimedJobsWaitingForAWorkerKeepTheirLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const lease = 600 * time.Millisecond
		r := New(db, quiet, Options{Workers: 1, Claim: 3, Poll: time.Hour, Lease: lease})
		started, release := make(chan int64, 3), make(chan struct{})
		var runs sync.Map
		r.Handle("slow", func(_ context.Context, j *store.Job) error {
			n, _ := runs.LoadOrStore(j.ID, new(atomic.Int32))
			n.(*atomic.Int32).Add(1)
			started <- j.ID
			<-release
			return nil
		}, DefaultPolicy)
		err := db.Tx(ctx, func(q *store.Queries) error {
			return q.EnqueueMany(ctx, "slow", []any{1, 2, 3}, time.Now().Add(-time.Second))
		})
		if err != nil {
			t.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error)
		go func() { done <- r.Run(runCtx) }()
		<-started
		time.Sleep(3 * lease) // the two jobs behind the first one were claimed with it
		if stolen, err := db.ClaimJobs(ctx, "another runner", 10, time.Now(), time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		} else if len(stolen) != 0 {
			t.Errorf("another runner took over %d claimed jobs whose leases ran out", len(stolen))
		}
		close(release)
		for range 2 {
			<-started
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		runs.Range(func(id, n any) bool {
			if got := n.(*atomic.Int32).Load(); got != 1 {
				t.Errorf("job %d ran %d times", id, got)
			}
			return true
		})
		if n, _ := db.Count(ctx, "jobs"); n != 0 {
			t.Errorf("%d jobs left", n)
		}
	})
}

// Several runners on one database, each with its own connection pool, share a queue of many
// mails: every mail is handed to the MTA exactly once.
func TestSeveralRunnersSendEveryMailOnce(t *testing.T) {
	for _, d := range []store.Dialect{store.Postgres, store.SQLite} {
		t.Run(d.String(), func(t *testing.T) {
			cfg := storetest.Config(t, d)
			first := storetest.OpenConfig(t, cfg, d == store.SQLite)
			sink := mailtest.Start(t)
			const total = 300
			for i := range total {
				queueMail(t, first, fmt.Sprintf("p%03d@example.org", i), time.Now())
			}
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for i := range 3 {
				db := first
				if i > 0 {
					db = storetest.OpenConfig(t, cfg, false)
				}
				r := New(db, quiet, Options{Workers: 3, Poll: 20 * time.Millisecond})
				r.Handle(mail.JobKind, (&mail.Sender{Transport: &mail.SMTP{Addr: sink.Addr}}).Handle, MailPolicy)
				wg.Go(func() { r.Run(ctx) })
			}
			sink.Wait(t, total, 60*time.Second)
			// Stopped runners send nothing more, and the sink keeps a message before it
			// answers its DATA: what a duplicate could be is in the sink now.
			cancel()
			wg.Wait()
			msgs := sink.Messages()
			seen := map[string]int{}
			for _, m := range msgs {
				seen[m.To[0]]++
			}
			if len(msgs) != total || len(seen) != total {
				t.Errorf("%d messages to %d recipients, want %d each once", len(msgs), len(seen), total)
			}
		})
	}
}
