package tasks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/mail/mailtest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A runner process is killed (SIGKILL) in the middle of a batch, while it hands a message to
// the MTA. A restarted runner process, with the default lease and the real clock, takes over
// the dead runner's job when its lease has expired: every message arrives within a minute,
// exactly once (the one in flight, which the MTA never acknowledged, is sent again).
func TestCrashedRunnerSendsEveryMailOnce(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			cfg := storetest.Config(t, d)
			db := storetest.OpenConfig(t, cfg, d == store.SQLite)
			const total, killAt = 40, 16
			for i := range total {
				queueMail(t, db, fmt.Sprintf("p%02d@example.org", i), time.Now())
			}
			sink := mailtest.Start(t)
			var (
				mu    sync.Mutex
				child *exec.Cmd
				seen  int
			)
			start := func() *exec.Cmd {
				c := exec.Command(os.Args[0], "-test.run=^$")
				c.Env = append(os.Environ(), "GROUPRISE_TEST_RUNNER_CHILD=1", "CHILD_DB_ENGINE="+cfg.Engine,
					"CHILD_DB_NAME="+cfg.Name, "CHILD_SINK="+sink.Addr)
				c.Stderr = os.Stderr
				if err := c.Start(); err != nil {
					t.Fatal(err)
				}
				return c
			}
			sink.OnData(func(m mailtest.Message) error {
				mu.Lock()
				defer mu.Unlock()
				seen++
				if seen == killAt && child != nil {
					child.Process.Kill()
					child.Wait()
					return errors.New("the client died before the message was acknowledged")
				}
				return nil
			})
			mu.Lock()
			child = start()
			mu.Unlock()
			wait := func(what string, limit time.Duration, done func() bool) {
				t.Helper()
				for deadline := time.Now().Add(limit); !done(); time.Sleep(20 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("%s: not within %v (%d messages at the MTA)", what, limit, len(sink.Messages()))
					}
				}
			}
			wait("the crash", 30*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return seen >= killAt })
			if n := len(sink.Messages()); n != killAt-1 {
				t.Fatalf("%d messages before the crash, want %d", n, killAt-1)
			}
			// Restarted as systemd would, with the job of the dead runner still leased.
			crashed := time.Now()
			mu.Lock()
			child = start()
			mu.Unlock()
			defer func() { child.Process.Kill(); child.Wait() }()
			count := map[string]int{}
			wait("every message after the restart", time.Minute, func() bool {
				clear(count)
				for _, m := range sink.Messages() {
					count[m.To[0]]++
				}
				return len(count) == total
			})
			t.Logf("all %d messages at the MTA %v after the crash", total, time.Since(crashed).Round(time.Second))
			for i := range total {
				if to := fmt.Sprintf("p%02d@example.org", i); count[to] != 1 {
					t.Errorf("%s got %d messages, want 1", to, count[to])
				}
			}
			wait("the queue emptied", 10*time.Second, func() bool { n, _ := db.Count(ctx, "jobs"); return n == 0 })
		})
	}
}
