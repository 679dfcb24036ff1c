package weavr

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// token is a logged-in root user's auth token. Weavr tokens are valid for
// 5 minutes from last activity (loginWithPassword's description).
type token struct {
	consumerID  string
	programmeID string
	lastUsed    time.Time
	// ttl is the token's own idle lifetime (an access token's,
	// requestAccessToken); zero means the lifetime use is told (an auth
	// token's, Settings.TokenTTL).
	ttl time.Duration
	// family ties an auth token to the access tokens acquired with it:
	// logging out with any of them ends them all. A random id, never the
	// token itself.
	family string
	// access marks an access token (requestAccessToken), else an auth
	// token (a login, a password create, update or reset).
	access bool
	// steppedUp marks a token a verified step-up challenge stepped up
	// (stepupSCAVerify): Weavr's STEPPED_UP token status.
	steppedUp bool
}

func newTokenValue() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// tokens are one session's auth tokens: in byVal for the zero Scope, else
// in Redis under sc (see the shared methods below), where the Go value is
// only a handle and every replica sees every token.
type tokens struct {
	sc state.Scope

	mu    sync.Mutex
	byVal map[string]*token

	owners owners // Redis mode: token value → consumer, for prefetches
}

// newTokens makes a session's token store under sc.
func newTokens(sc state.Scope) *tokens {
	if sc.Remote() {
		return &tokens{sc: sc}
	}
	return &tokens{byVal: map[string]*token{}}
}

// issue creates an auth token for the consumer, the first of a new
// family.
func (ts *tokens) issue(consumerID, programmeID string, now time.Time) string {
	return ts.add(token{consumerID: consumerID, programmeID: programmeID, lastUsed: now, family: newTokenValue()[:16]})
}

// add stores t under a new token value and returns the value.
func (ts *tokens) add(t token) string {
	v := newTokenValue()
	if ts.sc.Remote() {
		ts.issueShared(v, t)
		ts.owners.learn(v, t.consumerID)
		return v
	}
	ts.mu.Lock()
	ts.byVal[v] = &t
	ts.mu.Unlock()
	return v
}

// use returns the token's owner and marks it used, or false if the token is
// unknown or idle for longer than ttl (an expired token is forgotten).
func (ts *tokens) use(value string, now time.Time, ttl time.Duration) (token, bool) {
	if ts.sc.Remote() {
		return ts.useShared(value, now, ttl)
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.byVal[value]
	if !ok {
		return token{}, false
	}
	if t.ttl > 0 {
		ttl = t.ttl
	}
	if now.Sub(t.lastUsed) > ttl {
		delete(ts.byVal, value)
		return token{}, false
	}
	t.lastUsed = now
	return *t, true
}

// peek returns the token's owner without marking it used (a scenario's
// target), expired or not.
func (ts *tokens) peek(value string) (token, bool) {
	if ts.sc.Remote() {
		return ts.peekShared(value)
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.byVal[value]
	if !ok {
		return token{}, false
	}
	return *t, true
}

// revoke forgets a token (logout): later calls with it are 401.
func (ts *tokens) revoke(value string) {
	if ts.sc.Remote() {
		ts.must(ts.sc.R.Client().Del(context.Background(), ts.key(value)).Err())
		return
	}
	ts.mu.Lock()
	delete(ts.byVal, value)
	ts.mu.Unlock()
}

// revokeConsumer forgets every token of a consumer (deactivation): they
// stay refused after the consumer is activated again, which needs a new
// login, as a deactivated user's sessions end on Weavr.
func (ts *tokens) revokeConsumer(id string) {
	if ts.sc.Remote() {
		ts.must(revokeConsumerScript.Run(context.Background(), ts.sc.R.Client(), []string{ts.ownerKey(id)}).Err())
		return
	}
	ts.mu.Lock()
	for v, t := range ts.byVal {
		if t.consumerID == id {
			delete(ts.byVal, v)
		}
	}
	ts.mu.Unlock()
}

// In Redis a token is the hash at key(value): its owner (c: consumer id,
// p: programme id) and its last use (s, n: Unix seconds and nanoseconds by
// the injected clock, which decides idleness, as in memory). Each consumer
// has the set ownerKey(id) of its tokens' keys, for revokeConsumer. Redis'
// own expiry only removes tokens nobody can use any more: it is set
// generously (expiryAfter) so that replicas whose clocks differ a little,
// or a test's fake clock, never lose a live token to it.

// issueExpiry is how long a token that is never used stays in Redis after
// its login: issue does not know the TTL (use is told it), so this is the
// bound on a dead token's life until its first use slides it.
const issueExpiry = 24 * time.Hour

// expiryAfter is the Redis expiry a token gets when it is used: its idle
// TTL plus as much again (at least a minute) of grace.
func expiryAfter(ttl time.Duration) time.Duration { return ttl + max(ttl, time.Minute) }

func (ts *tokens) key(value string) string   { return ts.sc.Key("token", value) }
func (ts *tokens) ownerKey(id string) string { return ts.sc.Key("consumer-tokens", id) }

func millis(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Millisecond-1)/time.Millisecond), 10)
}

// must aborts the request when Redis cannot answer (state.Must) and
// returns whether the reply is "no such token" (redis.Nil); any other
// error is a script's bug, which no answer may be built on.
func (ts *tokens) must(err error) (missing bool) {
	err = ts.sc.R.Must(err)
	switch {
	case err == nil:
		return false
	case errors.Is(err, redis.Nil):
		return true
	default:
		panic(fmt.Errorf("weavr tokens: %w", err))
	}
}

// issueScript stores a token (KEYS[1]) with its Redis expiry and adds it
// to its consumer's set (KEYS[2]), first dropping the set's members whose
// tokens are gone (expired, used after their TTL, revoked), so the set
// holds no more than the consumer's live tokens and this one.
// ARGV: consumer id, programme id, seconds, nanoseconds, expiry (ms),
// own TTL (ns, 0 for none), family, access and stepped up ("1" or "0").
var issueScript = redis.NewScript(`
local m = redis.call('SMEMBERS', KEYS[2])
for i = 1, #m do
  if redis.call('EXISTS', m[i]) == 0 then
    redis.call('SREM', KEYS[2], m[i])
  end
end
redis.call('HSET', KEYS[1], 'c', ARGV[1], 'p', ARGV[2], 's', ARGV[3], 'n', ARGV[4], 't', ARGV[6], 'f', ARGV[7], 'a', ARGV[8], 'u', ARGV[9])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('SADD', KEYS[2], KEYS[1])
return 1
`)

// useScript is use: the token's owner, its last use moved to now and its
// Redis expiry slid; or nil, the token deleted, when it has been idle for
// longer than the TTL; or nil for an unknown token. The idle time is
// computed from the seconds' difference first, exact in a double for any
// idleness under a hundred days.
// A token's own TTL (field t, when not 0) replaces the one given, and its
// Redis expiry is then derived from it.
// ARGV: seconds, nanoseconds, TTL (ns), expiry (ms), grace (ms: the
// expiry beyond an own TTL).
var useScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'c', 'p', 's', 'n', 't', 'f', 'a', 'u')
if not v[1] then
  return false
end
local ttl, expiry = tonumber(ARGV[3]), ARGV[4]
local own = tonumber(v[5] or '0')
if own > 0 then
  ttl = own
  expiry = tostring(math.floor(own / 1e6) + tonumber(ARGV[5]))
end
local idle = (tonumber(ARGV[1]) - tonumber(v[3])) * 1e9 + (tonumber(ARGV[2]) - tonumber(v[4]))
if idle > ttl then
  redis.call('DEL', KEYS[1])
  return false
end
redis.call('HSET', KEYS[1], 's', ARGV[1], 'n', ARGV[2])
redis.call('PEXPIRE', KEYS[1], expiry)
return {v[1], v[2], v[5] or '0', v[6] or '', v[7] or '0', v[8] or '0'}
`)

// revokeConsumerScript deletes every token in the consumer's set
// (KEYS[1]) and the set, at once: a login racing it on another replica
// lands wholly before (and is revoked) or after (and lives).
var revokeConsumerScript = redis.NewScript(`
local m = redis.call('SMEMBERS', KEYS[1])
for i = 1, #m do
  redis.call('DEL', m[i])
end
redis.call('DEL', KEYS[1])
return #m
`)

func (ts *tokens) issueShared(value string, t token) {
	ts.must(issueScript.Run(context.Background(), ts.sc.R.Client(),
		[]string{ts.key(value), ts.ownerKey(t.consumerID)},
		t.consumerID, t.programmeID, strconv.FormatInt(t.lastUsed.Unix(), 10), strconv.Itoa(t.lastUsed.Nanosecond()), millis(issueExpiry),
		strconv.FormatInt(int64(t.ttl), 10), t.family, redisBool(t.access), redisBool(t.steppedUp)).Err())
}

// redisBool is a boolean as a Redis hash field ("1" or "0").
func redisBool(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (ts *tokens) useShared(value string, now time.Time, ttl time.Duration) (token, bool) {
	res, err := useScript.Run(context.Background(), ts.sc.R.Client(), []string{ts.key(value)}, useArgs(now, ttl)...).StringSlice()
	if ts.must(err) {
		return token{}, false
	}
	if len(res) != 6 {
		panic(fmt.Errorf("weavr tokens: use answered %q", res))
	}
	own, _ := strconv.ParseInt(res[2], 10, 64)
	return token{consumerID: res[0], programmeID: res[1], lastUsed: now, ttl: time.Duration(own),
		family: res[3], access: res[4] == "1", steppedUp: res[5] == "1"}, true
}

// useArgs are useScript's ARGV for a use at now with the lifetime ttl.
func useArgs(now time.Time, ttl time.Duration) []any {
	return []any{strconv.FormatInt(now.Unix(), 10), strconv.Itoa(now.Nanosecond()), strconv.FormatInt(int64(ttl), 10), millis(expiryAfter(ttl)),
		millis(max(ttl, time.Minute))}
}

func (ts *tokens) peekShared(value string) (token, bool) {
	v, err := ts.sc.R.Client().HMGet(context.Background(), ts.key(value), tokenFields...).Result()
	ts.must(err)
	return decodeToken(v)
}

// tokenFields are a token hash's fields, as decodeToken reads them.
var tokenFields = []string{"c", "p", "s", "n", "t", "f", "a", "u"}

// decodeToken reads a token hash's tokenFields (false: no such token).
func decodeToken(v []any) (token, bool) {
	c, ok1 := v[0].(string)
	p, ok2 := v[1].(string)
	sec, err1 := strconv.ParseInt(str(v[2]), 10, 64)
	nsec, err2 := strconv.ParseInt(str(v[3]), 10, 64)
	if !ok1 || !ok2 || err1 != nil || err2 != nil {
		return token{}, false
	}
	own, _ := strconv.ParseInt(str(v[4]), 10, 64)
	return token{consumerID: c, programmeID: p, lastUsed: time.Unix(sec, nsec), ttl: time.Duration(own),
		family: str(v[5]), access: str(v[6]) == "1", steppedUp: str(v[7]) == "1"}, true
}

// str is an HMGET field as a string ("" when absent).
func str(v any) string {
	s, _ := v.(string)
	return s
}
