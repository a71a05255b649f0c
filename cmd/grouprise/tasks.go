package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"grouprise.org/grouprise/internal/app"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/metrics"
	"grouprise.org/grouprise/internal/systemd"
	"grouprise.org/grouprise/internal/tasks"
	"grouprise.org/grouprise/internal/wakeup"
)

// runTasks is the task runner daemon: the job queue and the periodic work.
func runTasks(ctx context.Context, e *env, args []string) error {
	fs := e.flags("tasks", "[--once] [--workers N]")
	once := fs.Bool("once", false, "run the jobs that are due, then exit")
	workers := fs.Int("workers", 4, "jobs that run at the same time")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	a, err := e.loadApp(ctx, true)
	if err != nil {
		return err
	}
	defer a.Close()
	cfg, log, db := a.Config, a.Log, a.DB
	hostname, _ := os.Hostname()
	transport := mail.NewTransport(cfg.EmailSubmission, nil, log, hostname)
	if c, ok := transport.(*mail.Console); ok && cfg.EmailSubmission.Backend == "console" {
		c.Out = e.stderr
	}
	defer transport.Close()
	reg, rep, err := a.Observe(ctx, "tasks", !*once)
	if err != nil {
		return err
	}
	var taskMetrics *metrics.Tasks
	if reg != nil {
		taskMetrics = reg.NewTasks(func(ctx context.Context) (metrics.Queue, error) {
			now := time.Now()
			st, err := db.QueueStats(ctx, now)
			q := metrics.Queue{Waiting: st.Waiting, Running: st.Running, Parked: st.Parked}
			if !st.OldestDue.IsZero() {
				q.OldestWaiting = now.Sub(st.OldestDue)
			}
			if err != nil {
				return q, err
			}
			oldest, err := db.OldestJob(ctx, federation.JobDeliver)
			if !oldest.IsZero() {
				q.OldestDelivery = now.Sub(oldest)
			}
			return q, err
		})
	}
	runner := tasks.New(db, log, tasks.Options{Workers: *workers, Metrics: taskMetrics, Reports: rep, Contents: a.Contents})
	periodic, err := tasks.Register(runner, cfg, a.Catalog, transport)
	if err != nil {
		return err
	}
	if *once {
		n, err := runner.RunOnce(ctx)
		fmt.Fprintf(e.stdout, "ran %d job(s)\n", n)
		return err
	}

	l, err := listener("tasks", cfg.Tasks.Listen)
	if err != nil {
		return err
	}
	if l != nil {
		defer l.Close()
		go wakeup.Serve(l, runner.Wake)
	}
	c, err := runner.Schedule(ctx, periodic)
	if err != nil {
		return err
	}
	systemd.Ready()
	go systemd.Watchdog(ctx, db.Ping)
	wake := "none (polling)"
	if l != nil {
		wake = l.Addr().String()
	}
	log.Info("task runner started", "database", db.Location, "workers", *workers, "wakeup", wake)
	err = runner.Run(ctx)
	systemd.Stopping()
	<-c.Stop().Done()
	log.Info("task runner stopped")
	return err
}

// runJobs shows the queue and puts parked jobs back into it.
func runJobs(ctx context.Context, e *env, args []string) error {
	fs := e.flags("jobs", "[retry [ID…]]")
	pos, err := parse(fs, args, 0, 1000)
	if err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		if len(pos) > 0 && pos[0] == "retry" {
			var ids []int64
			for _, a := range pos[1:] {
				var id int64
				if _, err := fmt.Sscan(a, &id); err != nil {
					return usagef("not a job id: %q", a)
				}
				ids = append(ids, id)
			}
			n, err := tasks.RetryParked(ctx, a.DB, ids...)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%d parked job(s) queued again\n", n)
			a.Wake()
			return nil
		} else if len(pos) > 0 {
			return usagef("unknown jobs command %q; expected retry", pos[0])
		}
		stats, err := a.DB.QueueStats(ctx, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d waiting, %d running, %d parked\n", stats.Waiting, stats.Running, stats.Parked)
		if !stats.OldestDue.IsZero() {
			fmt.Fprintf(e.stdout, "the oldest due job waits since %s\n", stats.OldestDue.UTC().Format(time.RFC3339))
		}
		parked, err := a.DB.ParkedJobs(ctx)
		if err != nil || len(parked) == 0 {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "\nPARKED\tKIND\tATTEMPTS\tSINCE\tLAST ERROR")
		for _, j := range parked {
			fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%s\n", j.ID, j.Kind, j.Attempts, j.CreatedAt.UTC().Format(time.RFC3339),
				strings.ReplaceAll(firstLine(j.LastError), "\t", " "))
		}
		fmt.Fprintln(w, "\n`grouprise jobs retry [ID…]` queues parked jobs again.")
		return w.Flush()
	})
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
