package scenario

import (
	"fmt"
	"slices"
	"strings"
)

// Trigger is a one-shot answer armed for a session: the next request of
// the session that Operation matches is answered with the catalog Error,
// once. It is what the dashboard's "trigger once on the next request"
// arms, so a person demoing an error shows it without writing a scenario
// file or adding a header to the client.
type Trigger struct {
	// Error is a catalog error, e.g. "weavr.EMAIL_NOT_UNIQUE".
	Error string `json:"error"`
	// Operation is an operation id or "vendor.*"; "" arms it for every
	// operation of the error's vendor (stored as "vendor.*").
	Operation string `json:"operation"`
}

// TriggerPrefix starts the name under which a triggered answer appears in
// X-Sandbox-Scenario, the journal and the metrics ("trigger:weavr.X"),
// as "prefer:" does for a Prefer header.
const TriggerPrefix = "trigger:"

// MaxTriggers bounds the triggers armed at once in one session, so a
// client looping on the control API cannot grow a session without limit.
const MaxTriggers = 100

// ErrTooManyTriggers refuses arming past MaxTriggers.
var ErrTooManyTriggers = fmt.Errorf("%d triggers are armed in this session already: let requests fire them or clear them (DELETE …/triggers)", MaxTriggers)

// TriggerError is a trigger the vocabulary refuses (an unknown error or
// operation, an error of another vendor than the operation's).
type TriggerError struct{ Msg string }

func (e *TriggerError) Error() string { return e.Msg }

// armed is a checked Trigger with the step it plays.
type armed struct {
	Trigger
	step *Step
}

// CheckTrigger validates t against the vocabulary like a scenario file's
// respond.error and match.operation, and returns it with the operation
// filled in; a refusal is a *TriggerError. The control API checks before
// it creates a session to arm in.
func (e *Engine) CheckTrigger(t Trigger) (Trigger, error) {
	a, err := e.checkTrigger(t)
	return a.Trigger, err
}

func (e *Engine) checkTrigger(t Trigger) (armed, error) {
	bad := func(format string, args ...any) (armed, error) {
		return armed{}, &TriggerError{Msg: fmt.Sprintf(format, args...)}
	}
	if t.Error == "" {
		return bad("error is missing: name a catalog error such as weavr.EMAIL_NOT_UNIQUE (GET /__sandbox/errors lists them)")
	}
	def, ok := e.vocab.catalog.Lookup(t.Error)
	if !ok {
		return bad("unknown error %q (GET /__sandbox/errors lists the catalog)", t.Error)
	}
	if t.Operation == "" {
		t.Operation = def.Vendor + ".*"
	}
	if msg := e.vocab.checkOperation(t.Operation); msg != "" {
		return bad("%s", msg)
	}
	if vendor, _, _ := strings.Cut(t.Operation, "."); vendor != def.Vendor {
		// The client would get a body shape its vendor never sends.
		return bad("error %s cannot answer operation %s: name a %s operation or %s.*", def.QualifiedName(), t.Operation, def.Vendor, def.Vendor)
	}
	t.Error = def.QualifiedName()
	return armed{Trigger: t, step: &Step{Error: def}}, nil
}

// Arm arms t for the session's next matching request, after the triggers
// armed before it. It returns every armed trigger, oldest first; a
// *TriggerError or ErrTooManyTriggers when t is refused.
func (st *State) Arm(t Trigger) ([]Trigger, error) {
	a, err := st.engine.checkTrigger(t)
	if err != nil {
		return nil, err
	}
	if st.rs != nil {
		return st.rs.arm(a)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.triggers) >= MaxTriggers {
		return nil, ErrTooManyTriggers
	}
	st.triggers = append(st.triggers, a)
	st.nTriggers.Store(int32(len(st.triggers)))
	return st.armedLocked(), nil
}

// Armed lists the triggers still armed in the session, oldest first.
func (st *State) Armed() []Trigger {
	if st.rs != nil {
		return st.rs.armed()
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.armedLocked()
}

// Disarm clears every armed trigger of the session.
func (st *State) Disarm() {
	if st.rs != nil {
		st.rs.disarm()
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.triggers = nil
	st.nTriggers.Store(0)
}

func (st *State) armedLocked() []Trigger {
	out := make([]Trigger, len(st.triggers))
	for i, a := range st.triggers {
		out[i] = a.Trigger
	}
	return out
}

// fireTrigger takes the oldest trigger armed for operation, if any. A
// session with none armed costs one atomic load. (A session in Redis takes
// its trigger in begin's script instead, with the active lists.)
func (st *State) fireTrigger(operation string) *Decision {
	if st.nTriggers.Load() == 0 {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	i := slices.IndexFunc(st.triggers, func(a armed) bool { return opMatches(a.Operation, operation) })
	if i < 0 {
		return nil
	}
	a := st.triggers[i]
	st.triggers = slices.Delete(st.triggers, i, i+1)
	st.nTriggers.Store(int32(len(st.triggers)))
	return &Decision{Scenario: TriggerPrefix + a.Error, Step: a.step}
}
