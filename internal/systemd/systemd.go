// Package systemd connects the daemons to systemd: sockets passed by name (socket
// activation), readiness and stopping notices, and the watchdog.
package systemd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/coreos/go-systemd/v22/daemon"
)

// Listeners are the sockets systemd passed to the process, by their FileDescriptorName.
type Listeners map[string][]net.Listener

// Passed takes the sockets systemd passed (LISTEN_FDS); call it once per process.
func Passed() (Listeners, error) {
	l, err := activation.ListenersWithNames()
	if err != nil {
		return nil, fmt.Errorf("systemd: sockets: %w", err)
	}
	return l, nil
}

// Listener returns the socket passed under name (or "name.listen"), else listens on addr:
// host:port, or the path of a unix socket (a stale socket file is replaced; mode 0660).
// An empty addr without a passed socket returns nil and no error.
func (ls Listeners) Listener(name, addr string) (net.Listener, error) {
	for _, n := range []string{name, name + ".listen"} {
		if l := ls[n]; len(l) > 0 {
			for _, extra := range l[1:] {
				extra.Close()
			}
			return l[0], nil
		}
	}
	if addr == "" {
		return nil, nil
	}
	return Listen(addr)
}

// Listen listens on host:port or on a unix socket path.
func Listen(addr string) (net.Listener, error) {
	if !strings.HasPrefix(addr, "/") {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		return l, nil
	}
	if fi, err := os.Lstat(addr); err == nil {
		if fi.Mode()&fs.ModeSocket == 0 {
			return nil, fmt.Errorf("listen on %s: exists and is not a socket", addr)
		}
		// Nobody answers on a socket left by a process that died: replace it.
		if c, err := net.DialTimeout("unix", addr, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("listen on %s: another process listens there", addr)
		}
		os.Remove(addr)
	}
	if err := os.MkdirAll(filepath.Dir(addr), 0o755); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	l, err := net.Listen("unix", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	if err := os.Chmod(addr, 0o660); err != nil {
		l.Close()
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return l, nil
}

// Ready tells systemd that the daemon serves (Type=notify); without systemd it does nothing.
func Ready() { daemon.SdNotify(false, daemon.SdNotifyReady) }

// Stopping tells systemd that the daemon shuts down.
func Stopping() { daemon.SdNotify(false, daemon.SdNotifyStopping) }

// Status shows a line in `systemctl status`.
func Status(line string) { daemon.SdNotify(false, "STATUS="+line) }

// Supervised tells whether systemd started the process and listens for its notices.
func Supervised() bool { return os.Getenv("NOTIFY_SOCKET") != "" }

// StillStarting tells systemd that the start-up goes on for up to d more (beyond
// TimeoutStartSec), and keeps the watchdog fed meanwhile.
func StillStarting(d time.Duration) {
	daemon.SdNotify(false, fmt.Sprintf("EXTEND_TIMEOUT_USEC=%d\n%s", d.Microseconds(), daemon.SdNotifyWatchdog))
}

// Watchdog pings systemd's watchdog while healthy answers, until ctx ends; without
// WatchdogSec it returns at once.
func Watchdog(ctx context.Context, healthy func(context.Context) error) {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil || interval == 0 {
		return
	}
	t := time.NewTicker(interval / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			check, cancel := context.WithTimeout(ctx, interval/3)
			err := healthy(check)
			cancel()
			if err == nil || errors.Is(err, context.Canceled) {
				daemon.SdNotify(false, daemon.SdNotifyWatchdog)
			}
		}
	}
}
