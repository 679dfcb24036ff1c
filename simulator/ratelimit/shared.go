package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// shared keeps a Limiter's windows in Redis, so that every replica of a
// sandbox counts into the same windows: one hash per key and window
// holding the window's start (s, n: Unix seconds and nanoseconds, as the
// injected clock told it) and its count (c). The Go value is a handle only:
// the scope and the spec's script arguments, both immutable.
type shared struct {
	sc state.Scope
	// args are the script's per-window arguments after the clock's two:
	// limit, size in nanoseconds, key expiry in milliseconds.
	args []any
}

// expiryGrace is how long a window's key outlives the window by Redis'
// own clock. The injected clock decides when a window ends (the script
// compares its time with the stored start); Redis' expiry only removes
// counters nobody reads any more, and the grace keeps it from removing a
// live one when the replicas' clocks disagree a little, or a test's fake
// clock runs slower than Redis'.
func expiryGrace(size time.Duration) time.Duration { return max(size, time.Minute) }

func newShared(spec Spec, sc state.Scope) *shared {
	args := make([]any, 0, 2+3*len(spec))
	args = append(args, "", "") // now: seconds, nanoseconds
	for _, w := range spec {
		ttl := w.Size + expiryGrace(w.Size)
		args = append(args, strconv.Itoa(w.Limit), strconv.FormatInt(int64(w.Size), 10),
			strconv.FormatInt(int64((ttl+time.Millisecond-1)/time.Millisecond), 10))
	}
	return &shared{sc: sc, args: args}
}

// allowScript is Limiter.Allow over Redis, atomically for all the key's
// windows: a window whose time is up (or that has no key) starts anew at
// the caller's now with count 0, and expires with it; a full window
// refuses the request, the one that blocks the longest being reported;
// only an allowed request counts, in every window. Times come from the
// caller's clock (ARGV[1] seconds, ARGV[2] nanoseconds) rather than Redis'
// TIME, so that a fake clock drives the windows as it does in memory; the
// elapsed time is computed from the seconds' difference first, which
// keeps it exact in a double for any window shorter than a hundred days.
//
// KEYS[i] is window i's hash; ARGV[3i..3i+2] its limit, size (ns) and key
// expiry (ms). It returns {hit, left}: the 0-based index of the window
// that refused and its nanoseconds left, or {-1, 0} when allowed.
var allowScript = redis.NewScript(`
local sec, nsec = tonumber(ARGV[1]), tonumber(ARGV[2])
local count = {}
local hit, left = -1, 0
for i = 1, #KEYS do
  local limit, size = tonumber(ARGV[3*i]), tonumber(ARGV[3*i+1])
  local v = redis.call('HMGET', KEYS[i], 's', 'n', 'c')
  local elapsed
  if v[1] then
    elapsed = (sec - tonumber(v[1])) * 1e9 + (nsec - tonumber(v[2]))
  end
  local c = tonumber(v[3])
  if not elapsed or elapsed >= size then
    redis.call('HSET', KEYS[i], 's', ARGV[1], 'n', ARGV[2], 'c', 0)
    redis.call('PEXPIRE', KEYS[i], ARGV[3*i+2])
    elapsed, c = 0, 0
  end
  if c >= limit then
    local l = size - elapsed
    if hit < 0 or l > left then
      hit, left = i - 1, l
    end
  end
end
if hit >= 0 then
  return {hit, left}
end
for i = 1, #KEYS do
  redis.call('HINCRBY', KEYS[i], 'c', 1)
end
return {-1, 0}
`)

// allowShared is Allow for a remote Scope: one round trip (the script),
// so two replicas counting the same key at once are serialized by Redis.
// A Redis that cannot answer aborts the request (state.Must).
func (l *Limiter) allowShared(key string, now time.Time) Decision {
	sh := l.shared
	keys := make([]string, len(l.spec))
	for i := range l.spec {
		keys[i] = sh.sc.Key("rl", key, strconv.Itoa(i))
	}
	args := make([]any, len(sh.args))
	copy(args, sh.args)
	args[0] = strconv.FormatInt(now.Unix(), 10)
	args[1] = strconv.Itoa(now.Nanosecond())
	res, err := allowScript.Run(context.Background(), sh.sc.R.Client(), keys, args...).Int64Slice()
	if err = sh.sc.R.Must(err); err != nil {
		// Not Redis being away (Must has aborted for that): the script
		// itself failed, a bug no answer should be built on.
		panic(fmt.Errorf("ratelimit: window script: %w", err))
	}
	if len(res) != 2 {
		panic(fmt.Errorf("ratelimit: window script answered %v", res))
	}
	if hit := int(res[0]); hit >= 0 {
		reset := time.Duration(res[1])
		return Decision{Limit: l.header(hit), Reset: int((reset + time.Second - 1) / time.Second)}
	}
	return Decision{Allowed: true}
}
