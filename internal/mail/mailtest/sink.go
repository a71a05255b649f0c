// Package mailtest runs a real SMTP server for tests: it records what it accepts and refuses
// what a test tells it to, with the reply codes a real MTA would use.
package mailtest

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Sink is an SMTP server on 127.0.0.1 recording every accepted message.
type Sink struct {
	Addr string // host:port

	mu    sync.Mutex
	msgs  []Message
	conns int
	// Refuse, when set, is asked before a recipient or a message is accepted; a non-nil
	// *smtp.SMTPError is the reply (e.g. 451 or 550).
	refuse func(stage, rcpt string) error
	// OnData, when set, is called with the message before it is accepted.
	onData func(m Message) error
	notify chan struct{}
}

// Start starts a sink that is stopped when t ends; configure functions set up the server
// (TLS, timeouts) before it accepts connections.
func Start(t testing.TB, configure ...func(*smtp.Server)) *Sink {
	t.Helper()
	return start(t, nil, configure)
}

// StartTLS starts a sink that speaks TLS from the first byte (submissions port 465).
func StartTLS(t testing.TB, cfg *tls.Config) *Sink {
	t.Helper()
	return start(t, cfg, nil)
}

func start(t testing.TB, implicitTLS *tls.Config, configure []func(*smtp.Server)) *Sink {
	t.Helper()
	s := &Sink{notify: make(chan struct{}, 1)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		return &session{sink: s}, nil
	}))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	for _, c := range configure {
		c(srv)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if implicitTLS != nil {
		l = tls.NewListener(l, implicitTLS)
	}
	s.Addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Refuse makes the sink answer with the error fn returns at stage "rcpt" (per recipient) or
// "data" (per message); nil accepts.
func (s *Sink) Refuse(fn func(stage, rcpt string) error) {
	s.mu.Lock()
	s.refuse = fn
	s.mu.Unlock()
}

// OnData installs a function called with every complete message before it is accepted.
func (s *Sink) OnData(fn func(m Message) error) {
	s.mu.Lock()
	s.onData = fn
	s.mu.Unlock()
}

// Messages returns the accepted messages in order.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Reset forgets the messages accepted so far (a benchmark's, which would fill the memory).
func (s *Sink) Reset() {
	s.mu.Lock()
	s.msgs = nil
	s.mu.Unlock()
}

func (s *Sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// Connections counts the SMTP sessions so far.
func (s *Sink) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Wait blocks until n messages were accepted or the timeout passed, and returns them.
func (s *Sink) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		// Count before copying: a fan-out's thousands of messages are copied once, not once
		// per arrival.
		if s.count() >= n {
			return s.Messages()
		}
		select {
		case <-s.notify:
		case <-deadline:
			m := s.Messages()
			t.Fatalf("mailtest: %d of %d messages arrived within %s", len(m), n, timeout)
			return m
		}
	}
}

// Temporary and Permanent are replies for Refuse.
func Temporary(msg string) error {
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: msg}
}

func Permanent(msg string) error {
	return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: msg}
}

type session struct {
	sink *Sink
	from string
	to   []string
}

func (s *session) check(stage, rcpt string) error {
	s.sink.mu.Lock()
	fn := s.sink.refuse
	s.sink.mu.Unlock()
	if fn == nil {
		return nil
	}
	return fn(stage, rcpt)
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from, s.to = from, nil
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.check("rcpt", to); err != nil {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		// The client went away before the final dot: like a real MTA, keep nothing.
		return err
	}
	if err := s.check("data", strings.Join(s.to, ",")); err != nil {
		return err
	}
	m := Message{From: s.from, To: append([]string(nil), s.to...), Data: bytes.Clone(data)}
	s.sink.mu.Lock()
	onData := s.sink.onData
	s.sink.mu.Unlock()
	if onData != nil {
		if err := onData(m); err != nil {
			return err
		}
	}
	s.sink.mu.Lock()
	s.sink.msgs = append(s.sink.msgs, m)
	s.sink.mu.Unlock()
	select {
	case s.sink.notify <- struct{}{}:
	default:
	}
	return nil
}

func (s *session) AuthMechanisms() []string { return []string{"PLAIN"} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user == "grouprise" && pass == "secret" {
			return nil
		}
		return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "invalid credentials"}
	}), nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }
