package scenario

import (
	"errors"
	"reflect"
	"sync"
	"testing"
)

// downScenario is the catalog of the trigger tests: one scenario that
// answers acme.update with DOWN once activated.
const downScenario = `name: down
description: d
match: {operation: acme.update}
respond: {error: acme.DOWN}
`

// TestArmRefuses: a trigger is checked like a scenario file's error and
// operation, and nothing is armed when it is refused.
func TestArmRefuses(t *testing.T) {
	e, _ := newTestEngine(t, downScenario)
	for _, tc := range []struct {
		name string
		t    Trigger
		want string
	}{
		{"no error", Trigger{}, "error is missing: name a catalog error such as weavr.EMAIL_NOT_UNIQUE (GET /__sandbox/errors lists them)"},
		{"unknown error", Trigger{Error: "acme.NOPE"}, `unknown error "acme.NOPE" (GET /__sandbox/errors lists the catalog)`},
		{"unqualified error", Trigger{Error: "TAKEN"}, `unknown error "TAKEN" (GET /__sandbox/errors lists the catalog)`},
		{"unknown operation", Trigger{Error: "acme.TAKEN", Operation: "acme.delete"},
			`unknown operation "acme.delete" (known: acme.get, acme.update, other.get)`},
		{"unknown vendor", Trigger{Error: "acme.TAKEN", Operation: "nope.*"}, `unknown vendor "nope" in operation "nope.*"`},
		{"another vendor's operation", Trigger{Error: "acme.TAKEN", Operation: "other.get"},
			"error acme.TAKEN cannot answer operation other.get: name a acme operation or acme.*"},
		{"every vendor", Trigger{Error: "acme.TAKEN", Operation: "*"},
			"error acme.TAKEN cannot answer operation *: name a acme operation or acme.*"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := e.NewState()
			_, err := st.Arm(tc.t)
			var te *TriggerError
			if !errors.As(err, &te) || err.Error() != tc.want {
				t.Fatalf("Arm(%+v) = %v, want TriggerError %q", tc.t, err, tc.want)
			}
			if got := st.Armed(); len(got) != 0 {
				t.Fatalf("armed after a refusal: %+v", got)
			}
		})
	}
}

// TestTriggerFiresOnce: a trigger answers the next request it matches,
// once, oldest first; other operations pass it by; Disarm clears.
func TestTriggerFiresOnce(t *testing.T) {
	inModes(t, triggerFiresOnce)
}

func triggerFiresOnce(t *testing.T, m mode) {
	e, _ := m.engine(t, downScenario)
	st := m.session(e)
	if _, err := st.Arm(Trigger{Error: "acme.TAKEN", Operation: "acme.update"}); err != nil {
		t.Fatal(err)
	}
	list, err := st.Arm(Trigger{Error: "acme.BAD"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Trigger{{Error: "acme.TAKEN", Operation: "acme.update"}, {Error: "acme.BAD", Operation: "acme.*"}}
	if !reflect.DeepEqual(list, want) || !reflect.DeepEqual(st.Armed(), want) {
		t.Fatalf("armed %+v / %+v, want %+v", list, st.Armed(), want)
	}
	get := func() *Request { return request("acme.get", "GET", "/things", "") }
	update := func() *Request { return request("acme.update", "PATCH", "/things", "{}") }
	other := func() *Request { return request("other.get", "GET", "/other", "") }

	// acme.get skips TAKEN (armed for update) and takes BAD; other.get
	// takes nothing; then update takes TAKEN, then nothing is left.
	if got := fired(t, e, st, 1, get); got[0] != "BAD" {
		t.Errorf("get answered %q, want BAD", got)
	}
	if got := fired(t, e, st, 1, other); got[0] != "" {
		t.Errorf("other vendor answered %q, want the normal answer", got)
	}
	d, _ := e.Decide(st, update())
	if d == nil || d.Scenario != "trigger:acme.TAKEN" || d.Step.Error.Name != "TAKEN" {
		t.Fatalf("update decision %+v, want trigger:acme.TAKEN", d)
	}
	if got := fired(t, e, st, 2, get); !reflect.DeepEqual(got, []string{"", ""}) {
		t.Errorf("after the triggers fired: %q", got)
	}
	if len(st.Armed()) != 0 {
		t.Errorf("still armed: %+v", st.Armed())
	}

	// A trigger wins over the session's active scenario, then it applies again.
	if err := st.Activate("down"); err != nil {
		t.Fatal(err)
	}
	_, _ = st.Arm(Trigger{Error: "acme.LOCKED", Operation: "acme.update"})
	if got := fired(t, e, st, 2, update); !reflect.DeepEqual(got, []string{"LOCKED", "DOWN"}) {
		t.Errorf("trigger then scenario: %q", got)
	}
	// A request naming an unknown scenario is refused and fires nothing.
	_, _ = st.Arm(Trigger{Error: "acme.LOCKED"})
	if _, p := e.Decide(st, request("acme.get", "GET", "/things", "", HeaderScenario, "ghost")); p == nil || p.Status != 400 {
		t.Fatalf("unknown named scenario: problem %+v", p)
	}
	if len(st.Armed()) != 1 {
		t.Fatalf("the refused request fired the trigger: %+v", st.Armed())
	}
	st.Disarm()
	if got := fired(t, e, st, 1, get); got[0] != "" || len(st.Armed()) != 0 {
		t.Errorf("after Disarm: %q, armed %+v", got, st.Armed())
	}
}

// TestTriggerBoundAndRace: at most MaxTriggers are armed; concurrent
// requests fire each trigger exactly once.
func TestTriggerBoundAndRace(t *testing.T) {
	inModes(t, triggerBoundAndRace)
}

func triggerBoundAndRace(t *testing.T, m mode) {
	e, _ := m.engine(t, downScenario)
	st := m.session(e)
	for i := range MaxTriggers {
		if _, err := st.Arm(Trigger{Error: "acme.TAKEN"}); err != nil {
			t.Fatalf("arm %d: %v", i, err)
		}
	}
	if _, err := st.Arm(Trigger{Error: "acme.TAKEN"}); !errors.Is(err, ErrTooManyTriggers) {
		t.Fatalf("arm past the bound: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if d, _ := e.Decide(st, request("acme.get", "GET", "/things", "")); d != nil {
					mu.Lock()
					n++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if n != MaxTriggers || len(st.Armed()) != 0 {
		t.Fatalf("%d triggered answers for %d triggers, %d left", n, MaxTriggers, len(st.Armed()))
	}
}
