package metrics_test

import (
	"bufio"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/metrics"
)

// Each answered request is observed once; the handler exposes it.
func ExampleMetrics_ObserveRequest() {
	m := metrics.New(metrics.Options{ActiveSessions: func() int { return 1 }})
	m.ObserveRequest("weavr", "weavr.consumerUpdate", 409, "email-taken", 2*time.Millisecond)
	m.ScenarioHit("email-taken")

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "sandbox_") && !strings.Contains(line, "duration") {
			fmt.Println(line)
		}
	}
	// Output:
	// sandbox_active_sessions 1
	// sandbox_journal_dropped_total 0
	// sandbox_requests_total{operation="weavr.consumerUpdate",scenario="email-taken",status="409",vendor="weavr"} 1
	// sandbox_scenario_hits_total{scenario="email-taken"} 1
	// sandbox_scenario_reload_failures_total 0
}
