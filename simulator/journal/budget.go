package journal

import (
	"sync"
	"sync/atomic"
)

// Budget bounds the memory of every journal of the sandbox together
// (--journal-memory): past its limit the oldest entries of the whole
// sandbox are evicted, whole and counted, whichever session they belong
// to. Per-session capacity alone would let many sessions grow without
// bound. Sizes are estimates of what an entry holds (its strings plus a
// fixed overhead), not exact heap bytes.
type Budget struct {
	limit   int64
	used    atomic.Int64
	live    atomic.Int64 // entries charged and still held
	evicted atomic.Uint64

	// mu guards the queue of charged entries in the order they were
	// added (a FIFO from head). It is taken after a journal's lock,
	// never before one.
	mu    sync.Mutex
	queue []record
	head  int
}

// record names one charged entry: its journal and Seq.
type record struct {
	j   *Journal
	seq uint64
}

// NewBudget returns a budget of limit bytes (<= 0: unlimited, only
// counted).
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// Limit is the budget in bytes (0 when unlimited).
func (b *Budget) Limit() int64 { return max(b.limit, 0) }

// Used is the estimated bytes the journals hold now.
func (b *Budget) Used() int64 { return b.used.Load() }

// Evicted counts entries evicted to stay within the budget.
func (b *Budget) Evicted() uint64 { return b.evicted.Load() }

// enqueue charges a new entry of j (the caller holds j.mu, so the entries
// of one journal are queued in Seq order); freed is what the entry it
// replaced in a full ring held.
func (b *Budget) enqueue(j *Journal, seq uint64, size, freed int64, replaced bool) {
	b.used.Add(size - freed)
	if !replaced {
		b.live.Add(1)
	}
	if b.limit <= 0 {
		return
	}
	b.mu.Lock()
	if b.head > 0 && b.head >= len(b.queue)/2 { // reuse the popped front
		k := copy(b.queue, b.queue[b.head:])
		clear(b.queue[k:])
		b.queue, b.head = b.queue[:k], 0
	}
	b.queue = append(b.queue, record{j: j, seq: seq})
	b.compact()
	b.mu.Unlock()
}

// compact drops the records of entries that are gone once they are most
// of the queue, so the queue stays proportional to the live entries. The
// caller holds b.mu.
func (b *Budget) compact() {
	pending := len(b.queue) - b.head
	if pending < 1024 || int64(pending) < 2*b.live.Load() {
		return
	}
	kept := b.queue[:0]
	for _, r := range b.queue[b.head:] {
		if r.j.holds(r.seq) {
			kept = append(kept, r)
		}
	}
	clear(b.queue[len(kept):])
	b.queue, b.head = kept, 0
}

// evict removes the sandbox's oldest entries until the budget holds; it
// is called with no journal lock held. It returns how many it evicted.
func (b *Budget) evict() int {
	n := 0
	for b.limit > 0 && b.used.Load() > b.limit {
		b.mu.Lock()
		if b.head == len(b.queue) {
			b.mu.Unlock()
			return n
		}
		r := b.queue[b.head]
		b.queue[b.head] = record{}
		b.head++
		if b.head == len(b.queue) {
			b.queue, b.head = b.queue[:0], 0
		}
		b.mu.Unlock()
		if k := r.j.evictOldest(r.seq); k > 0 {
			b.evicted.Add(uint64(k))
			n += k
		}
	}
	return n
}

// release returns the bytes of count entries a journal no longer holds.
func (b *Budget) release(bytes int64, count int) {
	b.used.Add(-bytes)
	b.live.Add(-int64(count))
}
