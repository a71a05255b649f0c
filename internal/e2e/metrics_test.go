package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// unixClient talks HTTP over a unix socket.
func unixClient(sock string) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
}

// scrape reads a daemon's metrics and parses them as Prometheus does.
func scrape(t *testing.T, sock string) map[string]*dto.MetricFamily {
	t.Helper()
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err = unixClient(sock).Get("http://metrics/metrics"); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("scrape %s: %v", sock, err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the exposition of %s does not parse: %v", sock, err)
	}
	return families
}

// value is the value of a counter or gauge with the given labels (0 if there is none).
func value(families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	f := families[name]
	if f == nil {
		return 0
	}
next:
	for _, m := range f.Metric {
		for k, v := range labels {
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

func start(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
}

// TestMetrics scrapes each daemon's own listener during traffic: the counters move by what
// was sent.
func TestMetrics(t *testing.T) {
	in, db := lmtpSite(t, "")
	metricsDir := filepath.Join(in.dir, "metrics")
	if err := os.Mkdir(metricsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(in.env, "GROUPRISE_METRICS__LISTEN="+filepath.Join(metricsDir, "{daemon}.sock"),
		"GROUPRISE_EMAIL_SUBMISSION__BACKEND=console")
	webSock, lmtpSock := filepath.Join(in.dir, "web.sock"), filepath.Join(in.dir, "lmtp.sock")
	for _, d := range []struct{ name, env string }{{"web", "GROUPRISE_WEB__LISTEN=" + webSock},
		{"lmtpd", "GROUPRISE_LMTP__LISTEN=" + lmtpSock}, {"tasks", "GROUPRISE_TASKS__LISTEN="}} {
		cmd := in.command(d.name)
		cmd.Env = append(env, d.env)
		start(t, cmd)
	}

	// web: ten start pages, three missing pages
	web := unixClient(webSock)
	for i := 0; i < 13; i++ {
		path := "/"
		if i >= 10 {
			path = fmt.Sprintf("/no-such-page-%d/x/y/z/", i)
		}
		var resp *http.Response
		var err error
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if resp, err = web.Get("http://grouprise.test" + path); err == nil || time.Now().After(deadline) {
				break
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	m := scrape(t, filepath.Join(metricsDir, "web.sock"))
	if got := value(m, "grouprise_http_requests_total", map[string]string{"route": "GET /{$}", "status": "200"}); got != 10 {
		t.Errorf("start page requests: %v, want 10", got)
	}
	if got := value(m, "grouprise_http_requests_total", map[string]string{"status": "404"}); got != 3 {
		t.Errorf("404 requests: %v, want 3", got)
	}
	if got := value(m, "grouprise_http_request_duration_seconds", map[string]string{"route": "GET /{$}"}); got != 10 {
		t.Errorf("start page latencies: %v, want 10", got)
	}
	if value(m, "grouprise_build_info", map[string]string{"daemon": "web"}) != 1 || m["grouprise_db_connections_open"] == nil {
		t.Error("build info or database pool metrics missing")
	}
	if value(m, "grouprise_web_memo_misses_total", nil) < 1 || m["grouprise_web_memo_hits_total"] == nil || m["grouprise_web_memo_bytes"] == nil {
		t.Error("the memo's metrics are missing or count no part of the start page")
	}

	// lmtpd: two mails to the group, one to nobody
	for i := 0; i < 2; i++ {
		reply := deliverLMTP(t, lmtpSock, "anna@example.org", "garten@grouprise.test",
			fmt.Sprintf("Message-ID: <m%d@example.org>\nSubject: Hallo %d\n\nText", i, i))
		if !strings.HasPrefix(reply, "250") {
			t.Fatalf("delivery: %s", reply)
		}
	}
	m = scrape(t, filepath.Join(metricsDir, "lmtpd.sock"))
	if got := value(m, "grouprise_lmtp_recipients_total", map[string]string{"outcome": "delivered"}); got != 2 {
		t.Errorf("delivered recipients: %v, want 2", got)
	}
	if got := value(m, "grouprise_lmtp_transactions_total", map[string]string{"outcome": "delivered"}); got != 2 {
		t.Errorf("transactions: %v, want 2", got)
	}

	// tasks: the two conversations' notifications (anna is the author and gets a copy) are
	// sent; the queue empties.
	deadline := time.Now().Add(30 * time.Second)
	for {
		m = scrape(t, filepath.Join(metricsDir, "tasks.sock"))
		if value(m, "grouprise_mails_total", map[string]string{"outcome": "sent"}) >= 2 &&
			value(m, "grouprise_jobs", map[string]string{"state": "waiting"}) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := value(m, "grouprise_mails_total", map[string]string{"outcome": "sent"}); got != 2 {
		t.Errorf("mails sent: %v, want 2", got)
	}
	if got := value(m, "grouprise_notification_latency_seconds", nil); got != 2 {
		t.Errorf("notification latencies: %v, want 2", got)
	}
	if got := value(m, "grouprise_jobs_done_total", map[string]string{"kind": "notify", "outcome": "done"}); got != 2 {
		t.Errorf("notify jobs done: %v, want 2", got)
	}
	if m["grouprise_jobs_oldest_waiting_seconds"] == nil || value(m, "grouprise_jobs_queue_readable", nil) != 1 ||
		m["grouprise_activitypub_deliveries_oldest_waiting_seconds"] == nil {
		t.Error("queue metrics missing")
	}
	_ = db
}
