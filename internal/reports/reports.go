// Package reports tells the administrators of unexpected errors: a panic recovered, a page
// that failed with 500, a job given up. Each is logged by its daemon; the report goes by
// mail to log_recipient_emails (as the Django grouprise's error mails did), grouped so that
// one failing place sends one mail per hour however often it fails, and, with sentry.dsn
// set, to Sentry through its official Go SDK.
package reports

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/getsentry/sentry-go"

	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
)

// Event is one unexpected error.
type Event struct {
	// Where groups reports: a route pattern, a job kind, "lmtp".
	Where string
	// Summary is one line; Detail the error chain, the stack, the request.
	Summary, Detail string
}

// Reporter sends reports; a nil Reporter does nothing.
type Reporter struct {
	DB         *store.DB
	Daemon     string
	Recipients []string
	From       string
	Site       string
	Log        *slog.Logger
	Sentry     *sentry.Client
	Now        func() time.Time
}

// NewSentry connects to Sentry when dsn is set (nil otherwise).
func NewSentry(dsn, release, daemon string, options map[string]any) (*sentry.Client, error) {
	if dsn == "" {
		return nil, nil
	}
	opts := sentry.ClientOptions{Dsn: dsn, Release: release, ServerName: daemon}
	if env, ok := options["environment"].(string); ok {
		opts.Environment = env
	}
	if rate, ok := options["sample_rate"].(float64); ok {
		opts.SampleRate = rate
	}
	c, err := sentry.NewClient(opts)
	if err != nil {
		return nil, fmt.Errorf("reports: sentry: %w", err)
	}
	return c, nil
}

func (r *Reporter) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Report sends one event on: a mail (at most one per place and hour) and Sentry.
func (r *Reporter) Report(ctx context.Context, ev Event) {
	if r == nil {
		return
	}
	if r.Sentry != nil {
		hub := sentry.NewHub(r.Sentry, sentry.NewScope())
		hub.Scope().SetTag("daemon", r.Daemon)
		hub.Scope().SetTag("where", ev.Where)
		hub.Scope().SetContext("grouprise", sentry.Context{"detail": ev.Detail})
		hub.CaptureMessage(ev.Summary)
	}
	if len(r.Recipients) == 0 || r.DB == nil {
		return
	}
	now := r.now().UTC()
	key := fmt.Sprintf("report:%s:%s:%s", r.Daemon, ev.Where, now.Format("2006010215"))
	to := make([]mail.Address, len(r.Recipients))
	for i, a := range r.Recipients {
		to[i] = mail.Address{Address: a}
	}
	text := fmt.Sprintf("%s\n\nDaemon: grouprise %s\nPlace: %s\nTime: %s\n\n%s\n\n"+
		"Further errors at this place within the hour are logged, not mailed (journalctl -u grouprise-%s).\n",
		ev.Summary, r.Daemon, ev.Where, now.Format(time.RFC3339), strings.TrimSpace(ev.Detail), r.Daemon)
	domain := r.From[strings.LastIndex(r.From, "@")+1:]
	job := mail.Job{
		Envelope: mail.Envelope{From: r.From, To: r.Recipients},
		Message: mail.Message{From: mail.Address{Name: r.Site, Address: r.From}, To: to,
			Subject: fmt.Sprintf("[%s] error in %s: %s", r.Site, r.Daemon, oneLine(ev.Summary, 120)), Date: now, Text: text,
			MessageID: fmt.Sprintf("report.%s.%d@%s", r.Daemon, now.UnixNano(), domain),
			Headers:   []mail.Field{{Name: "Auto-Submitted", Value: "auto-generated"}}},
	}
	// Quickly or not at all: when the database is what fails, the page must not wait for it.
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	err := r.DB.Tx(ctx, func(q *store.Queries) error {
		// Once per place and hour: the claim outlives the mail's job, which is gone once sent.
		if first, err := q.ClaimOnce(ctx, key, now); err != nil || !first {
			return err
		}
		_, err := q.Enqueue(ctx, mail.JobKind, job, now)
		return err
	})
	if err != nil && r.Log != nil {
		r.Log.Warn("the error report could not be queued", "err", err)
	}
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
