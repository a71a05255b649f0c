package lmtp

import (
	"bufio"
	"bytes"
	"io"
	"net"
	netmail "net/mail"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// FuzzParse: no message makes the parser panic; what it returns is valid UTF-8 without NUL
// bytes, the subject fits the database.
// Run longer with: go test -tags sqlite_fts5 -fuzz FuzzParse ./internal/lmtp
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"Subject: x\r\n\r\nHallo\r\n",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b--\r\n",
		"Subject: =?iso-8859-1?q?Gr=FC=DFe?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nGr\xfc\xdfe\r\n",
		"Content-Type: multipart/alternative; boundary=\"\r\n\r\n--\r\n",
		"Content-Transfer-Encoding: base64\r\n\r\n!!!!\r\n",
		"Subject: =?x?q?\xff?=\r\nIn-Reply-To: <<<>\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := Parse(raw, 1<<20)
		if err != nil {
			return
		}
		if !utf8.ValidString(p.Text) || !utf8.ValidString(p.Subject) || utf8.RuneCountInString(p.Subject) > maxSubject {
			t.Fatalf("text %q subject %q", p.Text, p.Subject)
		}
		if p.MessageID == "" {
			t.Fatal("no message id")
		}
		for _, s := range append([]*string{&p.Text, &p.Subject, &p.MessageID}, refsAndNames(p)...) {
			if strings.Contains(*s, "\x00") {
				t.Fatalf("a NUL byte, which PostgreSQL refuses, in %q", *s)
			}
		}
		inReplyTo(p.Refs)
	})
}

// FuzzAuthResults: no Authentication-Results value makes its parser panic, and a field that
// reads as ours names our id.
func FuzzAuthResults(f *testing.F) {
	for _, seed := range []string{
		"mx.example.org; dmarc=fail (p=reject) header.from=example.org",
		`mx.example.org 1; dkim=pass reason="a; b" header.d=x; spf = fail (a (b) \) c) smtp.mailfrom=a@b`,
		"mx.example.org; none",
		`"mx"; x/1=y`,
		"(;\\",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		id, results, err := parseAuthResults(v)
		if err == nil && senderForged("mx.example.org", "example.org", []string{v}) && !strings.EqualFold(id, "mx.example.org") {
			t.Fatalf("forged by a field of %q: %+v", id, results)
		}
	})
}

// FuzzDelivery: any message, given as the DATA of a real LMTP session from a member to her
// group, never panics the server, and a readable message is never refused. Readable means: it
// begins with a header field, and net/mail reads the header block and body that splitHeader
// cuts it into (the header block ends at the first line that is not a header field).
// Run longer with: go test -tags sqlite_fts5 -run '^$' -fuzz FuzzDelivery ./internal/lmtp
// (on PostgreSQL with GROUPRISE_FUZZ_POSTGRES=1).
func FuzzDelivery(f *testing.F) {
	for _, seed := range []string{
		"Message-ID: <a@example.org>\r\nSubject: Gießplan\r\n\r\nWer gießt?\r\n",
		"Subject: Liste\r\nX-Mailer altes Skript\r\nDate: heute\r\n\r\nTomaten\r\n",
		"Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nkaputt\n--b--\n",
		"Subject: x\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n",
		"Subject: x\r\nContent-Type: text/plain; charset=utf-7\r\nContent-Transfer-Encoding: x-uue\r\n\r\n+AGQ-\r\n",
		"Subject: x\r\n\r\n\x00\xff\r\n.\r\n..\r\n",
		"\x00\x01garbage\r\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	dialect := store.SQLite
	if os.Getenv("GROUPRISE_FUZZ_POSTGRES") == "1" {
		dialect = store.Postgres // NUL bytes and the like that only PostgreSQL refuses
	}
	s := newSite(f, storetest.Open(f, dialect), "")
	f.Fuzz(func(t *testing.T, raw []byte) {
		// An MTA speaks CRLF lines and stuffs dots; the message that arrives is lines+CRLF.
		lines := strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n")
		if len(lines) > 1 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		stuffed := make([]string, len(lines))
		for i, l := range lines {
			stuffed[i] = l
			if strings.HasPrefix(l, ".") {
				stuffed[i] = "." + l
			}
		}
		received := []byte(strings.Join(lines, "\r\n") + "\r\n")
		header, body, ok := splitHeader(received)
		readable := false
		if ok {
			_, err := netmail.ReadMessage(io.MultiReader(bytes.NewReader(header), strings.NewReader("\r\n"), bytes.NewReader(body)))
			readable = err == nil
		}

		nc, err := net.Dial("unix", s.sock)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		c := &conn{t: t, c: nc, r: bufio.NewReader(nc)}
		c.reply()
		c.send("LHLO mta.example.org")
		c.reply()
		_, data, texts := c.transaction("anna@example.org", []string{"garten@grouprise.test"}, strings.Join(stuffed, "\r\n"))
		if len(data) != 1 {
			t.Fatalf("replies after DATA: %v %q", data, texts)
		}
		if readable && data[0] != 250 {
			t.Fatalf("a readable message got %q", texts[0])
		}
		if data[0] != 250 && data[0] != 554 {
			t.Fatalf("unexpected reply %q", texts[0])
		}
	})
}
