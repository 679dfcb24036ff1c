package journal

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// remote is the Redis mode of a Journal: the session's entries and
// counters live under its Scope, so every replica serving the session
// reads and appends the same journal, and a restart loses none of it. The
// Go value holds only key names: any number of handles on one Scope (one
// per replica) are the same journal.
//
// The entries are a list, oldest first, of encoded entries (codec.go);
// the counters are a hash: seq (the last Seq drawn) and dropped. Only the
// add script appends, always the Seq it drew, and entries leave from the
// head only (trim) or all at once (Clear), so the list holds consecutive
// Seqs ending at seq. Reads use that to fetch only what a cursor (After)
// or a bare Limit asks for.
type remote struct {
	r       *state.Redis
	entries string // the list of encoded entries
	counts  string // the hash of seq and dropped
}

func newRemote(sc state.Scope) *remote {
	return &remote{r: sc.R, entries: sc.Key("journal"), counts: sc.Key("journal", "counts")}
}

// readScript answers a read in one consistent snapshot: the last Seq, the
// dropped count, how many held entries have a Seq above ARGV[1] (at most
// ARGV[2] of them when it is positive: the newest) and, unless ARGV[3] is
// "1" (count only), those entries oldest first.
// KEYS: entries, counts. It returns {last, dropped, count[, entries]}.
var readScript = redis.NewScript(`
local c = redis.call('HMGET', KEYS[2], 'seq', 'dropped')
local last = tonumber(c[1]) or 0
local dropped = tonumber(c[2]) or 0
local n = redis.call('LLEN', KEYS[1])
local want = math.min(n, last - tonumber(ARGV[1]))
local tail = tonumber(ARGV[2])
if tail > 0 and tail < want then
	want = tail
end
if want <= 0 then
	return {last, dropped, 0}
end
if ARGV[3] == '1' then
	return {last, dropped, want}
end
return {last, dropped, want, redis.call('LRANGE', KEYS[1], n - want, -1)}
`)

// must aborts the request when Redis could not answer (state.Abort, a
// sandbox 503) and returns whether the key or field existed. Any other
// error is a bug (a script or key of the wrong type) and panics.
func (r *remote) must(err error) bool {
	err = r.r.Must(err)
	switch {
	case err == nil:
		return true
	case errors.Is(err, redis.Nil):
		return false
	}
	panic(fmt.Errorf("journal: redis: %w", err))
}

// entry is e as the shared write script appends it (state.WriteScript
// draws the Seq, appends and trims to the capacity, atomically against
// every other replica's adds, reads and clears).
func (r *remote) entry(e Entry, capacity int) *state.Append {
	s := newStored(e)
	return &state.Append{List: r.entries, Counts: r.counts, Entry: encodeEntry(&s), Cap: capacity}
}

func (r *remote) add(e Entry, capacity int) (seq uint64, dropped bool) {
	done, err := state.RunAppend(context.Background(), r.r, r.entry(e, capacity))
	r.must(err)
	return done.Seq, done.Dropped > 0
}

// snapshot is readScript's answer.
type snapshot struct {
	last, dropped uint64
	count         int
	entries       []any // strings, oldest first
}

// read runs readScript for the entries after the cursor, the newest tail
// of them when tail > 0, without the entries themselves when countOnly.
func (r *remote) read(after uint64, tail int, countOnly bool) snapshot {
	only := "0"
	if countOnly {
		only = "1"
	}
	res, err := readScript.Run(context.Background(), r.r.Client(), []string{r.entries, r.counts}, after, tail, only).Slice()
	r.must(err)
	var s snapshot
	if len(res) < 3 {
		panic(fmt.Errorf("journal: redis: read answered %v", res))
	}
	last, _ := res[0].(int64)
	dropped, _ := res[1].(int64)
	count, _ := res[2].(int64)
	s.last, s.dropped, s.count = uint64(last), uint64(dropped), int(count)
	if len(res) > 3 {
		s.entries, _ = res[3].([]any)
	}
	return s
}

// cursorOnly reports whether f selects by After and Limit alone, which
// the read script can answer without sending the other entries.
func (f Filter) cursorOnly() bool {
	f.After, f.Limit = 0, 0
	return f == Filter{}
}

// matching decodes the entries after f's cursor and keeps those f matches
// (all of them when f.Limit is 0, else the newest f.Limit), with the
// dropped count of the same snapshot. An entry this build cannot decode
// (written by a newer one) is left out.
func (r *remote) matching(f Filter) ([]stored, uint64) {
	tail := 0
	if f.cursorOnly() {
		tail = f.Limit
	}
	snap := r.read(f.After, tail, false)
	out := make([]stored, 0, len(snap.entries))
	for _, v := range snap.entries {
		str, _ := v.(string)
		s, err := decodeEntry(str)
		if err == nil && f.Match(&s.Entry) {
			out = append(out, s)
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out, snap.dropped
}

func (r *remote) entriesOf(f Filter) []Entry {
	matched, _ := r.matching(f)
	out := make([]Entry, len(matched))
	for i := range matched {
		out[i] = matched[i].full()
	}
	return out
}

// count is Count and Verify's: how many entries match f (capped at
// f.Limit when positive) and the dropped count, from one snapshot. A
// filter of only a cursor is counted in Redis, no entry sent.
func (r *remote) count(f Filter) (int, uint64) {
	if f.cursorOnly() {
		snap := r.read(f.After, f.Limit, true)
		return snap.count, snap.dropped
	}
	matched, dropped := r.matching(f)
	return len(matched), dropped
}

// counter reads one field of the counts hash (0 when absent).
func (r *remote) counter(field string) uint64 {
	n, err := r.r.Client().HGet(context.Background(), r.counts, field).Uint64()
	if !r.must(err) {
		return 0
	}
	return n
}

func (r *remote) len() int {
	n, err := r.r.Client().LLen(context.Background(), r.entries).Result()
	r.must(err)
	return int(n)
}

// clearScript forgets the entries and the dropped count at once; seq
// stays, so Seq never repeats. KEYS: entries, counts.
var clearScript = redis.NewScript(`
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], 'dropped')
return 1
`)

func (r *remote) clear() {
	r.must(clearScript.Run(context.Background(), r.r.Client(), []string{r.entries, r.counts}).Err())
}
