package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// HTTP counts the web daemon's requests by route pattern (not by path: a metric per URL
// would grow without end) and measures their time.
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inbox    *prometheus.CounterVec
}

// NewHTTP registers the web daemon's metrics.
func (r *Registry) NewHTTP() *HTTP {
	h := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grouprise_http_requests_total",
			Help: "HTTP requests by route pattern, method and status."}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "grouprise_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10}}, []string{"route"}),
		inbox: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grouprise_activitypub_inbox_total",
			Help: "Inbox POSTs from other servers, by activity type and outcome."}, []string{"type", "outcome"}),
	}
	r.Register(h.requests, h.duration, h.inbox)
	return h
}

// Outcomes of inbox POSTs.
const (
	InboxTaken    = "taken"     // 202, acted on
	InboxDropped  = "dropped"   // 202, well signed but nothing for us
	InboxRefused  = "refused"   // 401, 400, 413: unsigned, forged, malformed or too large
	InboxBlocked  = "blocked"   // 403, the operator blocked the actor or its server
	InboxLimited  = "limited"   // 429, its server sent too many this minute
	InboxNotFound = "not_found" // 404, no such group, or federation off
	InboxError    = "error"     // 500
)

// inboxTypes are the activity types counted by name; others count as "other" (a made-up type
// would make a series of its own).
var inboxTypes = map[string]bool{"Follow": true, "Accept": true, "Reject": true, "Undo": true, "Create": true,
	"Update": true, "Delete": true, "Announce": true}

// Inbox records one inbox POST: its activity type ("" when it was not read) and outcome.
func (h *HTTP) Inbox(typ, outcome string) {
	if h == nil {
		return
	}
	switch {
	case typ == "":
		typ = "unread"
	case !inboxTypes[typ]:
		typ = "other"
	}
	h.inbox.WithLabelValues(typ, outcome).Inc()
}

// Observe records one answered request.
func (h *HTTP) Observe(route, method string, status int, d time.Duration) {
	if h == nil {
		return
	}
	if route == "" {
		route = "other"
	}
	switch method { // made-up methods would each make a series of their own
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other"
	}
	h.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	h.duration.WithLabelValues(route).Observe(d.Seconds())
}

// routeKey carries the matched route pattern out of the inner routing.
type routeKey struct{}

// WithRoute gives a request a place for its route pattern; Route fills it.
func WithRoute(r *http.Request) (*http.Request, *string) {
	p := new(string)
	return r.WithContext(context.WithValue(r.Context(), routeKey{}, p)), p
}

// SetRoute records the pattern that routed a request (called by the router).
func SetRoute(r *http.Request, pattern string) {
	if p, ok := r.Context().Value(routeKey{}).(*string); ok {
		*p = pattern
	}
}

// LMTP counts the LMTP daemon's transactions and recipients by outcome.
type LMTP struct {
	transactions *prometheus.CounterVec
	recipients   *prometheus.CounterVec
}

// Outcomes of LMTP recipients and transactions.
const (
	Delivered = "delivered" // 250, written
	Dropped   = "dropped"   // 250, an auto-reply or bounce not written
	Explained = "explained" // 250, refused with an explanation mail
	Refused   = "refused"   // 5xx
	TempFail  = "tempfail"  // 4xx
)

// NewLMTP registers the LMTP daemon's metrics.
func (r *Registry) NewLMTP() *LMTP {
	l := &LMTP{
		transactions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grouprise_lmtp_transactions_total",
			Help: "LMTP mail transactions (DATA) by outcome."}, []string{"outcome"}),
		recipients: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grouprise_lmtp_recipients_total",
			Help: "LMTP recipients by outcome."}, []string{"outcome"}),
	}
	r.Register(l.transactions, l.recipients)
	return l
}

// Transaction records one transaction.
func (l *LMTP) Transaction(outcome string) {
	if l != nil {
		l.transactions.WithLabelValues(outcome).Inc()
	}
}

// Recipient records one recipient's outcome.
func (l *LMTP) Recipient(outcome string) {
	if l != nil {
		l.recipients.WithLabelValues(outcome).Inc()
	}
}

// Tasks are the task runner's metrics: jobs by outcome, mails, the fan-out latency; the
// queue itself is read from the database at each scrape.
type Tasks struct {
	jobs       *prometheus.CounterVec
	mails      *prometheus.CounterVec
	fanout     prometheus.Histogram
	duration   *prometheus.HistogramVec
	deliveries *prometheus.CounterVec
}

// NewTasks registers the task runner's metrics; queue reports the queue at scrape time.
func (r *Registry) NewTasks(queue func(ctx context.Context) (Queue, error)) *Tasks {
	t := &Tasks{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grouprise_jobs_done_total",
			Help: "Jobs run, by kind and outcome (done, retry, parked)."}, []string{"kind", "outcome"}),
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grouprise_mails_total",
			Help: "Mails handed to the MTA (sent) or given up on (failed)."}, []string{"outcome"}),
		fanout: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "grouprise_notification_latency_seconds",
			Help:    "Time from a new content or contribution to each of its mails handed to the MTA.",
			Buckets: []float64{.1, .5, 1, 2, 5, 10, 30, 60, 300, 900, 3600}}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "grouprise_job_duration_seconds",
			Help: "Time a job ran, by kind.", Buckets: prometheus.DefBuckets}, []string{"kind"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "grouprise_activitypub_deliveries_total",
			Help: "ActivityPub deliveries by outcome (delivered, skipped, blocked, refused, retry)."}, []string{"outcome"}),
	}
	r.Register(t.jobs, t.mails, t.fanout, t.duration, t.deliveries, &queueCollector{queue: queue})
	return t
}

// Delivery records an ActivityPub delivery's outcome (federation.Delivery*).
func (t *Tasks) Delivery(outcome string) {
	if t == nil {
		return
	}
	t.deliveries.WithLabelValues(outcome).Inc()
}

// Job records a job's run.
func (t *Tasks) Job(kind, outcome string, d time.Duration) {
	if t == nil {
		return
	}
	t.jobs.WithLabelValues(kind, outcome).Inc()
	t.duration.WithLabelValues(kind).Observe(d.Seconds())
}

// Mail records a mail handed over (with the time since its item was made) or given up.
func (t *Tasks) Mail(sent bool, since time.Duration) {
	if t == nil {
		return
	}
	if !sent {
		t.mails.WithLabelValues("failed").Inc()
		return
	}
	t.mails.WithLabelValues("sent").Inc()
	if since > 0 {
		t.fanout.Observe(since.Seconds())
	}
}

// Queue is the job queue at a moment.
type Queue struct {
	Waiting, Running, Parked int
	OldestWaiting            time.Duration
	// OldestDelivery is the age of the oldest ActivityPub delivery not yet done (waiting,
	// retried or running).
	OldestDelivery time.Duration
}

type queueCollector struct {
	queue func(ctx context.Context) (Queue, error)
}

var (
	queueJobs   = prometheus.NewDesc("grouprise_jobs", "Jobs in the queue by state.", []string{"state"}, nil)
	queueOldest = prometheus.NewDesc("grouprise_jobs_oldest_waiting_seconds", "Age of the oldest due job.", nil, nil)
	queueUp     = prometheus.NewDesc("grouprise_jobs_queue_readable", "1 when the queue could be read at this scrape.", nil, nil)
	// beside grouprise_activitypub_deliveries_total
	deliveryOldest = prometheus.NewDesc("grouprise_activitypub_deliveries_oldest_waiting_seconds",
		"Age of the oldest ActivityPub delivery not yet done (retries included).", nil, nil)
)

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueJobs
	ch <- queueOldest
	ch <- queueUp
	ch <- deliveryOldest
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	q, err := c.queue(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(queueUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(queueUp, prometheus.GaugeValue, 1)
	for state, n := range map[string]int{"waiting": q.Waiting, "running": q.Running, "parked": q.Parked} {
		ch <- prometheus.MustNewConstMetric(queueJobs, prometheus.GaugeValue, float64(n), state)
	}
	ch <- prometheus.MustNewConstMetric(queueOldest, prometheus.GaugeValue, q.OldestWaiting.Seconds())
	ch <- prometheus.MustNewConstMetric(deliveryOldest, prometheus.GaugeValue, q.OldestDelivery.Seconds())
}

// MemoStats are a memo's counters at a scrape (the web daemon's parts of pages kept until
// the store changes).
type MemoStats struct {
	Hits, Misses, Drops uint64
	Entries, Bytes      int
}

var (
	memoHits    = prometheus.NewDesc("grouprise_web_memo_hits_total", "Parts of pages taken from the memo.", nil, nil)
	memoMisses  = prometheus.NewDesc("grouprise_web_memo_misses_total", "Parts of pages computed because the memo did not have them.", nil, nil)
	memoDrops   = prometheus.NewDesc("grouprise_web_memo_dropped_total", "Parts dropped from the memo for a change of the store or for room.", nil, nil)
	memoEntries = prometheus.NewDesc("grouprise_web_memo_entries", "Parts of pages in the memo.", nil, nil)
	memoBytes   = prometheus.NewDesc("grouprise_web_memo_bytes", "Estimated size of the parts in the memo.", nil, nil)
)

type memoCollector struct{ stats func() MemoStats }

// Memo adds the web daemon's memo counters.
func (r *Registry) Memo(stats func() MemoStats) { r.reg.MustRegister(&memoCollector{stats: stats}) }

func (c *memoCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{memoHits, memoMisses, memoDrops, memoEntries, memoBytes} {
		ch <- d
	}
}

func (c *memoCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(memoHits, prometheus.CounterValue, float64(s.Hits))
	ch <- prometheus.MustNewConstMetric(memoMisses, prometheus.CounterValue, float64(s.Misses))
	ch <- prometheus.MustNewConstMetric(memoDrops, prometheus.CounterValue, float64(s.Drops))
	ch <- prometheus.MustNewConstMetric(memoEntries, prometheus.GaugeValue, float64(s.Entries))
	ch <- prometheus.MustNewConstMetric(memoBytes, prometheus.GaugeValue, float64(s.Bytes))
}
