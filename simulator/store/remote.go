package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// ForkIn returns a new Table over b whose overlay lives under sc: in
// memory for the zero Scope (exactly Fork), else in Redis, where every
// replica's Table over the same Scope and name is the same Table. The
// overlay is one hash, sc.Key("t", name) (idempotency keys are beside it,
// in sc.Key("t", name, "idem")). Its fields:
//
//	r:KEY               the record KEY as changed or created (codec bytes)
//	x:INDEX\x00IKEY     the records carrying IKEY in INDEX: KEYs joined by NUL (entries may be stale)
//	c:KEY               a created record's position among the created ones
//	n, seq              how many records Insert created; its next sequence number
//	v                   the overlay's version: every commit adds one, so a
//	                    replica reads the whole overlay again only when it moved
//
// Get and Lookup are one round trip each (the fields they need); Range,
// Page and Len read the overlay in one (overlays are a session's writes:
// small) and merge it with b as the memory Table does. Update reads only
// what it and its rules look at and commits with a script that checks
// those fields are unchanged (lazy.go), so writers of different records
// do not retry each other; Insert, rare, is a WATCH/MULTI transaction over
// the whole hash (state.Redis.Update). A Redis that cannot answer aborts
// the request (state.Abort).
func (b *Base[K, V]) ForkIn(sc state.Scope, codec Codec[K, V], name string) *Table[K, V] {
	if !sc.Remote() {
		return b.Fork()
	}
	if !codec.complete() {
		panic("store: ForkIn " + name + ": incomplete Codec") // a programming error
	}
	return &Table[K, V]{base: b, remote: &remote[K, V]{
		r: sc.R, key: sc.Key("t", name), idemKey: sc.Key("t", name, "idem"), codec: codec,
	}}
}

// remote is a Table's handle on its overlay in Redis: keys and the codec,
// no data.
type remote[K comparable, V any] struct {
	r       *state.Redis
	key     string // the overlay hash
	idemKey string // idempotency key → the record its Insert created
	codec   Codec[K, V]

	// writers serialises this replica's Updates of one record (striped
	// by key): they would only fail each other's checked commits, so a
	// crowd on one record (32 clients PATCHing one consumer) commits one
	// after another instead of retrying in a storm. Other replicas'
	// writers are still caught by the check.
	writers [16]stripe

	// The overlay as this replica last read it whole (snapshot), at
	// version snapV: read-only once stored, shared by the readers.
	snapMu sync.Mutex
	snapV  string
	snapL  *layer[K, V]
}

// stripe is one of a table's write locks and what this replica last
// committed under it: a writer that had to wait for the lock starts from
// that value instead of reading the record again (its commit checks it
// like any read, so another replica's write in between is caught).
type stripe struct {
	sync.Mutex
	field, val string    // the record field last committed, its value
	at         time.Time // when that commit was known to have landed
}

func (s *stripe) committed(field, val string, ok bool) {
	if !ok {
		s.field, s.val = "", ""
		return
	}
	s.field, s.val, s.at = field, val, time.Now()
}

const (
	fieldRecord  = "r:"
	fieldIndex   = "x:"
	fieldCreated = "c:"
	fieldN       = "n"
	fieldSeq     = "seq"
	fieldVersion = "v"
)

func (r *remote[K, V]) get(ctx context.Context, b *Base[K, V], k K) (V, bool) {
	field := fieldRecord + r.codec.FormatKey(k)
	var raw []byte
	if s, ok := prefetched(state.BatchOf(ctx), r.key, field); ok {
		if s == nil {
			return b.get(k)
		}
		raw = []byte(*s)
	} else {
		var err error
		raw, err = r.r.Client().HGet(ctx, r.key, field).Bytes()
		if errors.Is(r.r.Must(err), redis.Nil) {
			return b.get(k)
		}
	}
	v, err := r.codec.Unmarshal(raw)
	if err != nil {
		panic(fmt.Sprintf("store: %s: record %v: %v", r.key, k, err)) // state this build cannot read
	}
	return v, true
}

// created is how many records Insert created.
func (r *remote[K, V]) created() int {
	n, err := r.r.Client().HGet(context.Background(), r.key, fieldN).Int()
	if errors.Is(r.r.Must(err), redis.Nil) {
		return 0
	}
	return n
}

// snapshotScript answers the overlay's version ARGV[1] alone when it is
// still the current one, else the version and every field.
var snapshotScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], '` + fieldVersion + `') or '0'
if v == ARGV[1] then return {v} end
return {v, redis.call('HGETALL', KEYS[1])}
`)

// snapshot reads the overlay in one round trip: only its version when
// this replica holds the overlay at that version already (every replica's
// commit moves it), else the whole overlay, decoded once and kept. The
// view's layer is shared: read-only.
func (r *remote[K, V]) snapshot(b *Base[K, V]) (view[K, V], uint64) {
	r.snapMu.Lock()
	have, l := r.snapV, r.snapL
	r.snapMu.Unlock()
	res, err := snapshotScript.Run(context.Background(), r.r.Client(), []string{r.key}, have).Slice()
	r.r.Must(err)
	v, _ := res[0].(string)
	if len(res) == 1 && l != nil {
		return view[K, V]{b, l}, atou(v)
	}
	flat, _ := res[1].([]any)
	all := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		f, _ := flat[i].(string)
		all[f], _ = flat[i+1].(string)
	}
	l, err = r.decode(all)
	if err != nil {
		panic(err.Error()) // state this build cannot read
	}
	r.snapMu.Lock()
	if atou(v) >= atou(r.snapV) {
		r.snapV, r.snapL = v, l
	}
	r.snapMu.Unlock()
	return view[K, V]{b, l}, atou(v)
}

func atou(s string) uint64 { n, _ := strconv.ParseUint(s, 10, 64); return n }

// decode rebuilds a layer from the overlay hash's fields.
func (r *remote[K, V]) decode(all map[string]string) (*layer[K, V], error) {
	l := &layer[K, V]{}
	type pos struct {
		k K
		p int
	}
	var created []pos
	for f, val := range all {
		switch {
		case strings.HasPrefix(f, fieldRecord):
			k, err := r.codec.ParseKey(f[len(fieldRecord):])
			if err != nil {
				return nil, fmt.Errorf("store: %s: field %q: %w", r.key, f, err)
			}
			v, err := r.codec.Unmarshal([]byte(val))
			if err != nil {
				return nil, fmt.Errorf("store: %s: record %v: %w", r.key, k, err)
			}
			if l.over == nil {
				l.over = map[K]V{}
			}
			l.over[k] = v
		case strings.HasPrefix(f, fieldIndex):
			index, ik, ok := strings.Cut(f[len(fieldIndex):], "\x00")
			if !ok {
				return nil, fmt.Errorf("store: %s: index field %q", r.key, f)
			}
			keys := []K{}
			for _, s := range strings.Split(val, "\x00") {
				k, err := r.codec.ParseKey(s)
				if err != nil {
					return nil, fmt.Errorf("store: %s: field %q: %w", r.key, f, err)
				}
				keys = append(keys, k)
			}
			if l.overIdx == nil {
				l.overIdx = map[string]map[string][]K{}
			}
			if l.overIdx[index] == nil {
				l.overIdx[index] = map[string][]K{}
			}
			l.overIdx[index][ik] = keys
		case strings.HasPrefix(f, fieldCreated):
			k, err := r.codec.ParseKey(f[len(fieldCreated):])
			if err != nil {
				return nil, fmt.Errorf("store: %s: field %q: %w", r.key, f, err)
			}
			p, err := strconv.Atoi(val)
			if err != nil {
				return nil, fmt.Errorf("store: %s: field %q: %w", r.key, f, err)
			}
			created = append(created, pos{k, p})
		case f == fieldSeq:
			s, err := strconv.Atoi(val)
			if err != nil {
				return nil, fmt.Errorf("store: %s: field %q: %w", r.key, f, err)
			}
			l.seq = s
		}
	}
	slices.SortFunc(created, func(a, b pos) int { return cmp.Compare(a.p, b.p) })
	for _, c := range created {
		if _, ok := l.over[c.k]; !ok {
			return nil, fmt.Errorf("store: %s: created record %v is missing", r.key, c.k)
		}
		l.created = append(l.created, c.k)
	}
	return l, nil
}

// writes are the fields a write sets: record k and the index entries put
// touched (each with its whole, new list of keys).
func (r *remote[K, V]) writes(l *layer[K, V], k K, v V, touched []idxEntry) ([]any, error) {
	raw, err := r.codec.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("store: %s: encode record %v: %w", r.key, k, err)
	}
	fields := []any{fieldRecord + r.codec.FormatKey(k), raw}
	for _, e := range touched {
		keys := l.overIdx[e.index][e.key]
		names := make([]string, len(keys))
		for i, ik := range keys {
			names[i] = r.codec.FormatKey(ik)
		}
		fields = append(fields, fieldIndex+e.index+"\x00"+e.key, strings.Join(names, "\x00"))
	}
	return fields, nil
}

// insert is Table.Insert in Redis, one optimistic transaction over the
// overlay and the idempotency keys.
func (r *remote[K, V]) insert(b *Base[K, V], idem string, keyOf func(int) K, build func(Tx[K, V], K) (V, error)) (out V, replayed bool, err error) {
	ctx := context.Background()
	err = r.r.Update(ctx, func(ctx context.Context, tx *redis.Tx) error {
		var zero V
		out, replayed = zero, false
		var prev *redis.StringCmd
		var all *redis.MapStringStringCmd
		if _, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
			if idem != "" {
				prev = p.HGet(ctx, r.idemKey, idem)
			}
			all = p.HGetAll(ctx, r.key)
			return nil
		}); err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		if err := all.Err(); err != nil {
			return err
		}
		if prev != nil {
			if raw, err := prev.Bytes(); err == nil {
				v, err := r.codec.Unmarshal(raw)
				if err != nil {
					return fmt.Errorf("store: %s: idempotent record: %w", r.idemKey, err)
				}
				out, replayed = v, true
				return nil
			}
		}
		l, err := r.decode(all.Val())
		if err != nil {
			return err
		}
		v := view[K, V]{b, l}
		k, s := v.nextKey(keyOf)
		rec, err := build(Tx[K, V]{v: v}, k)
		if err != nil {
			return err
		}
		touched, err := v.insert(k, s, rec, true)
		if err != nil {
			return err
		}
		fields, err := r.writes(l, k, rec, touched)
		if err != nil {
			return err
		}
		n := len(l.created)
		fields = append(fields, fieldCreated+r.codec.FormatKey(k), n-1, fieldN, n, fieldSeq, l.seq)
		if _, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, r.key, fields...)
			p.HIncrBy(ctx, r.key, fieldVersion, 1)
			if idem != "" {
				p.HSet(ctx, r.idemKey, idem, fields[1])
			}
			return nil
		}); err != nil {
			return err
		}
		out = rec
		return nil
	}, r.key, r.idemKey)
	if err != nil {
		var zero V
		return zero, false, err
	}
	return out, replayed, nil
}
