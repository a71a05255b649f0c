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

	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/mail/mailtest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A runner process is killed (SIGKILL) in the middle of a batch, while it hands a message to
// the MTA. After a restart every message has arrived exactly once: the one in flight (which
// the MTA never acknowledged) is sent again, none of those sent before is.
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
			child = exec.Command(os.Args[0], "-test.run=^$")
			child.Env = append(os.Environ(), "GROUPRISE_TEST_RUNNER_CHILD=1", "CHILD_DB_ENGINE="+cfg.Engine,
				"CHILD_DB_NAME="+cfg.Name, "CHILD_SINK="+sink.Addr)
			child.Stderr = os.Stderr
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			mu.Unlock()
			deadline := time.Now().Add(30 * time.Second)
			for {
				mu.Lock()
				killed := seen >= killAt
				mu.Unlock()
				if killed {
					break
				}
				if time.Now().After(deadline) {
					child.Process.Kill()
					t.Fatalf("the runner sent only %d messages", len(sink.Messages()))
				}
				time.Sleep(10 * time.Millisecond)
			}
			if n := len(sink.Messages()); n != killAt-1 {
				t.Fatalf("%d messages before the crash, want %d", n, killAt-1)
			}
			// The restarted runner takes over the dead runner's jobs when their leases expire.
			r := newRunner(db, &clock{now: time.Now().Add(time.Minute)})
			r.Handle(mail.JobKind, (&mail.Sender{Transport: &mail.SMTP{Addr: sink.Addr}}).Handle, MailPolicy)
			if _, err := r.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for _, m := range sink.Messages() {
				count[m.To[0]]++
			}
			for i := range total {
				if to := fmt.Sprintf("p%02d@example.org", i); count[to] != 1 {
					t.Errorf("%s got %d messages, want 1", to, count[to])
				}
			}
			if n, _ := db.Count(ctx, "jobs"); n != 0 {
				t.Errorf("%d jobs left", n)
			}
		})
	}
}
