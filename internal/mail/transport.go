package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"grouprise.org/grouprise/internal/config"
)

// Envelope is the SMTP sender and recipients of a message.
type Envelope struct {
	From string
	To   []string
}

// Transport hands messages to the mail system.
type Transport interface {
	// Send delivers one message; a *PermanentError means trying again cannot help.
	Send(ctx context.Context, env Envelope, msg []byte) error
	Close() error
}

// PermanentError is a refusal that a retry will not change (an SMTP 5xx reply).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent tells whether err is a permanent refusal.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// NewTransport builds the transport that email_submission describes. tlsConfig may be nil
// (then the host name is verified against the system's certificates).
func NewTransport(cfg config.EmailSubmission, tlsConfig *tls.Config, log *slog.Logger, hostname string) Transport {
	switch cfg.Backend {
	case "sendmail":
		return &Sendmail{Path: "/usr/sbin/sendmail"}
	case "console":
		return &Console{Log: log}
	case "dummy":
		return &Console{}
	}
	return &SMTP{Addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)), Encryption: cfg.Encryption,
		User: cfg.User, Password: cfg.Password, TLSConfig: tlsConfig, LocalName: hostname}
}

// SMTP submits over SMTP and keeps idle connections for the next message.
type SMTP struct {
	Addr       string
	Encryption string // plain, starttls or ssl
	User       string
	Password   string
	TLSConfig  *tls.Config
	LocalName  string // our name in EHLO
	// MaxIdle connections are kept (default 4).
	MaxIdle int
	// PerConnection messages at most go over one connection (default 10): Exim delivers
	// at once only the first 10 of a connection (smtp_accept_queue_per_connection) and
	// queues the rest until its next queue run.
	PerConnection int

	mu   sync.Mutex
	idle []*client
}

// client is a connection and the messages it carried.
type client struct {
	*smtp.Client
	sent int
}

// Send submits msg, reusing an idle connection. A reused connection that the server has
// closed in the meantime fails at MAIL, before anything was handed over; then the message
// goes once more over a new connection.
func (s *SMTP) Send(ctx context.Context, env Envelope, msg []byte) error {
	c, reused, err := s.client(ctx)
	if err != nil {
		return err
	}
	err = s.transact(c.Client, env, msg)
	if err != nil && reused && errors.Is(err, errStale) {
		c.Close()
		if c, err = s.dial(ctx); err != nil {
			return err
		}
		err = s.transact(c.Client, env, msg)
	}
	if err != nil {
		c.Close()
		return classifySMTP(err)
	}
	s.release(c)
	return nil
}

// errStale marks a connection that failed before the server accepted MAIL FROM.
var errStale = errors.New("connection closed by the server")

func (s *SMTP) transact(c *smtp.Client, env Envelope, msg []byte) error {
	if err := c.Mail(env.From, nil); err != nil {
		// No reply, or 421 (the server closes the channel, e.g. after an idle timeout).
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code == 421 {
			return fmt.Errorf("%w: %w", errStale, err)
		}
		return err
	}
	for _, to := range env.To {
		if err := c.Rcpt(to, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// client returns an idle connection, or a new one.
func (s *SMTP) client(ctx context.Context) (c *client, reused bool, err error) {
	s.mu.Lock()
	if n := len(s.idle); n > 0 {
		c = s.idle[n-1]
		s.idle = s.idle[:n-1]
	}
	s.mu.Unlock()
	if c != nil {
		return c, true, nil
	}
	c, err = s.dial(ctx)
	return c, false, err
}

func (s *SMTP) dial(ctx context.Context) (*client, error) {
	d := net.Dialer{Timeout: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return nil, fmt.Errorf("mail: connect to %s: %w", s.Addr, err)
	}
	host, _, _ := net.SplitHostPort(s.Addr)
	tlsConfig := s.TLSConfig
	if tlsConfig == nil {
		tlsConfig = &tls.Config{ServerName: host}
	}
	var c *smtp.Client
	switch s.Encryption {
	case "ssl":
		c = smtp.NewClient(tls.Client(conn, tlsConfig))
	case "starttls":
		if c, err = smtp.NewClientStartTLS(conn, tlsConfig); err != nil {
			conn.Close()
			return nil, fmt.Errorf("mail: STARTTLS with %s: %w", s.Addr, err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout = 2 * time.Minute
	c.SubmissionTimeout = 5 * time.Minute
	if s.LocalName != "" {
		if err := c.Hello(s.LocalName); err != nil {
			c.Close()
			return nil, classifySMTP(fmt.Errorf("mail: EHLO to %s: %w", s.Addr, err))
		}
	}
	if s.User != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.User, s.Password)); err != nil {
			c.Close()
			return nil, classifySMTP(fmt.Errorf("mail: log in to %s as %s: %w", s.Addr, s.User, err))
		}
	}
	return &client{Client: c}, nil
}

// release keeps a connection for the next message, or ends it when it carried its share or
// enough are idle.
func (s *SMTP) release(c *client) {
	c.sent++
	perConnection := s.PerConnection
	if perConnection == 0 {
		perConnection = 10
	}
	limit := s.MaxIdle
	if limit == 0 {
		limit = 4
	}
	s.mu.Lock()
	keep := len(s.idle) < limit && c.sent < perConnection
	if keep {
		s.idle = append(s.idle, c)
	}
	s.mu.Unlock()
	if !keep {
		c.Quit() // outside the lock: it waits for the server's answer
	}
}

// Close says goodbye on every idle connection.
func (s *SMTP) Close() error {
	s.mu.Lock()
	idle := s.idle
	s.idle = nil
	s.mu.Unlock()
	for _, c := range idle {
		c.Quit()
	}
	return nil
}

// classifySMTP marks 5xx replies as permanent.
func classifySMTP(err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code >= 500 {
		return &PermanentError{err}
	}
	return err
}

// Sendmail pipes messages into the sendmail program of the local MTA.
type Sendmail struct {
	Path string
}

// Send runs sendmail -i -f FROM -- TO…; exit status 75 (EX_TEMPFAIL) and signals are
// temporary, the "no such user" and "data error" statuses permanent.
func (s *Sendmail) Send(ctx context.Context, env Envelope, msg []byte) error {
	args := append([]string{"-i", "-f", env.From, "--"}, env.To...)
	cmd := exec.CommandContext(ctx, s.Path, args...)
	cmd.Stdin = bytes.NewReader(msg)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err == nil {
		return nil
	}
	err = fmt.Errorf("mail: %s: %w: %s", s.Path, err, bytes.TrimSpace(out.Bytes()))
	var exit *exec.ExitError
	if errors.As(err, &exit) && (exit.ExitCode() == 65 || exit.ExitCode() == 67) {
		return &PermanentError{err}
	}
	return err
}

func (s *Sendmail) Close() error { return nil }

// Console logs messages instead of sending them (development); without a logger it drops them.
type Console struct {
	Log *slog.Logger
	// Out, if set, receives every message in full.
	Out io.Writer
	mu  sync.Mutex
}

func (c *Console) Send(_ context.Context, env Envelope, msg []byte) error {
	if c.Log != nil {
		c.Log.Info("mail not sent (email_submission.backend console)", "from", env.From, "to", env.To, "bytes", len(msg))
	}
	if c.Out != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		fmt.Fprintf(c.Out, "--- mail from %s to %v\n%s\n", env.From, env.To, msg)
	}
	return nil
}

func (c *Console) Close() error { return nil }
