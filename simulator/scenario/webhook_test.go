package scenario

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

func kycEvent(body string) *WebhookRequest {
	return &WebhookRequest{Vendor: "acme", Path: "/things/kyc/watch", Body: []byte(body)}
}

// faultsOf plays n events and names the fault each decision carries (""
// for a normal delivery).
func faultsOf(e *Engine, st *State, n int, ev func() *WebhookRequest) []string {
	out := make([]string, n)
	for i := range out {
		if d := e.DecideWebhook(st, ev()); d != nil {
			out[i] = string(d.Fault)
		}
	}
	return out
}

// TestDecideWebhookFaults: each fault's decision carries its own
// parameters (defaults filled in) and nothing of the others'.
func TestDecideWebhookFaults(t *testing.T) {
	tests := []struct {
		respond string
		want    WebhookDecision
	}{
		{"{webhook: delay, delay: 5s}", WebhookDecision{Fault: webhook.FaultDelay, Delay: 5 * time.Second}},
		{"{webhook: duplicate}", WebhookDecision{Fault: webhook.FaultDuplicate, Copies: 2}},
		{"{webhook: duplicate, copies: 4}", WebhookDecision{Fault: webhook.FaultDuplicate, Copies: 4}},
		{"{webhook: reorder}", WebhookDecision{Fault: webhook.FaultReorder, Delay: time.Second}},
		{"{webhook: reorder, delay: 300ms}", WebhookDecision{Fault: webhook.FaultReorder, Delay: 300 * time.Millisecond}},
		{"{webhook: drop}", WebhookDecision{Fault: webhook.FaultDrop}},
		{"{webhook: bad-signature}", WebhookDecision{Fault: webhook.FaultBadSignature}},
		{"{webhook: stale-timestamp}", WebhookDecision{Fault: webhook.FaultStaleTimestamp, Age: time.Hour}},
		{"{webhook: stale-timestamp, age: 10m}", WebhookDecision{Fault: webhook.FaultStaleTimestamp, Age: 10 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.respond, func(t *testing.T) {
			e, _ := newTestEngine(t, "name: w\ndescription: d\nmatch: {webhook: /things/kyc/watch}\nrespond: "+tt.respond+"\n", "w")
			d := e.DecideWebhook(e.NewState(), kycEvent(`{}`))
			tt.want.Scenario = "w"
			if d == nil || *d != tt.want {
				t.Errorf("decision = %+v, want %+v", d, tt.want)
			}
		})
	}
	t.Run("delay range", func(t *testing.T) { inModes(t, webhookDelayRange) })
}

func webhookDelayRange(t *testing.T, m mode) {
	e, _ := m.engine(t, "name: w\ndescription: d\nmatch: {webhook: /things/kyc/watch}\nrespond: {webhook: delay, delay: {min: 1s, max: 2s}}\n", "w")
	st := m.session(e)
	seen := map[time.Duration]bool{}
	for range 50 {
		d := e.DecideWebhook(st, kycEvent(`{}`))
		if d == nil || d.Delay < time.Second || d.Delay > 2*time.Second {
			t.Fatalf("decision = %+v, want a delay in [1s, 2s]", d)
		}
		seen[d.Delay] = true
	}
	if len(seen) < 10 {
		t.Errorf("%d distinct delays in 50 draws", len(seen))
	}
}

// TestDecideWebhookCounters: times, after, sequence and loop count events
// as they count requests, in the counters the control API shows.
func TestDecideWebhookCounters(t *testing.T) {
	src := `name: after-times
description: d
match: {webhook: /things/kyc/watch}
after: 1
times: 2
respond: {webhook: drop}
---
name: seq
description: d
match: {webhook: /things/kyc/watch}
sequence: [{webhook: drop}, {webhook: duplicate}, {webhook: bad-signature}]
---
name: seq-loop
description: d
match: {webhook: /things/kyc/watch}
loop: true
sequence: [{webhook: drop}, {webhook: reorder}]
`
	tests := []struct {
		name  string
		want  []string
		fired int
	}{
		{"after-times", []string{"", "drop", "drop", "", ""}, 2},
		{"seq", []string{"drop", "duplicate", "bad-signature", "", ""}, 3},
		{"seq-loop", []string{"drop", "reorder", "drop", "reorder", "drop"}, 5},
	}
	inModes(t, func(t *testing.T, m mode) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e, _ := m.engine(t, src)
				st := m.session(e)
				if err := st.Activate(tt.name); err != nil {
					t.Fatal(err)
				}
				got := faultsOf(e, st, len(tt.want), func() *WebhookRequest { return kycEvent(`{}`) })
				if strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Errorf("got %v, want %v", got, tt.want)
				}
				if c := st.Counters(); len(c) != 1 || c[0] != (Counter{Scenario: tt.name, Seen: len(tt.want), Fired: tt.fired}) {
					t.Errorf("counters = %+v", c)
				}
			})
		}
	})
}

// TestDecideWebhookActivation: only active scenarios fire, the session's
// own before the global ones, and a matching one that does not play (its
// times spent) lets the next decide.
func TestDecideWebhookActivation(t *testing.T) {
	inModes(t, decideWebhookActivation)
}

func decideWebhookActivation(t *testing.T, m mode) {
	src := "name: drop\ndescription: d\nmatch: {webhook: /things/kyc/watch}\ntimes: 1\nrespond: {webhook: drop}\n---\n" +
		"name: dup\ndescription: d\nmatch: {webhook: /things/kyc/watch}\nrespond: {webhook: duplicate}\n"
	e, _ := m.engine(t, src)
	st := m.session(e)
	if d := e.DecideWebhook(st, kycEvent(`{}`)); d != nil {
		t.Fatalf("an inactive scenario fired: %+v", d)
	}
	if c := st.Counters(); len(c) != 0 {
		t.Errorf("an inactive scenario was counted: %+v", c)
	}
	if err := e.ActivateGlobal("dup"); err != nil {
		t.Fatal(err)
	}
	if err := st.Activate("drop"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(faultsOf(e, st, 3, func() *WebhookRequest { return kycEvent(`{}`) }), ","); got != "drop,duplicate,duplicate" {
		t.Errorf("got %s, want the session's drop once, then the global duplicate", got)
	}
	if d := e.DecideWebhook(m.session(e), kycEvent(`{}`)); d == nil || d.Scenario != "dup" {
		t.Errorf("another session: %+v, want the global dup", d)
	}
	e.DeactivateGlobal()
	st.Deactivate()
	if d := e.DecideWebhook(st, kycEvent(`{}`)); d != nil {
		t.Errorf("fired after deactivation: %+v", d)
	}
}

// TestDecideWebhookConditions: the event path (equals or regex) and the
// body conditions select the events.
func TestDecideWebhookConditions(t *testing.T) {
	src := "name: approved\ndescription: d\nmatch:\n  webhook: /things/kyc/watch\n  body: {status: APPROVED, thing.tags.0: {regex: ^vip}}\nrespond: {webhook: drop}\n---\n" +
		"name: any-things\ndescription: d\nmatch: {webhook: {regex: ^/things/}}\nrespond: {webhook: drop}\n"
	good := `{"status":"APPROVED","thing":{"tags":["vip-1"]}}`
	tests := []struct {
		name, scenario string
		ev             *WebhookRequest
		want           bool
	}{
		{"all conditions hold", "approved", kycEvent(good), true},
		{"other event", "approved", &WebhookRequest{Vendor: "acme", Path: "/things/closed/watch", Body: []byte(good)}, false},
		{"other status", "approved", kycEvent(strings.Replace(good, "APPROVED", "REJECTED", 1)), false},
		{"nested field differs", "approved", kycEvent(strings.Replace(good, "vip", "std", 1)), false},
		{"field missing", "approved", kycEvent(`{"status":"APPROVED"}`), false},
		{"body not JSON", "approved", kycEvent(`{`), false},
		{"regex on the path", "any-things", &WebhookRequest{Vendor: "acme", Path: "/things/closed/watch"}, true},
		{"regex on another path", "any-things", &WebhookRequest{Vendor: "other", Path: "/other/watch"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newTestEngine(t, src, tt.scenario)
			if d := e.DecideWebhook(e.NewState(), tt.ev); (d != nil) != tt.want {
				t.Errorf("decision = %+v, want fired = %v", d, tt.want)
			}
		})
	}
}

// TestDecideIgnoresWebhookScenarios: a request is never answered by a
// webhook scenario, named or active, nor counted in one; Prefer works as
// before beside one.
func TestDecideIgnoresWebhookScenarios(t *testing.T) {
	src := "name: w\ndescription: d\nmatch: {webhook: /things/kyc/watch}\nrespond: {webhook: drop}\n---\n" +
		"name: w-any\ndescription: d\nmatch: {webhook: {regex: .}}\nrespond: {webhook: drop}\n"
	e, _ := newTestEngine(t, src, "w", "w-any")
	st := e.NewState()
	if err := st.Activate("w"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Request{
		request("acme.update", "PATCH", "/things", "{}"),
		request("acme.update", "PATCH", "/things/kyc/watch", "{}", HeaderScenario, "w, w-any"),
	} {
		if d, p := e.Decide(st, r); d != nil || p != nil {
			t.Errorf("decision %+v, problem %+v, want none", d, p)
		}
	}
	if d, p := e.Decide(st, request("acme.update", "PATCH", "/things", "{}", HeaderPrefer, "code=409")); p != nil || d == nil || d.Scenario != "prefer:acme.TAKEN" {
		t.Errorf("Prefer beside a webhook scenario: decision %+v, problem %+v", d, p)
	}
	if c := st.Counters(); len(c) != 0 {
		t.Errorf("requests were counted in webhook scenarios: %+v", c)
	}
}

// TestDecideWebhookExactUnderConcurrency: 64 events in parallel against
// times: 10 give exactly 10 faults (run with -race).
func TestDecideWebhookExactUnderConcurrency(t *testing.T) {
	inModes(t, decideWebhookExactUnderConcurrency)
}

func decideWebhookExactUnderConcurrency(t *testing.T, m mode) {
	e, _ := m.engine(t, "name: ten\ndescription: d\nmatch: {webhook: /things/kyc/watch}\ntimes: 10\nrespond: {webhook: duplicate}\n", "ten")
	st := m.session(e)
	var wg sync.WaitGroup
	var mu sync.Mutex
	hits := 0
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if d := e.DecideWebhook(st, kycEvent(`{}`)); d != nil {
				mu.Lock()
				hits++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if c := st.Counters(); hits != 10 || c[0].Seen != 64 || c[0].Fired != 10 {
		t.Errorf("hits = %d, counters = %+v, want exactly 10 of 64", hits, c)
	}
}

// TestDecideWebhookProbabilityIsSeeded: the same seed replays the same
// faults.
func TestDecideWebhookProbabilityIsSeeded(t *testing.T) {
	src := "name: p\ndescription: d\nmatch: {webhook: /things/kyc/watch}\nprobability: 0.3\nrespond: {webhook: drop}\n"
	inModes(t, func(t *testing.T, m mode) {
		run := func() string {
			if m.r != nil {
				m.r = statetest.Open(t) // a fresh Redis world: the run replays from the start
			}
			e, _ := m.engine(t, src, "p")
			return strings.Join(faultsOf(e, e.NewStateIn(m.scope("replay")), 200, func() *WebhookRequest { return kycEvent(`{}`) }), ",")
		}
		a, b := run(), run()
		if a != b {
			t.Fatal("two runs with the same seed differ")
		}
		if n := strings.Count(a, "drop"); n < 40 || n > 80 {
			t.Errorf("fired %d of 200 at probability 0.3", n)
		}
	})
}

// TestDecideWebhookNamedByTheCause: the webhook scenarios the causing
// request names in X-Sandbox-Scenario apply first, without activation; a
// named request scenario is ignored for webhooks.
func TestDecideWebhookNamedByTheCause(t *testing.T) {
	src := "name: drop\ndescription: d\nmatch: {webhook: /things/kyc/watch}\nrespond: {webhook: drop}\n---\n" +
		"name: dup\ndescription: d\nmatch: {webhook: /things/kyc/watch}\nrespond: {webhook: duplicate}\n---\n" +
		"name: boom\ndescription: d\nmatch: {operation: acme.get}\nrespond: {status: 500}\n"
	e, _ := newTestEngine(t, src)
	st := e.NewState()
	if err := st.Activate("dup"); err != nil {
		t.Fatal(err)
	}
	ev := kycEvent(`{}`)
	ev.Named = RequestedScenarios(map[string][]string{HeaderScenario: {"boom, drop"}})
	if d := e.DecideWebhook(st, ev); d == nil || d.Scenario != "drop" {
		t.Fatalf("named: %+v, want drop", d)
	}
	if d := e.DecideWebhook(st, kycEvent(`{}`)); d == nil || d.Scenario != "dup" {
		t.Errorf("unnamed: %+v, want the active dup", d)
	}
	ev = kycEvent(`{}`)
	ev.Named = []string{"boom", "nope"}
	if d := e.DecideWebhook(st, ev); d == nil || d.Scenario != "dup" {
		t.Errorf("a named request scenario or an unknown name: %+v, want the active dup", d)
	}
}
