package web

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A restart answers every request: systemd keeps the socket while the old daemon stops and
// the new one starts, and each daemon must answer every connection it accepted. net/http's
// Shutdown alone closes a connection unanswered when it reads the request after the shutdown
// began (nginx then answers 502); seen once in about 600 requests during an upgrade.
func TestRestartsAnswerEveryRequest(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "")
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

	var answered, failed atomic.Int64
	stop := make(chan struct{})
	var clients sync.WaitGroup
	for range 8 {
		clients.Go(func() {
			// like nginx: a new connection per request
			c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
				DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, "unix", sock)
				}}}
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Get("http://grouprise.test/stadt/help/")
				if err != nil {
					failed.Add(1)
					t.Log(err)
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
					t.Logf("status %d", resp.StatusCode)
					continue
				}
				answered.Add(1)
			}
		})
	}
	for range 30 {
		l, err := net.FileListener(file) // the socket, passed to the next daemon
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- s.srv.Serve(ctx, l) }()
		for before := answered.Load(); answered.Load() < before+20; {
			select {
			case err := <-served:
				t.Fatalf("the daemon stopped by itself: %v", err)
			default:
			}
		}
		cancel()
		if err := <-served; err != nil {
			t.Fatalf("stopping: %v", err)
		}
	}
	// the last daemon stopped: the clients' requests wait in the held socket; one more
	// daemon answers them
	l, err := net.FileListener(file)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.srv.Serve(ctx, l) }()
	close(stop)
	clients.Wait()
	cancel()
	<-served
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed across 30 restarts", n, n+answered.Load())
	}
}
