package tasks

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) {
	if os.Getenv("GROUPRISE_TEST_RUNNER_CHILD") == "1" {
		os.Exit(runChild())
	}
	storetest.Main(m)
}

// runChild is a task runner in its own process, for the crash test: one worker, the default
// lease, mail to the test's sink. It runs until it is killed.
func runChild() int {
	ctx := context.Background()
	db, err := store.Open(ctx, config.Database{Engine: os.Getenv("CHILD_DB_ENGINE"), Name: os.Getenv("CHILD_DB_NAME")}, store.OpenOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	r := New(db, quiet, Options{Workers: 1, Poll: 200 * time.Millisecond})
	r.Handle(mail.JobKind, (&mail.Sender{Transport: &mail.SMTP{Addr: os.Getenv("CHILD_SINK")}}).Handle, MailPolicy)
	if err := r.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
