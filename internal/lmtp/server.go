package lmtp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"grouprise.org/grouprise/internal/metrics"
	"grouprise.org/grouprise/internal/reports"
)

// Server answers LMTP for the MTA: recipients are checked at RCPT; after DATA every
// recipient gets its own reply (RFC 2033).
type Server struct {
	d       *Deliverer
	log     *slog.Logger
	maxSize int64
	srv     *smtp.Server
	// Metrics counts transactions and recipients (nil: off); Reports tells the administrators
	// of deliveries that failed (nil: logged only); Postmaster tells postmaster_email of
	// every mail answered 451 (nil: off).
	Metrics    *metrics.LMTP
	Reports    *reports.Reporter
	Postmaster *Postmaster
}

// NewServer returns the LMTP server; maxSize limits a message (lmtp.max_message_size).
func NewServer(d *Deliverer, domain string, maxSize int64, log *slog.Logger) *Server {
	s := &Server{d: d, log: log, maxSize: maxSize}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s}, nil
	}))
	s.srv.LMTP = true
	s.srv.Domain = domain
	s.srv.MaxMessageBytes = maxSize
	// SMTP's 1000 characters a line are often exceeded (HTML in one line; Exim passes it on
	// unfolded): a line, like a command, is bounded by the message size, which bounds memory.
	s.srv.MaxLineLength = int(maxSize)
	s.srv.MaxRecipients = 500
	s.srv.ReadTimeout = 10 * time.Minute
	s.srv.WriteTimeout = time.Minute
	s.srv.ErrorLog = slogWriter{log}
	return s
}

// Serve answers connections on l until ctx ends; then it lets the sessions in flight finish
// their transaction (for at most 60 seconds). It returns only when every connection it
// accepted is closed: go-smtp counts a connection only once its session began, and one
// accepted just as the shutdown began would otherwise be cut off when the daemon exits.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	var open sync.WaitGroup
	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(crRunListener{trackedListener{Listener: l, open: &open}}) }()
	select {
	case err := <-served:
		if err != nil {
			return fmt.Errorf("lmtp: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	// Stop accepting first and let go-smtp's Serve return after its last Accept: every
	// connection it accepted is counted in open then (and go-smtp's own count is not changed
	// while its Shutdown waits on it).
	l.Close()
	if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, smtp.ErrServerClosed) {
		return fmt.Errorf("lmtp: %w", err)
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	defer cancel()
	var err error
	if serr := s.srv.Shutdown(shutdown); serr != nil && !errors.Is(serr, net.ErrClosed) {
		err = fmt.Errorf("lmtp: %w", serr)
	}
	finished := make(chan struct{})
	go func() { open.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-shutdown.Done():
		if err == nil {
			err = fmt.Errorf("lmtp: sessions still open after 60 seconds: %w", shutdown.Err())
		}
	}
	return err
}

// trackedListener counts the connections it hands out in open until they are closed.
type trackedListener struct {
	net.Listener
	open *sync.WaitGroup
}

func (l trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.open.Add(1)
	return &trackedConn{Conn: c, done: sync.OnceFunc(l.open.Done)}, nil
}

type trackedConn struct {
	net.Conn
	done func()
}

func (c *trackedConn) Close() error {
	defer c.done()
	return c.Conn.Close()
}

// slogWriter passes go-smtp's log lines to slog.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Printf(format string, v ...any) { w.log.Warn(fmt.Sprintf(format, v...)) }
func (w slogWriter) Println(v ...any)               { w.log.Warn(strings.TrimSpace(fmt.Sprintln(v...))) }

// session is one LMTP connection's current transaction.
type session struct {
	s          *Server
	from       string
	recipients []*Recipient
}

var (
	errTemporary = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Temporary failure, please try again later"}
	errNoSuchUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "No such recipient here"}
	errUnreadable = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: "The message cannot be read as a mail"}
)

func (se *session) Reset()        { se.from, se.recipients = "", nil }
func (se *session) Logout() error { return nil }

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	se.Reset()
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := se.s.d.Check(ctx, to)
	if errors.Is(err, ErrUnknownRecipient) {
		se.s.Metrics.Recipient(metrics.Refused)
		return errNoSuchUser
	}
	if err != nil {
		se.s.log.Error("checking a recipient failed", "recipient", to, "err", err)
		se.s.Metrics.Recipient(metrics.TempFail)
		se.s.Postmaster.Alert(Failure{Stage: "RCPT", Sender: se.from, Recipient: to, Err: err})
		return errTemporary
	}
	se.recipients = append(se.recipients, r)
	return nil
}

// Data answers for all recipients at once (never used: the server speaks LMTP).
func (se *session) Data(r io.Reader) error {
	var first firstError
	if err := se.LMTPData(r, &first); err != nil {
		return err
	}
	return first.err
}

// firstError keeps the first failure of a transaction.
type firstError struct{ err error }

func (f *firstError) SetStatus(_ string, err error) {
	var se *smtp.SMTPError
	if f.err == nil && err != nil && !(errors.As(err, &se) && se.Code < 400) {
		f.err = err
	}
}

// LMTPData delivers the message to each recipient in its own transaction and reports each
// outcome on its own.
func (se *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // go-smtp answers a too large message itself
	}
	p, err := Parse(raw, se.s.d.cfg.UploadLimit())
	if err != nil {
		se.s.log.Warn("an unreadable mail was refused", "from", se.from, "err", err)
		for _, rc := range se.recipients {
			status.SetStatus(rc.Address, errUnreadable)
			se.s.Metrics.Recipient(metrics.Refused)
		}
		se.s.Metrics.Transaction(metrics.Refused)
		return errUnreadable
	}
	worst := metrics.Delivered
	for _, rc := range se.recipients {
		err := se.deliver(rc, p)
		status.SetStatus(rc.Address, err)
		if errors.Is(err, errTemporary) {
			worst = metrics.TempFail
		}
	}
	se.s.Metrics.Transaction(worst)
	return nil
}

func (se *session) deliver(rc *Recipient, p *Parsed) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	outcome, err := se.s.d.Deliver(ctx, se.from, rc, p)
	if err != nil {
		se.s.log.Error("delivering a mail failed; the MTA will try again", "recipient", rc.Address,
			"message_id", p.MessageID, "err", err)
		se.s.Metrics.Recipient(metrics.TempFail)
		se.s.Postmaster.Alert(Failure{Stage: "DATA", Sender: se.from, Recipient: rc.Address, MessageID: p.MessageID, Err: err})
		se.s.Reports.Report(context.WithoutCancel(ctx), reports.Event{Where: "lmtp delivery",
			Summary: "delivering a mail failed; the MTA will try again: " + err.Error(),
			Detail:  fmt.Sprintf("recipient %s, sender %s, Message-ID %s\n\n%+v", rc.Address, se.from, p.MessageID, err)})
		return errTemporary
	}
	se.s.Metrics.Recipient(map[Outcome]string{Delivered: metrics.Delivered, Duplicate: metrics.Delivered,
		Dropped: metrics.Dropped, Refused: metrics.Explained, Withheld: metrics.Dropped}[outcome])
	se.s.log.Info("mail received", "recipient", rc.Address, "from", se.from, "outcome", outcome.String(),
		"message_id", p.MessageID)
	var msg string
	switch outcome {
	case Delivered:
		msg = "Delivered"
	case Duplicate:
		msg = "Delivered before, nothing to do"
	case Dropped:
		msg = "Automatic mail, dropped"
	case Refused:
		msg = "Not published; the sender gets an explanation"
	case Withheld:
		msg = "Not published; the sender was told before or is forged"
	}
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: msg}
}

// DeliverRaw delivers one message read from stdin (import-mail): the same checks and
// outcomes as over LMTP.
func (d *Deliverer) DeliverRaw(ctx context.Context, sender, recipient string, raw []byte) (Outcome, error) {
	r, err := d.Check(ctx, recipient)
	if err != nil {
		return 0, err
	}
	p, err := Parse(bytes.Clone(raw), d.cfg.UploadLimit())
	if err != nil {
		return 0, err
	}
	return d.Deliver(ctx, sender, r, p)
}
