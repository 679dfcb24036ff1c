package scenario

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// Headers a client uses to ask for scenarios on one request.
const (
	// HeaderScenario names scenarios for this request: "a,b".
	HeaderScenario = "X-Sandbox-Scenario"
	// HeaderPrefer is Prism's convention: "Prefer: code=409, example=NAME".
	HeaderPrefer = "Prefer"
)

// Options configure an Engine.
type Options struct {
	Vocabulary Vocabulary
	Set        *Set // the catalog (LoadFS); nil means empty
	// Active are the scenarios active for all traffic (--scenario). With
	// State, the first replica to start applies them to the shared list;
	// later ones leave it as the operator has since made it.
	Active []string
	Seed   int64 // seeds probability and delay draws per session
	// Sleep waits d or until ctx ends; tests inject it to observe delays.
	Sleep func(ctx context.Context, d time.Duration) error
	// HangMax bounds a hang fault so a forgotten client cannot pin a
	// goroutine forever (default 10 minutes).
	HangMax time.Duration
	// State is the shared backend (--state) the global activations live
	// in, so that activating on one replica applies to the next request
	// on any; nil keeps them in memory. Sessions' states go there through
	// NewStateIn.
	State *state.Redis
}

// Engine decides, per request, whether a scenario answers instead of the
// vendor. It owns the current Set (swapped atomically on reload) and the
// globally active scenarios; counters live in each session's State.
type Engine struct {
	vocab   *vocab
	seed    int64
	sleep   func(context.Context, time.Duration) error
	hangMax time.Duration
	set     atomic.Pointer[Set]
	global  activeList
	// r holds the global activations instead of global when set
	// (Options.State), under globalKey.
	r         *state.Redis
	globalKey string
}

// NewEngine builds an engine; every name in opts.Active must exist.
func NewEngine(opts Options) (*Engine, error) {
	e := &Engine{vocab: newVocab(opts.Vocabulary), seed: opts.Seed, sleep: opts.Sleep, hangMax: opts.HangMax, r: opts.State}
	if e.r != nil {
		e.globalKey = e.r.Global("scenarios", "global")
	}
	if e.sleep == nil {
		e.sleep = clock.Real{}.Sleep
	}
	if e.hangMax <= 0 {
		e.hangMax = 10 * time.Minute
	}
	set := opts.Set
	if set == nil {
		set = &Set{byName: map[string]*Scenario{}}
	}
	e.set.Store(set)
	if e.r != nil {
		if err := e.known(opts.Active); err != nil {
			return nil, err
		}
		if err := e.seedGlobal(opts.Active); err != nil {
			return nil, err
		}
		return e, nil
	}
	if err := e.ActivateGlobal(opts.Active...); err != nil {
		return nil, err
	}
	return e, nil
}

// Set is the current catalog.
func (e *Engine) Set() *Set { return e.set.Load() }

// Replace swaps in a new catalog (hot reload). Counters of scenarios whose
// definition changed restart from zero; global activations of scenarios
// that no longer exist are dropped.
func (e *Engine) Replace(s *Set) {
	e.set.Store(s)
	if e.r != nil {
		e.pruneGlobal(s)
		return
	}
	e.global.keep(func(n string) bool { _, ok := s.Lookup(n); return ok })
}

// Operation returns a registered operation by id.
func (e *Engine) Operation(id string) (*Operation, bool) {
	op, ok := e.vocab.ops[id]
	return op, ok
}

// Operations lists the registered operations sorted by id.
func (e *Engine) Operations() []Operation {
	out := make([]Operation, 0, len(e.vocab.ops))
	for _, op := range e.vocab.ops {
		out = append(out, *op)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ActivateGlobal activates scenarios for every session (of every replica,
// with Options.State).
func (e *Engine) ActivateGlobal(names ...string) error {
	if err := e.known(names); err != nil {
		return err
	}
	if e.r != nil {
		listAdd(e.r, e.globalKey, names)
		return nil
	}
	e.global.add(names)
	return nil
}

// DeactivateGlobal deactivates globally active scenarios (all when none named).
func (e *Engine) DeactivateGlobal(names ...string) {
	if e.r != nil {
		listRemove(e.r, e.globalKey, names)
		return
	}
	e.global.remove(names)
}

// Global lists the globally active scenarios in activation order.
func (e *Engine) Global() []string {
	if e.r != nil {
		return e.globalRemote()
	}
	return slices.Clone(e.global.load())
}

// UnknownScenarioError names a scenario the catalog does not have.
type UnknownScenarioError struct{ Name string }

func (u *UnknownScenarioError) Error() string {
	return fmt.Sprintf("unknown scenario %q (GET /__sandbox/scenarios or `sandbox scenarios` lists them)", u.Name)
}

func (e *Engine) known(names []string) error {
	set := e.Set()
	for _, n := range names {
		if _, ok := set.Lookup(n); !ok {
			return &UnknownScenarioError{Name: n}
		}
	}
	return nil
}

// NewState returns the scenario state of a new session: its active
// scenarios and counters, and a random source seeded from the engine seed
// so probability and delay draws replay identically in every run.
func (e *Engine) NewState() *State {
	return &State{engine: e, counters: map[string]*counter{}, rng: rand.New(rand.NewPCG(uint64(e.seed), 0x5ce7a)), shared: e.r != nil}
}

// State is one session's scenario state. Its lock makes the counters exact
// under concurrent requests: a match, its counter update and its draw are
// one step. A State of NewStateIn with a remote Scope keeps nothing here:
// rs names its keys in Redis, where every replica's State for the session
// reads and counts.
type State struct {
	engine *Engine
	active activeList
	rs     *remoteState
	// shared: the session or the engine's global list is in Redis (one
	// test on the hot path keeps the memory mode as it was).
	shared bool

	mu       sync.Mutex
	counters map[string]*counter
	rng      *rand.Rand
	// triggers are the one-shot answers armed (Arm), oldest first;
	// nTriggers is their count, read without the lock on every request.
	triggers  []armed
	nTriggers atomic.Int32
}

type counter struct {
	sc    *Scenario // the definition counted; a reload that changes it resets the counter
	seen  int       // matching requests
	fired int       // responses played
}

// Activate activates scenarios for this session.
func (st *State) Activate(names ...string) error {
	if err := st.engine.known(names); err != nil {
		return err
	}
	if st.rs != nil {
		listAdd(st.rs.sc.R, st.rs.active, names)
		return nil
	}
	st.active.add(names)
	return nil
}

// Deactivate deactivates scenarios of this session (all when none named).
func (st *State) Deactivate(names ...string) {
	if st.rs != nil {
		listRemove(st.rs.sc.R, st.rs.active, names)
		return
	}
	st.active.remove(names)
}

// Active lists the scenarios active for this session (its own, then the
// global ones), without duplicates.
func (st *State) Active() []string {
	if st.shared {
		// As in memory, where a reload prunes the global list only.
		own, global := st.lists()
		set := st.engine.Set()
		global = slices.DeleteFunc(global, func(n string) bool { _, ok := set.Lookup(n); return !ok })
		return appendNew(slices.Clone(own), global)
	}
	return appendNew(slices.Clone(st.active.load()), st.engine.global.load())
}

// Counter is what a scenario has done in a session.
type Counter struct {
	Scenario string `json:"scenario"`
	Seen     int    `json:"seen"`  // requests that matched
	Fired    int    `json:"fired"` // responses the scenario played
}

// Counters lists the session's counters sorted by scenario.
func (st *State) Counters() []Counter {
	if st.rs != nil {
		out := st.rs.counterList()
		sort.Slice(out, func(i, j int) bool { return out[i].Scenario < out[j].Scenario })
		return out
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]Counter, 0, len(st.counters))
	for name, c := range st.counters {
		out = append(out, Counter{Scenario: name, Seen: c.seen, Fired: c.fired})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Scenario < out[j].Scenario })
	return out
}

// fire counts a match of sc and decides, under the lock, whether it plays
// a step now and which.
func (st *State) fire(sc *Scenario) (*Step, time.Duration, bool) {
	if st.rs != nil {
		return st.rs.fire(sc)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.counters[sc.Name]
	switch {
	case c == nil || !sameDefinition(c.sc, sc):
		c = &counter{sc: sc}
		st.counters[sc.Name] = c
	case c.sc != sc: // reloaded unchanged: keep counting
		c.sc = sc
	}
	c.seen++
	switch {
	case c.seen <= sc.After:
		return nil, 0, false
	case sc.Times > 0 && c.fired >= sc.Times:
		return nil, 0, false
	case sc.Sequence && !sc.Loop && c.fired >= len(sc.Steps):
		return nil, 0, false
	case sc.Probability < 1 && st.rng.Float64() >= sc.Probability:
		return nil, 0, false
	}
	step := sc.Steps[c.fired%len(sc.Steps)]
	c.fired++
	d := step.DelayMin
	if step.DelayMax > step.DelayMin {
		d += time.Duration(st.rng.Int64N(int64(step.DelayMax-step.DelayMin) + 1))
	}
	return step, d, true
}

// sameDefinition reports whether b, loaded after a, defines the same
// scenario: the same one, or one compiled from the same definition (the
// same name and digest) by a later load.
func sameDefinition(a, b *Scenario) bool {
	return a == b || (a.digest != "" && a.digest == b.digest && a.Name == b.Name)
}

// activeList is a list of activated scenario names. Writers (the control
// API) replace it under a lock; readers (every request) load the current
// slice without locking or copying, so a request never waits on activation.
// A loaded slice is never modified.
type activeList struct {
	mu    sync.Mutex
	names atomic.Pointer[[]string]
}

func (a *activeList) load() []string {
	if p := a.names.Load(); p != nil {
		return *p
	}
	return nil
}

// update replaces the list with fn's result over a copy of it.
func (a *activeList) update(fn func([]string) []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	next := fn(slices.Clone(a.load()))
	a.names.Store(&next)
}

func (a *activeList) add(names []string) {
	a.update(func(l []string) []string { return appendNew(l, names) })
}

// remove drops names (all when none are given).
func (a *activeList) remove(names []string) {
	a.update(func(l []string) []string {
		if len(names) == 0 {
			return nil
		}
		return slices.DeleteFunc(l, func(n string) bool { return slices.Contains(names, n) })
	})
}

// keep drops the names for which ok is false.
func (a *activeList) keep(ok func(string) bool) {
	a.update(func(l []string) []string { return slices.DeleteFunc(l, func(n string) bool { return !ok(n) }) })
}

func appendNew(list, names []string) []string {
	for _, n := range names {
		if !slices.Contains(list, n) {
			list = append(list, n)
		}
	}
	return list
}

// splitList splits a comma-separated header value.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// headerList joins every value of a repeatable header into one list.
func headerList(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values(name) {
		out = append(out, splitList(v)...)
	}
	return out
}
