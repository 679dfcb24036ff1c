package simulator_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
)

// TestSoak mixes every route, several sessions and scenarios from many
// goroutines (meant for -race; SOAK=60s runs longer), then checks that the
// journal, the store and the metrics agree.
func TestSoak(t *testing.T) {
	d := 2 * time.Second
	if v := os.Getenv("SOAK"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	// Every request must stay in the journal for the counts to agree: no
	// per-session capacity and no sandbox-wide budget (tested in journal).
	s := newSandbox(t, func(c *simulator.Config) { c.Registry = reg; c.JournalCapacity, c.JournalMemory = 1<<20, 0 })
	sessions := []string{"s1", "s2", "s3"}
	tokens := map[string][]string{}
	for _, sess := range sessions {
		tokens[sess] = s.weavr("alice@example.com", "X-Sandbox-Session", sess)
	}
	sent := map[string]int{}
	var mu sync.Mutex
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess := sessions[w%len(sessions)]
			h := tokens[sess]
			for i := 0; time.Now().Before(deadline); i++ {
				switch i % 6 {
				case 0:
					s.do("PATCH", "/multi/consumers", fmt.Sprintf(`{"tag":"w%d_%d"}`, w, i), h...)
				case 1:
					s.do("GET", "/multi/consumers", "", h...)
				case 2:
					s.do("PUT", lpCustomer, fmt.Sprintf(`{"firstName":"W%d","__ignoreWarnings":true}`, w), lpHeaders("X-Sandbox-Session", sess)...)
				case 3:
					s.do("GET", "/api/public/api/1/odata.svc/Customers?$top=5", "", lpHeaders("X-Sandbox-Session", sess)...)
				case 4:
					s.do("PATCH", "/multi/consumers", `{"tag":"x"}`, append(h, "X-Sandbox-Scenario", "weavr-flaky-then-succeeds")...)
				case 5:
					s.do("PUT", lpCustomer, `{}`, lpHeaders("X-Sandbox-Session", sess, "Prefer", "code=429")...)
				}
				mu.Lock()
				sent[sess]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	total := 3 // the logins
	for _, sess := range sessions {
		total += sent[sess]
		r := s.do("GET", "/__sandbox/sessions/"+sess+"/journal/count", "")
		var c struct{ Count, Dropped int }
		_ = json.Unmarshal(r.body, &c)
		if c.Count != sent[sess]+1 || c.Dropped != 0 {
			t.Errorf("session %s: journal has %d entries (%d dropped), %d requests were sent", sess, c.Count, c.Dropped, sent[sess]+1)
		}
		// The consumer's tag is the tag of a PATCH the journal recorded as 200.
		var cur struct{ Tag string }
		_ = json.Unmarshal(s.do("GET", "/multi/consumers", "", tokens[sess]...).body, &cur)
		r = s.do("GET", "/__sandbox/sessions/"+sess+"/journal?operation=weavr.consumerUpdate&status=200", "")
		if !strings.Contains(string(r.body), `{\"tag\":\"`+cur.Tag+`\"}`) {
			t.Errorf("session %s: stored tag %q is not from a recorded successful PATCH", sess, cur.Tag)
		}
		// Each session saw its own flaky sequence: exactly two 503s.
		r = s.do("POST", "/__sandbox/sessions/"+sess+"/journal/verify", `{"scenario":"weavr-flaky-then-succeeds","status":503,"exactly":2}`)
		if r.status != 200 {
			t.Errorf("session %s: %s", sess, r.body)
		}
	}
	total += len(sessions) // the GETs of the tags above
	if got := int(testutil.ToFloat64(sumRequests(reg))); got != total {
		t.Errorf("metrics count %d requests, %d were sent", got, total)
	}
}

// sumRequests totals sandbox_requests_total over its labels.
func sumRequests(reg *prometheus.Registry) prometheus.Collector {
	mfs, _ := reg.Gather()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "sum"})
	for _, mf := range mfs {
		if mf.GetName() == "sandbox_requests_total" {
			for _, m := range mf.GetMetric() {
				g.Add(m.GetCounter().GetValue())
			}
		}
	}
	return g
}
