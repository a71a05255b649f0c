// Package wakeup lets the web and LMTP daemons tell the task runner that new jobs wait, so
// that it need not poll: a connection to the runner's socket is the whole message.
package wakeup

import (
	"errors"
	"net"
	"strings"
	"time"
)

// Send knocks at the task runner's socket (a unix socket path or host:port). It never blocks
// for long and never fails: a runner that is down or busy finds the jobs by polling.
func Send(addr string) {
	if addr == "" {
		return
	}
	network := "tcp"
	if strings.HasPrefix(addr, "/") {
		network = "unix"
	}
	c, err := net.DialTimeout(network, addr, 200*time.Millisecond)
	if err != nil {
		return
	}
	c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	c.Write([]byte{'!'})
	c.Close()
}

// Serve calls wake for every connection on l until l is closed.
func Serve(l net.Listener, wake func()) error {
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		c.Close()
		wake()
	}
}
