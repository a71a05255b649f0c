package lmtp

import (
	"io"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A mail answered 451 tells the postmaster, over SMTP and not through the job queue (the
// database may be what fails): the error, the addresses and the Message-ID, never the text;
// one mail an hour, the next counting the failures in between.
func TestPostmasterAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		onContributions := map[bool]string{true: " ON contributions", false: ""}[db.Dialect() == store.Postgres]
		if db.Dialect() == store.Postgres {
			storetest.Exec(t, db, `CREATE FUNCTION fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$ LANGUAGE plpgsql`,
				`CREATE TRIGGER fail BEFORE INSERT ON contributions FOR EACH ROW EXECUTE FUNCTION fail()`)
		} else {
			storetest.Exec(t, db, `CREATE TRIGGER fail BEFORE INSERT ON contributions BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
		}
		jobs := s.count("jobs")
		c := s.dial()
		c.send("LHLO mta")
		c.reply()
		_, data, _ := c.transaction("anna@example.org", []string{"garten@grouprise.test"},
			mailText("Message-ID: <p1@example.org>\nSubject: Geheimer Betreff", "Geheimer Text"))
		if data[0] != 451 {
			t.Fatalf("DATA: %v, want 451", data)
		}
		alert := s.sink.Wait(t, 1, 10*time.Second)[0]
		text := decoded(t, alert.Data)
		for _, want := range []string{"Subject: [Testsite] Eingehende Mail", "Auto-Submitted: auto-generated", "Schritt: DATA",
			"<p1@example.org>", "garten@grouprise.test", "anna@example.org", "disk on fire"} {
			if !strings.Contains(text, want) {
				t.Errorf("the alert lacks %q:\n%s", want, text)
			}
		}
		if alert.To[0] != "postmaster@example.org" || strings.Contains(text, "Geheim") {
			t.Errorf("alert to %v, with the mail's subject or text:\n%s", alert.To, text)
		}
		if n := s.count("jobs"); n != jobs {
			t.Errorf("%d jobs, was %d: the alert went through the queue", n, jobs)
		}

		// a database that keeps failing sends no more within the hour
		for i := range 3 {
			_, data, _ = c.transaction("anna@example.org", []string{"garten@grouprise.test"},
				mailText("Message-ID: <p"+itoa(int64(i+2))+"@example.org>\nSubject: x", "y"))
			if data[0] != 451 {
				t.Fatalf("DATA: %v", data)
			}
		}
		s.postmaster.Wait()
		if n := len(s.sink.Messages()); n != 1 {
			t.Errorf("%d alerts within the hour, want 1", n)
		}
		storetest.Exec(t, db, `DROP TRIGGER fail`+onContributions)

		// an hour later the database fails at RCPT: the next alert, counting the three
		s.later.Store(int64(time.Hour + time.Minute))
		storetest.Exec(t, db, `ALTER TABLE groups RENAME TO groups_away`)
		c.send("MAIL FROM:<anna@example.org>", "RCPT TO:<garten@grouprise.test>", "RSET")
		codes, _ := c.replies(3)
		storetest.Exec(t, db, `ALTER TABLE groups_away RENAME TO groups`)
		if codes[1] != 451 {
			t.Fatalf("RCPT with the groups gone: %d, want 451", codes[1])
		}
		alerts := s.sink.Wait(t, 2, 10*time.Second)
		text = decoded(t, alerts[1].Data)
		for _, want := range []string{"Schritt: RCPT", "garten@grouprise.test", "3 weitere Fehler"} {
			if !strings.Contains(text, want) {
				t.Errorf("the second alert lacks %q:\n%s", want, text)
			}
		}
		// delivering works again, and tells nobody
		_, data, _ = c.transaction("anna@example.org", []string{"garten@grouprise.test"},
			mailText("Message-ID: <p1@example.org>\nSubject: Geheimer Betreff", "Geheimer Text"))
		s.postmaster.Wait()
		if data[0] != 250 || len(s.sink.Messages()) != 2 {
			t.Errorf("after the repair: %v, %d alerts", data, len(s.sink.Messages()))
		}
	})
}

// decoded is a plain-text mail's header and text, the text decoded.
func decoded(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := netmail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for k, v := range m.Header {
		b.WriteString(k + ": " + strings.Join(v, ", ") + "\n")
	}
	return b.String() + "\n" + string(body)
}
