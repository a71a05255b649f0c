package lmtp

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
)

// Postmaster tells postmaster_email of mail the daemon could not take for a reason of its
// own (answered 451; the MTA tries again, the sender is not told). The mail goes over
// email_submission directly, not through the job queue: the database is what fails most
// often. One mail per hour at most, however often the daemon fails; the next one counts the
// failures left out. It names the error, the addresses and the Message-ID, never the text.
type Postmaster struct {
	To, From  string
	Site      string // the site's name in the subject
	Language  string
	Catalog   *i18n.Catalog
	Transport mail.Transport
	Log       *slog.Logger
	// Every is the least time between two alerts (default an hour).
	Every time.Duration
	now   func() time.Time

	mu       sync.Mutex
	last     time.Time // when the last alert was sent
	left     int       // failures since then that sent none
	inFlight sync.WaitGroup
}

// Failure is a mail the daemon could not take.
type Failure struct {
	Stage             string // "RCPT" or "DATA"
	Sender, Recipient string
	MessageID         string // "" at RCPT, before the message is read
	Err               error
}

// Alert tells the postmaster of a failure, unless an alert went out within Every; it does
// not wait for the mail. A nil Postmaster does nothing.
func (p *Postmaster) Alert(f Failure) {
	if p == nil || p.To == "" || p.Transport == nil {
		return
	}
	now := time.Now()
	if p.now != nil {
		now = p.now()
	}
	every := p.Every
	if every <= 0 {
		every = time.Hour
	}
	p.mu.Lock()
	if !p.last.IsZero() && now.Sub(p.last) < every {
		p.left++
		p.mu.Unlock()
		return
	}
	left := p.left
	p.last, p.left = now, 0
	p.inFlight.Add(1)
	p.mu.Unlock()
	msg := p.message(f, left, every, now)
	go func() {
		defer p.inFlight.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		raw, err := msg.Bytes()
		if err == nil {
			err = p.Transport.Send(ctx, mail.Envelope{From: p.From, To: []string{p.To}}, raw)
		}
		if err != nil && p.Log != nil {
			p.Log.Warn("the postmaster could not be told of a failed delivery", "postmaster", p.To, "err", err)
		}
	}()
}

// Wait returns when the alerts under way are sent or have failed (before the daemon exits).
func (p *Postmaster) Wait() {
	if p != nil {
		p.inFlight.Wait()
	}
}

func (p *Postmaster) message(f Failure, left int, every time.Duration, now time.Time) *mail.Message {
	pr := p.Catalog.Printer(p.Language)
	dash := func(s string) string {
		if s = strings.TrimSpace(s); s == "" {
			return "–"
		}
		return s
	}
	id := f.MessageID
	if id != "" && !strings.HasPrefix(id, "sha256:") {
		id = "<" + id + ">" // as the MTA's log writes it
	}
	var text strings.Builder
	text.WriteString(pr.T("lmtp.postmaster.intro") + "\n\n")
	text.WriteString(pr.T("lmtp.postmaster.details", "Stage", f.Stage, "Recipient", dash(f.Recipient), "Sender", dash(f.Sender),
		"MessageID", dash(id), "Time", now.UTC().Format(time.RFC3339), "Error", fmt.Sprint(f.Err)) + "\n\n")
	if left > 0 {
		text.WriteString(pr.T("lmtp.postmaster.left", "Count", left) + "\n\n")
	}
	text.WriteString(pr.T("lmtp.postmaster.quiet", "Minutes", int(every/time.Minute)) + "\n")
	domain := p.From[strings.LastIndex(p.From, "@")+1:]
	return &mail.Message{
		From:      mail.Address{Name: p.Site, Address: p.From},
		To:        []mail.Address{{Address: p.To}},
		Subject:   pr.T("lmtp.postmaster.subject", "Site", p.Site),
		Date:      now,
		MessageID: fmt.Sprintf("lmtp-failure.%d@%s", now.UnixNano(), domain),
		Headers:   []mail.Field{{Name: "Auto-Submitted", Value: "auto-generated"}},
		Text:      text.String(),
	}
}
