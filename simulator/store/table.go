// Package store is the sandbox's in-memory data: an immutable seeded Base of
// records shared by every session, and per-session Tables that fork it in
// O(1) and keep their own writes in a copy-on-write overlay. A session never
// copies the data set, so creating one costs the same for 1k or 100k records,
// and generated records are made on first use, so startup does too.
//
// Records are values (V): a writer receives a copy of the current record and
// returns the new one, so readers never see a torn record. Values that hold
// slices or maps must treat them as immutable (replace, never modify).
package store

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// ErrNotFound is returned by Update for an unknown key.
var ErrNotFound = errors.New("store: record not found")

// IndexFunc returns the secondary-index keys of a record (for example its
// email, lower-cased). Indexes answer uniqueness and duplicate questions
// without scanning the whole table.
type IndexFunc[V any] func(V) []string

// Base is the immutable seeded data set shared by every Table forked from
// it: records given at construction (the fixtures) followed by an optional
// Generated tail made on first use.
type Base[K comparable, V any] struct {
	order   []K
	records map[K]V
	indexFn map[string]IndexFunc[V]
	index   map[string]map[string][]K

	gen  Generated[K, V]
	made []atomic.Pointer[V] // made[i]: record i of gen once something asked for it
}

// Generated is a tail of N records that are made when first read rather
// than at startup, so that a sandbox seeded with 100,000 records starts as
// fast, and as small, as one with none. Make must be a pure function of i
// (a vendor derives each record's faker from the seed and i), which is what
// makes "made later" indistinguishable from "made at startup": the first
// read caches the record and every later read, in any session, sees it.
type Generated[K comparable, V any] struct {
	// N is the number of generated records; they come after the fixtures
	// in Range order, record 0 first.
	N int
	// Key is the primary key of record i, known without making it.
	Key func(i int) K
	// Pos is the inverse of Key: ok is false for a key that names no
	// generated record.
	Pos func(k K) (i int, ok bool)
	// Make makes record i; the same i always makes the same record.
	Make func(i int) V
	// Locate answers index lookups without an index over the whole tail:
	// for an index name, the positions of the generated records that may
	// carry key: all of them (more is fine: candidates are checked against
	// the record).
	// An index without an entry holds no generated record.
	Locate map[string]func(key string) []int
}

// NewBase builds a Base from records in their natural order; key extracts a
// record's primary key and indexes names the secondary indexes.
func NewBase[K comparable, V any](key func(V) K, indexes map[string]IndexFunc[V], records []V) (*Base[K, V], error) {
	return NewGeneratedBase(key, indexes, records, Generated[K, V]{})
}

// NewGeneratedBase is NewBase followed by gen's lazily made tail. A record
// whose key is also a generated key is refused as a duplicate.
func NewGeneratedBase[K comparable, V any](key func(V) K, indexes map[string]IndexFunc[V], records []V, gen Generated[K, V]) (*Base[K, V], error) {
	if gen.N < 0 || gen.N > 0 && (gen.Key == nil || gen.Pos == nil || gen.Make == nil) {
		return nil, fmt.Errorf("store: generated tail of %d records needs Key, Pos and Make", gen.N)
	}
	for name := range gen.Locate {
		if _, ok := indexes[name]; !ok {
			return nil, fmt.Errorf("store: Locate for unknown index %q", name)
		}
	}
	b := &Base[K, V]{
		order:   make([]K, 0, len(records)),
		records: make(map[K]V, len(records)),
		indexFn: indexes,
		index:   make(map[string]map[string][]K, len(indexes)),
		gen:     gen,
		made:    make([]atomic.Pointer[V], gen.N),
	}
	for name := range indexes {
		b.index[name] = map[string][]K{}
	}
	for _, v := range records {
		k := key(v)
		if _, dup := b.records[k]; dup || b.generated(k) {
			return nil, fmt.Errorf("store: duplicate key %v", k)
		}
		b.order = append(b.order, k)
		b.records[k] = v
		for name, fn := range indexes {
			for _, ik := range fn(v) {
				b.index[name][ik] = append(b.index[name][ik], k)
			}
		}
	}
	return b, nil
}

// Len is the number of seeded records.
func (b *Base[K, V]) Len() int { return len(b.order) + b.gen.N }

// Made is how many generated records have been made so far: the part of
// the tail that occupies memory.
func (b *Base[K, V]) Made() int {
	n := 0
	for i := range b.made {
		if b.made[i].Load() != nil {
			n++
		}
	}
	return n
}

func (b *Base[K, V]) generated(k K) bool {
	if b.gen.N == 0 {
		return false
	}
	i, ok := b.gen.Pos(k)
	return ok && i >= 0 && i < b.gen.N
}

func (b *Base[K, V]) get(k K) (V, bool) {
	if v, ok := b.records[k]; ok {
		return v, true
	}
	if b.gen.N > 0 {
		if i, ok := b.gen.Pos(k); ok && i >= 0 && i < b.gen.N {
			return b.at(i), true
		}
	}
	var zero V
	return zero, false
}

// at returns generated record i, making it on first use. Two readers racing
// on a new record may both make it; they make the same value and the first
// stored wins.
func (b *Base[K, V]) at(i int) V {
	if p := b.made[i].Load(); p != nil {
		return *p
	}
	v := b.gen.Make(i)
	b.made[i].CompareAndSwap(nil, &v)
	return *b.made[i].Load()
}

// candidates are the base keys whose index entry named index may be key.
func (b *Base[K, V]) candidates(index, key string) []K {
	out := b.index[index][key]
	if locate := b.gen.Locate[index]; locate != nil {
		for _, i := range locate(key) {
			if i >= 0 && i < b.gen.N {
				out = append(out[:len(out):len(out)], b.gen.Key(i))
			}
		}
	}
	return out
}

// Fork returns a new Table over b. It copies nothing: O(1) in b's size.
func (b *Base[K, V]) Fork() *Table[K, V] {
	return &Table[K, V]{base: b}
}

// Table is one session's view of a Base: reads fall through to the Base,
// writes land in the Table's own overlay. It is safe for concurrent use; its
// lock is held only for the duration of one read or one update.
type Table[K comparable, V any] struct {
	base *Base[K, V]

	mu      sync.RWMutex
	over    map[K]V
	overIdx map[string]map[string][]K
}

// Get returns the current record for k.
func (t *Table[K, V]) Get(k K) (V, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.get(k)
}

func (t *Table[K, V]) get(k K) (V, bool) {
	if v, ok := t.over[k]; ok {
		return v, true
	}
	return t.base.get(k)
}

// Len is the number of records.
func (t *Table[K, V]) Len() int { return t.base.Len() }

// Range calls fn for every record in seed order until fn returns false. The
// read lock is held throughout: fn must not call back into t.
func (t *Table[K, V]) Range(fn func(V) bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, k := range t.base.order {
		v, _ := t.get(k)
		if !fn(v) {
			return
		}
	}
	for p := len(t.base.order); p < t.base.Len(); p++ {
		if !fn(t.nth(p)) {
			return
		}
	}
}

// Page returns the records matching match (nil matches all), in seed
// order, skipping offset and keeping at most limit, with the total number
// of matches: the paging of the control API's data listings. Without match
// only the page's records are read (and made), so listing the start of a
// large generated data set stays cheap.
func (t *Table[K, V]) Page(match func(V) bool, offset, limit int) (page []V, total int) {
	page = []V{}
	if match == nil {
		t.mu.RLock()
		defer t.mu.RUnlock()
		n := t.base.Len()
		for p := max(offset, 0); p < n && len(page) < limit; p++ {
			page = append(page, t.nth(p))
		}
		return page, n
	}
	t.Range(func(v V) bool {
		if !match(v) {
			return true
		}
		if total >= offset && len(page) < limit {
			page = append(page, v)
		}
		total++
		return true
	})
	return page, total
}

// nth is the record at position p of the seed order, under the read lock.
func (t *Table[K, V]) nth(p int) V {
	if p < len(t.base.order) {
		v, _ := t.get(t.base.order[p])
		return v
	}
	i := p - len(t.base.order)
	if len(t.over) > 0 {
		if v, ok := t.over[t.base.gen.Key(i)]; ok {
			return v
		}
	}
	return t.base.at(i)
}

// Lookup returns the records whose index entry named index currently
// includes key, in no particular order.
func (t *Table[K, V]) Lookup(index, key string) []V {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.lookup(index, key)
}

func (t *Table[K, V]) lookup(index, key string) []V {
	fn, ok := t.base.indexFn[index]
	if !ok {
		panic("store: unknown index " + index) // a programming error
	}
	var out []V
	seen := map[K]bool{}
	for _, cands := range [][]K{t.base.candidates(index, key), t.overIdx[index][key]} {
		for _, k := range cands {
			if seen[k] {
				continue
			}
			seen[k] = true
			// Index entries may be stale after an update: keep only records
			// that still carry the key.
			if v, ok := t.get(k); ok && slices.Contains(fn(v), key) {
				out = append(out, v)
			}
		}
	}
	return out
}

// Tx is the view of a Table inside Update: reads see the Table as it is
// under the write lock, so check-then-write rules (uniqueness, counters)
// are atomic. A Tx must not be used after its Update returns.
type Tx[K comparable, V any] struct{ t *Table[K, V] }

// Get returns the current record for k.
func (tx Tx[K, V]) Get(k K) (V, bool) { return tx.t.get(k) }

// Lookup is Table.Lookup inside the transaction.
func (tx Tx[K, V]) Lookup(index, key string) []V { return tx.t.lookup(index, key) }

// Update applies fn to the record k atomically: fn receives a copy of the
// current record and returns the new one, or an error that leaves the Table
// unchanged. It returns the stored record.
func (t *Table[K, V]) Update(k K, fn func(tx Tx[K, V], cur V) (V, error)) (V, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cur, ok := t.get(k)
	if !ok {
		var zero V
		return zero, ErrNotFound
	}
	next, err := fn(Tx[K, V]{t}, cur)
	if err != nil {
		return cur, err
	}
	t.put(k, cur, next)
	return next, nil
}

// put stores v as record k, replacing cur. An index entry is added only
// when v's keys differ from cur's: cur is already findable under its own
// (from the base or an earlier put).
func (t *Table[K, V]) put(k K, cur, v V) {
	if t.over == nil {
		t.over = map[K]V{}
		t.overIdx = map[string]map[string][]K{}
	}
	t.over[k] = v
	for name, fn := range t.base.indexFn {
		keys := fn(v)
		if slices.Equal(keys, fn(cur)) {
			continue
		}
		idx := t.overIdx[name]
		if idx == nil {
			idx = map[string][]K{}
			t.overIdx[name] = idx
		}
		for _, ik := range keys {
			if !slices.Contains(idx[ik], k) {
				idx[ik] = append(idx[ik], k)
			}
		}
	}
}
