package session

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// remote is the registry's directory in the shared backend: which
// sessions exist, their generation, creation time, request count and last
// use, so that every replica sees the same sessions and one replica's
// reset, delete, expiry or eviction is every replica's. Layout (under the
// sandbox's prefix):
//
//	session:{NAME}  hash {gen, created (unix ms), requests, used (unix
//	              ms), coff, cfrz, cver}: the last three are its clock
//	              (clock.State: offset ns, frozen instant unix ns or 0,
//	              version), absent until moved. {NAME} is the session's
//	              hash tag, as in its Scope: a request's touch is one
//	              script in the session's own slot.
//	{g}:sessions  sorted set NAME → last use (unix ms), for listing,
//	              the cap's LRU eviction and expiry; a replica refreshes
//	              a session's score at most once a second (dirEvery), so
//	              it may lag the hash's own "used", which decisions read
//	{g}:sessions-evicted counter
//
// The directory spans sessions, so in a Redis Cluster it is in the
// sandbox-wide slot (state.GlobalTag), not the session's: creating, evicting and deleting a session write both, in two
// steps (a request racing an eviction may still be answered from the
// evicted generation, as if it had come just before).
//
// A generation is a random 53-bit number drawn by the replica that
// creates or resets the session, so a name never reuses an old
// generation's keys without a sandbox-wide counter.
//
// A session's states live under its Scope (NAME and generation); the
// Go *Session each replica keeps is a handle over them, replaced when the
// generation it holds is no longer the current one.
type remote struct {
	r                  *state.Redis
	zset, evictedKey   string
	hashStart, hashEnd string
}

// dirEvery is how often a replica refreshes a session's last use in the
// directory's sorted set (in the pipeline of a request's touch).
const dirEvery = time.Second

func (m *remote) hash(name string) string { return m.hashStart + name + m.hashEnd }

// Shared moves the registry's sessions into the shared backend (--state):
// call it before serving. The Default session is created there if no
// replica has created it yet.
func (r *Registry) Shared(rd *state.Redis) (*Registry, error) {
	r.remote = &remote{r: rd, zset: rd.Global("sessions"), evictedKey: rd.Global("sessions-evicted"),
		hashStart: rd.Key("session") + ":{", hashEnd: "}"}
	r.mu.Lock()
	delete(r.sessions, Default)
	r.mu.Unlock()
	res, err := r.remote.touch(context.Background(), Default, r.clock.Now(), 0, false, true, nil)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.sessions[Default] = r.handle(Default, res)
	r.mu.Unlock()
	return r, nil
}

// touchScript creates the session when missing (with generation ARGV[3]),
// counts a request when asked and marks the session used: one script in
// the session's slot per request. Its last value is "1" when it created
// the session.
var touchScript = redis.NewScript(`
local h = KEYS[1]
local now, count, newGen = ARGV[1], ARGV[2], ARGV[3]
local gen = redis.call('HGET', h, 'gen')
local made = '0'
if not gen then
  gen = newGen
  made = '1'
  redis.call('HSET', h, 'gen', gen, 'created', now, 'requests', 0)
end
local requests = redis.call('HGET', h, 'requests')
if count == '1' then requests = redis.call('HINCRBY', h, 'requests', 1) end
redis.call('HSET', h, 'used', now)
local v = redis.call('HMGET', h, 'created', 'coff', 'cfrz', 'cver')
return {gen, v[1], tostring(requests), v[2] or '0', v[3] or '0', v[4] or '0', made}
`)

// enterScript puts a new session in the directory and, past the cap,
// removes the least recently used one other than default and the new one
// from it, returning its name ("" when none).
var enterScript = redis.NewScript(`
local zset, evictedKey = KEYS[1], KEYS[2]
local name, now, max = ARGV[1], ARGV[2], tonumber(ARGV[3])
redis.call('ZADD', zset, now, name)
if max > 0 and redis.call('ZCARD', zset) > max then
  for _, n in ipairs(redis.call('ZRANGE', zset, 0, 2)) do
    if n ~= 'default' and n ~= name then
      redis.call('ZREM', zset, n)
      redis.call('INCR', evictedKey)
      return n
    end
  end
end
return ''
`)

// dropScript deletes a session's hash when its last use is before
// ARGV[1] ("+inf": whatever it is) and returns its generation; "" when
// it was used since, false when there is no such session.
var dropScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], 'gen')
if not old then return false end
if ARGV[1] ~= '+inf' and tonumber(redis.call('HGET', KEYS[1], 'used') or '0') >= tonumber(ARGV[1]) then return '' end
redis.call('DEL', KEYS[1])
return old
`)

// newGen draws a generation (see remote).
func newGen() uint64 { return rand.Uint64N(1<<53-1) + 1 }

// touched is a session's directory entry as a touch found or made it.
type touched struct {
	gen      uint64
	created  time.Time
	lastUsed time.Time
	requests uint64
	evicted  state.Scope // the session evicted to make room (zero: none)
	clock    clock.State // where its clock stands
	after    func(bool)  // the Prelude's, when one was queued
}

// touch marks the session used (creating it if needed), refreshing its
// directory score too when dir is set.
func (m *remote) touch(ctx context.Context, name string, now time.Time, max int, count, dir bool, pre func(redis.Pipeliner) func(bool)) (touched, error) {
	c := "0"
	if count {
		c = "1"
	}
	ms := now.UnixMilli()
	var res *redis.Cmd
	var after func(bool)
	for attempt := 0; ; attempt++ {
		_, _ = m.r.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
			res = touchScript.EvalSha(ctx, p, []string{m.hash(name)}, ms, c, newGen())
			if dir {
				p.ZAddGT(ctx, m.zset, redis.Z{Score: float64(ms), Member: name})
			}
			if pre != nil && attempt == 0 { // once: what it queued may have run (a trigger fired)
				after = pre(p)
			}
			return nil
		})
		// Only the touch's own reply decides here: what pre queued is its
		// caller's to read (and to do again on its own when it failed).
		if attempt > 0 || !redis.HasErrorPrefix(res.Err(), "NOSCRIPT") {
			break
		}
		if err := touchScript.Load(ctx, m.r.Client()).Err(); err != nil {
			break
		}
	}
	err := res.Err()
	if err = m.r.Check(err); err != nil {
		return touched{}, err
	}
	v, err := res.StringSlice()
	if err != nil || len(v) < 7 {
		return touched{}, m.r.Check(fmt.Errorf("session: touch answered %v: %w", res.Val(), err))
	}
	t := touched{gen: atou(v[0]), created: time.UnixMilli(int64(atou(v[1]))), lastUsed: now, requests: atou(v[2]),
		clock: clockState(v[3], v[4], v[5]), after: after}
	if v[6] == "1" {
		ev, err := enterScript.Run(ctx, m.r.Client(), []string{m.zset, m.evictedKey}, name, ms, max).Text()
		if err = m.r.Check(err); err != nil {
			return touched{}, err
		}
		if ev != "" {
			old, err := dropScript.Run(ctx, m.r.Client(), []string{m.hash(ev)}, "+inf").Text()
			if errors.Is(err, redis.Nil) {
				err = nil
			}
			if err = m.r.Check(err); err != nil {
				return touched{}, err
			}
			if old != "" {
				t.evicted = state.Scope{R: m.r, Session: ev, Gen: atou(old)}
			}
		}
	}
	return t, nil
}

func atou(s string) uint64 { n, _ := strconv.ParseUint(s, 10, 64); return n }

// handle returns the registry's handle for the session at t's generation:
// the cached one while its generation is current, else a new one (the old
// handle's states are released). The caller holds mu.
func (r *Registry) handle(name string, t touched) *Session {
	s, ok := r.sessions[name]
	if !ok || s.scope.Gen != t.gen {
		if ok {
			go release(s)
		}
		s = r.createIn(name, t.created, state.Scope{R: r.remote.r, Session: name, Gen: t.gen})
		r.sessions[name] = s
	}
	s.lastUsed.Store(t.lastUsed.UnixNano())
	s.requests.Store(t.requests)
	s.clock.Set(t.clock)
	return s
}

// getRemote is Get (count) or Touch in the shared mode. With pre, the
// reads pre queues for the session's cached handle go out in the touch's
// pipeline (one round trip for both); pre's callback learns whether that
// handle is the one returned.
func (r *Registry) getRemote(name string, count bool, pre Prelude) *Session {
	now := r.clock.Now()
	dir := true
	var q func(redis.Pipeliner) func(bool)
	r.mu.Lock()
	cached, ok := r.sessions[name]
	r.mu.Unlock()
	if ok {
		dir = now.UnixNano()-cached.dirAt.Load() >= int64(dirEvery)
		if pre != nil {
			q = func(p redis.Pipeliner) func(bool) { return pre(cached, p) }
		}
	}
	t, err := r.remote.touch(context.Background(), name, now, r.max, count, dir, q)
	if err != nil {
		r.remote.r.Must(err)
	}
	if t.evicted.Remote() {
		r.evicted.Add(1)
		r.forget(t.evicted.Session)
		go purge(t.evicted)
	}
	r.mu.Lock()
	s := r.handle(name, t)
	r.mu.Unlock()
	if dir {
		s.dirAt.Store(now.UnixNano())
	}
	if t.after != nil {
		t.after(s == cached)
	}
	return s
}

// Prelude queues, in the pipeline of a request's session touch, reads of
// session s's own state that the request is about to make (a scenario
// stage's begin): one round trip for both instead of two. It is called
// only in the shared mode, for a session this replica already holds, and
// returns a callback told whether s is the session the touch returned
// (false: the session was reset meanwhile, and what was queued read an
// old generation: the caller reads again on its own).
type Prelude func(s *Session, p state.Pipe) func(current bool)

// GetWith is Get with a Prelude (nil: Get).
func (r *Registry) GetWith(name string, pre Prelude) *Session {
	if r.remote == nil || pre == nil {
		return r.Get(name)
	}
	if name == "" {
		name = Default
	}
	return r.getRemote(name, true, pre)
}

// purge removes an old generation's keys in the background; a failure
// leaves keys no one reads (a later purge of the name does not find them,
// so they are logged by nobody: Redis memory is bounded by the live
// sessions' caps plus such rare leftovers).
func purge(sc state.Scope) { _ = sc.Purge(context.Background()) }

// forget drops a local handle (its session is gone from the directory).
func (r *Registry) forget(name string) {
	r.mu.Lock()
	s, ok := r.sessions[name]
	delete(r.sessions, name)
	r.mu.Unlock()
	if ok {
		release(s)
	}
}

// entry reads one session's directory entry without touching it.
func (m *remote) entry(name string) (touched, bool) {
	vals, err := m.r.Client().HMGet(context.Background(), m.hash(name), "gen", "created", "requests", "coff", "cfrz", "cver", "used").Result()
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	m.r.Must(err)
	if len(vals) < 7 || vals[0] == nil {
		return touched{}, false
	}
	str := func(v any) string { s, _ := v.(string); return s }
	return touched{gen: atou(str(vals[0])), created: time.UnixMilli(int64(atou(str(vals[1])))),
		requests: atou(str(vals[2])), lastUsed: time.UnixMilli(int64(atou(str(vals[6])))), clock: clockState(str(vals[3]), str(vals[4]), str(vals[5]))}, true
}

func (r *Registry) lookupRemote(name string) (*Session, bool) {
	t, ok := r.remote.entry(name)
	if !ok {
		r.forget(name)
		return nil, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.handle(name, t), true
}

// resetScript gives an existing session generation ARGV[3]; it returns
// the old generation, or nothing when there is no such session.
var resetScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], 'gen')
if not old then return false end
redis.call('HSET', KEYS[1], 'gen', ARGV[3], 'created', ARGV[2], 'requests', 0, 'used', ARGV[2])
redis.call('HDEL', KEYS[1], 'coff', 'cfrz', 'cver')
return old
`)

func (r *Registry) resetRemote(name string) bool {
	now := r.clock.Now()
	ctx := context.Background()
	old, err := resetScript.Run(ctx, r.remote.r.Client(), []string{r.remote.hash(name)}, name, now.UnixMilli(), newGen()).Text()
	if errors.Is(err, redis.Nil) {
		return false
	}
	r.remote.r.Must(err)
	r.remote.r.Must(r.remote.r.Client().ZAdd(ctx, r.remote.zset, redis.Z{Score: float64(now.UnixMilli()), Member: name}).Err())
	purge(state.Scope{R: r.remote.r, Session: name, Gen: atou(old)})
	if _, ok := r.lookupRemote(name); !ok {
		return false
	}
	return true
}

// deleteRemote deletes the session (when its last use is before cutoff,
// if cutoff is set) and purges its keys.
func (r *Registry) deleteRemote(name string, cutoff *time.Time) (bool, error) {
	limit := "+inf"
	if cutoff != nil {
		limit = strconv.FormatInt(cutoff.UnixMilli(), 10)
	}
	ctx := context.Background()
	old, err := dropScript.Run(ctx, r.remote.r.Client(), []string{r.remote.hash(name)}, limit).Text()
	gone := errors.Is(err, redis.Nil)
	if gone {
		err = nil
	}
	if err = r.remote.r.Check(err); err != nil || (!gone && old == "") {
		return false, err // used since cutoff: it stays
	}
	// Deleted, or already gone (a name left in the directory by a
	// refresh racing a delete): out of the directory too.
	if err = r.remote.r.Check(r.remote.r.Client().ZRem(ctx, r.remote.zset, name).Err()); err != nil || gone {
		return false, err
	}
	r.forget(name)
	purge(state.Scope{R: r.remote.r, Session: name, Gen: atou(old)})
	return true, nil
}

// expireRemote is ExpireIdle in the shared mode: any replica's janitor
// may expire a session; the script re-checks the last use, so a session
// used meanwhile on another replica stays.
func (r *Registry) expireRemote(ttl time.Duration) []string {
	cutoff := r.clock.Now().Add(-ttl)
	names, err := r.remote.r.Client().ZRangeArgs(context.Background(), redis.ZRangeArgs{Key: r.remote.zset, ByScore: true,
		Start: "-inf", Stop: "(" + strconv.FormatInt(cutoff.UnixMilli(), 10)}).Result()
	if r.remote.r.Check(err) != nil {
		return nil
	}
	var gone []string
	for _, n := range names {
		if n == Default {
			continue
		}
		if ok, err := r.deleteRemote(n, &cutoff); err != nil {
			break
		} else if ok {
			gone = append(gone, n)
		}
	}
	// Handles of sessions this replica has not served for ttl go too (the
	// session may live on in the directory, used on other replicas: a
	// later request here makes a new handle), so a replica's handles stay
	// bounded by what it serves.
	var idle []*Session
	r.mu.Lock()
	for name, s := range r.sessions {
		if name != Default && s.LastUsed().Before(cutoff) {
			delete(r.sessions, name)
			idle = append(idle, s)
		}
	}
	r.mu.Unlock()
	release(idle...)
	return gone
}

// listRemote is every session of the directory, sorted by name.
func (r *Registry) listRemote() []Info {
	ctx := context.Background()
	zs, err := r.remote.r.Client().ZRangeWithScores(ctx, r.remote.zset, 0, -1).Result()
	r.remote.r.Must(err)
	cmds := make([]*redis.SliceCmd, len(zs))
	_, err = r.remote.r.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, z := range zs {
			cmds[i] = p.HMGet(ctx, r.remote.hash(z.Member.(string)), "created", "requests", "used")
		}
		return nil
	})
	r.remote.r.Must(err)
	out := make([]Info, 0, len(zs))
	for i, z := range zs {
		v := cmds[i].Val()
		if len(v) < 3 || v[0] == nil {
			continue // deleted between the two reads
		}
		c, _ := v[0].(string)
		n, _ := v[1].(string)
		u, _ := v[2].(string)
		out = append(out, Info{Name: z.Member.(string), Created: time.UnixMilli(int64(atou(c))),
			LastUsed: time.UnixMilli(int64(atou(u))), Requests: atou(n)})
	}
	sortInfos(out)
	return out
}

// lenRemote is the number of sessions, or the last count seen while Redis
// does not answer (metrics are scraped without a request to abort).
func (r *Registry) lenRemote() int {
	n, err := r.remote.r.Client().ZCard(context.Background(), r.remote.zset).Result()
	if r.remote.r.Check(err) != nil {
		return int(r.lastLen.Load())
	}
	r.lastLen.Store(n)
	return int(n)
}

// evictedRemote counts every replica's evictions.
func (r *Registry) evictedRemote() uint64 {
	n, err := r.remote.r.Client().Get(context.Background(), r.remote.evictedKey).Uint64()
	if errors.Is(err, redis.Nil) {
		return 0
	}
	if r.remote.r.Check(err) != nil {
		return r.evicted.Load()
	}
	return n
}
