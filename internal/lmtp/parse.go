package lmtp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	htmltomarkdown "github.com/JohannesKaufmann/html-to-markdown/v2"
	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decoders for ISO-8859-*, Windows-125x, …
	"github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/charmap"
)

// ErrMalformed means that a message cannot be read as a mail at all.
var ErrMalformed = errors.New("the message is not a readable mail")

// Attachment is a file that came with a mail.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Parsed is what grouprise takes from a mail.
type Parsed struct {
	// MessageID identifies the mail for redeliveries: its Message-ID, or a hash of the whole
	// message when it has none.
	MessageID string
	// Refs are the Message-IDs it answers (In-Reply-To, then References), newest first.
	Refs    []string
	Subject string
	Date    time.Time // zero when missing or unreadable
	// Auto marks automatic mail: auto-replies, bounces, bulk mail.
	Auto bool
	// AuthResults are the values of its Authentication-Results fields, topmost first.
	AuthResults []string
	Text        string
	Attachments []Attachment
	// TooLarge lists attachments left out for their size.
	TooLarge []string
	// Addressed are the addresses its header says it went to (for the collector mailbox).
	Addressed []string
}

// maxSubject is the longest subject kept (the database's conversations take 255).
const maxSubject = 255

// Parse reads a mail. Bodies are decoded by their declared charset (an unknown charset is
// read as Windows-1252, invalid bytes are replaced), HTML is converted to Markdown and
// preferred over plain text, a plain text's signature is cut off. Attachments larger than
// maxAttachment are left out (and listed in TooLarge).
func Parse(raw []byte, maxAttachment int64) (*Parsed, error) {
	headerBlock, bodyBlock, ok := splitHeader(raw)
	if !ok {
		return nil, fmt.Errorf("%w: it has no header field", ErrMalformed)
	}
	// The header block holds only well-formed fields, so reading it fails only for its size,
	// which the server's message size already bounds.
	e, err := message.ReadWithOptions(io.MultiReader(bytes.NewReader(headerBlock), strings.NewReader("\r\n"), bytes.NewReader(bodyBlock)),
		&message.ReadOptions{MaxHeaderBytes: -1})
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	h := mail.Header{Header: e.Header}
	p := &Parsed{}
	if id, err := h.MessageID(); err == nil && strings.ReplaceAll(id, "\x00", "") != "" {
		p.MessageID = id
	} else {
		sum := sha256.Sum256(raw)
		p.MessageID = "sha256:" + hex.EncodeToString(sum[:])
	}
	if ids, err := h.MsgIDList("In-Reply-To"); err == nil {
		p.Refs = append(p.Refs, ids...)
	}
	if ids, err := h.MsgIDList("References"); err == nil {
		for i := len(ids) - 1; i >= 0; i-- {
			p.Refs = append(p.Refs, ids[i])
		}
	}
	p.Subject = subject(h)
	if d, err := h.Date(); err == nil {
		p.Date = d
	}
	p.Auto = automatic(h)
	p.AuthResults = h.Values("Authentication-Results")
	p.Addressed = addressed(h)

	var html, plain string
	var walk func(part *message.Entity, top bool) error
	walk = func(part *message.Entity, top bool) error {
		if mr := part.MultipartReader(); mr != nil {
			ct, _, _ := part.Header.ContentType()
			if ct == "multipart/report" {
				p.Auto = true // a delivery status notification
			}
			for {
				child, err := mr.NextPart()
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
					// A broken part ends the multipart it is in. A mail whose parts cannot be
					// read at all is mislabelled text more often than not: its body is the text.
					if top && html == "" && plain == "" && len(p.Attachments) == 0 && len(p.TooLarge) == 0 {
						plain = decodeText(bodyBlock)
					}
					return nil
				}
				if err := walk(child, false); err != nil {
					return err
				}
			}
		}
		ct, params, _ := part.Header.ContentType()
		disp, dparams, _ := part.Header.ContentDisposition()
		filename := dparams["filename"]
		if filename == "" {
			filename = params["name"]
		}
		if filename != "" {
			if dec, err := new(mime.WordDecoder).DecodeHeader(filename); err == nil {
				filename = dec
			}
		}
		body, err := readBody(part, maxAttachment)
		isText := ct == "text/plain" || ct == "text/html" || ct == ""
		if disp != "attachment" && filename == "" && isText {
			text := decodeText(body)
			switch {
			case ct == "text/html" && html == "":
				html = text
			case ct != "text/html" && plain == "":
				plain = text
			}
			return nil
		}
		if ct == "application/pgp-signature" || ct == "application/pkcs7-signature" || ct == "application/x-pkcs7-signature" {
			return nil
		}
		if filename == "" {
			filename = "attachment" + extensionFor(ct)
		}
		if errors.Is(err, errTooLarge) {
			p.TooLarge = append(p.TooLarge, filename)
			return nil
		}
		p.Attachments = append(p.Attachments, Attachment{Filename: filename, ContentType: ct, Data: body})
		return nil
	}
	if err := walk(e, true); err != nil {
		return nil, err
	}
	switch {
	case html != "":
		md, err := htmltomarkdown.ConvertString(html)
		if err != nil {
			md = plain
		}
		p.Text = md
	default:
		p.Text = stripSignature(plain)
	}
	p.Text = tidy(p.Text)
	// PostgreSQL keeps no NUL in text: a mail with one would be retried until it bounces.
	for _, s := range append([]*string{&p.Text, &p.Subject, &p.MessageID}, refsAndNames(p)...) {
		*s = strings.ReplaceAll(*s, "\x00", "")
	}
	return p, nil
}

// refsAndNames points at the Refs and the attachments' file names of p.
func refsAndNames(p *Parsed) []*string {
	var out []*string
	for i := range p.Refs {
		out = append(out, &p.Refs[i])
	}
	for i := range p.Attachments {
		out = append(out, &p.Attachments[i].Filename)
	}
	return out
}

// splitHeader cuts a message into its header block and its body the way MTAs read it: the
// header block ends at the first empty line, or at the first line that is neither a header
// field nor its continuation (a line without a colon from a broken script), which then is the
// body's first line. ok is false when the message does not begin with a header field: then it
// is not a mail at all.
func splitHeader(raw []byte) (header, body []byte, ok bool) {
	rest := raw
	for len(rest) > 0 {
		line := rest
		next := len(rest)
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, next = rest[:i], i+1
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		switch {
		case len(line) == 0:
			return raw[:len(raw)-len(rest)], rest[next:], ok
		case line[0] == ' ' || line[0] == '\t':
			if !ok {
				return nil, nil, false // a continuation of nothing
			}
		case isField(line):
			ok = true
		default:
			return raw[:len(raw)-len(rest)], rest, ok
		}
		rest = rest[next:]
	}
	return raw, nil, ok
}

// isField tells a line that begins a header field: a name of printable ASCII characters
// (spaces before the colon are tolerated, as readers do), then a colon.
func isField(line []byte) bool {
	name, _, found := bytes.Cut(line, []byte(":"))
	if !found {
		return false
	}
	name = bytes.TrimRight(name, " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

var errTooLarge = errors.New("too large")

// readBody reads a part's decoded body, at most limit bytes (0: no limit).
func readBody(part *message.Entity, limit int64) ([]byte, error) {
	r := part.Body
	if limit > 0 {
		r = io.LimitReader(r, limit+1)
	}
	data, err := io.ReadAll(r)
	if limit > 0 && int64(len(data)) > limit {
		return nil, errTooLarge
	}
	return data, err
}

// decodeText makes a text part's body valid UTF-8. go-message has decoded it from its
// declared charset; bytes that are still not UTF-8 (an unknown or wrong charset, 8-bit text
// without one) are read as Windows-1252, the most common mislabelling, which decodes any
// byte.
func decodeText(body []byte) string {
	if utf8.Valid(body) {
		return string(body)
	}
	if dec, err := charmap.Windows1252.NewDecoder().Bytes(body); err == nil {
		return strings.ToValidUTF8(string(dec), "\uFFFD")
	}
	return strings.ToValidUTF8(string(body), "\uFFFD")
}

// subject is the decoded subject, one line, at most maxSubject characters (B3: too long a
// subject is cut, not refused).
func subject(h mail.Header) string {
	s, err := h.Subject()
	if err != nil {
		s = h.Get("Subject")
	}
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	if r := []rune(s); len(r) > maxSubject {
		s = strings.TrimSpace(string(r[:maxSubject-1])) + "…"
	}
	return s
}

// automatic tells auto-replies, vacation notices, bounces and bulk mail (RFC 3834 and the
// usual vendor headers), which must never be answered or published.
func automatic(h mail.Header) bool {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "list", "junk", "auto_reply":
		return true
	}
	for _, k := range []string{"X-Autoresponder", "X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"} {
		if v := strings.TrimSpace(h.Get(k)); v != "" && !(k == "X-Auto-Response-Suppress" && !strings.Contains(strings.ToLower(v), "all")) {
			return true
		}
	}
	return false
}

// stripSignature cuts a plain text at its signature marker "-- " (not at the very start).
func stripSignature(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if i := strings.Index(text, "\n-- \n"); i > 0 {
		return text[:i]
	}
	if strings.HasSuffix(text, "\n-- ") {
		return strings.TrimSuffix(text, "\n-- ")
	}
	return text
}

// tidy normalises line ends, drops leading empty lines and trailing white space.
func tidy(text string) string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	text = strings.Join(lines, "\n")
	return strings.TrimRight(strings.TrimLeft(text, "\n"), "\n \t")
}

// extensionFor names an unnamed attachment by its type.
func extensionFor(contentType string) string {
	if exts, err := mime.ExtensionsByType(contentType); err == nil && len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}
