package lmtp

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// countingListener counts the connections it hands out and how many of them were closed.
type countingListener struct {
	net.Listener
	accepted, closed *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.accepted.Add(1)
	return &countedConn{Conn: c, closed: l.closed}, nil
}

type countedConn struct {
	net.Conn
	closed *atomic.Int64
	once   sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.closed.Add(1) })
	return c.Conn.Close()
}

// A stopping daemon finishes every session it accepted before Serve returns (and the process
// exits): go-smtp counts a connection only after Accept returned it, so one accepted just as
// the shutdown began would be cut off, and the MTA would have to try again later.
func TestServeReturnsAfterEverySession(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "")
	d := New(s.cfg, s.db, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), contents.New(s.db), conversations.New(s.db))
	sock := filepath.Join(t.TempDir(), "held.sock")
	held, err := net.Listen("unix", sock) // what systemd holds
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	file, err := held.(*net.UnixListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()

	var sessions atomic.Int64
	stop := make(chan struct{})
	var clients sync.WaitGroup
	for range 6 {
		clients.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := net.Dial("unix", sock)
				if err != nil {
					continue
				}
				c.SetDeadline(time.Now().Add(10 * time.Second))
				r := bufio.NewReader(c)
				io.WriteString(c, "LHLO mta.example.org\r\nQUIT\r\n")
				for {
					line, err := r.ReadString('\n')
					if err != nil || strings.HasPrefix(line, "221") {
						break
					}
				}
				c.Close()
				sessions.Add(1)
			}
		})
	}
	for i := range 40 {
		l, err := net.FileListener(file)
		if err != nil {
			t.Fatal(err)
		}
		var accepted, closed atomic.Int64
		srv := NewServer(d, s.cfg.Domain, s.cfg.LMTP.MaxMessageSize, slog.New(slog.NewTextHandler(io.Discard, nil)))
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ctx, countingListener{Listener: l, accepted: &accepted, closed: &closed}) }()
		for before := sessions.Load(); sessions.Load() < before+10; {
			time.Sleep(time.Millisecond)
		}
		cancel()
		if err := <-served; err != nil {
			t.Fatalf("stopping: %v", err)
		}
		if a, c := accepted.Load(), closed.Load(); a != c {
			t.Errorf("restart %d: Serve returned with %d of %d accepted sessions still open", i, a-c, a)
		}
	}
	close(stop)
	// the clients' last connections wait in the held socket: one more daemon answers them
	l, err := net.FileListener(file)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(d, s.cfg.Domain, s.cfg.LMTP.MaxMessageSize, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, l) }()
	clients.Wait()
	cancel()
	<-served
}
