package lmtp

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: no message makes the parser panic; what it returns is valid UTF-8, the subject
// fits the database.
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
