package tasks

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"grouprise.org/grouprise/internal/store"
)

// Periodic is work that cron puts into the queue at fixed times (UTC).
type Periodic struct {
	Name string // the job kind
	Spec string // cron spec: minute hour day month weekday
}

// Expiry is how late a periodic job may start; a later start skips it, since the next slot
// follows soon (as the Django grouprise's expiring huey tasks did).
const Expiry = 30 * time.Minute

// Schedule starts cron with the periodic jobs. Each firing enqueues one job keyed by kind and
// minute, so that several runners on one database add it once. Stop the returned cron when
// shutting down.
func (r *Runner) Schedule(ctx context.Context, periodic []Periodic) (*cron.Cron, error) {
	logger := cronLogger{r.log}
	c := cron.New(cron.WithLocation(time.UTC), cron.WithLogger(logger),
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	for _, p := range periodic {
		if _, ok := r.handlers[p.Name]; !ok {
			return nil, fmt.Errorf("tasks: no handler for the periodic job %q", p.Name)
		}
		if _, err := c.AddFunc(p.Spec, func() { r.enqueuePeriodic(ctx, p.Name) }); err != nil {
			return nil, fmt.Errorf("tasks: schedule %s (%q): %w", p.Name, p.Spec, err)
		}
	}
	c.Start()
	return c, nil
}

// HandlePeriodic registers the work of a periodic job; a job that starts more than Expiry after
// its slot is skipped.
func (r *Runner) HandlePeriodic(kind string, fn func(ctx context.Context) error) {
	r.Handle(kind, func(ctx context.Context, j *store.Job) error {
		if late := r.now().Sub(j.RunAt); late > Expiry {
			r.log.Info("skipping a periodic job that started too late", "kind", kind, "late", late.Round(time.Second))
			return nil
		}
		return fn(ctx)
	}, Policy{MaxAttempts: 3, First: time.Minute, Max: 5 * time.Minute})
}

func (r *Runner) enqueuePeriodic(ctx context.Context, kind string) {
	slot := r.now().UTC().Truncate(time.Minute)
	key := kind + "@" + slot.Format(time.RFC3339)
	added, err := r.db.EnqueueUnique(ctx, key, kind, nil, slot)
	if err != nil {
		r.log.Error("scheduling periodic job failed", "kind", kind, "err", err)
		return
	}
	if added {
		r.Wake()
	}
}

// cronLogger passes robfig/cron's messages to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
