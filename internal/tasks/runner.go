// Package tasks is the task runner: it works off the job queue in the store with a pool of
// workers, retries failed jobs with backoff, parks those that keep failing, and schedules
// periodic work with cron.
package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/metrics"
	"grouprise.org/grouprise/internal/reports"
	"grouprise.org/grouprise/internal/store"
)

// Handler runs one job whose effects lie outside the database (a mail, a Matrix message).
// A job may run again after a crash, so a handler must not repeat what it finished.
type Handler func(ctx context.Context, job *store.Job) error

// TxHandler runs one job inside a transaction that also removes the job: what it writes to
// the database is written exactly once.
type TxHandler func(ctx context.Context, q *store.Queries, job *store.Job) error

// Policy says how often and how patiently a kind of job is retried.
type Policy struct {
	// MaxAttempts before the job is parked.
	MaxAttempts int
	// First is the wait after the first failure; it doubles up to Max.
	First, Max time.Duration
}

// Backoff is the wait before the attempt after attempt (1-based), with ±10% jitter so that
// jobs that failed together do not return together.
func (p Policy) Backoff(attempt int) time.Duration {
	d := p.First
	for i := 1; i < attempt && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}

// DefaultPolicy retries for about a day: 30 s, 1 min, 2 min, … up to an hour between tries.
var DefaultPolicy = Policy{MaxAttempts: 30, First: 30 * time.Second, Max: time.Hour}

// ErrPermanent marks a failure that no retry can mend; the job is parked at once.
var ErrPermanent = errors.New("permanent failure")

// Later is what a handler returns when the job cannot start now (what it needs is busy in
// this process): the job goes back to the queue for After, and the attempt does not count.
type Later struct {
	After  time.Duration
	Reason string
}

func (l *Later) Error() string { return "later: " + l.Reason }

type handler struct {
	run    Handler
	runTx  TxHandler
	policy Policy
}

// Options tune a Runner; zero values take the defaults.
type Options struct {
	// Workers run jobs at the same time (default 4).
	Workers int
	// Lease is how long a claimed job belongs to this runner before another may take it over
	// (default 20 s): the runner renews it four times a lease while the job waits or runs, so
	// a runner that died (SIGKILL, power cut) gives its jobs up within a lease.
	Lease time.Duration
	// Poll is the pause between looks at the queue when nothing wakes the runner (default 5 s).
	Poll time.Duration
	// Claim is how many due jobs one look at the queue takes at most (default 8 per worker,
	// at most 64): a fan-out's thousand mails cost a hundred claims instead of a thousand.
	// Claimed jobs wait in the runner under a lease it renews, and a stopping runner hands
	// back those it did not start.
	Claim int
	// Grace is how long running jobs may finish after the runner was told to stop (default 30 s).
	Grace time.Duration
	// MediaLater is the shortest wait of a media job whose fetch slot is busy (default 20 s;
	// the wait grows with the job's age, see mediaWait).
	MediaLater time.Duration
	// Metrics counts jobs and mails (nil: off); Reports tells the administrators of parked
	// jobs (nil: logged only).
	Metrics *metrics.Tasks
	Reports *reports.Reporter
	// Contents publishes what periodic jobs import (the App's service; nil: one on the
	// runner's store, for tests that build no App).
	Contents *contents.Service
}

// Runner works off the job queue.
type Runner struct {
	db       *store.DB
	log      *slog.Logger
	opts     Options
	worker   string
	handlers map[string]handler
	wake     chan struct{}
	now      func() time.Time

	mu      sync.Mutex
	running map[int64]*store.Job
}

// New returns a runner with no handlers; register them with Handle and HandleTx.
func New(db *store.DB, log *slog.Logger, opts Options) *Runner {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	if opts.Poll <= 0 {
		opts.Poll = 5 * time.Second
	}
	if opts.Claim <= 0 {
		opts.Claim = min(8*opts.Workers, 64)
	}
	opts.Claim = max(opts.Claim, opts.Workers)
	if opts.MediaLater <= 0 {
		opts.MediaLater = mediaLater
	}
	if opts.Grace <= 0 {
		opts.Grace = 30 * time.Second
	}
	host, _ := os.Hostname()
	return &Runner{
		db: db, log: log, opts: opts, now: time.Now,
		worker:   fmt.Sprintf("%s/%d/%s", host, os.Getpid(), randomSuffix()),
		handlers: map[string]handler{},
		wake:     make(chan struct{}, 1),
		running:  map[int64]*store.Job{},
	}
}

func randomSuffix() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}

// Handle registers the handler of a kind of job.
func (r *Runner) Handle(kind string, h Handler, p Policy) {
	r.handlers[kind] = handler{run: h, policy: p}
}

// HandleTx registers a handler that runs in the transaction completing the job.
func (r *Runner) HandleTx(kind string, h TxHandler, p Policy) {
	r.handlers[kind] = handler{runTx: h, policy: p}
}

// Wake makes the runner look at the queue now.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run works off the queue until ctx ends, then lets running jobs finish (for at most Grace)
// and hands jobs it claimed but did not start back to the queue.
func (r *Runner) Run(ctx context.Context) error {
	jobs := make(chan *store.Job)
	stop, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	var workers sync.WaitGroup
	for range r.opts.Workers {
		workers.Go(func() {
			for j := range jobs {
				r.process(stop, j)
			}
		})
	}
	renewCtx, stopRenewing := context.WithCancel(ctx)
	go r.renewLeases(renewCtx)

	err := r.dispatch(ctx, jobs)
	stopRenewing()
	close(jobs)
	finished := make(chan struct{})
	go func() { workers.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(r.opts.Grace):
		r.log.Warn("jobs still running after the grace period; cancelling them", "grace", r.opts.Grace)
		cancelJobs()
		<-finished
	}
	release, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if n, rerr := r.db.ReleaseJobs(release, r.worker); rerr != nil {
		err = errors.Join(err, rerr)
	} else if n > 0 {
		r.log.Info("handed unstarted jobs back to the queue", "jobs", n)
	}
	return err
}

// dispatch claims jobs while workers are free and hands them over, until ctx ends.
func (r *Runner) dispatch(ctx context.Context, jobs chan<- *store.Job) error {
	for {
		now := r.now()
		claimed, err := r.db.ClaimJobs(ctx, r.worker, r.opts.Claim, now, now.Add(r.opts.Lease))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.log.Error("claiming jobs failed; trying again", "err", err)
			claimed = nil
		}
		// All are tracked at once: those that wait for a worker need their leases renewed too.
		for _, j := range claimed {
			r.track(j, true)
		}
		for i, j := range claimed {
			select {
			case jobs <- j:
			case <-ctx.Done():
				for _, rest := range claimed[i:] {
					r.track(rest, false)
				}
				return nil
			}
		}
		if len(claimed) == r.opts.Claim {
			continue // there may be more
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-time.After(r.opts.Poll):
		}
	}
}

func (r *Runner) track(j *store.Job, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if on {
		r.running[j.ID] = j
	} else {
		delete(r.running, j.ID)
	}
}

// DefaultLease is the lease of a claimed job unless Options say otherwise: short enough that
// another runner takes over a dead runner's jobs within half a minute, long enough that three
// renewals in a row may fail (a busy database) before the job could run twice.
const DefaultLease = 20 * time.Second

// renewLeases keeps the leases of claimed jobs from expiring while they wait or run.
func (r *Runner) renewLeases(ctx context.Context) {
	t := time.NewTicker(r.opts.Lease / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.mu.Lock()
		jobs := make([]*store.Job, 0, len(r.running))
		for _, j := range r.running {
			jobs = append(jobs, j)
		}
		r.mu.Unlock()
		until := r.now().Add(r.opts.Lease)
		for _, j := range jobs {
			if err := r.db.ExtendLease(ctx, j, until); err != nil && !errors.Is(err, store.ErrNotFound) {
				r.log.Warn("renewing a job's lease failed", "job", j.ID, "err", err)
			}
		}
	}
}

// RunOnce claims what is due and runs it to the end, one job after the other; tests and
// `grouprise tasks --once` use it. It returns the number of jobs run.
func (r *Runner) RunOnce(ctx context.Context) (int, error) {
	total := 0
	for {
		now := r.now()
		claimed, err := r.db.ClaimJobs(ctx, r.worker, 100, now, now.Add(r.opts.Lease))
		if err != nil {
			return total, err
		}
		if len(claimed) == 0 {
			return total, nil
		}
		for _, j := range claimed {
			r.process(ctx, j)
		}
		total += len(claimed)
	}
}

// process runs one job and records its outcome.
func (r *Runner) process(ctx context.Context, j *store.Job) {
	defer r.track(j, false)
	log := r.log.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	h, ok := r.handlers[j.Kind]
	if !ok {
		r.fail(ctx, log, j, DefaultPolicy, fmt.Errorf("no handler for jobs of kind %q in this grouprise", j.Kind))
		return
	}
	start := time.Now()
	err := r.call(ctx, h, j)
	if err == nil {
		log.Debug("job done", "took", time.Since(start))
		r.opts.Metrics.Job(j.Kind, "done", time.Since(start))
		return
	}
	if later := (*Later)(nil); errors.As(err, &later) {
		if err := r.db.PostponeJob(context.WithoutCancel(ctx), j, r.now().Add(later.After)); err != nil {
			log.Warn("postponing a job failed; its lease will expire and it runs again", "err", err)
		}
		log.Debug("job postponed", "reason", later.Reason, "after", later.After)
		return
	}
	parked := r.fail(ctx, log, j, h.policy, err)
	outcome := "retry"
	if parked {
		outcome = "parked"
	}
	r.opts.Metrics.Job(j.Kind, outcome, time.Since(start))
}

// call runs the handler, turning a panic into an error; a TxHandler's transaction also
// completes the job, a plain handler's job is completed after it returned.
func (r *Runner) call(ctx context.Context, h handler, j *store.Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	if h.runTx != nil {
		err := r.db.Tx(ctx, func(q *store.Queries) error {
			if err := h.runTx(ctx, q, j); err != nil {
				return err
			}
			return q.CompleteJob(ctx, j)
		})
		if err == nil {
			r.Wake() // the handler may have enqueued jobs of its own (a fan-out)
		}
		return err
	}
	if err := h.run(ctx, j); err != nil {
		return err
	}
	if err := r.db.CompleteJob(context.WithoutCancel(ctx), j); err != nil {
		return err
	}
	return nil
}

// fail schedules the next attempt of a failed job, or parks it (and says so).
func (r *Runner) fail(ctx context.Context, log *slog.Logger, j *store.Job, p Policy, cause error) bool {
	if errors.Is(cause, store.ErrLeaseLost) {
		log.Warn("another runner took this job over; leaving it to that runner")
		return false
	}
	park := errors.Is(cause, ErrPermanent) || mail.IsPermanent(cause) || j.Attempts >= p.MaxAttempts
	retryAt := r.now().Add(p.Backoff(j.Attempts))
	if err := r.db.RetryJob(context.WithoutCancel(ctx), j, cause.Error(), retryAt, park); err != nil {
		log.Error("recording a job's failure failed; its lease will expire and it runs again", "err", err, "cause", cause)
		return false
	}
	if park {
		log.Error("job failed and was parked; `grouprise check` lists it", "err", cause)
		r.opts.Reports.Report(context.WithoutCancel(ctx), reports.Event{Where: "job " + j.Kind,
			Summary: fmt.Sprintf("job %d (%s) was given up after %d attempts", j.ID, j.Kind, j.Attempts),
			Detail:  fmt.Sprintf("last error: %v\n\n`grouprise jobs` lists parked jobs; `grouprise jobs retry %d` queues it again.", cause, j.ID)})
	} else {
		log.Warn("job failed; it will be tried again", "err", cause, "retry_at", retryAt.UTC().Format(time.RFC3339))
	}
	return park
}
