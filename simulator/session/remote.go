package session

import (
	"context"
	"errors"
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
//	session:NAME  hash {gen, created (unix ms), requests, coff, cfrz,
//	              cver}: the last three are its clock (clock.State:
//	              offset ns, frozen instant unix ns or 0, version),
//	              absent until moved
//	sessions      sorted set NAME → last use (unix ms)
//	session-gen   counter: a new or reset session takes the next value,
//	              so a name never reuses an old generation's keys
//	sessions-evicted counter
//
// A session's states live under its Scope (NAME and generation); the
// Go *Session each replica keeps is a handle over them, replaced when the
// generation it holds is no longer the current one.
type remote struct {
	r                                   *state.Redis
	zset, genKey, evictedKey, hashStart string
}

// Shared moves the registry's sessions into the shared backend (--state):
// call it before serving. The Default session is created there if no
// replica has created it yet.
func (r *Registry) Shared(rd *state.Redis) (*Registry, error) {
	r.remote = &remote{r: rd, zset: rd.Key("sessions"), genKey: rd.Key("session-gen"),
		evictedKey: rd.Key("sessions-evicted"), hashStart: rd.Key("session") + ":"}
	r.mu.Lock()
	delete(r.sessions, Default)
	r.mu.Unlock()
	res, err := r.remote.touch(Default, r.clock.Now(), 0, false)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.sessions[Default] = r.handle(Default, res)
	r.mu.Unlock()
	return r, nil
}

// touchScript creates the session when missing (evicting the least
// recently used one other than default past the cap), counts a request
// when asked and marks the session used: one round trip per request.
var touchScript = redis.NewScript(`
local h, zset, genKey, evictedKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local name, now, max, count, hashStart = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local gen = redis.call('HGET', h, 'gen')
local evName, evGen = '', ''
if not gen then
  if max > 0 and redis.call('ZCARD', zset) >= max then
    for _, n in ipairs(redis.call('ZRANGE', zset, 0, 1)) do
      if n ~= 'default' then
        evName = n
        evGen = redis.call('HGET', hashStart .. n, 'gen') or ''
        redis.call('ZREM', zset, n)
        redis.call('DEL', hashStart .. n)
        redis.call('INCR', evictedKey)
        break
      end
    end
  end
  gen = tostring(redis.call('INCR', genKey))
  redis.call('HSET', h, 'gen', gen, 'created', now, 'requests', 0)
end
local requests = redis.call('HGET', h, 'requests')
if count == '1' then requests = redis.call('HINCRBY', h, 'requests', 1) end
redis.call('ZADD', zset, now, name)
return {gen, redis.call('HGET', h, 'created'), tostring(requests), evName, evGen,
  redis.call('HGET', h, 'coff') or '0', redis.call('HGET', h, 'cfrz') or '0', redis.call('HGET', h, 'cver') or '0'}
`)

// touched is a session's directory entry as a touch found or made it.
type touched struct {
	gen      uint64
	created  time.Time
	lastUsed time.Time
	requests uint64
	evicted  state.Scope // the session evicted to make room (zero: none)
	clock    clock.State // where its clock stands
}

func (m *remote) touch(name string, now time.Time, max int, count bool) (touched, error) {
	c := "0"
	if count {
		c = "1"
	}
	v, err := touchScript.Run(context.Background(), m.r.Client(), []string{m.hashStart + name, m.zset, m.genKey, m.evictedKey},
		name, now.UnixMilli(), max, c, m.hashStart).StringSlice()
	if err = m.r.Check(err); err != nil {
		return touched{}, err
	}
	t := touched{gen: atou(v[0]), created: time.UnixMilli(int64(atou(v[1]))), lastUsed: now, requests: atou(v[2]),
		clock: clockState(v[5], v[6], v[7])}
	if v[3] != "" {
		t.evicted = state.Scope{R: m.r, Session: v[3], Gen: atou(v[4])}
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

// getRemote is Get (count) or Touch in the shared mode.
func (r *Registry) getRemote(name string, count bool) *Session {
	t, err := r.remote.touch(name, r.clock.Now(), r.max, count)
	if err != nil {
		r.remote.r.Must(err)
	}
	if t.evicted.Remote() {
		r.evicted.Add(1)
		r.forget(t.evicted.Session)
		go purge(t.evicted)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.handle(name, t)
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
	ctx := context.Background()
	var h *redis.SliceCmd
	var score *redis.FloatCmd
	_, err := m.r.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
		h = p.HMGet(ctx, m.hashStart+name, "gen", "created", "requests", "coff", "cfrz", "cver")
		score = p.ZScore(ctx, m.zset, name)
		return nil
	})
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	m.r.Must(err)
	vals := h.Val()
	if len(vals) < 6 || vals[0] == nil {
		return touched{}, false
	}
	str := func(v any) string { s, _ := v.(string); return s }
	return touched{gen: atou(str(vals[0])), created: time.UnixMilli(int64(atou(str(vals[1])))),
		requests: atou(str(vals[2])), lastUsed: time.UnixMilli(int64(score.Val())), clock: clockState(str(vals[3]), str(vals[4]), str(vals[5]))}, true
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

// resetScript gives an existing session a new generation; it returns the
// old generation, or nothing when there is no such session.
var resetScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], 'gen')
if not old then return false end
local gen = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'gen', gen, 'created', ARGV[2], 'requests', 0)
redis.call('HDEL', KEYS[1], 'coff', 'cfrz', 'cver')
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return old
`)

// deleteScript removes a session whose last use is before ARGV[2] (any
// last use for "+inf"); it returns the old generation or nothing.
var deleteScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], 'gen')
if not old then return false end
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if ARGV[2] ~= '+inf' and score and tonumber(score) >= tonumber(ARGV[2]) then return false end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return old
`)

func (r *Registry) resetRemote(name string) bool {
	now := r.clock.Now()
	old, err := resetScript.Run(context.Background(), r.remote.r.Client(), []string{r.remote.hashStart + name, r.remote.zset, r.remote.genKey},
		name, now.UnixMilli()).Text()
	if errors.Is(err, redis.Nil) {
		return false
	}
	r.remote.r.Must(err)
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
	old, err := deleteScript.Run(context.Background(), r.remote.r.Client(), []string{r.remote.hashStart + name, r.remote.zset}, name, limit).Text()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err = r.remote.r.Check(err); err != nil {
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
			cmds[i] = p.HMGet(ctx, r.remote.hashStart+z.Member.(string), "created", "requests")
		}
		return nil
	})
	r.remote.r.Must(err)
	out := make([]Info, 0, len(zs))
	for i, z := range zs {
		v := cmds[i].Val()
		if len(v) < 2 || v[0] == nil {
			continue // deleted between the two reads
		}
		c, _ := v[0].(string)
		n, _ := v[1].(string)
		out = append(out, Info{Name: z.Member.(string), Created: time.UnixMilli(int64(atou(c))),
			LastUsed: time.UnixMilli(int64(z.Score)), Requests: atou(n)})
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
