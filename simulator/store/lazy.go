package store

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// lazy is the part of a remote overlay one operation has read: only the
// fields it needs (the record, the index entries it looks up or writes,
// the records those name), fetched as the operation asks for them and
// decoded into one layer. What it read is what its commit checks, so two
// writers conflict only when they touch the same record or index entry:
// a session's PATCHes of different consumers commit side by side, while
// two creates of one email, or two changes counted in one record, still
// serialise exactly.
type lazy[K comparable, V any] struct {
	r   *remote[K, V]
	l   *layer[K, V]
	got map[string]*string // field → value read (nil: absent)
}

func (r *remote[K, V]) lazy() *lazy[K, V] {
	return &lazy[K, V]{r: r, l: &layer[K, V]{}, got: map[string]*string{}}
}

// fetch reads the fields not read yet, in one round trip.
func (z *lazy[K, V]) fetch(fields ...string) {
	var need []string
	for _, f := range fields {
		if _, ok := z.got[f]; !ok && !slices.Contains(need, f) {
			need = append(need, f)
		}
	}
	if len(need) == 0 {
		return
	}
	vals, err := z.r.r.Client().HMGet(context.Background(), z.r.key, need...).Result()
	z.r.r.Must(err)
	present := map[string]string{}
	for i, f := range need {
		if s, ok := vals[i].(string); ok {
			z.got[f] = &s
			present[f] = s
		} else {
			z.got[f] = nil
		}
	}
	z.merge(present)
}

// merge decodes fields read into the layer.
func (z *lazy[K, V]) merge(present map[string]string) {
	part, err := z.r.decode(present)
	if err != nil {
		panic(err.Error()) // state this build cannot read
	}
	for k, v := range part.over {
		if z.l.over == nil {
			z.l.over = map[K]V{}
		}
		z.l.over[k] = v
	}
	for name, idx := range part.overIdx {
		if z.l.overIdx == nil {
			z.l.overIdx = map[string]map[string][]K{}
		}
		if z.l.overIdx[name] == nil {
			z.l.overIdx[name] = map[string][]K{}
		}
		for ik, keys := range idx {
			z.l.overIdx[name][ik] = keys
		}
	}
}

func (z *lazy[K, V]) recordField(k K) string { return fieldRecord + z.r.codec.FormatKey(k) }

func indexField(index, key string) string { return fieldIndex + index + "\x00" + key }

// get makes record k readable in the layer.
func (z *lazy[K, V]) get(k K) { z.fetch(z.recordField(k)) }

// lookupScript reads an index entry and, in the same round trip, every
// record field it names plus the fields in ARGV[2..] (the Base's
// candidates, which the overlay may have changed): pairs of field and
// value, false for an absent one, the entry first.
var lookupScript = redis.NewScript(`
local out = {ARGV[1], redis.call('HGET', KEYS[1], ARGV[1])}
local seen = {}
local function add(f)
  if not seen[f] then
    seen[f] = true
    out[#out + 1] = f
    out[#out + 1] = redis.call('HGET', KEYS[1], f)
  end
end
for i = 2, #ARGV do add(ARGV[i]) end
if out[2] then
  for k in string.gmatch(out[2], '[^%z]+') do add('` + fieldRecord + `' .. k) end
end
return out
`)

// lookup makes the records under index key readable in one round trip:
// the overlay's entry and every record it or the Base names (a Base
// record may have been changed in the overlay).
func (z *lazy[K, V]) lookup(b *Base[K, V], index, key string) {
	args := []any{indexField(index, key)}
	for _, k := range b.candidates(index, key) {
		args = append(args, z.recordField(k))
	}
	vals, err := lookupScript.Run(context.Background(), z.r.r.Client(), []string{z.r.key}, args...).Slice()
	z.r.r.Must(err)
	present := map[string]string{}
	for i := 0; i+1 < len(vals); i += 2 {
		f, _ := vals[i].(string)
		if _, ok := z.got[f]; ok {
			continue // read earlier in this operation: that read is the one checked
		}
		if v, ok := vals[i+1].(string); ok {
			z.got[f] = &v
			present[f] = v
		} else {
			z.got[f] = nil
		}
	}
	z.merge(present)
}

// commitScript writes the fields after checking that every field the
// operation read still holds what it read: ARGV is the number of checks,
// the checks (field, "0" for absent or "1" and the value), then the
// field/value pairs to set (and the overlay's version moves on). It
// answers 1, or 0 when another writer got in first.
var commitScript = redis.NewScript(`
local n = tonumber(ARGV[1])
for i = 0, n - 1 do
  local have = redis.call('HGET', KEYS[1], ARGV[2 + 2*i])
  local want = ARGV[3 + 2*i]
  if have == false then
    if want ~= '0' then return 0 end
  elseif want ~= '1' .. have then
    return 0
  end
end
local sets = {}
for i = 2 + 2*n, #ARGV do sets[#sets + 1] = ARGV[i] end
if #sets > 0 then
  redis.call('HSET', KEYS[1], unpack(sets))
  redis.call('HINCRBY', KEYS[1], '` + fieldVersion + `', 1)
end
return 1
`)

// commit writes fields if nothing z read has changed since.
func (z *lazy[K, V]) commit(fields []any) bool {
	args := make([]any, 0, 1+2*len(z.got)+len(fields))
	args = append(args, len(z.got))
	for f, v := range z.got {
		if v == nil {
			args = append(args, f, "0")
		} else {
			args = append(args, f, "1"+*v)
		}
	}
	args = append(args, fields...)
	ok, err := commitScript.Run(context.Background(), z.r.r.Client(), []string{z.r.key}, args...).Int()
	z.r.r.Must(err)
	return ok == 1
}

// maxCommits bounds update's optimistic retries, as state.Redis.Update's.
const maxCommits = 2000

// update is Table.Update in Redis: read the record (and, through the Tx,
// what fn looks at), run fn, and commit the record and the index entries
// it adds with a check that none of what was read changed; run again on
// the new values when it did.
func (r *remote[K, V]) update(b *Base[K, V], k K, fn func(tx Tx[K, V], cur V) (V, error)) (V, error) {
	h := fnv.New32a()
	h.Write([]byte(r.codec.FormatKey(k)))
	mu := &r.writers[h.Sum32()%uint32(len(r.writers))]
	mu.Lock()
	defer mu.Unlock()
	for attempt := 0; attempt < maxCommits; attempt++ {
		z := r.lazy()
		z.get(k)
		v := view[K, V]{b, z.l}
		cur, ok := v.get(k)
		if !ok {
			var zero V
			return zero, ErrNotFound
		}
		next, err := fn(Tx[K, V]{v: v, lazy: z}, cur)
		if err != nil {
			return cur, err
		}
		// The index entries put adds to (those of the keys that changed)
		// are read first: they are written whole, so they are checked too.
		var entries []string
		for name, ifn := range b.indexFn {
			if same := b.same[name]; same != nil && same(cur, next) {
				continue
			}
			if keys := ifn(next); !slices.Equal(keys, ifn(cur)) {
				for _, ik := range keys {
					entries = append(entries, indexField(name, ik))
				}
			}
		}
		z.fetch(entries...)
		fields, err := r.writes(z.l, k, next, v.put(k, cur, next, false, true))
		if err != nil {
			return cur, err
		}
		if z.commit(fields) {
			return next, nil
		}
		if attempt > 4 { // a crowd on one record: step aside briefly
			time.Sleep(time.Duration(rand.IntN(200*min(attempt, 20))) * time.Microsecond)
		}
	}
	var zero V
	return zero, state.ErrContended
}
