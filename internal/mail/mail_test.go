package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"

	"grouprise.org/grouprise/internal/mail/mailtest"
)

func parse(t *testing.T, data []byte) (*gomail.Reader, gomail.Header) {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, data)
	}
	return r, r.Header
}

func TestComposeHeadersAndText(t *testing.T) {
	m := Message{
		From:       Address{Name: "Alice Amsel via Stadtgestalten", Address: "noreply+stadtgarten@example.org"},
		To:         []Address{{Name: "Jörg Übel", Address: "joerg@example.org"}},
		ReplyTo:    []Address{{Address: "reply+lb3g7sfn113wlnp@example.org"}},
		Subject:    "Re: [stadtgarten] Gießplan für den Sommer",
		Date:       time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC),
		MessageID:  ThreadID("content.17.contribution.10", "joerg@example.org", "example.org"),
		InReplyTo:  []string{ThreadID("content.17", "joerg@example.org", "example.org")},
		References: []string{ThreadID("content.17", "joerg@example.org", "example.org")},
		Headers:    []Field{{"List-Id", "<stadtgarten.example.org>"}, {"Auto-Submitted", "auto-generated"}},
		Text:       "Wer gießt am Sonntag?\nIch kann um 10 Uhr.\n",
	}
	data, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("a line ends without CR")
	}
	r, h := parse(t, data)
	from, _ := h.AddressList("From")
	to, _ := h.AddressList("To")
	subject, _ := h.Subject()
	id, _ := h.MessageID()
	irt, _ := h.MsgIDList("In-Reply-To")
	date, _ := h.Date()
	wantID := "content.17.contribution.10-" + RecipientHash("joerg@example.org") + "@example.org"
	if from[0].Name != m.From.Name || to[0].Name != "Jörg Übel" || subject != m.Subject || id != wantID ||
		len(irt) != 1 || irt[0] != m.InReplyTo[0] || !date.Equal(m.Date) ||
		h.Get("List-Id") != "<stadtgarten.example.org>" || h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("headers:\n%s", data)
	}
	if !strings.Contains(string(data), "Subject: =?utf-8?") {
		t.Errorf("non-ASCII subject not encoded:\n%s", data)
	}
	part, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(part.Body)
	if string(body) != "Wer gießt am Sonntag?\r\nIch kann um 10 Uhr.\r\n" {
		t.Errorf("body %q", body)
	}
}

func TestComposeAttachments(t *testing.T) {
	m := Message{From: Address{Address: "a@example.org"}, To: []Address{{Address: "b@example.org"}}, Subject: "Plan",
		Text: "siehe Anhang", Attachments: []Attachment{{Filename: "plan.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 …")}}}
	data, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := parse(t, data)
	var text, file string
	var name string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p.Body)
		switch h := p.Header.(type) {
		case *gomail.InlineHeader:
			text = string(b)
		case *gomail.AttachmentHeader:
			name, _ = h.Filename()
			file = string(b)
		}
	}
	if text != "siehe Anhang" || name != "plan.pdf" || file != "%PDF-1.4 …" {
		t.Errorf("text %q, attachment %q %q", text, name, file)
	}
}

func TestMessageIDsFollowTheOriginal(t *testing.T) {
	// `printf alice@example.org | sha256sum` starts with these 16 hex digits.
	if got := RecipientHash("alice@example.org"); len(got) != 16 || got != "7a64adf28737ea90" {
		t.Errorf("RecipientHash = %q", got)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if id := RandomID(now, "alice@example.org", "example.org"); !strings.HasPrefix(id, "20260102030405.") ||
		!strings.HasSuffix(id, "-7a64adf28737ea90@example.org") {
		t.Errorf("RandomID = %q", id)
	}
	if got := Expand("reply+{reply_key}@example.org", "reply_key", "abc"); got != "reply+abc@example.org" {
		t.Errorf("Expand = %q", got)
	}
}

func send(t *testing.T, tr Transport, to ...string) error {
	t.Helper()
	m := Message{From: Address{Address: "noreply@example.org"}, Subject: "Hallo", Text: "Text"}
	for _, a := range to {
		m.To = append(m.To, Address{Address: a})
	}
	data, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return tr.Send(context.Background(), Envelope{From: "noreply@example.org", To: to}, data)
}

func TestSMTPReusesConnections(t *testing.T) {
	sink := mailtest.Start(t)
	tr := &SMTP{Addr: sink.Addr, LocalName: "grouprise.test"}
	defer tr.Close()
	for _, to := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		if err := send(t, tr, to); err != nil {
			t.Fatal(err)
		}
	}
	msgs := sink.Messages()
	if len(msgs) != 3 || msgs[2].To[0] != "c@example.org" || msgs[0].From != "noreply@example.org" {
		t.Fatalf("sink got %+v", msgs)
	}
	if n := sink.Connections(); n != 1 {
		t.Errorf("%d connections for 3 messages, want 1", n)
	}
}

// Exim delivers at once only the first 10 messages of an SMTP connection
// (smtp_accept_queue_per_connection) and queues the rest for its next queue run, half an
// hour later: a connection carries at most 10 messages, then a new one starts.
func TestSMTPTenMessagesPerConnection(t *testing.T) {
	sink := mailtest.Start(t)
	tr := &SMTP{Addr: sink.Addr, LocalName: "grouprise.test"}
	defer tr.Close()
	for i := range 25 {
		if err := send(t, tr, fmt.Sprintf("m%d@example.org", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(sink.Messages()); n != 25 {
		t.Fatalf("%d messages arrived, want 25", n)
	}
	if n := sink.Connections(); n != 3 {
		t.Errorf("%d connections for 25 messages, want 3", n)
	}
}

func TestSMTPFailures(t *testing.T) {
	sink := mailtest.Start(t)
	tr := &SMTP{Addr: sink.Addr}
	defer tr.Close()
	sink.Refuse(func(stage, rcpt string) error {
		switch {
		case stage == "rcpt" && rcpt == "gone@example.org":
			return mailtest.Permanent("no such user")
		case stage == "data" && rcpt == "busy@example.org":
			return mailtest.Temporary("try again later")
		}
		return nil
	})
	if err := send(t, tr, "gone@example.org"); err == nil || !IsPermanent(err) {
		t.Errorf("550: got %v, want a permanent error", err)
	}
	if err := send(t, tr, "busy@example.org"); err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "451") {
		t.Errorf("451: got %v, want a temporary error", err)
	}
	if err := send(t, tr, "ok@example.org"); err != nil {
		t.Errorf("after failures: %v", err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	down := &SMTP{Addr: closed}
	if err := send(t, down, "ok@example.org"); err == nil || IsPermanent(err) {
		t.Errorf("connection refused: got %v, want a temporary error", err)
	}
	if n := len(sink.Messages()); n != 1 {
		t.Errorf("sink accepted %d messages, want 1", n)
	}
}

func TestSMTPStartTLSAndAuth(t *testing.T) {
	cert, pool := selfSigned(t)
	sink := mailtest.Start(t, func(s *smtp.Server) { s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}} })
	tr := &SMTP{Addr: sink.Addr, Encryption: "starttls", User: "grouprise", Password: "secret",
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}
	defer tr.Close()
	if err := send(t, tr, "a@example.org"); err != nil {
		t.Fatalf("STARTTLS with AUTH: %v", err)
	}
	wrong := &SMTP{Addr: sink.Addr, Encryption: "starttls", User: "grouprise", Password: "wrong",
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}
	if err := send(t, wrong, "a@example.org"); err == nil || !IsPermanent(err) {
		t.Errorf("wrong password: got %v, want a permanent error", err)
	}
	untrusted := &SMTP{Addr: sink.Addr, Encryption: "starttls", TLSConfig: &tls.Config{ServerName: "localhost"}}
	if err := send(t, untrusted, "a@example.org"); err == nil {
		t.Error("an untrusted certificate was accepted")
	}
	if n := len(sink.Messages()); n != 1 {
		t.Errorf("sink accepted %d messages, want 1", n)
	}
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestSendmail(t *testing.T) {
	dir := t.TempDir()
	script := dir + "/sendmail"
	out := dir + "/out"
	writeScript(t, script, "#!/bin/sh\necho \"$@\" > "+out+"\ncat >> "+out+"\ncase \"$5\" in gone*) exit 67;; busy*) exit 75;; esac\n")
	tr := &Sendmail{Path: script}
	if err := send(t, tr, "a@example.org"); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, out)
	if !strings.HasPrefix(got, "-i -f noreply@example.org -- a@example.org\n") || !strings.Contains(got, "Subject: Hallo") {
		t.Errorf("sendmail got %q", got)
	}
	if err := send(t, tr, "gone@example.org"); !IsPermanent(err) {
		t.Errorf("exit 67: got %v, want permanent", err)
	}
	if err := send(t, tr, "busy@example.org"); err == nil || IsPermanent(err) {
		t.Errorf("exit 75: got %v, want temporary", err)
	}
}

func writeScript(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The server closes an idle connection (a timeout); the next message goes over a new one.
func TestSMTPRedialsAfterIdleTimeout(t *testing.T) {
	sink := mailtest.Start(t, func(s *smtp.Server) { s.ReadTimeout = 100 * time.Millisecond })
	tr := &SMTP{Addr: sink.Addr}
	defer tr.Close()
	if err := send(t, tr, "a@example.org"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := send(t, tr, "b@example.org"); err != nil {
		t.Fatalf("after the server closed the idle connection: %v", err)
	}
	if n := len(sink.Messages()); n != 2 || sink.Connections() != 2 {
		t.Errorf("%d messages over %d connections, want 2 over 2", n, sink.Connections())
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	sink := mailtest.StartTLS(t, &tls.Config{Certificates: []tls.Certificate{cert}})
	tr := &SMTP{Addr: sink.Addr, Encryption: "ssl", TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}
	defer tr.Close()
	if err := send(t, tr, "a@example.org"); err != nil {
		t.Fatalf("implicit TLS: %v", err)
	}
	if n := len(sink.Messages()); n != 1 {
		t.Errorf("sink accepted %d messages, want 1", n)
	}
}
