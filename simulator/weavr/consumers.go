package weavr

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// consumerTable is one session's consumers: the seeded ones (a fork of the
// shared store.Base, O(1) per session) and the ones POST /multi/consumers
// created in the session. A store.Table holds only the keys of its Base,
// so created consumers live beside it, in created, with their own index.
//
// One lock, mu, is held for writing around every write to either part:
// that makes a rule that reads then writes (email uniqueness across the
// seeded and the created consumers, a create racing a verified email
// change) atomic, as a store transaction is for the seeded part alone.
// Reads of the seeded part do not take mu while nothing has been created
// (the common case, on the hot path).
type consumerTable struct {
	seeded  *store.Table[string, Consumer]
	indexFn map[string]store.IndexFunc[Consumer]

	mu      sync.RWMutex
	created map[string]Consumer
	order   []string                       // created ids, in creation order
	index   map[string]map[string][]string // index name → key → created ids (entries may be stale)
	idem    map[string]Consumer            // idempotency key → the consumer its create answered
	seq     int                            // created so far, for the next id
	n       atomic.Int64                   // len(order), read without mu
}

func newConsumerTable(seeded *store.Table[string, Consumer], indexes map[string]store.IndexFunc[Consumer]) *consumerTable {
	return &consumerTable{seeded: seeded, indexFn: indexes}
}

// createdFirstID is the id of a session's first created consumer: an
// 18-digit Weavr id past every generated one (--consumers is at most a
// million), so the two ranges never meet. Ids count up per session, so a
// session's consumers are the same, byte for byte, on every run.
const createdFirstID = 110546000100000001

// consumerTx is the view of the consumers inside a write (Update or
// Insert): its reads see every committed write, and no other write runs
// until it ends.
type consumerTx struct {
	t      *consumerTable
	tx     store.Tx[string, Consumer] // inside a write of the seeded part (inSeed), whose lock is then held
	inSeed bool
}

// Get returns the current record for id.
func (x consumerTx) Get(id string) (Consumer, bool) {
	if c, ok := x.t.created[id]; ok {
		return c, true
	}
	if x.inSeed {
		return x.tx.Get(id)
	}
	return x.t.seeded.Get(id)
}

// Lookup returns the records whose index entry named index includes key.
func (x consumerTx) Lookup(index, key string) []Consumer {
	var out []Consumer
	if x.inSeed {
		out = x.tx.Lookup(index, key)
	} else {
		out = x.t.seeded.Lookup(index, key)
	}
	return append(out, x.t.lookupCreated(index, key)...)
}

// Get returns the current record for id.
func (t *consumerTable) Get(id string) (Consumer, bool) {
	if t.n.Load() > 0 {
		t.mu.RLock()
		c, ok := t.created[id]
		t.mu.RUnlock()
		if ok {
			return c, true
		}
	}
	return t.seeded.Get(id)
}

// Lookup returns the records whose index entry named index currently
// includes key, seeded ones first.
func (t *consumerTable) Lookup(index, key string) []Consumer {
	out := t.seeded.Lookup(index, key)
	if t.n.Load() > 0 {
		t.mu.RLock()
		out = append(out, t.lookupCreated(index, key)...)
		t.mu.RUnlock()
	}
	return out
}

// lookupCreated is Lookup over the created consumers; mu is held.
func (t *consumerTable) lookupCreated(index, key string) []Consumer {
	fn, ok := t.indexFn[index]
	if !ok {
		panic("weavr: unknown index " + index) // a programming error
	}
	var out []Consumer
	for _, id := range t.index[index][key] {
		if c := t.created[id]; slices.Contains(fn(c), key) { // skip stale entries
			out = append(out, c)
		}
	}
	return out
}

// Update applies fn to consumer id atomically, as store.Table.Update
// does: fn gets a copy of the current record and returns the new one, or
// an error that changes nothing (store.ErrNotFound for an unknown id).
func (t *consumerTable) Update(id string, fn func(tx consumerTx, cur Consumer) (Consumer, error)) (Consumer, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cur, ok := t.created[id]; ok {
		next, err := fn(consumerTx{t: t}, cur)
		if err != nil {
			return cur, err
		}
		t.put(next)
		return next, nil
	}
	return t.seeded.Update(id, func(tx store.Tx[string, Consumer], cur Consumer) (Consumer, error) {
		return fn(consumerTx{t: t, tx: tx, inSeed: true}, cur)
	})
}

// Insert creates a consumer atomically: build gets the new consumer's id
// and returns the record, or an error that creates nothing. A non-empty
// idem (an idempotency-ref with its payload) that an earlier Insert
// created with answers that consumer as it was created, with replayed set,
// and builds nothing.
func (t *consumerTable) Insert(idem string, build func(tx consumerTx, id string) (Consumer, error)) (c Consumer, replayed bool, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if prev, ok := t.idem[idem]; ok && idem != "" {
		return prev, true, nil
	}
	id := t.nextID()
	c, err = build(consumerTx{t: t}, id)
	if err != nil {
		return Consumer{}, false, err
	}
	c.ID = id
	if t.created == nil {
		t.created, t.index, t.idem = map[string]Consumer{}, map[string]map[string][]string{}, map[string]Consumer{}
	}
	t.put(c)
	t.order = append(t.order, id)
	t.seq++
	if idem != "" {
		t.idem[idem] = c
	}
	t.n.Store(int64(len(t.order)))
	return c, false, nil
}

// nextID is the id the next created consumer gets; mu is held.
func (t *consumerTable) nextID() string {
	for i := t.seq; ; i++ {
		id := strconv.FormatInt(createdFirstID+int64(i), 10)
		if _, taken := t.seeded.Get(id); !taken { // a fixture may use any id
			t.seq = i
			return id
		}
	}
}

// put stores a created consumer and indexes it; mu is held.
func (t *consumerTable) put(c Consumer) {
	t.created[c.ID] = c
	for name, fn := range t.indexFn {
		idx := t.index[name]
		if idx == nil {
			idx = map[string][]string{}
			t.index[name] = idx
		}
		for _, k := range fn(c) {
			if !slices.Contains(idx[k], c.ID) {
				idx[k] = append(idx[k], c.ID)
			}
		}
	}
}

// Page is store.Table.Page over both parts: the seeded consumers in seed
// order, then the created ones in creation order.
func (t *consumerTable) Page(match func(Consumer) bool, offset, limit int) (page []Consumer, total int) {
	page, total = t.seeded.Page(match, offset, limit)
	if t.n.Load() == 0 {
		return page, total
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, id := range t.order {
		c := t.created[id]
		if match != nil && !match(c) {
			continue
		}
		if total >= offset && len(page) < limit {
			page = append(page, c)
		}
		total++
	}
	return page, total
}
