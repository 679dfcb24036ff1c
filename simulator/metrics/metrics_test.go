package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sandbox-dev/fintech-sandbox/simulator/metrics"
)

// compare checks the exact exposition of the named metrics.
func compare(t *testing.T, m *metrics.Metrics, want string, names ...string) {
	t.Helper()
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
}

func TestRequestsTotal(t *testing.T) {
	for _, tc := range []struct {
		name    string
		observe func(m *metrics.Metrics)
		want    string
	}{
		{"none observed", func(*metrics.Metrics) {}, ""},
		{"labels, empty scenario kept", func(m *metrics.Metrics) {
			m.ObserveRequest("weavr", "weavr.consumerUpdate", 409, "email-taken", time.Millisecond)
			m.ObserveRequest("weavr", "weavr.consumerUpdate", 409, "email-taken", time.Millisecond)
			m.ObserveRequest("weavr", "weavr.consumerUpdate", 200, "", time.Millisecond)
			m.ObserveRequest("loanpro", "loanpro.customerGet", 404, "", time.Millisecond)
		}, `
# HELP sandbox_requests_total Requests served by the simulated APIs, by vendor, operation, HTTP status and answering scenario ("" when none).
# TYPE sandbox_requests_total counter
sandbox_requests_total{operation="loanpro.customerGet",scenario="",status="404",vendor="loanpro"} 1
sandbox_requests_total{operation="weavr.consumerUpdate",scenario="",status="200",vendor="weavr"} 1
sandbox_requests_total{operation="weavr.consumerUpdate",scenario="email-taken",status="409",vendor="weavr"} 2
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := metrics.New(metrics.Options{})
			tc.observe(m)
			compare(t, m, tc.want, metrics.RequestsTotal)
		})
	}
}

func TestRequestDuration(t *testing.T) {
	m := metrics.New(metrics.Options{})
	// Durations whose seconds are exact binary fractions, so the sum is exact.
	for _, d := range []time.Duration{1953125 * time.Nanosecond, 62500 * time.Microsecond, 500 * time.Millisecond, 20 * time.Second} {
		m.ObserveRequest("weavr", "weavr.login", 200, "", d)
	}
	m.ObserveRequest("loanpro", "loanpro.customerList", 200, "", time.Millisecond) // le is inclusive
	compare(t, m, `
# HELP sandbox_request_duration_seconds Time to answer a simulated API request, by vendor and operation.
# TYPE sandbox_request_duration_seconds histogram
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="0.001"} 1
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="0.0025"} 1
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="0.005"} 1
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="0.01"} 1
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="0.025"} 1
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="0.05"} 1
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="0.1"} 1
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="0.25"} 1
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="0.5"} 1
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="1"} 1
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="2.5"} 1
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="5"} 1
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="10"} 1
sandbox_request_duration_seconds_bucket{operation="loanpro.customerList",vendor="loanpro",le="+Inf"} 1
sandbox_request_duration_seconds_sum{operation="loanpro.customerList",vendor="loanpro"} 0.001
sandbox_request_duration_seconds_count{operation="loanpro.customerList",vendor="loanpro"} 1
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="0.001"} 0
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="0.0025"} 1
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="0.005"} 1
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="0.01"} 1
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="0.025"} 1
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="0.05"} 1
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="0.1"} 2
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="0.25"} 2
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="0.5"} 3
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="1"} 3
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="2.5"} 3
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="5"} 3
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="10"} 3
sandbox_request_duration_seconds_bucket{operation="weavr.login",vendor="weavr",le="+Inf"} 4
sandbox_request_duration_seconds_sum{operation="weavr.login",vendor="weavr"} 20.564453125
sandbox_request_duration_seconds_count{operation="weavr.login",vendor="weavr"} 4
`, metrics.RequestDurationSeconds)
}

func TestActiveSessions(t *testing.T) {
	const head = `
# HELP sandbox_active_sessions Live sessions, including the default one once used.
# TYPE sandbox_active_sessions gauge
`
	n := 0
	m := metrics.New(metrics.Options{ActiveSessions: func() int { return n }})
	for _, tc := range []struct {
		set  int
		want string
	}{{0, "0"}, {3, "3"}, {1, "1"}} {
		t.Run(tc.want, func(t *testing.T) {
			n = tc.set // read at each scrape
			compare(t, m, head+"sandbox_active_sessions "+tc.want+"\n", metrics.ActiveSessions)
		})
	}
	t.Run("nil callback exports nothing", func(t *testing.T) {
		compare(t, metrics.New(metrics.Options{}), "", metrics.ActiveSessions)
	})
}

func TestCounters(t *testing.T) {
	for _, tc := range []struct {
		name   string
		metric string
		act    func(m *metrics.Metrics)
		want   string
	}{
		{"journal dropped", metrics.JournalDroppedTotal, func(m *metrics.Metrics) {
			m.JournalDropped(3)
			m.JournalDropped(0)
			m.JournalDropped(-2)
			m.JournalDropped(1)
		}, `
# HELP sandbox_journal_dropped_total Journal entries dropped because a session's journal was full or the sandbox-wide journal memory budget was reached.
# TYPE sandbox_journal_dropped_total counter
sandbox_journal_dropped_total 4
`},
		{"journal dropped starts at zero", metrics.JournalDroppedTotal, func(*metrics.Metrics) {}, `
# HELP sandbox_journal_dropped_total Journal entries dropped because a session's journal was full or the sandbox-wide journal memory budget was reached.
# TYPE sandbox_journal_dropped_total counter
sandbox_journal_dropped_total 0
`},
		{"reload failures", metrics.ScenarioReloadFailures, func(m *metrics.Metrics) {
			m.ScenarioReloadFailed()
			m.ScenarioReloadFailed()
		}, `
# HELP sandbox_scenario_reload_failures_total Scenario reloads that failed and left the previous scenarios in force.
# TYPE sandbox_scenario_reload_failures_total counter
sandbox_scenario_reload_failures_total 2
`},
		{"scenario hits", metrics.ScenarioHitsTotal, func(m *metrics.Metrics) {
			m.ScenarioHit("email-taken")
			m.ScenarioHit("rate-limited")
			m.ScenarioHit("email-taken")
		}, `
# HELP sandbox_scenario_hits_total Requests a scenario matched, by scenario name.
# TYPE sandbox_scenario_hits_total counter
sandbox_scenario_hits_total{scenario="email-taken"} 2
sandbox_scenario_hits_total{scenario="rate-limited"} 1
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := metrics.New(metrics.Options{})
			tc.act(m)
			compare(t, m, tc.want, tc.metric)
		})
	}
}

func TestHandler(t *testing.T) {
	m := metrics.New(metrics.Options{ActiveSessions: func() int { return 2 }})
	m.ObserveRequest("weavr", "weavr.login", 200, "", 3*time.Millisecond)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	body := string(b)
	for _, want := range []string{
		"\ngo_goroutines ",
		"\nprocess_start_time_seconds ",
		"\nsandbox_request_duration_seconds_bucket{",
		"\nsandbox_requests_total{",
		"\nsandbox_active_sessions 2\n",
		"\nsandbox_journal_dropped_total 0\n",
		"\nsandbox_scenario_reload_failures_total 0\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("handler output lacks %q", want)
		}
	}
}

// New registers on the registry it is given and never on the global one.
func TestRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(metrics.Options{Registry: reg})
	if m.Registry() != reg {
		t.Fatal("Registry() is not the registry passed in")
	}
	m.ScenarioHit("x")
	if n, err := testutil.GatherAndCount(reg, metrics.ScenarioHitsTotal); err != nil || n != 1 {
		t.Fatalf("hits on the given registry: %d, %v; want 1", n, err)
	}
	if n, err := testutil.GatherAndCount(prometheus.DefaultGatherer, metrics.ScenarioHitsTotal, metrics.RequestsTotal); err != nil || n != 0 {
		t.Fatalf("global registry holds %d sandbox series (%v), want 0", n, err)
	}
	if metrics.New(metrics.Options{}).Registry() == nil {
		t.Fatal("nil Registry option did not get a fresh registry")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("registering twice on one registry did not panic")
		}
	}()
	metrics.New(metrics.Options{Registry: reg})
}

func TestConcurrentObserve(t *testing.T) {
	m := metrics.New(metrics.Options{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				m.ObserveRequest("weavr", "weavr.login", 200, "", time.Millisecond)
				m.ScenarioHit("s")
				m.JournalDropped(1)
			}
		}()
	}
	wg.Wait()
	compare(t, m, `
# HELP sandbox_scenario_hits_total Requests a scenario matched, by scenario name.
# TYPE sandbox_scenario_hits_total counter
sandbox_scenario_hits_total{scenario="s"} 800
# HELP sandbox_journal_dropped_total Journal entries dropped because a session's journal was full or the sandbox-wide journal memory budget was reached.
# TYPE sandbox_journal_dropped_total counter
sandbox_journal_dropped_total 800
`, metrics.ScenarioHitsTotal, metrics.JournalDroppedTotal)
}
