// Package hooks calls the administrator's scripts (hook_script_paths) when a group is
// created, changed or deleted, as the Django grouprise did: each script gets one argument, a
// JSON document naming the event and the group. The call is a job, enqueued in the
// transaction of the change, so that a script never hears of a change that was rolled back.
package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"syscall"
	"time"

	"grouprise.org/grouprise/internal/store"
)

// JobKind names the jobs of this package in the queue.
const JobKind = "hook"

// Events of a group.
const (
	Created = "created"
	Changed = "changed"
	Deleted = "deleted"
)

// Event is the argument a script gets, in the original's format:
// {"eventType": "created", "objectType": "Group", "objectData": {"id": 3, "slug": "garten"}}.
type Event struct {
	EventType  string     `json:"eventType"`
	ObjectType string     `json:"objectType"`
	ObjectData ObjectData `json:"objectData"`
}

// ObjectData names the group.
type ObjectData struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
}

// Group enqueues the scripts' call for an event of a group, inside the caller's transaction.
func Group(ctx context.Context, q *store.Queries, event string, id int64, slug string, now time.Time) error {
	_, err := q.Enqueue(ctx, JobKind, Event{EventType: event, ObjectType: "Group", ObjectData: ObjectData{ID: id, Slug: slug}}, now)
	if err != nil {
		return fmt.Errorf("hooks: %w", err)
	}
	return nil
}

// Timeout is how long a script may run before it is stopped, as in the original.
const Timeout = 300 * time.Second

// Runner runs the scripts for the task runner.
type Runner struct {
	Paths   []string
	Timeout time.Duration
	Log     *slog.Logger
}

// Handle runs every script with the event. A script that fails is logged with its output and
// not called again for this event (scripts need not be idempotent); the other scripts run.
func (r *Runner) Handle(ctx context.Context, job *store.Job) error {
	var ev Event
	if err := json.Unmarshal(job.Payload, &ev); err != nil {
		return fmt.Errorf("hooks: job %d: %w", job.ID, err)
	}
	arg, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("hooks: %w", err)
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = Timeout
	}
	for _, path := range r.Paths {
		runCtx, cancel := context.WithTimeout(ctx, timeout)
		cmd := exec.CommandContext(runCtx, path, string(arg))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		// The script and whatever it started are stopped together after the timeout.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		cmd.WaitDelay = 5 * time.Second
		err := cmd.Run()
		cancel()
		if ctx.Err() != nil {
			return ctx.Err() // shutting down: the job runs again later
		}
		log := r.Log.With("script", path, "event", ev.EventType, "group", ev.ObjectData.Slug)
		switch {
		case errors.Is(runCtx.Err(), context.DeadlineExceeded):
			log.Error("hook script stopped after its time", "timeout", timeout, "output", tail(out.Bytes()))
		case err != nil:
			log.Error("hook script failed", "err", err, "output", tail(out.Bytes()))
		default:
			log.Info("hook script called")
		}
	}
	return nil
}

// tail is the end of a script's output, enough for the log.
func tail(b []byte) string {
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(bytes.TrimSpace(b))
}
