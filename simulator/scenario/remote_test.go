package scenario

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
)

// replicaPair is one session seen by two replicas: an engine and a State
// each, over the same Scope.
type replicaPair struct {
	e  [2]*Engine
	st [2]*State
}

func newReplicaPair(t *testing.T, src string, active ...string) replicaPair {
	t.Helper()
	r1, r2 := statetest.Replicas(t)
	var p replicaPair
	for i, r := range []*state.Redis{r1, r2} {
		p.e[i], _ = newTestEngineIn(t, r, src, active...)
		p.st[i] = p.e[i].NewStateIn(state.Scope{R: r, Session: "shared", Gen: 1})
	}
	return p
}

// decideConcurrently sends n requests at once, alternating between the
// two replicas, and returns the decisions that were not nil.
func (p replicaPair) decideConcurrently(t *testing.T, n int, mk func() *Request) []*Decision {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var out []*Decision
	for i := range n {
		wg.Go(func() {
			d, prob := p.e[i%2].Decide(p.st[i%2], mk())
			if prob != nil {
				t.Errorf("problem %+v", prob)
			}
			if d != nil {
				mu.Lock()
				out = append(out, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

// TestReplicasCountExactly: 40 concurrent requests split over two
// replicas of one session play times, after and a sequence exactly as one
// process does, and both replicas show the same counters.
func TestReplicasCountExactly(t *testing.T) {
	const src = `name: three
description: d
times: 3
respond: {error: acme.LIMIT}
---
name: after
description: d
after: 30
respond: {error: acme.TAKEN}
---
name: seq
description: d
sequence: [{error: acme.DOWN}, {error: acme.LIMIT}, {error: acme.TAKEN}]
---
name: loop-times
description: d
loop: true
times: 7
sequence: [{error: acme.DOWN}, {error: acme.LIMIT}]
`
	tests := []struct {
		name  string
		fired []string // the errors played, sorted
	}{
		{"three", []string{"LIMIT", "LIMIT", "LIMIT"}},
		{"after", slices.Repeat([]string{"TAKEN"}, 10)},
		{"seq", []string{"DOWN", "LIMIT", "TAKEN"}},
		{"loop-times", []string{"DOWN", "DOWN", "DOWN", "DOWN", "LIMIT", "LIMIT", "LIMIT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newReplicaPair(t, src)
			if err := p.st[0].Activate(tt.name); err != nil {
				t.Fatal(err)
			}
			ds := p.decideConcurrently(t, 40, func() *Request { return request("acme.update", "PATCH", "/things", "{}") })
			var got []string
			for _, d := range ds {
				got = append(got, d.Step.Error.Name)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.fired) {
				t.Errorf("played %v, want %v", got, tt.fired)
			}
			want := []Counter{{Scenario: tt.name, Seen: 40, Fired: len(tt.fired)}}
			for i, st := range p.st {
				if c := st.Counters(); !slices.Equal(c, want) {
					t.Errorf("replica %d counters %+v, want %+v", i, c, want)
				}
			}
		})
	}
}

// TestReplicasShareActivations: a session's activation on one replica and
// a global activation on one engine apply to the next request on the
// other; --scenario seeds the global list once for the sandbox, so a
// replica started later does not undo a deactivation.
func TestReplicasShareActivations(t *testing.T) {
	const src = "name: a\ndescription: d\nrespond: {error: acme.TAKEN}\n---\nname: g\ndescription: d\nrespond: {error: acme.DOWN}\n"
	p := newReplicaPair(t, src, "g")
	update := func() *Request { return request("acme.update", "PATCH", "/things", "{}") }
	if got := fired(t, p.e[1], p.st[1], 1, update); got[0] != "DOWN" {
		t.Fatalf("--scenario g on replica 2: %q, want DOWN", got)
	}
	if err := p.st[0].Activate("a"); err != nil {
		t.Fatal(err)
	}
	if got := fired(t, p.e[1], p.st[1], 1, update); got[0] != "TAKEN" {
		t.Errorf("activated on replica 1, replica 2 answered %q, want TAKEN", got)
	}
	if got := strings.Join(p.st[1].Active(), ","); got != "a,g" {
		t.Errorf("replica 2 lists %s active, want a,g", got)
	}
	p.st[1].Deactivate("a")
	p.e[1].DeactivateGlobal("g")
	if got := fired(t, p.e[0], p.st[0], 1, update); got[0] != "" {
		t.Errorf("deactivated on replica 2, replica 1 answered %q", got)
	}
	if g := p.e[0].Global(); len(g) != 0 {
		t.Errorf("replica 1's global list %v after deactivation on replica 2", g)
	}
	// A third replica starts with the same --scenario g: the sandbox's
	// operator deactivated it, and it stays deactivated.
	e3, _ := newTestEngineIn(t, p.e[0].r, src, "g")
	if g := e3.Global(); len(g) != 0 {
		t.Errorf("a later replica reactivated %v", g)
	}
	if err := e3.ActivateGlobal("g"); err != nil {
		t.Fatal(err)
	}
	other := p.e[1].NewStateIn(state.Scope{R: p.e[1].r, Session: "other", Gen: 1})
	if got := fired(t, p.e[1], other, 1, update); got[0] != "DOWN" {
		t.Errorf("global activation on replica 3, replica 2's other session: %q, want DOWN", got)
	}
	// A memory session of a shared engine still sees the shared globals.
	if got := fired(t, p.e[0], p.e[0].NewState(), 1, update); got[0] != "DOWN" {
		t.Errorf("memory session on a shared engine: %q, want DOWN", got)
	}
}

// TestReplicasFireTriggersOnce: triggers armed on one replica are each
// taken by exactly one request, whichever replica it reaches.
func TestReplicasFireTriggersOnce(t *testing.T) {
	p := newReplicaPair(t, downScenario)
	for range 10 {
		if _, err := p.st[0].Arm(Trigger{Error: "acme.TAKEN", Operation: "acme.get"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(p.st[1].Armed()); n != 10 {
		t.Fatalf("replica 2 sees %d armed, want 10", n)
	}
	ds := p.decideConcurrently(t, 40, func() *Request { return request("acme.get", "GET", "/things", "") })
	if len(ds) != 10 {
		t.Errorf("%d triggered answers for 10 triggers", len(ds))
	}
	for _, d := range ds {
		if d.Scenario != "trigger:acme.TAKEN" || d.Step.Error.Name != "TAKEN" {
			t.Errorf("decision %+v, want trigger:acme.TAKEN", d)
		}
	}
	if a, b := p.st[0].Armed(), p.st[1].Armed(); len(a) != 0 || len(b) != 0 {
		t.Errorf("still armed: %+v / %+v", a, b)
	}
}

// TestReplicasReplayDraws: probability and delay draws depend on the
// seed, the session and the match's number only, so one session played
// through two replicas in turn answers exactly as through one.
func TestReplicasReplayDraws(t *testing.T) {
	const src = "name: p\ndescription: d\nprobability: 0.4\nrespond: {error: acme.DOWN, delay: {min: 10ms, max: 90ms}}\n"
	play := func(p replicaPair, alternate bool) string {
		var b strings.Builder
		for i := range 100 {
			k := 0
			if alternate {
				k = i % 2
			}
			if d, _ := p.e[k].Decide(p.st[k], request("acme.update", "PATCH", "/things", "{}")); d != nil {
				b.WriteString(d.Delay.String() + ",")
			} else {
				b.WriteString("-,")
			}
		}
		return b.String()
	}
	one, two := play(newReplicaPair(t, src, "p"), false), play(newReplicaPair(t, src, "p"), true)
	if one != two {
		t.Errorf("through one replica:\n%s\nthrough two:\n%s", one, two)
	}
	if n := strings.Count(one, "ms"); n < 25 || n > 55 {
		t.Errorf("fired %d of 100 at probability 0.4", n)
	}
}

// TestRedisReloadRestartsChangedCounters: a reload keeps the shared
// counter of an unchanged definition and restarts a changed one's.
func TestRedisReloadRestartsChangedCounters(t *testing.T) {
	const twice = "name: twice\ndescription: d\ntimes: 2\nrespond: {error: acme.TAKEN}\n"
	p := newReplicaPair(t, twice)
	if err := p.st[0].Activate("twice"); err != nil {
		t.Fatal(err)
	}
	update := func() *Request { return request("acme.update", "PATCH", "/things", "{}") }
	if got := strings.Join(fired(t, p.e[0], p.st[0], 3, update), ","); got != "TAKEN,TAKEN," {
		t.Fatalf("fired %q", got)
	}
	p.e[1].Replace(testSet(t, "# a comment\n"+twice)) // the same definition
	if got := strings.Join(fired(t, p.e[1], p.st[1], 1, update), ","); got != "" {
		t.Errorf("after an unchanged reload: %q, want the counter kept", got)
	}
	p.e[1].Replace(testSet(t, strings.Replace(twice, "times: 2", "times: 3", 1)))
	if got := strings.Join(fired(t, p.e[1], p.st[1], 4, update), ","); got != "TAKEN,TAKEN,TAKEN," {
		t.Errorf("after a changed reload: %q, want the counter restarted", got)
	}
	if c := p.st[0].Counters(); !slices.Equal(c, []Counter{{Scenario: "twice", Seen: 4, Fired: 3}}) {
		t.Errorf("counters %+v", c)
	}
}

// TestReloadPrunesSharedGlobals: a reload drops from the shared global
// list the scenarios the catalog no longer has, as in memory.
func TestReloadPrunesSharedGlobals(t *testing.T) {
	p := newReplicaPair(t, "name: a\ndescription: d\nrespond: {pass: true}\n---\nname: b\ndescription: d\nrespond: {pass: true}\n", "a", "b")
	p.e[0].Replace(testSet(t, "name: b\ndescription: d\nrespond: {pass: true}\n"))
	p.e[1].Replace(testSet(t, "name: a\ndescription: d\nrespond: {pass: true}\n---\nname: b\ndescription: d\nrespond: {pass: true}\n"))
	if g := p.e[1].Global(); !slices.Equal(g, []string{"b"}) {
		t.Errorf("global %v after a reload without a, want [b]", g)
	}
}

// TestRedisRoundTrips: a request with nothing active and nothing armed
// costs one round trip; one that a scenario answers, two.
func TestRedisRoundTrips(t *testing.T) {
	p := newReplicaPair(t, "name: a\ndescription: d\nrespond: {error: acme.TAKEN}\n")
	e, st, r := p.e[0], p.st[0], p.e[0].r
	update := func() *Request { return request("acme.update", "PATCH", "/things", "{}") }
	cost := func(f func()) uint64 {
		before := r.RoundTrips()
		f()
		return r.RoundTrips() - before
	}
	fired(t, e, st, 1, update) // loads the script
	if n := cost(func() { fired(t, e, st, 1, update) }); n != 1 {
		t.Errorf("nothing active: %d round trips, want 1", n)
	}
	if err := st.Activate("a"); err != nil {
		t.Fatal(err)
	}
	fired(t, e, st, 1, update) // loads the script
	if n := cost(func() { fired(t, e, st, 1, update) }); n != 2 {
		t.Errorf("a scenario answers: %d round trips, want 2", n)
	}
	if _, err := st.Arm(Trigger{Error: "acme.BAD"}); err != nil {
		t.Fatal(err)
	}
	if n := cost(func() { fired(t, e, st, 1, update) }); n != 1 {
		t.Errorf("a trigger answers: %d round trips, want 1", n)
	}
}

// TestRedisUnavailable: when Redis stops, every operation aborts with
// *state.Unavailable (the sandbox answers a 503) rather than answering
// from state it could not read, and works again once Redis is back.
func TestRedisUnavailable(t *testing.T) {
	url, stop, restart := statetest.Server(t)
	r := statetest.OpenURL(t, url)
	e, _ := newTestEngineIn(t, r, "name: a\ndescription: d\nrespond: {error: acme.TAKEN}\n")
	st := e.NewStateIn(state.Scope{R: r, Session: "s", Gen: 1})
	if err := st.Activate("a"); err != nil {
		t.Fatal(err)
	}
	stop()
	ops := map[string]func(){
		"Decide":         func() { e.Decide(st, request("acme.update", "PATCH", "/things", "{}")) },
		"DecideWebhook":  func() { e.DecideWebhook(st, kycEvent(`{}`)) },
		"Activate":       func() { _ = st.Activate("a") },
		"Deactivate":     func() { st.Deactivate() },
		"Active":         func() { st.Active() },
		"Counters":       func() { st.Counters() },
		"Arm":            func() { _, _ = st.Arm(Trigger{Error: "acme.BAD"}) },
		"Armed":          func() { st.Armed() },
		"Disarm":         func() { st.Disarm() },
		"ActivateGlobal": func() { _ = e.ActivateGlobal("a") },
		"Global":         func() { e.Global() },
	}
	var wg sync.WaitGroup
	for name, op := range ops { // at once: each waits out the client's dial attempts
		wg.Go(func() {
			if u := statetest.Aborted(op); u == nil {
				t.Errorf("%s with Redis stopped did not abort with *state.Unavailable", name)
			}
		})
	}
	wg.Wait()
	e.Replace(e.Set()) // a reload outside a request leaves Redis alone
	if r.Healthy() {
		t.Error("the backend reports healthy with Redis stopped")
	}
	restart()
	deadline := time.Now().Add(5 * time.Second)
	for {
		// The restarted Redis is empty: the activation is gone with it.
		if u := statetest.Aborted(func() { _ = st.Activate("a") }); u == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("still unavailable after the restart: %v", u)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := fired(t, e, st, 1, func() *Request { return request("acme.update", "PATCH", "/things", "{}") }); got[0] != "TAKEN" {
		t.Errorf("after the restart: %q, want TAKEN", got)
	}
}

// TestNewStateInZeroScope: the zero Scope is the in-memory State.
func TestNewStateInZeroScope(t *testing.T) {
	e, _ := newTestEngine(t, downScenario)
	st := e.NewStateIn(state.Scope{})
	if st.rs != nil || st.shared || st.counters == nil || st.rng == nil {
		t.Fatalf("NewStateIn(zero Scope) = %+v, want NewState's", st)
	}
}
