// Package mail composes outgoing messages and hands them to the MTA: SMTP to the local mail
// server, the sendmail program, or the console during development.
package mail

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	netmail "net/mail"
	"os"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
)

// Address is a mailbox with an optional display name.
type Address = netmail.Address

// Message is an outgoing mail before it is encoded.
type Message struct {
	From       Address
	To         []Address
	ReplyTo    []Address
	Subject    string
	Date       time.Time
	MessageID  string // without angle brackets
	InReplyTo  []string
	References []string
	// Headers are further fields in order, e.g. List-Id, List-Unsubscribe, Auto-Submitted.
	Headers     []Field
	Text        string
	Attachments []Attachment
}

// Field is one header field.
type Field struct{ Name, Value string }

// Attachment is a file sent along with the text: Data, or the file at Path read when the
// message is encoded (so that queued messages do not carry copies of their files).
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte `json:",omitempty"`
	Path        string `json:",omitempty"`
}

// Bytes encodes the message as MIME: a quoted-printable UTF-8 text, multipart/mixed when there
// are attachments. Header values with non-ASCII characters are encoded by RFC 2047.
func (m *Message) Bytes() ([]byte, error) {
	var h gomail.Header
	h.SetAddressList("From", addrs([]Address{m.From}))
	h.SetAddressList("To", addrs(m.To))
	if len(m.ReplyTo) > 0 {
		h.SetAddressList("Reply-To", addrs(m.ReplyTo))
	}
	h.SetSubject(m.Subject)
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	h.SetDate(date)
	if m.MessageID != "" {
		h.SetMessageID(m.MessageID)
	}
	if len(m.InReplyTo) > 0 {
		h.SetMsgIDList("In-Reply-To", m.InReplyTo)
	}
	if len(m.References) > 0 {
		h.SetMsgIDList("References", m.References)
	}
	for _, f := range m.Headers {
		h.Add(f.Name, f.Value)
	}
	h.Set("MIME-Version", "1.0")

	var buf bytes.Buffer
	text := normalizeNewlines(m.Text)
	if len(m.Attachments) == 0 {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w, err := gomail.CreateSingleInlineWriter(&buf, h)
		if err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		if _, err := io.WriteString(w, text); err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		return buf.Bytes(), nil
	}
	w, err := gomail.CreateWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	var th gomail.InlineHeader
	th.Set("Content-Type", "text/plain; charset=utf-8")
	tw, err := w.CreateSingleInline(th)
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	io.WriteString(tw, text)
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	for _, a := range m.Attachments {
		var ah gomail.AttachmentHeader
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		ah.Set("Content-Type", ct)
		ah.SetFilename(a.Filename)
		aw, err := w.CreateAttachment(ah)
		if err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		data := a.Data
		if data == nil && a.Path != "" {
			if data, err = os.ReadFile(a.Path); err != nil {
				return nil, fmt.Errorf("mail: attachment: %w", err)
			}
		}
		aw.Write(data)
		if err := aw.Close(); err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	return buf.Bytes(), nil
}

func addrs(list []Address) []*gomail.Address {
	out := make([]*gomail.Address, len(list))
	for i := range list {
		out[i] = &list[i]
	}
	return out
}

// normalizeNewlines makes every line end in CRLF, as SMTP wants it.
func normalizeNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// RecipientHash is the part of a Message-ID that differs per recipient: the first 16 hex
// digits of the SHA-256 of the address, as the Django grouprise made them, so that threads of
// old notifications continue.
func RecipientHash(email string) string {
	sum := sha256.Sum256([]byte(email))
	return hex.EncodeToString(sum[:8])
}

// ThreadID is the Message-ID of a thread's item (uid like "content.17" or
// "conversation.7.contribution.20") as mailed to one recipient.
func ThreadID(uid, recipient, domain string) string {
	return uid + "-" + RecipientHash(recipient) + "@" + domain
}

// RandomID is a Message-ID for a mail outside any thread.
func RandomID(now time.Time, recipient, domain string) string {
	return fmt.Sprintf("%s.%s-%s@%s", now.UTC().Format("20060102150405"), rand.Text()[:16],
		RecipientHash(recipient), domain)
}

// Expand replaces a placeholder such as {slug} or {reply_key} in an address pattern of the
// configuration (default_distinct_from_email, default_reply_to_email).
func Expand(pattern, placeholder, value string) string {
	return strings.ReplaceAll(pattern, "{"+placeholder+"}", value)
}
