package metrics

import (
	"net/http/httptest"
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

// TestInbox: inbox POSTs are counted by activity type and outcome; made-up types count as
// "other", unread ones as "unread".
func TestInbox(t *testing.T) {
	reg := New("web", "test")
	h := reg.NewHTTP()
	h.Inbox("Follow", InboxTaken)
	h.Inbox("Follow", InboxTaken)
	h.Inbox("EmojiReact", InboxDropped)
	h.Inbox("", InboxBlocked)
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`grouprise_activitypub_inbox_total{outcome="taken",type="Follow"} 2`,
		`grouprise_activitypub_inbox_total{outcome="dropped",type="other"} 1`,
		`grouprise_activitypub_inbox_total{outcome="blocked",type="unread"} 1`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("no %s in\n%s", want, rec.Body.String())
		}
	}
	var none *HTTP
	none.Inbox("Follow", InboxTaken) // no metrics configured: nothing, no panic
}
