// Package store is the sandbox's record data: an immutable seeded Base of
// records shared by every session, and per-session Tables that fork it in
// O(1) and keep their own writes (changed and created records) in a
// copy-on-write overlay. A session never copies the data set, so creating
// one costs the same for 1k or 100k records, and generated records are made
// on first use, so startup does too.
//
// The Base is a pure function of the seed, so every replica keeps its own
// in memory; only overlays are state. A Table forked in memory (Fork) keeps
// its overlay in the process; one forked in a shared Scope (ForkIn) keeps
// it in Redis, and its writes are optimistic transactions there, so two
// replicas' Tables over one Scope behave as one Table.
//
// Records are values (V): a writer receives a copy of the current record and
// returns the new one, so readers never see a torn record. Values that hold
// slices or maps must treat them as immutable (replace, never modify).
package store

import (
	"context"
	"errors"
	"fmt"
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
	key     func(V) K
	order   []K
	records map[K]V
	indexFn map[string]IndexFunc[V]
	same    map[string]func(a, b V) bool // SkipUnchanged
	index   map[string]map[string][]K

	gen  Generated[K, V]
	made []atomic.Pointer[V] // made[i]: record i of gen once something asked for it
}

// SkipUnchanged lets a write skip the index named index when same says
// the old and new record give it the same keys: its key function then
// runs for neither (LoanPro's address keys fold four fields of two
// addresses, on every write, for a PUT that mostly changes neither). same
// must only say true when the keys are equal. Call it before the first
// Fork.
func (b *Base[K, V]) SkipUnchanged(index string, same func(a, b V) bool) error {
	if _, ok := b.indexFn[index]; !ok {
		return fmt.Errorf("store: SkipUnchanged for unknown index %q", index)
	}
	if b.same == nil {
		b.same = map[string]func(a, b V) bool{}
	}
	b.same[index] = same
	return nil
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
		key:     key,
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
func (b *Base[K, V]) at(i int) V { return *b.ref(i) }

// ref is generated record i, made on first use; the record is never
// written again, so every reader may share it.
func (b *Base[K, V]) ref(i int) *V {
	if p := b.made[i].Load(); p != nil {
		return p
	}
	v := b.gen.Make(i)
	b.made[i].CompareAndSwap(nil, &v)
	return b.made[i].Load()
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

// Fork returns a new in-memory Table over b. It copies nothing: O(1) in
// b's size.
func (b *Base[K, V]) Fork() *Table[K, V] {
	return &Table[K, V]{base: b}
}

// Table is one session's view of a Base: reads fall through to the Base,
// writes land in the Table's own overlay, and Insert adds records after
// the Base's. It is safe for concurrent use. In memory its lock is held
// only for the duration of one read or one write; in a shared Scope
// (remote set) the overlay is in Redis and the Table holds no data.
type Table[K comparable, V any] struct {
	base   *Base[K, V]
	remote *remote[K, V] // nil in memory

	mu sync.RWMutex
	layer[K, V]
	version uint64 // writes begun (Update, Insert), under mu
}

// Version counts the writes begun on the Table: a result computed from
// the Table at one version holds until the next. A shared Table (other
// replicas write it) has no local version: ok is false.
func (t *Table[K, V]) Version() (v uint64, ok bool) {
	if t.remote != nil {
		return 0, false
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.version, true
}

func (t *Table[K, V]) view() view[K, V] { return view[K, V]{t.base, &t.layer} }

// Get returns the current record for k.
func (t *Table[K, V]) Get(k K) (V, bool) {
	if t.remote != nil {
		return t.remote.get(context.Background(), t.base, k)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.view().get(k)
}

// Len is the number of records: the seeded ones and those Insert created.
func (t *Table[K, V]) Len() int {
	if t.remote != nil {
		return t.base.Len() + t.remote.created()
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.view().len()
}

// Reader is a Table as of one moment (Table.Read).
type Reader[K comparable, V any] struct{ v view[K, V] }

// Get returns record k as of the Reader's moment.
func (r Reader[K, V]) Get(k K) (V, bool) { return r.v.get(k) }

// RangeRef is Table.RangeRef as of the Reader's moment: fn must not modify
// the record or keep the pointer past its call.
func (r Reader[K, V]) RangeRef(fn func(*V) bool) { r.v.eachRef(fn) }

// Read calls fn with the Table as of one moment and the version it is
// at: a result fn computes from r holds for as long as the Table stays at
// that version, on every replica, so it can be kept (LoanPro's search
// cache). In memory fn runs under the read lock (it must not write t);
// in Redis mode it costs one round trip, which reads the whole overlay
// only when its version in Redis moved since this replica last read it.
func (t *Table[K, V]) Read(fn func(version uint64, r Reader[K, V])) {
	if t.remote != nil {
		v, version := t.remote.snapshot(t.base)
		fn(version, Reader[K, V]{v})
		return
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	fn(t.version, Reader[K, V]{t.view()})
}

// Range calls fn for every record in order (seed order, then the created
// records in creation order) until fn returns false. In memory the read
// lock is held throughout: fn must not call back into t.
func (t *Table[K, V]) Range(fn func(V) bool) {
	if t.remote != nil {
		v, _ := t.remote.snapshot(t.base)
		v.each(fn)
		return
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	t.view().each(fn)
}

// RangeRef is Range passing each record by pointer, for scans that read
// a few fields of many large records (LoanPro's search): the generated
// records are not copied at all. fn must not modify the record or keep the
// pointer past its call.
func (t *Table[K, V]) RangeRef(fn func(*V) bool) {
	if t.remote != nil {
		v, _ := t.remote.snapshot(t.base)
		v.each(func(r V) bool { return fn(&r) })
		return
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	t.view().eachRef(fn)
}

// Page returns the records matching match (nil matches all), in Range
// order, skipping offset and keeping at most limit, with the total number
// of matches: the paging of the control API's data listings. Without match
// only the page's records are read (and made), so listing the start of a
// large generated data set stays cheap.
func (t *Table[K, V]) Page(match func(V) bool, offset, limit int) (page []V, total int) {
	if t.remote != nil {
		v, _ := t.remote.snapshot(t.base)
		return v.page(match, offset, limit)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.view().page(match, offset, limit)
}

// Lookup returns the records whose index entry named index currently
// includes key, in no particular order.
func (t *Table[K, V]) Lookup(index, key string) []V {
	if t.remote != nil {
		z := t.remote.lazy(context.Background())
		z.lookup(t.base, index, key)
		return view[K, V]{t.base, z.l}.lookup(index, key)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.view().lookup(index, key)
}

// Tx is the view of a Table inside Update or Insert: reads see the Table
// as it is inside the write (in memory under the write lock, in Redis the
// overlay as read by the optimistic transaction, which is retried when
// another writer changed it), so check-then-write rules (uniqueness,
// counters) are atomic. A Tx must not be used after its write returns.
type Tx[K comparable, V any] struct {
	v    view[K, V]
	lazy *lazy[K, V] // a remote Update's reads, fetched on demand (nil: all at hand)
}

// Get returns the current record for k.
func (tx Tx[K, V]) Get(k K) (V, bool) {
	if tx.lazy != nil {
		tx.lazy.get(k)
	}
	return tx.v.get(k)
}

// Lookup is Table.Lookup inside the transaction.
func (tx Tx[K, V]) Lookup(index, key string) []V {
	if tx.lazy != nil {
		tx.lazy.lookup(tx.v.b, index, key)
	}
	return tx.v.lookup(index, key)
}

// Update applies fn to the record k atomically: fn receives a copy of the
// current record and returns the new one, or an error that leaves the Table
// unchanged. It returns the stored record.
func (t *Table[K, V]) Update(k K, fn func(tx Tx[K, V], cur V) (V, error)) (V, error) {
	if t.remote != nil {
		return t.remote.update(context.Background(), t.base, k, fn)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.version++
	v := t.view()
	cur, ok := v.get(k)
	if !ok {
		var zero V
		return zero, ErrNotFound
	}
	next, err := fn(Tx[K, V]{v: v}, cur)
	if err != nil {
		return cur, err
	}
	v.put(k, cur, next, false, false)
	return next, nil
}

// Insert creates a record atomically, listed after every earlier one. Its
// key is keyOf(seq) for the Table's next sequence number (counting from 0
// per Table) whose key no record has; build gets the Tx and that key and
// returns the record (whose key must be that key), or an error that
// creates nothing. A non-empty idem that an earlier Insert created with
// answers that record as it was created, with replayed set, and builds
// nothing: a client's retry of a create.
func (t *Table[K, V]) Insert(idem string, keyOf func(seq int) K, build func(tx Tx[K, V], k K) (V, error)) (r V, replayed bool, err error) {
	if t.remote != nil {
		return t.remote.insert(t.base, idem, keyOf, build)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.version++
	if prev, ok := t.idem[idem]; ok && idem != "" {
		return prev, true, nil
	}
	v := t.view()
	k, s := v.nextKey(keyOf)
	r, err = build(Tx[K, V]{v: v}, k)
	if err != nil {
		var zero V
		return zero, false, err
	}
	if _, err := v.insert(k, s, r, false); err != nil {
		var zero V
		return zero, false, err
	}
	if idem != "" {
		if t.idem == nil {
			t.idem = map[string]V{}
		}
		t.idem[idem] = r
	}
	return r, false, nil
}
