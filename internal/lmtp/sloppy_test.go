package lmtp

import (
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A header line without a colon (broken scripts, old clients) ends the header block and starts
// the body, as MTAs read it; only a message without any header field is refused.
func TestSloppyHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		c := s.dial()
		c.send("LHLO mta.example.org")
		c.reply()

		msg := mailText("Message-ID: <skript@example.org>\nSubject: Pflanzliste\nX-Mailer eigenes Skript 0.1\nDate: kein Datum",
			"Tomaten und Bohnen.")
		_, data, texts := c.transaction("anna@example.org", []string{"garten@grouprise.test"}, msg)
		if len(data) != 1 || data[0] != 250 || !strings.Contains(texts[0], "Delivered") {
			t.Fatalf("a mail with a header line without colon: %v %q", data, texts)
		}
		rows := storetest.Rows(t, db, "SELECT c.subject, m.text FROM conversations c JOIN contributions m ON m.conversation_id = c.id")
		if len(rows) != 1 {
			t.Fatalf("stored %q", rows)
		}
		subject, text, _ := strings.Cut(rows[0], "|")
		if subject != "Pflanzliste" || !strings.Contains(text, "X-Mailer eigenes Skript 0.1\nDate: kein Datum") ||
			!strings.Contains(text, "Tomaten und Bohnen.") {
			t.Errorf("the lines from the broken one on are the text: subject %q, text %q", subject, text)
		}

		// a line ending in a bare CR right before the end of DATA, and a NUL byte in the text
		_, data, texts = c.transaction("anna@example.org", []string{"garten@grouprise.test"},
			"Message-ID: <cr@example.org>\r\nSubject: Ende\r\n\r\nNull\x00Byte\r\nletzte Zeile\r")
		if len(data) != 1 || data[0] != 250 {
			t.Errorf("a bare CR at the end and a NUL byte: %v %q", data, texts)
		}

		// a line longer than SMTP's 1000 characters (an HTML mail in one line, through Exim)
		_, data, texts = c.transaction("anna@example.org", []string{"garten@grouprise.test"},
			mailText("Message-ID: <lang@example.org>\nSubject: Lang", strings.Repeat("Beet ", 4000)))
		if len(data) != 1 || data[0] != 250 {
			t.Errorf("a 20000 characters long line: %v %q", data, texts)
		}

		// a text of only Unicode spaces is no text: the note for mails without one is
		_, data, texts = c.transaction("anna@example.org", []string{"garten@grouprise.test"},
			mailText("Message-ID: <leer@example.org>\nSubject: Leer", "\u00a0\u3000"))
		if len(data) != 1 || data[0] != 250 {
			t.Errorf("a text of spaces: %v %q", data, texts)
		}

		for name, garbage := range map[string]string{
			"binary":             "\x00\x01\x02\x03\xff\xfe\r\n\x00\x00\r\n",
			"no header at all":   "Hallo zusammen,\r\nwer gießt?\r\n",
			"starts folded":      " Subject: x\r\n\r\nText\r\n",
			"only an empty line": "\r\n",
		} {
			_, data, texts = c.transaction("anna@example.org", []string{"garten@grouprise.test"}, garbage)
			if len(data) != 1 || data[0] != 554 || !strings.Contains(texts[0], "5.6.0") {
				t.Errorf("%s: %v %q, want a refusal 554 5.6.0", name, data, texts)
			}
		}
		if n := s.count("conversations"); n != 4 {
			t.Errorf("%d conversations, want 4", n)
		}
	})
}
