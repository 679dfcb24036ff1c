// Package metrics exposes the sandbox's Prometheus metrics: what was
// served, how fast, by which scenario, and the health of the machinery
// (sessions, journal drops, scenario reloads).
//
// Everything is registered on a registry the caller owns, never on
// Prometheus's global default, so tests and several servers in one process
// do not collide. The package is vendor-neutral: vendors and operations
// are label values.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metric names, for dashboards and tests.
const (
	RequestsTotal          = "sandbox_requests_total"
	RequestDurationSeconds = "sandbox_request_duration_seconds"
	ActiveSessions         = "sandbox_active_sessions"
	JournalDroppedTotal    = "sandbox_journal_dropped_total"
	ScenarioReloadFailures = "sandbox_scenario_reload_failures_total"
	ScenarioHitsTotal      = "sandbox_scenario_hits_total"
	SessionsEvictedTotal   = "sandbox_sessions_evicted_total"
	JournalMemoryBytes     = "sandbox_journal_memory_bytes"
	StateRoundTripsTotal   = "sandbox_state_round_trips_total"
	StateUp                = "sandbox_state_up"
	WebhookDeliveriesTotal = "sandbox_webhook_deliveries_total"
	WebhookAttemptsTotal   = "sandbox_webhook_attempts_total"
	WebhookAttemptSeconds  = "sandbox_webhook_attempt_duration_seconds"
)

// DurationBuckets are the upper bounds, in seconds, of the request duration
// histogram: from 1ms (a simulated answer from memory) to 10s (a scenario
// that injects delay).
func DurationBuckets() []float64 {
	return []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
}

// Options configures New.
type Options struct {
	// Registry receives every collector; nil means a fresh registry.
	Registry *prometheus.Registry
	// ActiveSessions, when set, is called at each scrape to report the
	// number of live sessions, so the gauge can never drift from the
	// session registry. When nil, sandbox_active_sessions is not exported.
	ActiveSessions func() int
	// SessionsEvicted and JournalMemory, when set, are read at each scrape:
	// sessions evicted by --max-sessions, and the estimated bytes the
	// journals hold against --journal-memory.
	SessionsEvicted func() uint64
	JournalMemory   func() int64
	// StateRoundTrips and StateHealthy, when set (--state), are read at
	// each scrape: round trips sent to the shared state backend (the cost
	// of Redis mode per request is their rate over the request rate), and
	// whether its last command reached it.
	StateRoundTrips func() uint64
	StateHealthy    func() bool
}

// Metrics holds the sandbox's collectors. Its methods are safe for
// concurrent use.
type Metrics struct {
	reg             *prometheus.Registry
	requests        *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	journalDropped  prometheus.Counter
	reloadFailures  prometheus.Counter
	scenarioHits    *prometheus.CounterVec
	hookDeliveries  *prometheus.CounterVec
	hookAttempts    *prometheus.CounterVec
	hookLatency     *prometheus.HistogramVec
	metricsHandlers http.Handler
	statusLabels    [600]string // "0"…"599", made once: strconv.Itoa allocates above 99
}

// New creates the collectors and registers them, with the Go runtime and
// process collectors, on opts.Registry. It panics if the registry already
// holds any of them, which only a programming error can cause.
func New(opts Options) *Metrics {
	reg := opts.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: RequestsTotal,
			Help: "Requests served by the simulated APIs, by vendor, operation, HTTP status and answering scenario (\"\" when none).",
		}, []string{"vendor", "operation", "status", "scenario"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    RequestDurationSeconds,
			Help:    "Time to answer a simulated API request, by vendor and operation.",
			Buckets: DurationBuckets(),
		}, []string{"vendor", "operation"}),
		journalDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: JournalDroppedTotal,
			Help: "Journal entries dropped because a session's journal was full or the sandbox-wide journal memory budget was reached.",
		}),
		reloadFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: ScenarioReloadFailures,
			Help: "Scenario reloads that failed and left the previous scenarios in force.",
		}),
		scenarioHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: ScenarioHitsTotal,
			Help: "Requests a scenario matched, by scenario name.",
		}, []string{"scenario"}),
		hookDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: WebhookDeliveriesTotal,
			Help: "Webhook deliveries finished, by vendor, event and outcome (delivered, failed, dropped, undelivered).",
		}, []string{"vendor", "event", "outcome"}),
		hookAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: WebhookAttemptsTotal,
			Help: "Webhook delivery attempts, by vendor, event and outcome (the receiver's status class, or error when it did not answer).",
		}, []string{"vendor", "event", "outcome"}),
		hookLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    WebhookAttemptSeconds,
			Help:    "Time from sending a webhook attempt to the receiver's answer (or the error), by vendor and event.",
			Buckets: DurationBuckets(),
		}, []string{"vendor", "event"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.journalDropped, m.reloadFailures, m.scenarioHits,
		m.hookDeliveries, m.hookAttempts, m.hookLatency,
	)
	if f := opts.ActiveSessions; f != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: ActiveSessions,
			Help: "Live sessions, including the default one once used.",
		}, func() float64 { return float64(f()) }))
	}
	if f := opts.SessionsEvicted; f != nil {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: SessionsEvictedTotal,
			Help: "Sessions evicted (least recently used first) because the session cap was reached.",
		}, func() float64 { return float64(f()) }))
	}
	if f := opts.JournalMemory; f != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: JournalMemoryBytes,
			Help: "Estimated bytes held by every session's journal, bounded by the journal memory budget.",
		}, func() float64 { return float64(f()) }))
	}
	if f := opts.StateRoundTrips; f != nil {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: StateRoundTripsTotal,
			Help: "Round trips (a command, pipeline or transaction each) sent to the shared state backend by this replica.",
		}, func() float64 { return float64(f()) }))
	}
	if f := opts.StateHealthy; f != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: StateUp,
			Help: "1 while the shared state backend answers, 0 while vendor routes answer a sandbox 503.",
		}, func() float64 {
			if f() {
				return 1
			}
			return 0
		}))
	}
	m.metricsHandlers = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	for i := range m.statusLabels {
		m.statusLabels[i] = strconv.Itoa(i)
	}
	return m
}

// Registry is the registry the metrics are registered on, for adding the
// caller's own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler { return m.metricsHandlers }

// ObserveRequest records one answered request: it counts it in
// sandbox_requests_total and observes d in
// sandbox_request_duration_seconds. scenario is the name of the scenario
// that answered, "" when the simulated behaviour did; the empty label value
// is kept as is (Prometheus treats it as an absent label, so
// {scenario=""} selects those requests).
func (m *Metrics) ObserveRequest(vendor, operation string, status int, scenario string, d time.Duration) {
	m.requests.WithLabelValues(vendor, operation, m.statusLabel(status), scenario).Inc()
	m.duration.WithLabelValues(vendor, operation).Observe(d.Seconds())
}

// statusLabel is status as a label value.
func (m *Metrics) statusLabel(status int) string {
	if status >= 0 && status < len(m.statusLabels) {
		return m.statusLabels[status]
	}
	return strconv.Itoa(status)
}

// JournalDropped adds n dropped journal entries; n <= 0 is ignored.
func (m *Metrics) JournalDropped(n int) {
	if n > 0 {
		m.journalDropped.Add(float64(n))
	}
}

// ScenarioReloadFailed counts one failed scenario reload.
func (m *Metrics) ScenarioReloadFailed() { m.reloadFailures.Inc() }

// ScenarioHit counts one request matched by the named scenario.
func (m *Metrics) ScenarioHit(name string) { m.scenarioHits.WithLabelValues(name).Inc() }

// WebhookAttempt counts one webhook attempt and observes its latency;
// outcome is the receiver's status class or "error".
func (m *Metrics) WebhookAttempt(vendor, event, outcome string, latency time.Duration) {
	m.hookAttempts.WithLabelValues(vendor, event, outcome).Inc()
	m.hookLatency.WithLabelValues(vendor, event).Observe(latency.Seconds())
}

// WebhookDelivery counts one finished webhook delivery by outcome.
func (m *Metrics) WebhookDelivery(vendor, event, outcome string) {
	m.hookDeliveries.WithLabelValues(vendor, event, outcome).Inc()
}
