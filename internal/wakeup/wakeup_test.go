package wakeup

import (
	"net"
	"path/filepath"
	"testing"
	"time"
)

func TestWakeOverUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tasks.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	woken := make(chan struct{}, 10)
	done := make(chan error)
	go func() { done <- Serve(l, func() { woken <- struct{}{} }) }()
	Send(path)
	Send(path)
	for range 2 {
		select {
		case <-woken:
		case <-time.After(5 * time.Second):
			t.Fatal("no wake-up")
		}
	}
	l.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve after close: %v", err)
	}
	start := time.Now()
	Send(path) // nobody listens: returns at once without error
	Send("")
	if d := time.Since(start); d > time.Second {
		t.Errorf("Send to a dead socket took %s", d)
	}
}
