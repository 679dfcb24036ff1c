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
	ctx context.Context
	r   *remote[K, V]
	l   *layer[K, V]
	got map[string]*string // field → value read (nil: absent)
}

func (r *remote[K, V]) lazy(ctx context.Context) *lazy[K, V] {
	return &lazy[K, V]{ctx: ctx, r: r, l: &layer[K, V]{}, got: map[string]*string{}}
}

// prefilled takes field from what the request's batch prefetched, as if
// read now: the commit checks it like any read.
func (z *lazy[K, V]) prefilled(b *state.Batch, field string) {
	if v, ok := prefetched(b, z.r.key, field); ok {
		z.known(field, v)
	}
}

// known takes v (nil: absent) as what field holds, as if read now.
func (z *lazy[K, V]) known(field string, v *string) {
	z.got[field] = v
	if v != nil {
		z.merge(map[string]string{field: *v})
	}
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
	vals, err := z.r.r.Client().HMGet(z.ctx, z.r.key, need...).Result()
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
	vals, err := lookupScript.Run(z.ctx, z.r.r.Client(), []string{z.r.key}, args...).Slice()
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

// commitOf is the checked commit of fields: every field z read must
// still hold what it read (state.WriteScript), and the overlay's version
// moves on.
func (z *lazy[K, V]) commitOf(fields []any) *state.Commit {
	c := &state.Commit{Key: z.r.key, Checks: make([]any, 0, 2*len(z.got)), Sets: fields, Bump: fieldVersion}
	for f, v := range z.got {
		if v == nil {
			c.Checks = append(c.Checks, f, "0")
		} else {
			c.Checks = append(c.Checks, f, "1"+*v)
		}
	}
	return c
}

// maxCommits bounds update's optimistic retries, as state.Redis.Update's.
const maxCommits = 2000

// update is Table.Update in Redis: read the record (and, through the Tx,
// what fn looks at), run fn, and commit the record and the index entries
// it adds with a check that none of what was read changed; run again on
// the new values when it did.
func (r *remote[K, V]) update(ctx context.Context, b *Base[K, V], k K, fn func(tx Tx[K, V], cur V) (V, error)) (V, error) {
	batch := state.BatchOf(ctx)
	batch.Settle(ctx) // a write the request left waiting goes first
	field := fieldRecord + r.codec.FormatKey(k)
	h := fnv.New32a()
	h.Write([]byte(field[len(fieldRecord):]))
	mu := &r.writers[h.Sum32()%uint32(len(r.writers))]
	// Alone on the record here: what the request prefetched is as good as
	// a read now. Behind a writer of this replica it is likely stale.
	alone := mu.TryLock()
	if !alone {
		mu.Lock()
	}
	held := true
	defer func() {
		if held {
			mu.Unlock()
		}
	}()
	for attempt := 0; attempt < maxCommits; attempt++ {
		z := r.lazy(ctx)
		if attempt == 0 {
			// This replica's last commit of the record when it landed
			// after the request began (a value of the request's own
			// time, as good as a read now even where fn refuses without
			// committing); else the prefetch, when the request had the
			// lock at once.
			if batch != nil && mu.field == field && mu.at.After(batch.Started()) {
				val := mu.val
				z.known(field, &val)
			} else if alone {
				z.prefilled(batch, field)
			}
		}
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
		c := z.commitOf(fields)
		raw := string(fields[1].([]byte)) // writes' record bytes
		c.Done = func(ok bool) { mu.committed(field, raw, ok) }
		if batch.Defer(c, mu.Unlock) { // committed with the request's flush, the lock held until then
			held = false
			remember(batch, r.key, field, raw)
			return next, nil
		}
		committed, err := state.RunCommit(ctx, r.r, c)
		r.r.Must(err)
		mu.committed(field, raw, committed)
		if committed {
			remember(batch, r.key, field, raw)
			return next, nil
		}
		if attempt > 4 { // a crowd on one record: step aside briefly
			time.Sleep(time.Duration(rand.IntN(200*min(attempt, 20))) * time.Microsecond)
		}
	}
	var zero V
	return zero, state.ErrContended
}
