package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// Delivery states.
const (
	// StatePending: waiting for an attempt or in flight.
	StatePending = "pending"
	// StateDelivered: a receiver answered 2xx.
	StateDelivered = "delivered"
	// StateFailed: the retries are exhausted, or the answer is one the
	// vendor does not retry (4xx other than 408, 409, 425; 3xx).
	StateFailed = "failed"
	// StateDropped: a scenario dropped it; it was never sent.
	StateDropped = "dropped"
	// StateUndelivered: never sent: no receiver URL, too many pending
	// deliveries, or the sandbox stopped first.
	StateUndelivered = "undelivered"
)

// Delivery is one event's delivery to the session's receiver, as the
// control API shows it.
type Delivery struct {
	ID      string `json:"id"`
	Vendor  string `json:"vendor"`
	Event   string `json:"event"` // the event's path: /consumers/kyc/watch
	Subject string `json:"subject,omitempty"`
	URL     string `json:"url,omitempty"` // receiver URL + event path
	CallRef string `json:"callRef"`
	State   string `json:"state"`
	Error   string `json:"error,omitempty"` // why it is failed or undelivered
	// Body is the event exactly as sent.
	Body json.RawMessage `json:"body"`
	// Headers are the last attempt's headers (signatures included).
	Headers  map[string]string `json:"headers,omitempty"`
	Created  time.Time         `json:"created"`
	Scenario string            `json:"scenario,omitempty"` // the scenario that altered it
	Fault    string            `json:"fault,omitempty"`
	// Copy numbers the deliveries of one duplicated event (1, 2, …).
	Copy          int        `json:"copy,omitempty"`
	NextAttemptAt *time.Time `json:"nextAttemptAt,omitempty"`
	// Queued: pending behind the session's earlier deliveries (they are
	// delivered in order).
	Queued   bool      `json:"queued,omitempty"`
	Attempts []Attempt `json:"attempts"`
}

// Attempt is one POST to the receiver.
type Attempt struct {
	N         int               `json:"n"`
	At        time.Time         `json:"at"`
	Status    int               `json:"status,omitempty"` // 0: no answer
	LatencyMs float64           `json:"latencyMs"`
	Error     string            `json:"error,omitempty"`
	Outcome   string            `json:"outcome"` // delivered, retry, failed
	Headers   map[string]string `json:"headers"`
}

// record is a delivery's mutable state, guarded by its box's lock.
type record struct {
	id, vendor, event, subject string
	url, callRef, secret       string
	body                       []byte
	created                    time.Time
	scenario, fault            string
	copy                       int
	age                        time.Duration // stale-timestamp: published this far back
	badSignature               bool
	state, err                 string
	next                       time.Time
	attempts                   []Attempt
	running                    bool          // tracked: queued or being delivered
	delay                      time.Duration // queued: the wait before its first attempt
	queued                     bool          // in its box's queue
}

func (r *record) view() Delivery {
	d := Delivery{ID: r.id, Vendor: r.vendor, Event: r.event, Subject: r.subject, URL: r.url, CallRef: r.callRef,
		State: r.state, Error: r.err, Body: rawJSON(r.body), Created: r.created, Scenario: r.scenario, Fault: r.fault,
		Copy: r.copy, Queued: r.queued, Attempts: append([]Attempt{}, r.attempts...)}
	if n := len(r.attempts); n > 0 {
		d.Headers = r.attempts[n-1].Headers
	}
	if r.state == StatePending && !r.next.IsZero() {
		t := r.next
		d.NextAttemptAt = &t
	}
	return d
}

// rawJSON keeps a JSON body as is; anything else becomes a JSON string.
func rawJSON(b []byte) json.RawMessage {
	if json.Valid(b) {
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}

// box is one session's webhook state. When sc is in Redis the box is a
// handle holding nothing mutable: the fields below are unused and every
// operation goes to Redis (remote.go).
type box struct {
	d     *Dispatcher
	sc    state.Scope    // zero: in memory
	clock *clock.Session // the session's: retries fall due by its time

	mu      sync.Mutex
	url     string // the session's own receiver; "" = the default
	list    []*record
	byID    map[string]*record
	seq     int
	dropped uint64 // deliveries forgotten past Keep
	burst   *burst
	queue   []*record // waiting for the session's runner, in order
	busy    bool      // a runner is delivering the queue

	ctx      context.Context // ends when the session is gone; made on first use
	cancel   context.CancelFunc
	released bool
}

// context ends when the session is gone.
func (b *box) context() context.Context {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ctx == nil {
		b.ctx, b.cancel = context.WithCancel(context.Background())
		if b.released {
			b.cancel()
		}
	}
	return b.ctx
}

// burst holds events a reorder fault delays, to deliver them in reverse.
type burst struct{ items []*record }

// Release stops the session's pending deliveries (the session is deleted,
// reset, expired or evicted).
func (b *box) Release() {
	if b.sc.Remote() {
		b.d.releaseRemote(b)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.released = true
	if b.cancel != nil {
		b.cancel()
	}
}

// target is the receiver URL of the session (under lock).
func (b *box) target() string {
	if b.url != "" {
		return b.url
	}
	return b.d.opts.URL
}

// add stores a new record (under lock), forgetting the oldest finished
// one past Keep (or the oldest at all when every one is pending).
func (b *box) add(r *record) {
	b.seq++
	r.id = "wh_" + strconv.Itoa(b.seq)
	if b.byID == nil {
		b.byID = map[string]*record{}
	}
	b.list = append(b.list, r)
	b.byID[r.id] = r
	if len(b.list) <= b.d.opts.Keep {
		return
	}
	drop := 0
	for i, old := range b.list {
		if old.state != StatePending {
			drop = i
			break
		}
	}
	delete(b.byID, b.list[drop].id)
	b.list = append(b.list[:drop], b.list[drop+1:]...)
	b.dropped++
}

// forget drops r from the session's list unless it is being delivered
// (the sandbox-wide bound, MaxRecords).
func (b *box) forget(r *record) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.byID[r.id] != r || r.running {
		return
	}
	delete(b.byID, r.id)
	for i, x := range b.list {
		if x == r {
			b.list = append(b.list[:i], b.list[i+1:]...)
			break
		}
	}
	b.dropped++
}

// headerMap flattens headers for the JSON view, names in lower case as
// the vendor documents them (call-ref, signature-v2).
func headerMap(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if len(v) > 0 {
			out[strings.ToLower(k)] = v[0]
		}
	}
	return out
}
