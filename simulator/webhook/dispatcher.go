// Package webhook records, schedules, signs and delivers the webhooks the
// simulated vendors send, per session, as the vendors do: asynchronously,
// retried on the vendor's rule with exponential backoff, then marked
// failed. What no vendor offers is here too: every delivery and attempt is
// kept per session to be listed, verified and redelivered, and scenarios
// inject the faults a receiver must survive (delay, duplicates, reordered
// bursts, drops, a wrong signature, a stale timestamp).
//
// The package is vendor-neutral: a vendor publishes contract.Events and
// declares its signing rule (contract.Webhooks.Sign); the dispatcher never
// knows what a body means.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// Schedule is the retry rule: after a failed attempt the next one comes
// First later, each next one Factor times later than the previous, for
// Retries retries; then the delivery is failed. Weavr: 5 retries, the
// first after 10 s, each next ×6 (our reading of the vendor's terse
// documentation page, hence configurable).
type Schedule struct {
	First   time.Duration
	Factor  float64
	Retries int
}

// DefaultSchedule is Weavr's documented retry rule.
func DefaultSchedule() Schedule { return Schedule{First: 10 * time.Second, Factor: 6, Retries: 5} }

// Delay is the wait before retry n (1-based).
func (s Schedule) Delay(n int) time.Duration {
	d := float64(s.First)
	for i := 1; i < n; i++ {
		d *= s.Factor
	}
	return time.Duration(min(d, float64(365*24*time.Hour)))
}

func (s Schedule) validate() error {
	switch {
	case s.First <= 0:
		return fmt.Errorf("webhook: first retry delay must be positive, got %s", s.First)
	case s.Factor < 1:
		return fmt.Errorf("webhook: backoff factor must be >= 1, got %g", s.Factor)
	case s.Retries < 0 || s.Retries > 20:
		return fmt.Errorf("webhook: retries must be 0-20, got %d", s.Retries)
	}
	return nil
}

// Observer is told of every attempt and every delivery's outcome (the
// sandbox's Prometheus metrics).
type Observer interface {
	// WebhookAttempt: outcome is the answer's status class ("2xx", "5xx")
	// or "error" when no answer came.
	WebhookAttempt(vendor, event, outcome string, latency time.Duration)
	// WebhookDelivery: outcome is delivered, failed, dropped or undelivered.
	WebhookDelivery(vendor, event, outcome string)
}

// FaultFunc decides whether a scenario alters an event's delivery (nil:
// deliver normally).
type FaultFunc func(s *session.Session, vendor string, ev contract.Event) *Fault

// Options configure a Dispatcher. Zero values take the defaults.
type Options struct {
	Clock  clock.Clock
	Logger *slog.Logger
	// Client sends the deliveries; nil is a client that follows no
	// redirect (a 3xx is an answer, as for the vendor's sender).
	Client *http.Client
	// URL is every session's receiver unless the session sets its own
	// (--webhook-url); "" means events are recorded, not delivered.
	URL      string
	Schedule Schedule      // zero: DefaultSchedule
	Timeout  time.Duration // per attempt (default 10s)
	// Workers bounds the attempts in flight sandbox-wide (default 16).
	Workers int
	// Keep bounds the deliveries kept per session (default 500): past it
	// the oldest finished one is forgotten.
	Keep int
	// MaxPending bounds the deliveries waiting or in flight sandbox-wide
	// (default 10000): past it a new event is recorded as undelivered.
	MaxPending int
	// MaxRecords bounds the deliveries kept sandbox-wide (default 20000):
	// past it the oldest one of any session is forgotten, so many
	// sessions cannot grow memory without bound.
	MaxRecords int
	Observer   Observer
	Faults     FaultFunc
	// Unordered delivers each event on its own, so a later event may
	// arrive before an earlier one's retry (--webhook-order none). By
	// default a session's events arrive in the order they were published:
	// each waits until the earlier ones are delivered or failed, so out
	// of order happens only when a scenario asks (reorder). Weavr does
	// not say which it does.
	Unordered bool
	// State is the shared backend (--state): nil keeps every delivery in
	// this process (the default). With it, the deliveries of sessions
	// whose Scope is in Redis live there, and every replica's Run sends
	// whichever attempt is due (see redis.go), so a replica that dies
	// loses no pending delivery.
	State *state.Redis
	// Lease is how long a replica holds an attempt it claimed (Redis
	// mode; default Timeout + 10s): past it without a result, the attempt
	// is due again and another replica sends it. It must exceed Timeout.
	Lease time.Duration
	// Poll is how often an idle replica looks for due attempts (Redis
	// mode; default 50ms; up to 5× that while the queue stays empty:
	// quietPolls). Its own publications wake it at once.
	Poll time.Duration
}

// Defaults of Options.
const (
	DefaultTimeout    = 10 * time.Second
	DefaultWorkers    = 16
	DefaultKeep       = 500
	DefaultMaxPending = 10_000
	DefaultMaxRecords = 20_000
	DefaultPoll       = 50 * time.Millisecond
	// leaseMargin is the default Lease beyond Timeout: time to record
	// the answer.
	leaseMargin = 10 * time.Second
)

func (o *Options) fill() error {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Client == nil {
		o.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if o.Schedule == (Schedule{}) {
		o.Schedule = DefaultSchedule()
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	if o.Keep == 0 {
		o.Keep = DefaultKeep
	}
	if o.MaxPending == 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.MaxRecords == 0 {
		o.MaxRecords = DefaultMaxRecords
	}
	if o.Lease == 0 {
		o.Lease = o.Timeout + leaseMargin
	}
	if o.Poll == 0 {
		o.Poll = DefaultPoll
	}
	if o.Faults == nil {
		o.Faults = func(*session.Session, string, contract.Event) *Fault { return nil }
	}
	switch {
	case o.Timeout < 0 || o.Workers < 0 || o.Keep < 0 || o.MaxPending < 0 || o.MaxRecords < 0 || o.Poll < 0:
		return fmt.Errorf("webhook: timeout, workers, keep, max pending, max records and poll must not be negative")
	case o.Lease <= o.Timeout:
		return fmt.Errorf("webhook: the lease (%s) must exceed the attempt timeout (%s), or a live replica's attempt would be sent again", o.Lease, o.Timeout)
	case o.URL != "":
		if err := CheckURL(o.URL); err != nil {
			return err
		}
	}
	return o.Schedule.validate()
}

// CheckURL accepts a receiver URL: absolute http or https with a host.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("webhook URL %q: want an absolute http:// or https:// URL without query or fragment, e.g. http://127.0.0.1:9000/hooks", raw)
	}
	return nil
}

// Dispatcher is the sandbox's one webhook sender. Sessions hold their
// deliveries (Key); the dispatcher owns the goroutines that deliver them.
type Dispatcher struct {
	opts    Options
	key     session.Key[*box]
	signers map[string]func(http.Header, string, []byte, time.Time, string)
	sem     chan struct{}
	prefix  string
	refs    atomic.Uint64
	pending atomic.Int64

	hurry     context.Context // ends when draining starts: no more waiting
	startHurr context.CancelFunc
	stop      context.Context // ends when the drain time is up: attempts are cut
	stopNow   context.CancelFunc
	wg        sync.WaitGroup

	mu      sync.Mutex
	inbound map[*record]*box // deliveries pending, for the shutdown report

	// kept is every delivery recorded, oldest first, bounded by
	// MaxRecords (records a session already forgot included).
	keptMu sync.Mutex
	kept   []kept
	head   int

	// Redis mode (Options.State); unused in memory mode.
	rkeys   []string      // due, inflight, pending, kept (redis.go)
	ordered string        // "1" unless Unordered, for the scripts
	wake    chan struct{} // a local publication or result: poll now
	claimMu sync.Mutex    // orders claims with Drain's start
	sending atomic.Int64  // attempts this replica claimed and has not finished
	// recording counts answers being recorded and observed here
	recording atomic.Int64
	claims    atomic.Uint64 // numbers this replica's claims
}

type kept struct {
	r *record
	b *box
}

// admit counts new records against MaxRecords and forgets the oldest of
// the sandbox past it. The caller holds no box lock.
func (d *Dispatcher) admit(b *box, recs []*record) {
	var evict []kept
	d.keptMu.Lock()
	for _, r := range recs {
		d.kept = append(d.kept, kept{r, b})
	}
	for len(d.kept)-d.head > d.opts.MaxRecords {
		evict = append(evict, d.kept[d.head])
		d.kept[d.head] = kept{}
		d.head++
	}
	if d.head > 0 && d.head >= len(d.kept)/2 {
		n := copy(d.kept, d.kept[d.head:])
		clear(d.kept[n:])
		d.kept, d.head = d.kept[:n], 0
	}
	d.keptMu.Unlock()
	for _, k := range evict {
		k.b.forget(k.r)
	}
}

// New validates opts and returns an idle Dispatcher.
func New(opts Options) (*Dispatcher, error) {
	if err := opts.fill(); err != nil {
		return nil, err
	}
	var p [4]byte
	_, _ = rand.Read(p[:])
	d := &Dispatcher{opts: opts, key: session.NewKey[*box]("webhooks"), sem: make(chan struct{}, opts.Workers),
		signers: map[string]func(http.Header, string, []byte, time.Time, string){}, prefix: hex.EncodeToString(p[:]),
		inbound: map[*record]*box{}}
	if r := opts.State; r != nil {
		d.rkeys = []string{r.Webhooks("due"), r.Webhooks("inflight"), r.Webhooks("pending"), r.Webhooks("kept")}
		d.ordered = "1"
		if opts.Unordered {
			d.ordered = "0"
		}
		d.wake = make(chan struct{}, 1)
	}
	d.hurry, d.startHurr = context.WithCancel(context.Background())
	d.stop, d.stopNow = context.WithCancel(context.Background())
	return d, nil
}

// Register declares a vendor's webhooks (its signing rule); call it for
// every vendor before serving.
func (d *Dispatcher) Register(vendor string, w *contract.Webhooks) {
	if w != nil && w.Sign != nil {
		d.signers[vendor] = w.Sign
	}
}

// Factory makes each session's webhook state (its receiver URL and its
// deliveries): in this process, or in Redis when the session's Scope is
// there and the dispatcher has Options.State (the box is then a handle:
// every replica makes its own for the same Scope).
func (d *Dispatcher) Factory() session.Factory {
	return d.key.ClockedFactory(func(sc state.Scope, c *clock.Session) *box {
		if d.opts.State == nil || !sc.Remote() {
			sc = state.Scope{}
		}
		return &box{d: d, sc: sc, clock: c} // its map and context are made on first use: most sessions never publish
	})
}

// Publisher is what one vendor's handlers publish through.
func (d *Dispatcher) Publisher(vendor string) contract.Publisher { return publisher{d, vendor} }

type publisher struct {
	d      *Dispatcher
	vendor string
}

func (p publisher) Publish(s *session.Session, ev contract.Event) { p.d.publish(s, p.vendor, ev) }

// DefaultURL is the receiver of sessions that set none (--webhook-url).
func (d *Dispatcher) DefaultURL() string { return d.opts.URL }

// Schedule is the retry rule in force.
func (d *Dispatcher) Schedule() Schedule { return d.opts.Schedule }

// Drain delivers what is pending before the sandbox stops: waits are cut
// (every pending delivery is attempted now, retries without backoff) until
// ctx ends; then attempts in flight are cut and every delivery still
// pending is logged as undelivered. It returns how many were.
//
// In Redis mode the replica stops claiming attempts and lets those in
// flight finish within ctx (one cut then is sent again by another replica
// once its lease is over); deliveries still pending stay in Redis for the
// other replicas: they are logged, not marked undelivered, nor counted.
func (d *Dispatcher) Drain(ctx context.Context) int {
	d.claimMu.Lock()
	d.startHurr()
	d.claimMu.Unlock()
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		d.stopNow()
		<-done
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for r, b := range d.inbound {
		b.mu.Lock()
		r.state, r.err = StateUndelivered, errStopped
		d.opts.Logger.Warn("webhook undelivered at shutdown", "id", r.id, "event", r.event, "url", r.url, "call-ref", r.callRef, "attempts", len(r.attempts))
		b.mu.Unlock()
		n++
	}
	clear(d.inbound)
	if d.opts.State != nil {
		d.logRemaining()
	}
	return n
}

// Pending is the number of deliveries waiting or in flight: in Redis
// mode, every replica's (none while Redis does not answer), plus the
// answers this replica is recording (briefly counted twice), so that a
// delivery is settled only once the Observer has been told, as in memory
// mode.
func (d *Dispatcher) Pending() int {
	n := int(d.pending.Load())
	if d.opts.State != nil {
		n += d.remotePending() + int(d.recording.Load())
	}
	return n
}

// ClockMoved follows a move of a session's clock (session.Registry's
// OnClockMove). In memory a waiting delivery sees the move itself (it
// waits on the session's clock); in Redis mode due times are kept on the
// sandbox's clock, so the session's waiting attempts are made due as much
// earlier as its clock went forward, and this replica's poller looks at
// once. (A frozen clock's retries in Redis mode still fall due by real
// time: see docs/sessions-and-clock.md.)
func (d *Dispatcher) ClockMoved(s *session.Session, before, after clock.State) {
	b := d.key.Of(s)
	if b == nil || !b.sc.Remote() {
		return
	}
	base := d.opts.Clock.Now()
	by := after.At(base).Sub(before.At(base))
	if by <= 0 {
		return
	}
	_, err := d.script(context.Background(), shiftScript, b.sc.WebhookPrefix(), by.Milliseconds()).Int()
	if d.must(err) == nil {
		d.poke()
	}
}
