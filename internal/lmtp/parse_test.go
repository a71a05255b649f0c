package lmtp

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func TestParseCharsets(t *testing.T) {
	cases := []struct {
		name, raw, subject, text string
	}{
		{"latin-1 body and RFC 2047 subject", "Message-ID: <a@x>\nSubject: =?iso-8859-1?q?Gr=FC=DFe?=\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\nGr\xfc\xdfe aus dem Garten\n",
			"Grüße", "Grüße aus dem Garten"},
		{"windows-1252", "Subject: Preis\nContent-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\n5 =80 f=FCr =84Kaffee=93\n",
			"Preis", "5 € für „Kaffee“"},
		{"utf-8 in base64 and a B-encoded subject", "Subject: =?utf-8?b?w5xiZXIgZGllIEdyw7xuZmzDpGNoZQ==?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nw5xiZXJhbGwgZ3LDvG4=\n",
			"Über die Grünfläche", "Überall grün"},
		{"unknown charset read as Windows-1252", "Subject: x\nContent-Type: text/plain; charset=x-unbekannt\nContent-Transfer-Encoding: 8bit\n\nK\xe4se\n",
			"x", "Käse"},
		{"8-bit without charset", "Subject: x\n\nK\xe4se\n", "x", "Käse"},
		{"no subject", "From: a@b\n\nText\n", "", "Text"},
	}
	for _, c := range cases {
		p, err := Parse(crlf(c.raw), 0)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if p.Subject != c.subject || p.Text != c.text {
			t.Errorf("%s: subject %q text %q", c.name, p.Subject, p.Text)
		}
	}
}

func TestParseBodies(t *testing.T) {
	raw := crlf(`Message-ID: <m1@example.org>
In-Reply-To: <content.3.contribution.9-0011223344556677@grouprise.test>
References: <content.3-0011223344556677@grouprise.test> <content.3.contribution.8-0011223344556677@grouprise.test>
Date: Mon, 23 Nov 2026 10:00:00 +0100
Subject: Re: Gartentag
MIME-Version: 1.0
Content-Type: multipart/signed; protocol="application/pgp-signature"; boundary="s"

--s
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: multipart/alternative; boundary="a"

--a
Content-Type: text/plain; charset=utf-8

Ich komme!

-- 
Anna
--a
Content-Type: text/html; charset=utf-8

<html><body><p>Ich <b>komme</b>!</p><ul><li>Kuchen</li><li>Saft</li></ul><div>-- <br>Anna</div></body></html>
--a--
--m
Content-Type: image/png
Content-Disposition: attachment; filename="=?utf-8?q?Beet_=C3=BCbersicht.png?="
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--m--
--s
Content-Type: application/pgp-signature

-----BEGIN PGP SIGNATURE-----
--s--
`)
	p, err := Parse(raw, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.MessageID != "m1@example.org" || p.Subject != "Re: Gartentag" || p.Date.Year() != 2026 {
		t.Errorf("headers: %+v", p)
	}
	if len(p.Refs) != 3 || p.Refs[0] != "content.3.contribution.9-0011223344556677@grouprise.test" || inReplyTo(p.Refs) != 9 {
		t.Errorf("refs %q", p.Refs)
	}
	if !strings.Contains(p.Text, "Ich **komme**!") || !strings.Contains(p.Text, "- Kuchen") {
		t.Errorf("HTML is preferred and becomes Markdown: %q", p.Text)
	}
	if len(p.Attachments) != 1 || p.Attachments[0].Filename != "Beet übersicht.png" || string(p.Attachments[0].Data) != "\x89PNG\r\n\x1a\n" {
		t.Errorf("attachments %+v", p.Attachments)
	}

	plain, err := Parse(crlf("Subject: x\n\n\n\nErste Zeile   \n  eingerückt\n-- \nSignatur\n"), 0)
	if err != nil || plain.Text != "Erste Zeile\n  eingerückt" {
		t.Errorf("plain text: %q %v", plain.Text, err)
	}
	big, _ := Parse(crlf("Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nHallo\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=gross.pdf\n\n"+strings.Repeat("x", 100)+"\n--b--\n"), 50)
	if len(big.Attachments) != 0 || len(big.TooLarge) != 1 || big.TooLarge[0] != "gross.pdf" {
		t.Errorf("too large: %+v", big)
	}
	long, _ := Parse(crlf("Subject: "+strings.Repeat("Wort ", 100)+"\n\nx\n"), 0)
	if n := utf8.RuneCountInString(long.Subject); n != maxSubject || !strings.HasSuffix(long.Subject, "…") {
		t.Errorf("a long subject is cut to %d: %d", maxSubject, n)
	}
	noID, _ := Parse(crlf("Subject: x\n\nx\n"), 0)
	again, _ := Parse(crlf("Subject: x\n\nx\n"), 0)
	if !strings.HasPrefix(noID.MessageID, "sha256:") || noID.MessageID != again.MessageID {
		t.Errorf("a mail without Message-ID is known by its hash: %q", noID.MessageID)
	}
}

func TestAutomatic(t *testing.T) {
	for raw, auto := range map[string]bool{
		"Auto-Submitted: auto-replied\n\nx":   true,
		"Auto-Submitted: auto-generated\n\nx": true,
		"Auto-Submitted: no\n\nx":             false,
		"Precedence: bulk\n\nx":               true,
		"Precedence: list\n\nx":               true,
		"Precedence: junk\n\nx":               true,
		"X-Autoreply: yes\n\nx":               true,
		"X-Autoresponder: yes\n\nx":           true,
		"X-Auto-Response-Suppress: All\n\nx":  true,
		"X-Auto-Response-Suppress: OOF\n\nx":  false,
		"Subject: Urlaub\n\nx":                false,
		"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: text/plain\n\nUndeliverable\n--b--\n": true,
	} {
		p, err := Parse(crlf(raw), 0)
		if err != nil || p.Auto != auto {
			t.Errorf("%q: auto %v, want %v (%v)", raw, p.Auto, auto, err)
		}
	}
}

// Headers are read as MTAs read them: the first line that is neither a header field nor its
// continuation ends the header block and is the body's first line.
func TestParseSloppyHeaders(t *testing.T) {
	cases := []struct {
		name, raw, subject, text string
		malformed                bool
	}{
		{"a line without colon", "Subject: a\nX-Mailer Skript\nFrom: b@c\n\nText\n", "a", "X-Mailer Skript\nFrom: b@c\n\nText", false},
		{"a name with a space", "Subject: a\nMein Feld: x\nText\n", "a", "Mein Feld: x\nText", false},
		{"a space before the colon", "Subject : a\n\nText\n", "a", "Text", false},
		{"continued fields", "Subject: a\n b\n\tc\nOhne Doppelpunkt\n", "a b c", "Ohne Doppelpunkt", false},
		{"no empty line", "Subject: a\nText ohne Leerzeile\n", "a", "Text ohne Leerzeile", false},
		{"only a header", "Subject: a", "a", "", false},
		{"a multipart without parts", "Subject: a\nContent-Type: multipart/mixed; boundary=b\n\nNur Text\n", "a", "Nur Text", false},
		{"a multipart with a broken part", "Subject: a\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nErster\n--b\n kaputt\n--b--\n", "a", "Erster", false},
		{"no header field", "Hallo\nSubject: a\n\nText\n", "", "", true},
		{"a continuation of nothing", " Subject: a\n\nText\n", "", "", true},
		{"empty", "", "", "", true},
	}
	for _, c := range cases {
		p, err := Parse(crlf(c.raw), 0)
		if c.malformed {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: %v, want ErrMalformed", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if p.Subject != c.subject || p.Text != c.text {
			t.Errorf("%s: subject %q text %q", c.name, p.Subject, p.Text)
		}
	}
}
