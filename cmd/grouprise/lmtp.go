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
	rcpt := firstOf(*recipient, e.getenv("ORIGINAL_RECIPIENT"), e.getenv("RECIPIENT"),
		strings.TrimSpace(strings.TrimPrefix(e.getenv("DTLINE"), "Delivered-To:")), headerAddress(header, "Delivered-To"))
	from := firstOf(*sender, e.getenv("SENDER"), headerAddress(header, "Return-Path"))
	if rcpt == "" {
		return &exitStatus{exNoUser, errors.New("no recipient: give --recipient")}
	}
	a, err := e.openApp(ctx, cfg, log, false)
	if err != nil {
		return &exitStatus{exTempFail, err}
	}
	defer a.Close()
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
