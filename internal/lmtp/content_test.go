package lmtp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// What a mail brings: charsets, HTML, attachments, the explanation to a refused sender.
func TestMailContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		ctx := context.Background()
		c := s.dial()
		c.send("LHLO mta")
		c.reply()
		png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\nnot really"))
		latin := "Message-ID: <l1@example.org>\nSubject: =?iso-8859-1?q?Gr=FC=DFe_vom_Beet?=\nMIME-Version: 1.0\n" +
			"Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=s\n\n" +
			"--s\nContent-Type: multipart/mixed; boundary=m\n\n" +
			"--m\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nDie Tomaten sind gro=DF.\n--=20\nAnna\n" +
			"--m\nContent-Type: image/png; name=\"tomate.png\"\nContent-Disposition: attachment; filename=\"tomate.png\"\nContent-Transfer-Encoding: base64\n\n" + png + "\n" +
			"--m--\n--s\nContent-Type: application/pgp-signature\n\n-----BEGIN PGP SIGNATURE-----\n--s--\n"
		_, data, texts := c.transaction("anna@example.org", []string{"garten@grouprise.test"}, strings.ReplaceAll(latin, "\n", "\r\n"))
		if data[0] != 250 {
			t.Fatalf("latin-1 mail: %v %q", data, texts)
		}
		assoc, err := db.AssociationOf(ctx, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := db.ConversationSubject(ctx, assoc.ConversationID)
		thread, _ := db.Thread(ctx, 0, assoc.ConversationID, true)
		if subject != "Grüße vom Beet" || len(thread) != 2 || thread[0].Text != "Die Tomaten sind groß." {
			t.Fatalf("conversation %q %d %q", subject, len(thread), thread[0].Text)
		}
		file := thread[1]
		if file.Kind != "file" || file.AttachedToID != thread[0].ID || file.FileName != "tomate.png" || !strings.HasSuffix(file.FileStored, ".png") {
			t.Errorf("attachment %+v", file)
		}
		stored, err := os.ReadFile(filepath.Join(s.cfg.MediaRoot, file.FileStored))
		if err != nil || string(stored) != "\x89PNG\r\n\x1a\nnot really" {
			t.Errorf("stored attachment %q %v", stored, err)
		}

		html := "Message-ID: <h1@example.org>\nSubject: Plan\nContent-Type: text/html; charset=utf-8\n\n<p>Wir <strong>treffen</strong> uns:</p><ol><li>Montag</li><li>Dienstag</li></ol>"
		c.transaction("anna@example.org", []string{"garten@grouprise.test"}, mailText(html, ""))
		assoc, _ = db.AssociationOf(ctx, 0, 2)
		thread, _ = db.Thread(ctx, 0, assoc.ConversationID, true)
		if len(thread) != 1 || thread[0].Text != "Wir **treffen** uns:\n\n1. Montag\n2. Dienstag" {
			t.Errorf("HTML as Markdown: %q", thread[0].Text)
		}

		// carla is told why her mail is not published: one automatic mail, to her
		c.transaction("carla@example.org", []string{"garten@grouprise.test"}, mailText("Message-ID: <c9@example.org>\nSubject: Hallo Garten", "Darf ich?"))
		jobs, err := db.ClaimJobs(ctx, "test", 100, time.Now().Add(time.Hour), time.Now().Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var explanation *mail.Job
		for _, j := range jobs {
			if j.Kind != mail.JobKind {
				continue
			}
			var m mail.Job
			if err := json.Unmarshal(j.Payload, &m); err != nil {
				t.Fatal(err)
			}
			explanation = &m
		}
		if explanation == nil {
			t.Fatal("no explanation queued")
		}
		auto := false
		for _, h := range explanation.Message.Headers {
			auto = auto || h.Name == "Auto-Submitted" && h.Value == "auto-replied"
		}
		if !auto || explanation.Envelope.To[0] != "carla@example.org" || explanation.Message.Subject != "Re: Hallo Garten" ||
			!strings.Contains(explanation.Message.Text, "Nur Mitglieder") || explanation.Message.InReplyTo[0] != "c9@example.org" {
			t.Errorf("explanation %+v", explanation)
		}
	})
}

// A database failure in the middle of a delivery answers 451 and leaves nothing behind; the
// MTA's next try delivers once.
func TestFailureMidTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		if db.Dialect() == store.Postgres {
			storetest.Exec(t, db, `CREATE FUNCTION fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$ LANGUAGE plpgsql`,
				`CREATE TRIGGER fail BEFORE INSERT ON contributions FOR EACH ROW EXECUTE FUNCTION fail()`)
		} else {
			storetest.Exec(t, db, `CREATE TRIGGER fail BEFORE INSERT ON contributions BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
		}
		// (haus refuses anna, which is recorded: incoming_mails is not among these)
		tables := []string{"conversations", "associations", "contributions"}
		before := map[string]int{}
		for _, tb := range tables {
			before[tb] = s.count(tb)
		}
		c := s.dial()
		c.send("LHLO mta")
		c.reply()
		msg := mailText("Message-ID: <f1@example.org>\nSubject: Feuer", "Brennt es?")
		_, data, texts := c.transaction("anna@example.org", []string{"garten@grouprise.test", "haus@grouprise.test"}, msg)
		if data[0] != 451 || !strings.Contains(texts[0], "4.3.0") || data[1] != 250 || !strings.Contains(texts[1], "explanation") {
			t.Fatalf("replies %v %q", data, texts)
		}
		for _, tb := range tables {
			if n := s.count(tb); n != before[tb] {
				t.Errorf("%s: %d rows, was %d", tb, n, before[tb])
			}
		}
		storetest.Exec(t, db, `DROP TRIGGER fail`+map[bool]string{true: " ON contributions", false: ""}[db.Dialect() == store.Postgres])
		_, data, _ = c.transaction("anna@example.org", []string{"garten@grouprise.test"}, msg)
		_, again, _ := c.transaction("anna@example.org", []string{"garten@grouprise.test"}, msg)
		if data[0] != 250 || again[0] != 250 || s.count("conversations") != before["conversations"]+1 {
			t.Errorf("retry: %v %v, %d conversations", data, again, s.count("conversations"))
		}
	})
}

func TestSizeLimit(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "lmtp: {max_message_size: 4096}\n")
	c := s.dial()
	c.send("LHLO mta")
	if _, caps := c.reply(); !strings.Contains(caps, "SIZE 4096") {
		t.Errorf("capabilities %q", caps)
	}
	c.send("MAIL FROM:<anna@example.org> SIZE=5000")
	if code, text := c.reply(); code != 552 {
		t.Errorf("declared size: %d %s", code, text)
	}
	_, data, _ := c.transaction("anna@example.org", []string{"garten@grouprise.test"},
		mailText("Message-ID: <big@example.org>\nSubject: Groß", strings.Repeat("Zeile mit Text\n", 400)))
	if len(data) != 1 || data[0] != 552 || s.count("conversations") != 0 {
		t.Errorf("too large: %v, %d conversations", data, s.count("conversations"))
	}
}
