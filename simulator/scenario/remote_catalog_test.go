package scenario_test

import (
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/scenarios"
	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
)

// TestShippedRateLimitAcrossReplicas: the shipped
// weavr-rate-limited-then-recovers, named on 40 concurrent PATCH
// /multi/consumers of one session split over two replicas sharing a
// Redis, answers 429 exactly three times; the rest reach the vendor.
func TestShippedRateLimitAcrossReplicas(t *testing.T) {
	cfg := sandboxtest.Config()
	sandboxtest.WithData(0)(&cfg)
	vocab, err := simulator.Vocabulary(cfg)
	if err != nil {
		t.Fatal(err)
	}
	url := statetest.URL(t)
	var engines [2]*scenario.Engine
	var states [2]*scenario.State
	for i := range engines {
		r := statetest.OpenURL(t, url)
		set, err := scenario.LoadFS(vocab, scenario.Layer{Name: "scenarios", FS: scenarios.FS})
		if err != nil {
			t.Fatal(err)
		}
		if engines[i], err = scenario.NewEngine(scenario.Options{Vocabulary: vocab, Set: set, State: r}); err != nil {
			t.Fatal(err)
		}
		states[i] = engines[i].NewStateIn(state.Scope{R: r, Session: "ci", Gen: 1})
	}
	var limited, other atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			h := httptest.NewRequest("PATCH", "/multi/consumers", strings.NewReader("{}"))
			h.Header.Set(scenario.HeaderScenario, "weavr-rate-limited-then-recovers")
			d, p := engines[i%2].Decide(states[i%2], &scenario.Request{Operation: "weavr.consumerUpdate", HTTP: h, Body: []byte("{}")})
			switch {
			case p != nil:
				t.Errorf("problem %+v", p)
			case d != nil && d.Step.Response().Status == 429:
				limited.Add(1)
			case d != nil:
				other.Add(1)
			}
		})
	}
	wg.Wait()
	if limited.Load() != 3 || other.Load() != 0 {
		t.Errorf("%d answers 429 and %d other scenario answers, want exactly 3 and 0", limited.Load(), other.Load())
	}
	want := []scenario.Counter{{Scenario: "weavr-rate-limited-then-recovers", Seen: 40, Fired: 3}}
	if c := states[1].Counters(); len(c) != 1 || c[0] != want[0] {
		t.Errorf("counters %+v, want %+v", c, want)
	}
}
