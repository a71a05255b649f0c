package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	netmail "net/mail"
	"os"
	"strings"

	"grouprise.org/grouprise/internal/app"
	"grouprise.org/grouprise/internal/lmtp"
	"grouprise.org/grouprise/internal/mail"
)

// runLMTPD is the LMTP daemon: the socket systemd passes (name "lmtp") or lmtp.listen.
func runLMTPD(ctx context.Context, e *env, args []string) error {
	if _, err := parse(e.flags("lmtpd", ""), args, 0, 0); err != nil {
		return err
	}
	a, err := e.loadApp(ctx, true)
	if err != nil {
		return err
	}
	defer a.Close()
	cfg := a.Config
	l, err := listener("lmtp", cfg.LMTP.Listen)
	if err != nil {
		return err
	}
	srv := lmtp.NewServer(deliverer(a), cfg.Domain, cfg.LMTP.MaxMessageSize, a.Log)
	reg, rep, err := a.Observe(ctx, "lmtpd", true)
	if err != nil {
		return err
	}
	srv.Reports = rep
	if reg != nil {
		srv.Metrics = reg.NewLMTP()
	}
	// Failures go to postmaster_email over email_submission, not through the job queue in
	// the database, which is what fails most often.
	hostname, _ := os.Hostname()
	transport := mail.NewTransport(cfg.EmailSubmission, nil, a.Log, hostname)
	defer transport.Close()
	site, err := a.DB.SiteSetting(ctx, "name", cfg.Domain)
	if err != nil {
		return err
	}
	srv.Postmaster = &lmtp.Postmaster{To: cfg.PostmasterEmail, From: cfg.DefaultFromEmail, Site: site,
		Language: cfg.LanguageCode, Catalog: a.Catalog, Transport: transport, Log: a.Log}
	defer srv.Postmaster.Wait()
	return serveDaemon(ctx, a, "LMTP daemon", l, srv.Serve)
}

// deliverer delivers incoming mail into the App's store and wakes the task runner for the
// notifications.
func deliverer(a *app.App) *lmtp.Deliverer {
	d := lmtp.New(a.Config, a.DB, a.Catalog, a.Log, a.Contents, a.Conversations)
	d.Wake = a.Wake
	return d
}

// Exit statuses of import-mail, as sendmail-style callers (Postfix's pipe and local) read them.
const (
	exDataErr  = 65 // the message cannot be read
	exNoUser   = 67 // no such recipient: the MTA bounces
	exTempFail = 75 // try again later
)

// exitStatus is an error with its own exit status.
type exitStatus struct {
	code int
	err  error
}

func (e *exitStatus) Error() string { return e.err.Error() }
func (e *exitStatus) Unwrap() error { return e.err }

// runImportMail delivers one message from stdin as lmtpd would (for .forward pipes and
// Postfix's pipe(8)): the recipient from --recipient, $ORIGINAL_RECIPIENT, $RECIPIENT,
// $DTLINE or the Delivered-To header; the sender from --sender, $SENDER or Return-Path.
// When that recipient is collector_mailbox_address (or none is known and it is set), the
// mail goes to the addresses its header names (see lmtp.DeliverCollected).
func runImportMail(ctx context.Context, e *env, args []string) error {
	fs := e.flags("import-mail", "[--recipient ADDRESS] [--sender ADDRESS] < MESSAGE")
	recipient := fs.String("recipient", "", "the address the message was delivered to")
	sender := fs.String("sender", "", "the envelope sender")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	cfg, log, err := e.loadConfig()
	if err != nil {
		return &exitStatus{exTempFail, err}
	}
	raw, err := io.ReadAll(io.LimitReader(e.stdin, cfg.LMTP.MaxMessageSize+1))
	if err != nil {
		return &exitStatus{exTempFail, err}
	}
	if int64(len(raw)) > cfg.LMTP.MaxMessageSize {
		return &exitStatus{exDataErr, errors.New("the message is larger than lmtp.max_message_size")}
	}
	header, _ := netmail.ReadMessage(bytes.NewReader(raw))
	named := []string{*recipient, e.getenv("ORIGINAL_RECIPIENT"), e.getenv("RECIPIENT"),
		strings.TrimSpace(strings.TrimPrefix(e.getenv("DTLINE"), "Delivered-To:")), headerAddress(header, "Delivered-To")}
	rcpt := firstOf(named...)
	from := firstOf(*sender, e.getenv("SENDER"), headerAddress(header, "Return-Path"))
	// The collector's mail: delivered to the collector (an original recipient before the
	// catch-all alias may be named too; the MTA delivers a mail once, however many of the
	// site's addresses it had).
	collector := cfg.CollectorMailboxAddress
	collected := collector != "" && rcpt == ""
	for _, n := range named {
		collected = collected || collector != "" && strings.EqualFold(firstOf(n), collector)
	}
	if rcpt == "" && !collected {
		return &exitStatus{exNoUser, errors.New("no recipient: give --recipient")}
	}
	a, err := e.openApp(ctx, cfg, log, false)
	if err != nil {
		return &exitStatus{exTempFail, err}
	}
	defer a.Close()
	if collected {
		return importCollected(ctx, a, collector, from, named, raw)
	}
	outcome, err := deliverer(a).DeliverRaw(ctx, from, rcpt, raw)
	switch {
	case errors.Is(err, lmtp.ErrUnknownRecipient):
		return &exitStatus{exNoUser, err}
	case errors.Is(err, lmtp.ErrMalformed):
		return &exitStatus{exDataErr, err}
	case err != nil:
		return &exitStatus{exTempFail, err}
	}
	log.Info("mail imported", "recipient", rcpt, "from", from, "outcome", outcome.String())
	return nil
}

// importCollected delivers a mail from the collector mailbox to the site's addresses its
// header names. A temporary failure for one of them has the MTA deliver the mail again;
// the addresses it reached before take it only once.
func importCollected(ctx context.Context, a *app.App, collector, from string, named []string, raw []byte) error {
	for i := range named {
		named[i] = firstOf(named[i])
	}
	results, err := deliverer(a).DeliverCollected(ctx, collector, from, named, raw)
	switch {
	case errors.Is(err, lmtp.ErrUnknownRecipient) || errors.Is(err, lmtp.ErrMalformed):
		// Taken and dropped: a catch-all collects spam to made-up addresses, and a bounce
		// would go to whoever the spam names as its sender (fetchmail would keep it on the
		// server and hand it over again at every poll).
		a.Log.Warn("a mail in the collector names no group or reply address of the site; dropped", "from", from, "err", err)
		return nil
	case err != nil:
		return &exitStatus{exTempFail, err}
	}
	var failed error
	for _, r := range results {
		if r.Err != nil {
			a.Log.Error("delivering a collected mail failed; the MTA will try again", "recipient", r.Address, "from", from, "err", r.Err)
			failed = r.Err
			continue
		}
		a.Log.Info("mail imported", "collector", collector, "recipient", r.Address, "from", from, "outcome", r.Outcome.String())
	}
	if failed != nil {
		return &exitStatus{exTempFail, failed}
	}
	return nil
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			return strings.Trim(v, "<>")
		}
	}
	return ""
}

// headerAddress is the address in a header field of a message, "" without one.
func headerAddress(m *netmail.Message, field string) string {
	if m == nil {
		return ""
	}
	v := m.Header.Get(field)
	if a, err := netmail.ParseAddress(v); err == nil {
		return a.Address
	}
	return strings.Trim(strings.TrimSpace(v), "<>")
}

// getenv reads the command's environment.
func (e *env) getenv(key string) string {
	for _, kv := range e.environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
