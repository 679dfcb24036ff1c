// Package journal records what an integrator's client sent to the sandbox
// and what the sandbox answered, so a test can look at the traffic (and
// assert on it with Verify) instead of guessing from its own logs.
//
// One Journal belongs to one session. It keeps the newest entries up to a
// fixed capacity in a ring buffer, so a long-running session costs bounded
// memory; what falls off the end is counted, never silently forgotten.
//
// The package is vendor-neutral: vendors appear only as strings.
package journal

import (
	"net/http"
	"sync"
	"time"
)

// DefaultCapacity is the capacity New uses when given none: enough for a
// test suite's traffic in one session, small enough that a thousand
// sessions stay cheap.
const DefaultCapacity = 1000

// Entry is one request the sandbox served and the answer it gave. Bodies and
// headers are stored as the caller passes them: the caller is expected to
// mask secrets first (MaskHeaders, MaskBody), because journals are readable
// over the admin API.
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
}

// Millis converts a duration to the fractional milliseconds of
// Entry.DurationMs.
func Millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// clone returns e with header maps of its own, so neither the caller nor a
// reader can change what the journal holds.
func (e Entry) clone() Entry {
	e.RequestHeaders = e.RequestHeaders.Clone()
	e.ResponseHeaders = e.ResponseHeaders.Clone()
	return e
}

// Journal is a bounded, concurrency-safe record of one session's requests.
// Its zero value is not usable; call New.
type Journal struct {
	mu       sync.Mutex
	capacity int
	// buf grows by append until it reaches capacity and is then reused as a
	// ring: start is the index of the oldest entry once it is full.
	buf     []Entry
	start   int
	lastSeq uint64
	dropped uint64
}

// New returns an empty Journal keeping at most capacity entries;
// capacity <= 0 means DefaultCapacity.
func New(capacity int) *Journal {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	return &Journal{capacity: capacity}
}

// Add stores a copy of e with the next Seq and returns that Seq. When the
// journal is full the oldest entry is dropped and counted, and dropped is
// true, so the caller can feed a metric without racing other writers on
// Dropped. Only the copy is kept: e's header maps stay the caller's.
func (j *Journal) Add(e Entry) (seq uint64, dropped bool) {
	return j.AddOwned(e.clone())
}

// AddOwned is Add without the copy, for a caller that hands e's header
// maps over and never touches them again: the sandbox journals a finished
// request's headers, which nothing writes after the handler returns (net/http
// copies the response headers when they are written). It saves two map
// copies per request on the hot path.
func (j *Journal) AddOwned(e Entry) (seq uint64, dropped bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lastSeq++
	e.Seq = j.lastSeq
	if len(j.buf) < j.capacity {
		j.buf = append(j.buf, e)
	} else {
		j.buf[j.start] = e
		j.start = (j.start + 1) % j.capacity
		j.dropped++
		dropped = true
	}
	return e.Seq, dropped
}

// each calls fn on every retained entry, oldest first. The caller holds mu.
func (j *Journal) each(fn func(e *Entry)) {
	n := len(j.buf)
	for i := range n {
		fn(&j.buf[(j.start+i)%n])
	}
}

// Entries returns copies of the entries matching f, oldest first. With
// f.Limit > 0 only the newest Limit matches are returned.
func (j *Journal) Entries(f Filter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []Entry{}
	j.each(func(e *Entry) {
		if f.Match(e) {
			out = append(out, *e)
		}
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	for i := range out {
		out[i] = out[i].clone()
	}
	return out
}

// Count returns how many retained entries match f, capped at f.Limit when
// it is positive (the length Entries would return).
func (j *Journal) Count(f Filter) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	j.each(func(e *Entry) {
		if f.Match(e) {
			n++
		}
	})
	if f.Limit > 0 && n > f.Limit {
		n = f.Limit
	}
	return n
}

// Dropped is how many entries fell off the full journal since it was created
// or last cleared. A non-zero count means assertions see only part of the
// traffic.
func (j *Journal) Dropped() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.dropped
}

// Len is the number of retained entries.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.buf)
}

// Capacity is the most entries the journal retains.
func (j *Journal) Capacity() int { return j.capacity }

// Clear forgets every entry and resets the dropped count, so a test can
// start its assertions from a clean slate. Seq keeps counting up.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf = nil
	j.start = 0
	j.dropped = 0
}
