package store

import (
	"fmt"
	"slices"
)

// layer is an overlay: the records a Table changed or created, an index of
// their keys, and what Insert needs. A memory Table holds one under its
// lock; a remote Table reads one from Redis per operation.
type layer[K comparable, V any] struct {
	over    map[K]V
	overIdx map[string]map[string][]K // index name → key → record keys (entries may be stale)
	created []K                       // created records' keys, in creation order
	seq     int                       // Insert's next sequence number
	idem    map[string]V              // idempotency key → the record its Insert created (memory only)
}

// view is a Base seen through one overlay: the merge logic shared by both
// modes.
type view[K comparable, V any] struct {
	b *Base[K, V]
	l *layer[K, V]
}

func (v view[K, V]) get(k K) (V, bool) {
	if r, ok := v.l.over[k]; ok {
		return r, true
	}
	return v.b.get(k)
}

// len is the number of records: the Base's and the created ones.
func (v view[K, V]) len() int { return v.b.Len() + len(v.l.created) }

// nth is the record at position p of the Table's order: the fixtures, the
// generated tail, then the created records.
func (v view[K, V]) nth(p int) V {
	b := v.b
	if p < len(b.order) {
		r, _ := v.get(b.order[p])
		return r
	}
	i := p - len(b.order)
	if i >= b.gen.N {
		return v.l.over[v.l.created[i-b.gen.N]]
	}
	if len(v.l.over) > 0 {
		if r, ok := v.l.over[b.gen.Key(i)]; ok {
			return r
		}
	}
	return b.at(i)
}

func (v view[K, V]) each(fn func(V) bool) {
	for _, k := range v.b.order {
		r, _ := v.get(k)
		if !fn(r) {
			return
		}
	}
	for p := len(v.b.order); p < v.len(); p++ {
		if !fn(v.nth(p)) {
			return
		}
	}
}

// eachRef is each passing pointers: a generated record's own (made once,
// never written again), a copy in one scratch value for the others.
func (v view[K, V]) eachRef(fn func(*V) bool) {
	var scratch V
	for _, k := range v.b.order {
		scratch, _ = v.get(k)
		if !fn(&scratch) {
			return
		}
	}
	b := v.b
	for i := range b.gen.N {
		if len(v.l.over) > 0 {
			if r, ok := v.l.over[b.gen.Key(i)]; ok {
				scratch = r
				if !fn(&scratch) {
					return
				}
				continue
			}
		}
		if !fn(b.ref(i)) {
			return
		}
	}
	for _, k := range v.l.created {
		scratch = v.l.over[k]
		if !fn(&scratch) {
			return
		}
	}
}

func (v view[K, V]) page(match func(V) bool, offset, limit int) (page []V, total int) {
	page = []V{}
	if match == nil {
		n := v.len()
		for p := max(offset, 0); p < n && len(page) < limit; p++ {
			page = append(page, v.nth(p))
		}
		return page, n
	}
	v.each(func(r V) bool {
		if !match(r) {
			return true
		}
		if total >= offset && len(page) < limit {
			page = append(page, r)
		}
		total++
		return true
	})
	return page, total
}

func (v view[K, V]) lookup(index, key string) []V {
	fn, ok := v.b.indexFn[index]
	if !ok {
		panic("store: unknown index " + index) // a programming error
	}
	var out []V
	seen := map[K]bool{}
	for _, cands := range [][]K{v.b.candidates(index, key), v.l.overIdx[index][key]} {
		for _, k := range cands {
			if seen[k] {
				continue
			}
			seen[k] = true
			// Index entries may be stale after an update: keep only records
			// that still carry the key.
			if r, ok := v.get(k); ok && slices.Contains(fn(r), key) {
				out = append(out, r)
			}
		}
	}
	return out
}

// put stores r as record k, replacing cur (fresh: k is a new record, with
// no cur). An index entry is added only when r's keys differ from cur's:
// cur is already findable under its own (from the base or an earlier put).
// With track it returns the index entries it added to, for a remote Table
// to write (a memory Table does not pay for the list).
func (v view[K, V]) put(k K, cur, r V, fresh, track bool) (touched []idxEntry) {
	l := v.l
	if l.over == nil {
		l.over = map[K]V{}
	}
	if l.overIdx == nil {
		l.overIdx = map[string]map[string][]K{}
	}
	l.over[k] = r
	for name, fn := range v.b.indexFn {
		if same := v.b.same[name]; !fresh && same != nil && same(cur, r) {
			continue
		}
		keys := fn(r)
		if !fresh && slices.Equal(keys, fn(cur)) {
			continue
		}
		idx := l.overIdx[name]
		if idx == nil {
			idx = map[string][]K{}
			l.overIdx[name] = idx
		}
		for _, ik := range keys {
			if !slices.Contains(idx[ik], k) {
				idx[ik] = append(idx[ik], k)
				if track {
					touched = append(touched, idxEntry{name, ik})
				}
			}
		}
	}
	return touched
}

// idxEntry names one overlay index entry: index name and key.
type idxEntry struct{ index, key string }

// nextKey is the key Insert gives the next record: keyOf of the first
// sequence number from l.seq on whose key no record has (a fixture may
// use any key).
func (v view[K, V]) nextKey(keyOf func(seq int) K) (K, int) {
	for s := v.l.seq; ; s++ {
		k := keyOf(s)
		if _, taken := v.get(k); !taken {
			return k, s
		}
	}
}

// insert stores r, just built under key k from sequence number s, as a
// created record (track: as put).
func (v view[K, V]) insert(k K, s int, r V, track bool) ([]idxEntry, error) {
	if got := v.b.key(r); got != k {
		return nil, fmt.Errorf("store: Insert built a record with key %v, want %v", got, k)
	}
	var zero V
	touched := v.put(k, zero, r, true, track)
	v.l.created = append(v.l.created, k)
	v.l.seq = s + 1
	return touched, nil
}
