package scenario

import (
	"context"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// The shared mode (Options.State, NewStateIn): several replicas serve one
// sandbox, so every mutable piece of the engine lives in Redis and the Go
// objects are handles (keys and immutable configuration). Layout, under
// the sandbox's prefix for the engine and under a session's Scope for a
// State:
//
//	{g}:scenarios:global      list: globally active scenarios, in order
//	{g}:scenarios:global:seeded set once the --scenario list was applied
//	SCOPE scenarios:active    list: the session's active scenarios
//	SCOPE scenarios:counters  hash NAME → "DIGEST SEEN FIRED"
//	SCOPE scenarios:triggers  list: armed triggers "OPERATION ERROR", oldest first
//
// Every decision that counts is one Lua script, so two replicas count as
// one process would: a scenario with times: 3 fires three times whatever
// replicas the requests reach.

// remoteState is a State's keys in the shared backend.
type remoteState struct {
	sc       state.Scope
	active   string
	counters string
	triggers string
	// sameR: the engine's global list is in the same Redis, so one
	// script reads it together with the session's own.
	sameR bool
	// drawSeed names the session's draws: the engine seed, the session's
	// name (not its generation: a reset session replays the same draws).
	drawSeed string
}

// NewStateIn returns the scenario state of a new session in scope sc:
// held in sc's Redis when sc is remote (every replica's State for the
// session shares the same activations, counters and triggers), and
// exactly NewState for the zero Scope (the in-memory mode).
func (e *Engine) NewStateIn(sc state.Scope) *State {
	if !sc.Remote() {
		return e.NewState()
	}
	rs := &remoteState{sc: sc, active: sc.Key("scenarios", "active"), counters: sc.Key("scenarios", "counters"),
		triggers: sc.Key("scenarios", "triggers"), sameR: e.r == sc.R,
		drawSeed: strconv.FormatInt(e.seed, 10) + ":" + sc.Session}
	return &State{engine: e, rs: rs, shared: true}
}

// must aborts the request when Redis could not answer (Must) or answered
// with a script error: no decision is made from state that was not read.
func must(r *state.Redis, err error) error {
	err = r.Must(err)
	if err != nil && !errors.Is(err, redis.Nil) {
		state.Abort(&state.Unavailable{Addr: r.Addr(), Err: err})
	}
	return err
}

// addScript appends the names not in list KEYS[1] yet (activeList.add).
// With KEYS[2], it does so only the first time KEYS[2] is set: the
// --scenario list is applied once for the whole sandbox, not again by
// each replica that starts later (which would undo a deactivation).
var addScript = redis.NewScript(`
if KEYS[2] and redis.call('SETNX', KEYS[2], '1') == 0 then return 0 end
local have = {}
for _, n in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do have[n] = true end
for _, n in ipairs(ARGV) do
  if not have[n] then redis.call('RPUSH', KEYS[1], n); have[n] = true end
end
return 1
`)

// removeScript drops the names from list KEYS[1], or every name when none
// is given (activeList.remove).
var removeScript = redis.NewScript(`
if #ARGV == 0 then redis.call('DEL', KEYS[1]); return 1 end
for _, n in ipairs(ARGV) do redis.call('LREM', KEYS[1], 0, n) end
return 1
`)

func listAdd(r *state.Redis, key string, names []string) {
	must(r, addScript.Run(context.Background(), r.Client(), []string{key}, toArgs(names)...).Err())
}

func listRemove(r *state.Redis, key string, names []string) {
	must(r, removeScript.Run(context.Background(), r.Client(), []string{key}, toArgs(names)...).Err())
}

func listLoad(r *state.Redis, key string) []string {
	l, err := r.Client().LRange(context.Background(), key, 0, -1).Result()
	must(r, err)
	return l
}

func toArgs(names []string) []any {
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	return args
}

// seedGlobal applies the --scenario list to the shared global list, once
// for the sandbox (see addScript).
func (e *Engine) seedGlobal(names []string) error {
	err := addScript.Run(context.Background(), e.r.Client(), []string{e.globalKey, e.globalKey + ":seeded"}, toArgs(names)...).Err()
	return e.r.Check(err)
}

// pruneGlobal drops from the shared global list the scenarios set does not
// have (Replace). It runs on a reload, outside any request, so a Redis
// that cannot answer is left alone: reads skip unknown names anyway.
func (e *Engine) pruneGlobal(set *Set) {
	ctx := context.Background()
	l, err := e.r.Client().LRange(ctx, e.globalKey, 0, -1).Result()
	if e.r.Check(err) != nil {
		return
	}
	var gone []string
	for _, n := range l {
		if _, ok := set.Lookup(n); !ok {
			gone = append(gone, n)
		}
	}
	if len(gone) > 0 {
		_ = e.r.Check(removeScript.Run(ctx, e.r.Client(), []string{e.globalKey}, toArgs(gone)...).Err())
	}
}

// globalRemote lists the shared globally active scenarios the current
// catalog has (another replica may still be on an older catalog).
func (e *Engine) globalRemote() []string {
	set := e.Set()
	return slices.DeleteFunc(listLoad(e.r, e.globalKey), func(n string) bool { _, ok := set.Lookup(n); return !ok })
}

// globalList is the global list of a request: shared or in memory.
func (e *Engine) globalList() []string {
	if e.r != nil {
		return listLoad(e.r, e.globalKey)
	}
	return e.global.load()
}

// view is what a request needs of a session before matching: the trigger
// it fired, if any, and the active lists.
type view struct {
	trigger *Decision
	own     []string
	global  []string
}

// begin fires the trigger armed for operation, if any, and loads the
// active lists. In memory it is today's atomic loads; with a session in
// Redis it is one script (the global list too when it shares the Redis).
func (st *State) begin(operation string) view {
	if !st.shared {
		return view{trigger: st.fireTrigger(operation), own: st.active.load(), global: st.engine.global.load()}
	}
	if st.rs == nil { // a memory session of a shared engine
		if d := st.fireTrigger(operation); d != nil {
			return view{trigger: d}
		}
		return view{own: st.active.load(), global: st.engine.globalList()}
	}
	return st.rs.begin(st.engine, operation)
}

// lists loads the session's and the global active lists.
func (st *State) lists() (own, global []string) {
	switch {
	case !st.shared:
		return st.active.load(), st.engine.global.load()
	case st.rs == nil:
		return st.active.load(), st.engine.globalList()
	}
	v := st.rs.begin(st.engine, "")
	return v.own, v.global
}

// beginScript takes the oldest trigger of list KEYS[1] that ARGV[1]
// matches (opMatches), unless ARGV[1] is "" (no request: just the lists),
// and returns {trigger} or {"", the session's list KEYS[2]} (the global
// list is read beside it, in the same pipeline: it is in a slot of its
// own in a cluster).
var beginScript = redis.NewScript(`
local op = ARGV[1]
local function matches(p, id)
  if p == '' or p == '*' then return true end
  if string.sub(p, -2) == '.*' then
    local v = string.sub(p, 1, -2)
    return string.sub(id, 1, #v) == v
  end
  return p == id
end
if op ~= '' and redis.call('LLEN', KEYS[1]) > 0 then
  for i, t in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
    local p = string.match(t, '^(%S+) ')
    if p and matches(p, op) then
      redis.call('LSET', KEYS[1], i - 1, '')
      redis.call('LREM', KEYS[1], 1, '')
      return {t}
    end
  end
end
return {'', redis.call('LRANGE', KEYS[2], 0, -1)}
`)

// Prefetched is a request's begin (the trigger it fired, the active
// lists), read in the pipeline of the request's session touch
// (State.Prefetch, session.Prelude) instead of a round trip of its own.
type Prefetched struct {
	st *State
	op string
	v  view
}

// Prefetch queues in p the begin of a request for operation, for a
// session whose scenario state is in Redis, and returns the callback that
// reads it into *out once p ran, when current (the session is the one the
// request got) and the replies are there; otherwise *out stays nil and
// Decide reads on its own. Only for a request that names no scenario
// (X-Sandbox-Scenario): Decide then always reaches the begin, so a
// trigger fired here is always the request's.
func (st *State) Prefetch(p state.Pipe, operation string, out **Prefetched) func(current bool) {
	rs := st.rs
	if rs == nil || !rs.sameR {
		return func(bool) {}
	}
	ctx := context.Background()
	res := beginScript.EvalSha(ctx, p, []string{rs.triggers, rs.active}, operation)
	global := p.LRange(ctx, st.engine.globalKey, 0, -1)
	return func(current bool) {
		if !current || res.Err() != nil || (global.Err() != nil && !errors.Is(global.Err(), redis.Nil)) {
			if current && res.Err() == nil {
				// The trigger it may have fired is the request's: keep it
				// even though the global list must be read again.
				if v, ok := st.engine.beginView(res, nil); ok {
					*out = &Prefetched{st: st, op: operation, v: v}
				}
			}
			return
		}
		if v, ok := st.engine.beginView(res, global); ok {
			*out = &Prefetched{st: st, op: operation, v: v}
		}
	}
}

// beginView reads a begin's replies (global nil: a trigger only).
func (e *Engine) beginView(res *redis.Cmd, global *redis.StringSliceCmd) (view, bool) {
	l, err := res.Slice()
	if err != nil || len(l) == 0 {
		return view{}, false
	}
	if t, _ := l[0].(string); t != "" {
		// Fired (and taken from the list): the request's, whatever it
		// names (nothing, once the catalog no longer has its error).
		return view{trigger: e.triggerDecision(t)}, true
	}
	if global == nil || len(l) < 2 {
		return view{}, false
	}
	return view{own: strs(l[1]), global: global.Val()}, true
}

func (rs *remoteState) begin(e *Engine, operation string) view {
	ctx := context.Background()
	var res *redis.Cmd
	var global *redis.StringSliceCmd
	err := state.Piped(ctx, rs.sc.R.Client(), func(p redis.Pipeliner) {
		res = beginScript.EvalSha(ctx, p, []string{rs.triggers, rs.active}, operation)
		if rs.sameR { // the global list in the same pipeline (its own slot in a cluster)
			global = p.LRange(ctx, e.globalKey, 0, -1)
		}
	}, beginScript)
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	must(rs.sc.R, err)
	l, err := res.Slice()
	must(rs.sc.R, err)
	if t, _ := l[0].(string); t != "" {
		if d := e.triggerDecision(t); d != nil {
			return view{trigger: d}
		}
	}
	v := view{own: strs(l[1])}
	switch {
	case rs.sameR:
		v.global = global.Val()
	default:
		v.global = e.globalList()
	}
	return v
}

// strs converts a script's array reply of strings.
func strs(v any) []string {
	l, _ := v.([]any)
	if len(l) == 0 {
		return nil
	}
	out := make([]string, len(l))
	for i, s := range l {
		out[i], _ = s.(string)
	}
	return out
}

// fireScript is State.fire in one step for every replica: it counts a
// match of scenario ARGV[1] (definition digest ARGV[2]; a counter of
// another digest restarts from zero), applies after ARGV[3], times ARGV[4],
// the end of a non-looping sequence of ARGV[5] steps (ARGV[6] = "1") and
// probability ARGV[7], drawn from the sha1 of ARGV[8] and the match's
// number so that runs replay identically. It returns {step index or -1,
// seen}.
var fireScript = redis.NewScript(`
local name, digest = ARGV[1], ARGV[2]
local after, times, n = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local stopAtEnd, p = ARGV[6] == '1', tonumber(ARGV[7])
local seen, fired = 0, 0
local v = redis.call('HGET', KEYS[1], name)
if v then
  local d, s, f = string.match(v, '^(%S*) (%d+) (%d+)$')
  if d == digest then seen, fired = tonumber(s), tonumber(f) end
end
seen = seen + 1
local step = -1
if seen > after and not (times > 0 and fired >= times) and not (stopAtEnd and fired >= n) then
  local ok = true
  if p < 1 then
    local h = redis.sha1hex(ARGV[8] .. ':' .. name .. ':' .. seen)
    ok = tonumber(string.sub(h, 1, 13), 16) / 4503599627370496 < p
  end
  if ok then
    step = fired % n
    fired = fired + 1
  end
end
redis.call('HSET', KEYS[1], name, digest .. ' ' .. seen .. ' ' .. fired)
return {step, seen}
`)

// fire is State.fire for a session in Redis; the delay is drawn from the
// match's number as the probability is, so it replays identically too.
func (rs *remoteState) fire(sc *Scenario) (*Step, time.Duration, bool) {
	seqStop := "0"
	if sc.Sequence && !sc.Loop {
		seqStop = "1"
	}
	res, err := fireScript.Run(context.Background(), rs.sc.R.Client(), []string{rs.counters},
		sc.Name, sc.digest, sc.After, sc.Times, len(sc.Steps), seqStop,
		strconv.FormatFloat(sc.Probability, 'g', -1, 64), rs.drawSeed).Int64Slice()
	must(rs.sc.R, err)
	if len(res) != 2 || res[0] < 0 || int(res[0]) >= len(sc.Steps) {
		return nil, 0, false
	}
	step := sc.Steps[res[0]]
	d := step.DelayMin
	if step.DelayMax > step.DelayMin {
		h := fnv.New64a()
		h.Write([]byte(rs.drawSeed + ":" + sc.Name))
		d += time.Duration(rand.New(rand.NewPCG(h.Sum64(), uint64(res[1]))).Int64N(int64(step.DelayMax-step.DelayMin) + 1))
	}
	return step, d, true
}

// counterList reads the session's counters (State.Counters).
func (rs *remoteState) counterList() []Counter {
	m, err := rs.sc.R.Client().HGetAll(context.Background(), rs.counters).Result()
	must(rs.sc.R, err)
	out := make([]Counter, 0, len(m))
	for name, v := range m {
		f := strings.Fields(v)
		if len(f) == 2 { // a scenario without a digest: "" then the counts
			f = append([]string{""}, f...)
		}
		if len(f) != 3 {
			continue
		}
		seen, _ := strconv.Atoi(f[1])
		fired, _ := strconv.Atoi(f[2])
		out = append(out, Counter{Scenario: name, Seen: seen, Fired: fired})
	}
	return out
}

// armScript appends trigger ARGV[1] to list KEYS[1] unless ARGV[2] are
// armed already (nil then), and returns the list.
var armScript = redis.NewScript(`
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[2]) then return false end
redis.call('RPUSH', KEYS[1], ARGV[1])
return redis.call('LRANGE', KEYS[1], 0, -1)
`)

// arm is State.Arm for a session in Redis.
func (rs *remoteState) arm(a armed) ([]Trigger, error) {
	l, err := armScript.Run(context.Background(), rs.sc.R.Client(), []string{rs.triggers},
		a.Operation+" "+a.Error, MaxTriggers).StringSlice()
	if errors.Is(must(rs.sc.R, err), redis.Nil) {
		return nil, ErrTooManyTriggers
	}
	return parseTriggers(l), nil
}

func (rs *remoteState) armed() []Trigger {
	l, err := rs.sc.R.Client().LRange(context.Background(), rs.triggers, 0, -1).Result()
	must(rs.sc.R, err)
	return parseTriggers(l)
}

func (rs *remoteState) disarm() {
	must(rs.sc.R, rs.sc.R.Client().Del(context.Background(), rs.triggers).Err())
}

// parseTriggers reads stored triggers ("OPERATION ERROR").
func parseTriggers(l []string) []Trigger {
	out := make([]Trigger, 0, len(l))
	for _, s := range l {
		if op, e, ok := strings.Cut(s, " "); ok {
			out = append(out, Trigger{Error: e, Operation: op})
		}
	}
	return out
}

// triggerDecision renders a stored trigger the script took.
func (e *Engine) triggerDecision(s string) *Decision {
	op, name, _ := strings.Cut(s, " ")
	a, err := e.checkTrigger(Trigger{Error: name, Operation: op})
	if err != nil {
		return nil // armed by a replica with another vocabulary: answer normally
	}
	return &Decision{Scenario: TriggerPrefix + a.Error, Step: a.step}
}
