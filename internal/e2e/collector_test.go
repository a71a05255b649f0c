package e2e

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store/storetest"
)

// The collector mailbox (collector_mailbox_address): the MTA puts all mail of the domain into
// one mailbox whose .forward pipes it into import-mail, as Postfix's local(8) runs it; the
// groups are read from the header.
func TestImportMailCollector(t *testing.T) {
	in, db := lmtpSite(t, "collector_mailbox_address: sammel@mail.example.org\n")
	run := func(stdin string, env ...string) int {
		c := in.command("import-mail")
		c.Env = append(c.Env, env...)
		c.Stdin = strings.NewReader(strings.ReplaceAll(stdin, "\n", "\r\n"))
		out, err := c.CombinedOutput()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Logf("import-mail: %s", out)
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	// Postfix's local(8) for the collector's .forward: the envelope names the collector
	postfix := []string{"RECIPIENT=sammel@mail.example.org", "SENDER=anna@example.org"}
	msg := "Return-Path: <anna@example.org>\nDelivered-To: sammel@mail.example.org\nX-Original-To: garten@grouprise.test\n" +
		"To: Garten <garten@grouprise.test>\nMessage-ID: <s1@example.org>\nSubject: Gesammelt\n\nText"
	if code := run(msg, postfix...); code != 0 || conversations(t, db) != 1 {
		t.Errorf("collected: exit %d, %d conversations", code, conversations(t, db))
	}
	if code := run(msg, postfix...); code != 0 || conversations(t, db) != 1 {
		t.Errorf("again: exit %d, %d conversations", code, conversations(t, db))
	}
	// a qmail-style $DTLINE, and the header only
	if code := run(strings.Replace(msg, "<s1@", "<s2@", 1), "DTLINE=Delivered-To: sammel@mail.example.org", "SENDER=anna@example.org"); code != 0 || conversations(t, db) != 2 {
		t.Errorf("DTLINE: exit %d, %d conversations", code, conversations(t, db))
	}
	if code := run(strings.Replace(msg, "<s1@", "<s3@", 1)); code != 0 || conversations(t, db) != 3 {
		t.Errorf("header only: exit %d, %d conversations", code, conversations(t, db))
	}
	// nothing of the site in it (spam to a made-up address): taken and dropped, no bounce
	// to a forged sender, no mail left on the server for fetchmail to fetch again
	jobs, _ := db.Count(context.Background(), "jobs")
	if code := run("Return-Path: <anna@example.org>\nDelivered-To: sammel@mail.example.org\nTo: jemand@grouprise.test\nMessage-ID: <s4@example.org>\nSubject: x\n\ny", postfix...); code != 0 || conversations(t, db) != 3 {
		t.Errorf("no group named: exit %d, want 0", code)
	}
	if n, _ := db.Count(context.Background(), "jobs"); n != jobs {
		t.Errorf("%d jobs, was %d: the dropped mail was answered", n, jobs)
	}
	// the database fails: the MTA tries again later (EX_TEMPFAIL)
	storetest.Exec(t, db, `CREATE TRIGGER fail BEFORE INSERT ON contributions BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
	if code := run(strings.Replace(msg, "<s1@", "<s6@", 1), postfix...); code != 75 || conversations(t, db) != 3 {
		t.Errorf("failing database: exit %d, want 75; %d conversations", code, conversations(t, db))
	}
	storetest.Exec(t, db, `DROP TRIGGER fail`)
	// a mail to another address than the collector is delivered as before
	if code := run("Message-ID: <s5@example.org>\nSubject: Direkt\n\nText", "ORIGINAL_RECIPIENT=garten@grouprise.test", "SENDER=anna@example.org"); code != 0 || conversations(t, db) != 4 {
		t.Errorf("direct: exit %d, %d conversations", code, conversations(t, db))
	}
}
