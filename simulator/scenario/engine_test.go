package scenario

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
)

// newTestEngine parses src into a catalog and returns an engine over it
// with a recording sleep.
func newTestEngine(t *testing.T, src string, active ...string) (*Engine, *[]time.Duration) {
	t.Helper()
	return newTestEngineIn(t, nil, src, active...)
}

// testSet parses src into a catalog.
func testSet(t *testing.T, src string) *Set {
	t.Helper()
	scs, err := Parse("t.yaml", []byte(src), testVocab(t))
	if err != nil {
		t.Fatal(err)
	}
	set := &Set{byName: map[string]*Scenario{}}
	for _, sc := range scs {
		set.byName[sc.Name] = sc
		set.list = append(set.list, sc)
	}
	return set
}

// newTestEngineIn is newTestEngine with the global activations in r (nil:
// in memory).
func newTestEngineIn(t *testing.T, r *state.Redis, src string, active ...string) (*Engine, *[]time.Duration) {
	t.Helper()
	var mu sync.Mutex
	var slept []time.Duration
	e, err := NewEngine(Options{Vocabulary: testVocab(t), Set: testSet(t, src), Active: active, Seed: 7, State: r, Sleep: func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		slept = append(slept, d)
		mu.Unlock()
		return ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	return e, &slept
}

func request(op, method, path, body string, header ...string) *Request {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	return &Request{Operation: op, HTTP: r, Body: []byte(body), Target: func() []string { return []string{"c-1", "ann@example.com"} }}
}

// fired plays n requests and returns the name of the error each answer
// came from ("" for the vendor's normal answer, "pass" for pass-through).
func fired(t *testing.T, e *Engine, st *State, n int, mk func() *Request) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		d, p := e.Decide(st, mk())
		switch {
		case p != nil:
			t.Fatalf("problem: %+v", p)
		case d == nil:
		case d.Step.Pass:
			out[i] = "pass"
		case d.Step.Error != nil:
			out[i] = d.Step.Error.Name
		default:
			out[i] = http.StatusText(d.Step.Status)
		}
	}
	return out
}

func TestCounters(t *testing.T) {
	src := `name: after-times
description: d
match: {operation: acme.update}
after: 2
times: 2
respond: {error: acme.TAKEN}
---
name: seq
description: d
match: {operation: acme.update}
sequence: [{error: acme.DOWN}, {error: acme.DOWN}, {pass: true}]
---
name: seq-loop
description: d
match: {operation: acme.update}
loop: true
sequence: [{error: acme.DOWN}, {error: acme.LIMIT}]
---
name: seq-times
description: d
match: {operation: acme.update}
loop: true
times: 3
sequence: [{error: acme.DOWN}, {error: acme.LIMIT}]
`
	tests := []struct {
		name string
		want []string
	}{
		{"after-times", []string{"", "", "TAKEN", "TAKEN", "", ""}},
		{"seq", []string{"DOWN", "DOWN", "pass", "", ""}},
		{"seq-loop", []string{"DOWN", "LIMIT", "DOWN", "LIMIT", "DOWN"}},
		{"seq-times", []string{"DOWN", "LIMIT", "DOWN", "", ""}},
	}
	inModes(t, func(t *testing.T, m mode) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e, _ := m.engine(t, src)
				st := m.session(e)
				if err := st.Activate(tt.name); err != nil {
					t.Fatal(err)
				}
				got := fired(t, e, st, len(tt.want), func() *Request { return request("acme.update", "PATCH", "/things", "{}") })
				if strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Errorf("got %v, want %v", got, tt.want)
				}
				c := st.Counters()
				if len(c) != 1 || c[0].Seen != len(tt.want) {
					t.Errorf("counters = %+v", c)
				}
			})
		}
	})
}

// TestCountersExactUnderConcurrency: 64 parallel requests against
// times: 10 give exactly 10 hits (run with -race).
func TestCountersExactUnderConcurrency(t *testing.T) {
	inModes(t, func(t *testing.T, m mode) {
		e, _ := m.engine(t, "name: ten\ndescription: d\ntimes: 10\nrespond: {error: acme.DOWN}\n", "ten")
		st := m.session(e)
		var wg sync.WaitGroup
		var mu sync.Mutex
		hits := 0
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if d, _ := e.Decide(st, request("acme.update", "PATCH", "/things", "{}")); d != nil {
					mu.Lock()
					hits++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if hits != 10 {
			t.Errorf("hits = %d, want exactly 10", hits)
		}
		if c := st.Counters(); len(c) != 1 || c[0].Seen != 64 || c[0].Fired != 10 {
			t.Errorf("counters = %+v", c)
		}
	})
}

func TestMatchConditions(t *testing.T) {
	src := `name: m
description: d
match:
  operation: acme.*
  method: PATCH
  path: /things
  headers: {X-Tenant: {regex: "^7"}}
  query: {dry: {present: false}}
  body:
    email: {regex: "@taken\\."}
    address.country: GB
    tags.1: b
  target: ann@example.com
respond: {error: acme.TAKEN}
`
	good := `{"email":"a@taken.io","address":{"country":"GB"},"tags":["a","b"]}`
	tests := []struct {
		name string
		req  *Request
		want bool
	}{
		{"all conditions hold", request("acme.update", "PATCH", "/things", good, "X-Tenant", "77"), true},
		{"other vendor", request("other.get", "PATCH", "/things", good, "X-Tenant", "77"), false},
		{"other method", request("acme.update", "PUT", "/things", good, "X-Tenant", "77"), false},
		{"other path", request("acme.update", "PATCH", "/thing", good, "X-Tenant", "77"), false},
		{"header missing", request("acme.update", "PATCH", "/things", good), false},
		{"header differs", request("acme.update", "PATCH", "/things", good, "X-Tenant", "8"), false},
		{"query present", request("acme.update", "PATCH", "/things?dry=1", good, "X-Tenant", "7"), false},
		{"body email differs", request("acme.update", "PATCH", "/things", strings.Replace(good, "taken", "free", 1), "X-Tenant", "7"), false},
		{"nested field differs", request("acme.update", "PATCH", "/things", strings.Replace(good, "GB", "FR", 1), "X-Tenant", "7"), false},
		{"array index differs", request("acme.update", "PATCH", "/things", strings.Replace(good, `"b"`, `"c"`, 1), "X-Tenant", "7"), false},
		{"body not JSON", request("acme.update", "PATCH", "/things", "{", "X-Tenant", "7"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newTestEngine(t, src, "m")
			d, p := e.Decide(e.NewState(), tt.req)
			if p != nil || (d != nil) != tt.want {
				t.Errorf("decision = %+v, problem = %+v, want fired = %v", d, p, tt.want)
			}
		})
	}
	t.Run("target", func(t *testing.T) {
		e, _ := newTestEngine(t, "name: t\ndescription: d\nmatch: {target: c-2}\nrespond: {error: acme.TAKEN}\n", "t")
		if d, _ := e.Decide(e.NewState(), request("acme.update", "PATCH", "/things", "{}")); d != nil {
			t.Error("fired for another target")
		}
	})
}

// TestNamedScenarioIgnoresBodyConditions: a scenario named by header
// applies on its operation whatever the body; unknown names are problems.
func TestNamedScenario(t *testing.T) {
	src := "name: n\ndescription: d\nmatch:\n  operation: acme.update\n  body: {email: {regex: x}}\nrespond: {error: acme.TAKEN}\n"
	e, _ := newTestEngine(t, src)
	st := e.NewState()
	if d, _ := e.Decide(st, request("acme.update", "PATCH", "/things", "{}", HeaderScenario, "n")); d == nil || d.Scenario != "n" {
		t.Errorf("named scenario did not fire: %+v", d)
	}
	if d, _ := e.Decide(st, request("acme.get", "GET", "/things", "", HeaderScenario, "n")); d != nil {
		t.Error("named scenario fired for another operation")
	}
	if d, _ := e.Decide(st, request("acme.update", "PATCH", "/things", `{"email":"x"}`)); d != nil {
		t.Error("an inactive scenario fired without being named")
	}
	_, p := e.Decide(st, request("acme.update", "PATCH", "/things", "{}", HeaderScenario, "n, nope"))
	if p == nil || p.Status != 400 || !strings.Contains(p.Message, `unknown scenario "nope"`) {
		t.Errorf("problem = %+v", p)
	}
}

func TestPrefer(t *testing.T) {
	e, _ := newTestEngine(t, "name: n\ndescription: d\nrespond: {pass: true}\n")
	tests := []struct {
		prefer, op, want, problem string
	}{
		{"code=409", "acme.update", "acme.TAKEN", ""},
		{"code=409, example=LOCKED", "acme.update", "acme.LOCKED", ""},
		{`code="429"`, "acme.update", "acme.LIMIT", ""},
		{"example=DOWN", "acme.update", "acme.DOWN", ""},
		{"code=200", "acme.update", "", ""},
		{"respond-async", "acme.update", "", ""},
		{"code=409", "acme.get", "", "operation acme.get documents no 409 response; it documents: 400 BAD, 503 DOWN"},
		{"code=409, example=NOPE", "acme.update", "", "documents no NOPE error with code 409"},
		{"code=abc", "acme.update", "", `code must be an HTTP status, got "abc"`},
		{"code=500", "acme.unknown", "", "no documented responses for this route"},
	}
	for _, tt := range tests {
		t.Run(tt.prefer+" "+tt.op, func(t *testing.T) {
			d, p := e.Decide(e.NewState(), request(tt.op, "PATCH", "/things", "{}", HeaderPrefer, tt.prefer))
			switch {
			case tt.problem != "":
				if p == nil || p.Status != 400 || !strings.Contains(p.Message, tt.problem) {
					t.Errorf("problem = %+v, want %q", p, tt.problem)
				}
			case tt.want == "":
				if d != nil || p != nil {
					t.Errorf("decision %+v problem %+v, want none", d, p)
				}
			default:
				if d == nil || d.Step.Error.QualifiedName() != tt.want || d.Scenario != "prefer:"+tt.want {
					t.Errorf("decision = %+v, want %s", d, tt.want)
				}
			}
		})
	}
}

// TestProbabilityAndDelayAreSeeded: the same seed replays the same draws.
func TestProbabilityAndDelayAreSeeded(t *testing.T) {
	inModes(t, func(t *testing.T, m mode) { probabilityAndDelayAreSeeded(t, m) })
}

func probabilityAndDelayAreSeeded(t *testing.T, m mode) {
	src := "name: p\ndescription: d\nprobability: 0.3\nrespond: {pass: true, delay: {min: 10ms, max: 50ms}}\n"
	run := func() ([]string, []time.Duration) {
		if m.r != nil {
			m.r = statetest.Open(t) // a fresh Redis world: the run replays from the start
		}
		e, _ := m.engine(t, src, "p")
		st := e.NewStateIn(m.scope("replay"))
		var delays []time.Duration
		out := make([]string, 200)
		for i := range out {
			if d, _ := e.Decide(st, request("acme.update", "PATCH", "/things", "{}")); d != nil {
				out[i] = "x"
				delays = append(delays, d.Delay)
				if d.Delay < 10*time.Millisecond || d.Delay > 50*time.Millisecond {
					t.Fatalf("delay %s outside [10ms, 50ms]", d.Delay)
				}
			}
		}
		return out, delays
	}
	a, da := run()
	b, db := run()
	if strings.Join(a, ",") != strings.Join(b, ",") || len(da) != len(db) {
		t.Fatal("two runs with the same seed differ")
	}
	for i := range da {
		if da[i] != db[i] {
			t.Fatalf("delay %d differs: %s vs %s", i, da[i], db[i])
		}
	}
	if n := len(da); n < 40 || n > 80 {
		t.Errorf("fired %d of 200 at probability 0.3", n)
	}
}

func TestActivation(t *testing.T) {
	inModes(t, activation)
}

func activation(t *testing.T, m mode) {
	e, _ := m.engine(t, "name: a\ndescription: d\nrespond: {pass: true}\n---\nname: b\ndescription: d\nrespond: {pass: true}\n", "b")
	st := m.session(e)
	if err := st.Activate("a", "nope"); err == nil || !strings.Contains(err.Error(), `unknown scenario "nope"`) {
		t.Errorf("err = %v", err)
	}
	if err := st.Activate("a", "a"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(st.Active(), ","); got != "a,b" {
		t.Errorf("active = %s", got)
	}
	st.Deactivate()
	e.DeactivateGlobal("b")
	if got := st.Active(); len(got) != 0 {
		t.Errorf("active after deactivation = %v", got)
	}
	if _, err := NewEngine(Options{Vocabulary: testVocab(t), Active: []string{"ghost"}, State: m.r}); err == nil {
		t.Error("an unknown --scenario was accepted")
	}
}

// BenchmarkDecide is the scenario stage of a request: header, Prefer and
// two active scenarios with body conditions (one matching).
func BenchmarkDecide(b *testing.B) {
	src := "name: a\ndescription: d\nmatch: {operation: acme.update, body: {email: {regex: \"@taken\\\\.\"}}}\nrespond: {error: acme.TAKEN}\n---\n" +
		"name: b\ndescription: d\nmatch: {operation: acme.get}\nrespond: {error: acme.DOWN}\n"
	vocab := testVocab(b)
	scs, err := Parse("b.yaml", []byte(src), vocab)
	if err != nil {
		b.Fatal(err)
	}
	set := &Set{byName: map[string]*Scenario{}}
	for _, sc := range scs {
		set.byName[sc.Name], set.list = sc, append(set.list, sc)
	}
	e, _ := NewEngine(Options{Vocabulary: vocab, Set: set, Active: []string{"a", "b"}})
	st := e.NewState()
	body := []byte(`{"email":"x@taken.io","name":"Ann"}`)
	r := httptest.NewRequest("PATCH", "/things", nil)
	b.ReportAllocs()
	for range b.N {
		d, _ := e.Decide(st, &Request{Operation: "acme.update", HTTP: r, Body: body})
		if d == nil {
			b.Fatal("no decision")
		}
	}
}

// TestADelayCutShortDropsTheConnection: when the client leaves or the
// server stops during a scenario's delay, the connection is dropped: the
// vendor handler never runs and no empty 200 is sent.
func TestADelayCutShortDropsTheConnection(t *testing.T) {
	e, _ := newTestEngine(t, "name: slow\ndescription: d\nrespond: {pass: true, delay: 1s}\n", "slow")
	d, _ := e.Decide(e.NewState(), request("acme.update", "PATCH", "/things", "{}"))
	if d == nil {
		t.Fatal("the delay scenario did not apply")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.Serve(w, r.WithContext(ctx), d, func(http.ResponseWriter) { t.Error("the vendor handler ran after the delay was cut") })
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer (%d), want a dropped connection", resp.StatusCode)
	}
}
