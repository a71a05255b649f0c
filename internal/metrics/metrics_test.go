package metrics

import (
	"strings"
	"testing"
)

func TestAddress(t *testing.T) {
	for _, c := range []struct{ listen, daemon, want, err string }{
		{"", "web", "", ""},
		{"/run/grouprise/metrics-{daemon}.sock", "lmtpd", "/run/grouprise/metrics-lmtpd.sock", ""},
		{"/run/grouprise/metrics.sock", "web", "", "needs {daemon}"},
		{"127.0.0.1:9501", "web", "127.0.0.1:9501", ""},
		{"127.0.0.1:9501", "lmtpd", "127.0.0.1:9502", ""},
		{"127.0.0.1:9501", "tasks", "127.0.0.1:9503", ""},
		{"[::1]:9501", "matrix-commander", "[::1]:9504", ""},
		{"localhost", "web", "", "missing port"},
	} {
		got, err := Address(c.listen, c.daemon)
		if got != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("Address(%q, %q) = %q, %v; want %q, %q", c.listen, c.daemon, got, err, c.want, c.err)
		}
	}
}
