// Package metrics gives operators Prometheus metrics of each daemon, on a listener of its
// own (metrics.listen: a unix socket or a loopback port, never the public site): HTTP
// requests by route and status with latencies, LMTP transactions and recipients by outcome,
// the job queue, mails sent and failed, the time from a new content to its last mail, the
// database pool and the build.
package metrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds one daemon's metrics.
type Registry struct {
	reg    *prometheus.Registry
	daemon string
}

// New makes a daemon's registry with the Go runtime, the process and the build.
func New(daemon, version string) *Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	goVersion := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{Name: "grouprise_build_info",
		Help:        "Build of the daemon (always 1).",
		ConstLabels: prometheus.Labels{"version": version, "goversion": goVersion, "daemon": daemon}})
	info.Set(1)
	reg.MustRegister(info)
	return &Registry{reg: reg, daemon: daemon}
}

// Register adds collectors (a package's own, or the database pool's).
func (r *Registry) Register(cs ...prometheus.Collector) { r.reg.MustRegister(cs...) }

// DB adds the connection pool's statistics.
func (r *Registry) DB(stats func() sql.DBStats) {
	r.reg.MustRegister(&dbCollector{stats: stats})
}

// Handler serves the exposition text.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg})
}

// Address is where daemon serves its metrics according to metrics.listen: "" when off; a
// unix socket path with {daemon} replaced; or host:port — the web daemon on the port, lmtpd
// on port+1, tasks on port+2, matrix-commander on port+3.
func Address(listen, daemon string) (string, error) {
	if listen == "" {
		return "", nil
	}
	if strings.HasPrefix(listen, "/") {
		if !strings.Contains(listen, "{daemon}") {
			return "", errors.New("a unix socket path needs {daemon}, one socket per daemon")
		}
		return strings.ReplaceAll(listen, "{daemon}", daemon), nil
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return "", fmt.Errorf("port %q: %w", port, err)
	}
	offset := map[string]int{"web": 0, "lmtpd": 1, "tasks": 2, "matrix-commander": 3}[daemon]
	return net.JoinHostPort(host, strconv.Itoa(p+offset)), nil
}

// Serve answers scrapes on addr until ctx ends; addr "" does nothing.
func (r *Registry) Serve(ctx context.Context, addr string, log *slog.Logger) error {
	if addr == "" {
		return nil
	}
	network := "tcp"
	if strings.HasPrefix(addr, "/") {
		network = "unix"
		os.Remove(addr) // a socket left by the previous run
	}
	l, err := net.Listen(network, addr)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if network == "unix" {
		// the service user and its group (an administrator's curl, an exporter in the group)
		if err := os.Chmod(addr, 0o660); err != nil {
			l.Close()
			return fmt.Errorf("metrics: %w", err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", r.Handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "grouprise "+r.daemon+" metrics: /metrics")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute}
	go func() {
		<-ctx.Done()
		srv.Close()
		if network == "unix" {
			os.Remove(addr)
		}
	}()
	log.Info("metrics served", "listen", addr)
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// dbCollector reports the connection pool.
type dbCollector struct {
	stats func() sql.DBStats
}

var (
	dbOpen  = prometheus.NewDesc("grouprise_db_connections_open", "Open database connections.", nil, nil)
	dbInUse = prometheus.NewDesc("grouprise_db_connections_in_use", "Database connections in use.", nil, nil)
	dbIdle  = prometheus.NewDesc("grouprise_db_connections_idle", "Idle database connections.", nil, nil)
	dbMax   = prometheus.NewDesc("grouprise_db_connections_max", "Most database connections allowed.", nil, nil)
	dbWaits = prometheus.NewDesc("grouprise_db_wait_total", "Times a query waited for a connection.", nil, nil)
	dbWait  = prometheus.NewDesc("grouprise_db_wait_seconds_total", "Time spent waiting for connections.", nil, nil)
)

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dbOpen, dbInUse, dbIdle, dbMax, dbWaits, dbWait} {
		ch <- d
	}
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(dbOpen, prometheus.GaugeValue, float64(s.OpenConnections))
	ch <- prometheus.MustNewConstMetric(dbInUse, prometheus.GaugeValue, float64(s.InUse))
	ch <- prometheus.MustNewConstMetric(dbIdle, prometheus.GaugeValue, float64(s.Idle))
	ch <- prometheus.MustNewConstMetric(dbMax, prometheus.GaugeValue, float64(s.MaxOpenConnections))
	ch <- prometheus.MustNewConstMetric(dbWaits, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(dbWait, prometheus.CounterValue, s.WaitDuration.Seconds())
}
