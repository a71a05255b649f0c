package hooks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/hooks"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// script writes an executable that appends its argument to a file, one line per call.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hook")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// runJobs hands every waiting hook job to the runner, as the task runner would.
func runJobs(t *testing.T, db *store.DB, r *hooks.Runner) int {
	t.Helper()
	ctx := context.Background()
	jobs, err := db.ClaimJobs(ctx, "test", 100, time.Now().Add(time.Minute), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Kind != hooks.JobKind {
			continue
		}
		if err := r.Handle(ctx, j); err != nil {
			t.Fatalf("hook job: %v", err)
		}
		db.Tx(ctx, func(q *store.Queries) error { return q.CompleteJob(ctx, j) })
	}
	return len(jobs)
}

func TestGroupEventsCallScripts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		calls := filepath.Join(t.TempDir(), "calls")
		first := script(t, `printf '%s\n' "$1" >> `+calls)
		failing := script(t, `echo broken >&2; exit 3`)
		var logs bytes.Buffer
		r := &hooks.Runner{Paths: []string{failing, first}, Log: slog.New(slog.NewTextHandler(&logs, nil))}
		gs := groups.New(db, func(string) bool { return false }, nil).WithHooks(true)

		g, err := gs.Create(ctx, groups.NewGroup{Name: "Garten"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gs.Create(ctx, groups.NewGroup{Name: "Anderer Garten", Slug: "garten"}); err == nil {
			t.Fatal("a taken slug was accepted")
		}
		if err := gs.UpdateSettings(ctx, g, store.GroupSettings{Name: "Garten", Slug: "stadtgarten"}); err != nil {
			t.Fatal(err)
		}
		if err := gs.Delete(ctx, g.ID); err != nil {
			t.Fatal(err)
		}
		runJobs(t, db, r)
		data, _ := os.ReadFile(calls)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		var got []string
		for _, l := range lines {
			var ev hooks.Event
			if err := json.Unmarshal([]byte(l), &ev); err != nil {
				t.Fatalf("the script got %q, not JSON: %v", l, err)
			}
			if ev.ObjectType != "Group" || ev.ObjectData.ID != g.ID {
				t.Errorf("event %+v", ev)
			}
			got = append(got, ev.EventType+" "+ev.ObjectData.Slug)
		}
		want := []string{"created garten", "changed stadtgarten", "deleted stadtgarten"}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("the script heard %q, want %q (the rolled-back creation not at all)", got, want)
		}
		if !strings.Contains(logs.String(), "hook script failed") || !strings.Contains(logs.String(), "broken") {
			t.Errorf("the failing script is not logged with its output:\n%s", logs.String())
		}
		if !strings.Contains(lines[0], `"eventType":"created","objectType":"Group","objectData":{"id":`) {
			t.Errorf("the argument is not in the original's format: %s", lines[0])
		}
	})
}

func TestWithoutHooksNothingIsQueued(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	gs := groups.New(db, func(string) bool { return false }, nil)
	if _, err := gs.Create(context.Background(), groups.NewGroup{Name: "Garten"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Count(context.Background(), "jobs"); n != 0 {
		t.Errorf("%d jobs without hook scripts", n)
	}
}

func TestSlowScriptIsStopped(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	var logs bytes.Buffer
	r := &hooks.Runner{Paths: []string{script(t, "sleep 30")}, Timeout: 200 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.MultiWriter(&logs), nil))}
	gs := groups.New(db, func(string) bool { return false }, nil).WithHooks(true)
	if _, err := gs.Create(context.Background(), groups.NewGroup{Name: "Garten"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	runJobs(t, db, r)
	if time.Since(start) > 10*time.Second || !strings.Contains(logs.String(), "stopped after its time") {
		t.Errorf("the slow script was not stopped in time (%v):\n%s", time.Since(start), logs.String())
	}
}
