// Package journal records what an integrator's client sent to the sandbox
// and what the sandbox answered, so a test can look at the traffic (and
// assert on it with Verify) instead of guessing from its own logs.
//
// One Journal belongs to one session. It keeps the newest entries up to a
// fixed capacity in a ring buffer, so a long-running session costs bounded
// memory; what falls off the end is counted, never silently forgotten.
// With the shared state backend (NewIn with a remote Scope) the entries
// live in Redis instead, so every replica serving the session appends to
// and reads the same journal.
//
// The package is vendor-neutral: vendors appear only as strings.
package journal

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// DefaultCapacity is the capacity New uses when given none: enough for a
// test suite's traffic in one session, small enough that a thousand
// sessions stay cheap.
const DefaultCapacity = 1000

// Entry is one request the sandbox served and the answer it gave. The
// journal keeps it as the caller passes it (headers in a compact encoding);
// secrets are masked when it is read (Masked), not on the request's path.
type Entry struct {
	// Seq numbers the entries of one journal from 1, in the order they were
	// added; it never repeats, even after Clear, so a client can poll for
	// "entries after the last Seq I saw".
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	// DurationMs is how long the sandbox took to answer, in milliseconds
	// (fractional), the unit people read in a JSON dump.
	DurationMs float64 `json:"durationMs"`
	Session    string  `json:"session"`
	Vendor     string  `json:"vendor"`
	// Operation is the operation id of the route, e.g. "weavr.consumerUpdate".
	Operation       string      `json:"operation"`
	Method          string      `json:"method"`
	Path            string      `json:"path"`
	Query           string      `json:"query"`
	RequestHeaders  http.Header `json:"requestHeaders"`
	RequestBody     string      `json:"requestBody"`
	Status          int         `json:"status"`
	ResponseHeaders http.Header `json:"responseHeaders"`
	ResponseBody    string      `json:"responseBody"`
	// Scenario names the scenario that answered, "" when the simulated
	// behaviour did.
	Scenario   string `json:"scenario"`
	RequestRef string `json:"requestRef"`
	// SessionTime is the session's time when its clock was moved (the
	// control API's /clock); Time stays the real time. Absent otherwise.
	SessionTime *time.Time `json:"sessionTime,omitempty"`
}

// Millis converts a duration to the fractional milliseconds of
// Entry.DurationMs.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// stored is an Entry as the journal keeps it: the header maps encoded in
// one string each (a map per header set was most of a journal's memory),
// and the bytes the entry is charged against the Budget.
type stored struct {
	Entry                          // its header maps are nil
	reqHeaders, respHeaders string // encodeHeader
	size                    int64
}

// full is the Entry with its headers decoded (maps of the caller's own).
func (s *stored) full() Entry {
	e := s.Entry
	e.RequestHeaders = decodeHeader(s.reqHeaders)
	e.ResponseHeaders = decodeHeader(s.respHeaders)
	return e
}

// entryOverhead approximates what an entry costs beyond its strings: the
// struct, its ring slot and the Budget's queue record.
const entryOverhead = 320

func newStored(e Entry) stored {
	s := stored{Entry: e, reqHeaders: encodeHeader(e.RequestHeaders), respHeaders: encodeHeader(e.ResponseHeaders)}
	s.RequestHeaders, s.ResponseHeaders = nil, nil
	s.size = int64(entryOverhead + len(s.reqHeaders) + len(s.respHeaders) + len(e.RequestBody) + len(e.ResponseBody) +
		len(e.Path) + len(e.Query) + len(e.RequestRef))
	return s
}

// encodeHeader writes h as name NUL value NUL pairs, one pair per value
// (so repeated headers keep their order), in one allocation. Names come in
// map order: decodeHeader rebuilds a map, where their order is lost anyway.
func encodeHeader(h http.Header) string {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 2
		}
	}
	if n == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(n)
	for k, vs := range h {
		for _, v := range vs {
			b.WriteString(k)
			b.WriteByte(0)
			b.WriteString(v)
			b.WriteByte(0)
		}
	}
	return b.String()
}

// decodeHeader is encodeHeader's inverse (nil for "").
func decodeHeader(s string) http.Header {
	if s == "" {
		return nil
	}
	h := http.Header{}
	for s != "" {
		k, rest, _ := strings.Cut(s, "\x00")
		v, rest2, _ := strings.Cut(rest, "\x00")
		h[k] = append(h[k], v)
		s = rest2
	}
	return h
}

// Journal is a bounded, concurrency-safe record of one session's requests:
// at most its capacity of entries, and, with a Budget, only as many as the
// sandbox-wide memory budget leaves. Its zero value is not usable; call New
// or NewIn.
type Journal struct {
	mu       sync.Mutex
	capacity int
	budget   *Budget // nil: no sandbox-wide budget
	// remote, when set, holds the journal in Redis (NewIn) and every
	// method defers to it; the fields below are then unused.
	remote *remote
	// buf is a ring growing by doubling up to capacity: n entries from
	// start, the oldest first.
	buf      []stored
	start, n int
	lastSeq  uint64
	dropped  uint64
	// first is the Seq of the oldest entry held (lastSeq+1 when empty) and
	// released is set by Release: the Budget reads both without the lock
	// to tell its records of gone entries.
	first    atomic.Uint64
	released atomic.Bool
}

// New returns an empty Journal keeping at most capacity entries;
// capacity <= 0 means DefaultCapacity. budget, when not nil, is the
// sandbox-wide memory budget its entries are charged against.
func New(capacity int, budget *Budget) *Journal {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	j := &Journal{capacity: capacity, budget: budget}
	j.first.Store(1)
	return j
}

// NewIn returns the journal of the session whose state lives in sc: for
// the zero Scope (the in-memory mode) it is New(capacity, budget); for a
// remote Scope it is a handle on the entries kept in Redis under sc, which
// every replica serving the session shares (each holds its own handle on
// the same journal), with the same semantics as the in-memory one: Seq
// unique and increasing across replicas, at most capacity entries, the
// oldest dropped and counted. The Budget does not apply in Redis mode and
// is ignored: it bounds this process's memory, and a remote journal keeps
// none here (its capacity bounds what it holds in Redis).
func NewIn(sc state.Scope, capacity int, budget *Budget) *Journal {
	if !sc.Remote() {
		return New(capacity, budget)
	}
	j := New(capacity, nil)
	j.remote = newRemote(sc)
	return j
}

// Batched is e as an append a request's batch sends with its commit, in
// one script (state.Batch.Flush: the entry lands only with the write it
// records); nil in the in-memory mode, where Add is the way.
func (j *Journal) Batched(e Entry) *state.Append {
	if j.remote == nil {
		return nil
	}
	return j.remote.entry(e, j.capacity)
}

// Add stores e with the next Seq and returns that Seq. When the journal is
// full the oldest entry is dropped and counted, and dropped is true, so the
// caller can feed a metric without racing other writers on Dropped. The
// journal keeps its own encoding of e's headers: e stays the caller's.
// When the Budget is exceeded, the oldest entries of the whole sandbox are
// evicted (counted as dropped by their journals); evicted says how many.
// In Redis mode Add is one round trip (a script draws the Seq, appends and
// trims atomically) and evicted is always 0; when Redis cannot answer it
// aborts the request (state.Abort), as every method does in that mode.
func (j *Journal) Add(e Entry) (seq uint64, dropped bool, evicted int) {
	if j.remote != nil {
		seq, dropped = j.remote.add(e, j.capacity)
		return seq, dropped, 0
	}
	s := newStored(e)
	j.mu.Lock()
	j.lastSeq++
	s.Seq = j.lastSeq
	if j.n == len(j.buf) && len(j.buf) < j.capacity {
		// One slot at a time while small (most sessions journal a few
		// requests; a slot is ~300 bytes), then doubling.
		size := len(j.buf) + 1
		if len(j.buf) >= 4 {
			size = 2 * len(j.buf)
		}
		grown := make([]stored, min(size, j.capacity))
		for i := range j.n {
			grown[i] = j.buf[(j.start+i)%len(j.buf)]
		}
		j.buf, j.start = grown, 0
	}
	var freed int64
	if j.n == len(j.buf) {
		freed = j.buf[j.start].size
		j.buf[j.start] = s
		j.start = (j.start + 1) % len(j.buf)
		j.first.Store(j.buf[j.start].Seq)
		j.dropped++
		dropped = true
	} else {
		j.buf[(j.start+j.n)%len(j.buf)] = s
		j.n++
	}
	charged := j.budget != nil && !j.released.Load()
	if charged {
		j.budget.enqueue(j, s.Seq, s.size, freed, dropped)
	}
	j.mu.Unlock()
	if charged {
		evicted = j.budget.evict()
	}
	return s.Seq, dropped, evicted
}

// holds reports, without the lock, whether the entry seq is still held.
func (j *Journal) holds(seq uint64) bool { return !j.released.Load() && seq >= j.first.Load() }

// evictOldest drops the journal's entries up to seq (the Budget's oldest
// record): the entries before it had their records popped already, by this
// or a concurrent eviction. It returns how many it dropped.
func (j *Journal) evictOldest(seq uint64) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for j.n > 0 && j.buf[j.start].Seq <= seq && !j.released.Load() {
		j.budget.release(j.buf[j.start].size, 1)
		j.buf[j.start] = stored{}
		j.start = (j.start + 1) % len(j.buf)
		j.n--
		j.dropped++
		n++
	}
	if n > 0 {
		j.first.Store(j.lastSeq + 1)
		if j.n > 0 {
			j.first.Store(j.buf[j.start].Seq)
		}
	}
	return n
}

// Release gives the journal's entries back to the Budget: the session it
// belongs to is gone (deleted, reset, expired or evicted). The session
// registry calls it; the journal keeps working, uncharged. A Redis
// journal holds nothing against the Budget (its keys go with the
// session's Scope), so Release does nothing.
func (j *Journal) Release() {
	if j.remote != nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.budget != nil && !j.released.Swap(true) {
		j.budget.release(j.heldBytes(), j.n)
	}
}

// heldBytes sums the sizes of the entries held. The caller holds mu.
func (j *Journal) heldBytes() int64 {
	var n int64
	j.each(func(s *stored) { n += s.size })
	return n
}

// each calls fn on every retained entry, oldest first. The caller holds mu.
func (j *Journal) each(fn func(s *stored)) {
	for i := range j.n {
		fn(&j.buf[(j.start+i)%len(j.buf)])
	}
}

// Entries returns copies of the entries matching f, oldest first. With
// f.Limit > 0 only the newest Limit matches are returned.
func (j *Journal) Entries(f Filter) []Entry {
	if j.remote != nil {
		return j.remote.entriesOf(f)
	}
	j.mu.Lock()
	var matched []*stored
	j.each(func(s *stored) {
		if f.Match(&s.Entry) {
			matched = append(matched, s)
		}
	})
	if f.Limit > 0 && len(matched) > f.Limit {
		matched = matched[len(matched)-f.Limit:]
	}
	out := make([]Entry, len(matched))
	for i, s := range matched {
		out[i] = s.full()
	}
	j.mu.Unlock()
	return out
}

// Count returns how many retained entries match f, capped at f.Limit when
// it is positive (the length Entries would return).
func (j *Journal) Count(f Filter) int {
	if j.remote != nil {
		n, _ := j.remote.count(f)
		return n
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	j.each(func(s *stored) {
		if f.Match(&s.Entry) {
			n++
		}
	})
	if f.Limit > 0 && n > f.Limit {
		n = f.Limit
	}
	return n
}

// Dropped is how many entries fell off the journal since it was created or
// last cleared (its capacity, or the sandbox-wide budget). A non-zero
// count means assertions see only part of the traffic.
func (j *Journal) Dropped() uint64 {
	if j.remote != nil {
		return j.remote.counter("dropped")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.dropped
}

// Len is the number of retained entries.
func (j *Journal) Len() int {
	if j.remote != nil {
		return j.remote.len()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.n
}

// LastSeq is the Seq of the newest entry ever added (0 when none), held or
// not: a poller whose cursor is above it is reading a journal that was
// replaced (its session reset or deleted) and must start again from 0.
func (j *Journal) LastSeq() uint64 {
	if j.remote != nil {
		return j.remote.counter("seq")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.lastSeq
}

// Capacity is the most entries the journal retains.
func (j *Journal) Capacity() int { return j.capacity }

// Clear forgets every entry and resets the dropped count, so a test can
// start its assertions from a clean slate. Seq keeps counting up.
func (j *Journal) Clear() {
	if j.remote != nil {
		j.remote.clear()
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.budget != nil && !j.released.Load() {
		j.budget.release(j.heldBytes(), j.n)
	}
	j.buf, j.start, j.n, j.dropped = nil, 0, 0, 0
	j.first.Store(j.lastSeq + 1)
}
