package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// Fault is how a scenario alters one event's delivery.
type Fault struct {
	Scenario string
	Kind     FaultKind
	Delay    time.Duration // delay: before the first attempt; reorder: the burst window
	Copies   int           // duplicate: deliveries in all (>= 2)
	Age      time.Duration // stale-timestamp: how far back published-timestamp is
}

// FaultKind is how a webhook scenario makes a delivery misbehave, named as
// scenario files name it (`webhook: <fault>`): this list is the one both
// the scenario loader and the dispatcher use. Real vendors deliver webhooks
// late, more than once, out of order, not at all, and (through proxies and
// key rotations) with signatures or timestamps a receiver must refuse; a
// handler is only proven against them when they can be asked for.
type FaultKind string

// The webhook faults.
const (
	// FaultDelay delivers the event late (Fault.Delay).
	FaultDelay FaultKind = "delay"
	// FaultDuplicate delivers the event Copies times with the same
	// call-ref: the receiver must be idempotent.
	FaultDuplicate FaultKind = "duplicate"
	// FaultReorder holds the events matched within a burst window
	// (Fault.Delay, opened by the first) and delivers them in reverse
	// order when it closes: the receiver must not trust arrival order.
	FaultReorder FaultKind = "reorder"
	// FaultDrop records the event but never delivers it: the receiver
	// must reconcile by polling the API.
	FaultDrop FaultKind = "drop"
	// FaultBadSignature signs the event with a wrong key: the receiver
	// must refuse it.
	FaultBadSignature FaultKind = "bad-signature"
	// FaultStaleTimestamp sets the published timestamp Age in the past,
	// signed consistently: the receiver must refuse a replay.
	FaultStaleTimestamp FaultKind = "stale-timestamp"
)

// FaultKinds lists every fault, in the order scenario errors and the
// schema name them.
func FaultKinds() []FaultKind {
	return []FaultKind{FaultDelay, FaultDuplicate, FaultReorder, FaultDrop, FaultBadSignature, FaultStaleTimestamp}
}

// wrongKey is what a bad-signature fault signs with instead of the key.
const wrongKey = "sandbox-bad-signature-key"

// publish records ev in the session and schedules its delivery.
func (d *Dispatcher) publish(s *session.Session, vendor string, ev contract.Event) {
	b := d.key.Of(s)
	if b.sc.Remote() {
		d.publishRemote(s, b, vendor, ev)
		return
	}
	f := d.opts.Faults(s, vendor, ev)
	now := b.clock.Now()
	copies := 1
	if f != nil && f.Kind == FaultDuplicate {
		copies = max(f.Copies, 2)
	}
	callRef := fmt.Sprintf("%s-%d", d.prefix, d.refs.Add(1))
	b.mu.Lock()
	base := b.target()
	var recs []*record
	for i := range copies {
		r := &record{vendor: vendor, event: ev.Path, subject: ev.Subject, callRef: callRef, secret: ev.Secret,
			body: ev.Body, created: now, state: StatePending}
		if base != "" {
			r.url = strings.TrimSuffix(base, "/") + ev.Path
		}
		if f != nil {
			r.scenario, r.fault = f.Scenario, string(f.Kind)
			r.badSignature = f.Kind == FaultBadSignature
			if f.Kind == FaultStaleTimestamp {
				r.age = f.Age
			}
			if copies > 1 {
				r.copy = i + 1
			}
		}
		switch {
		case f != nil && f.Kind == FaultDrop:
			r.state, r.err = StateDropped, "dropped by scenario "+f.Scenario
		case base == "":
			r.state, r.err = StateUndelivered, errNoURL
		case d.pending.Load() >= int64(d.opts.MaxPending):
			r.state, r.err = StateUndelivered, fmt.Sprintf("sandbox: more than %d webhook deliveries pending", d.opts.MaxPending)
		}
		b.add(r)
		recs = append(recs, r)
	}
	var held []*record
	for _, r := range recs {
		if r.state != StatePending {
			continue
		}
		if f != nil && f.Kind == FaultReorder {
			held = append(held, r)
			continue
		}
		d.track(b, r)
	}
	startBurst := false
	if len(held) > 0 {
		if b.burst == nil {
			b.burst, startBurst = &burst{}, true
		}
		b.burst.items = append(b.burst.items, held...)
		for _, r := range held {
			d.track(b, r)
		}
	}
	b.mu.Unlock()
	d.admit(b, recs)
	for _, r := range recs {
		if r.state != StatePending && d.opts.Observer != nil {
			d.opts.Observer.WebhookDelivery(vendor, ev.Path, r.state)
		}
	}
	for _, r := range recs {
		if r.state != StatePending || (f != nil && f.Kind == FaultReorder) {
			continue
		}
		wait := time.Duration(0)
		if f != nil && f.Kind == FaultDelay {
			wait = f.Delay
		}
		d.schedule(b, r, wait)
	}
	if startBurst {
		d.releaseBurst(b, max(f.Delay, time.Millisecond))
	}
}

// track counts r as pending (under b's lock).
func (d *Dispatcher) track(b *box, r *record) {
	r.running = true
	d.pending.Add(1)
	d.mu.Lock()
	d.inbound[r] = b
	d.mu.Unlock()
}

// finish forgets r as pending.
func (d *Dispatcher) finish(r *record) {
	d.pending.Add(-1)
	d.mu.Lock()
	delete(d.inbound, r)
	d.mu.Unlock()
}

// chain delivers r in a goroutine of its own (Options.Unordered).
func (d *Dispatcher) chain(b *box, r *record, wait time.Duration, n int) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.deliver(b, r, wait, n)
	}()
}

// deliver delivers r from attempt n on: it waits, attempts, and retries on
// the schedule until delivered, failed, the session is gone or the
// sandbox stops. r must be tracked.
func (d *Dispatcher) deliver(b *box, r *record, wait time.Duration, n int) {
	for {
		if !d.wait(b, r, wait) {
			return
		}
		retry := d.attempt(b, r, n)
		if !retry {
			return
		}
		if d.stop.Err() != nil {
			return // left pending: Drain reports it
		}
		wait = d.opts.Schedule.Delay(n)
		n++
	}
}

// wait sleeps before an attempt, until the session's clock reaches the
// attempt's due time (advancing the clock past it ends the wait at once);
// draining cuts it short. It returns false when the session is gone (the
// delivery is forgotten with it).
func (d *Dispatcher) wait(b *box, r *record, wait time.Duration) bool {
	if wait > 0 && d.hurry.Err() == nil {
		due := b.clock.Now().Add(wait)
		b.mu.Lock()
		r.next = due
		b.mu.Unlock()
		ctx, cancel := context.WithCancel(b.context())
		stop := context.AfterFunc(d.hurry, cancel)
		d.sleepUntil(ctx, b, due)
		stop()
		cancel()
	}
	if b.context().Err() != nil {
		b.mu.Lock()
		r.state, r.err, r.running = StateUndelivered, errGone, false
		b.mu.Unlock()
		d.finish(r)
		return false
	}
	return true
}

// sleepUntil waits until the session's clock reads due or ctx ends. It
// sleeps through Options.Clock (a test's Fake moves at once) and wakes to
// look again whenever the session's clock is moved.
func (d *Dispatcher) sleepUntil(ctx context.Context, b *box, due time.Time) {
	for ctx.Err() == nil {
		moved := b.clock.Moved()
		left := due.Sub(b.clock.Now())
		if left <= 0 {
			return
		}
		wctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-moved:
				cancel()
			case <-wctx.Done():
			}
		}()
		_ = d.opts.Clock.Sleep(wctx, left)
		cancel()
	}
}

// releaseBurst waits the reorder window, then delivers the held events
// newest first, each first attempt after the previous one's answer.
func (d *Dispatcher) releaseBurst(b *box, window time.Duration) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		ctx, cancel := context.WithCancel(b.context())
		stop := context.AfterFunc(d.hurry, cancel)
		d.sleepUntil(ctx, b, b.clock.Now().Add(window))
		stop()
		cancel()
		b.mu.Lock()
		items := b.burst.items
		b.burst = nil
		b.mu.Unlock()
		if !d.opts.Unordered {
			for i := len(items) - 1; i >= 0; i-- {
				d.schedule(b, items[i], 0)
			}
			return
		}
		for i := len(items) - 1; i >= 0; i-- {
			r := items[i]
			if !d.wait(b, r, 0) {
				continue
			}
			if d.attempt(b, r, 1) && d.stop.Err() == nil {
				d.chain(b, r, d.opts.Schedule.Delay(1), 2)
			}
		}
	}()
}

// attempt makes r's attempt n of its retry schedule and records it. It reports whether the
// delivery is to be retried (it then stays pending); otherwise the
// delivery is finished.
func (d *Dispatcher) attempt(b *box, r *record, n int) bool {
	select {
	case d.sem <- struct{}{}:
	case <-d.stop.Done():
		return true
	}
	defer func() { <-d.sem }()

	o := d.post(d.stop, message{at: b.clock.Now(), vendor: r.vendor, url: r.url, callRef: r.callRef, secret: r.secret, body: r.body,
		age: r.age, badSignature: r.badSignature}, n)
	a, final := o.a, o.final
	b.mu.Lock()
	a.N = len(r.attempts) + 1
	r.attempts = append(r.attempts, a)
	r.next = time.Time{}
	if final != "" {
		r.state, r.running = final, false
		r.err = ""
		if final == StateFailed {
			r.err = failure(a, a.N)
		}
	}
	b.mu.Unlock()
	if ob := d.opts.Observer; ob != nil {
		ob.WebhookAttempt(r.vendor, r.event, class(a), o.took)
		if final != "" {
			ob.WebhookDelivery(r.vendor, r.event, final)
		}
	}
	if final != "" {
		d.finish(r)
	}
	return o.retry
}

// message is what one attempt sends: a delivery's immutable part, and
// the session's time it is sent at (zero: Options.Clock's).
type message struct {
	at                           time.Time
	vendor, url, callRef, secret string
	body                         []byte
	age                          time.Duration // stale-timestamp
	badSignature                 bool
}

// outcome is one attempt's answer, before it is recorded: the attempt
// (N unset), the delivery's final state ("" while it is retried) and
// whether it is retried.
type outcome struct {
	a     Attempt
	final string
	retry bool
	took  time.Duration
}

// post signs and sends attempt n of m's retry schedule (cut when parent
// ends) and classifies the answer. It records nothing: both modes share it.
func (d *Dispatcher) post(parent context.Context, m message, n int) outcome {
	now := m.at
	if now.IsZero() {
		now = d.opts.Clock.Now()
	}
	h := http.Header{}
	secret := m.secret
	if m.badSignature {
		secret = wrongKey
	}
	if sign := d.signers[m.vendor]; sign != nil {
		sign(h, m.callRef, m.body, now.Add(-m.age), secret)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("User-Agent", "fintech-sandbox-webhooks/1")
	ctx, cancel := context.WithTimeout(parent, d.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.url, bytes.NewReader(m.body))
	status := 0
	start := time.Now()
	if err == nil {
		req.Header = h
		var resp *http.Response
		if resp, err = d.opts.Client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			status = resp.StatusCode
		}
	}
	took := time.Since(start)
	a := Attempt{At: now, Status: status, LatencyMs: float64(took.Microseconds()) / 1000, Headers: headerMap(h)}
	retry := status == 0 || Retryable(status)
	if err != nil {
		a.Error = attemptError(err, d.opts.Timeout)
	}
	final := ""
	switch {
	case status >= 200 && status < 300:
		a.Outcome, final = "delivered", StateDelivered
		retry = false
	case retry && n <= d.opts.Schedule.Retries:
		a.Outcome = "retry"
	default:
		a.Outcome, final, retry = "failed", StateFailed, false
	}
	return outcome{a: a, final: final, retry: retry, took: took}
}

// class is the attempt's outcome for the Observer: the status class
// ("2xx") or "error" when no answer came.
func class(a Attempt) string {
	if a.Status == 0 {
		return "error"
	}
	return strconv.Itoa(a.Status/100) + "xx"
}

// Retryable reports whether the vendor retries an answer with this
// status: 408, 409, 425 and 5xx (no answer at all is retried too).
func Retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusConflict || status == http.StatusTooEarly || status >= 500
}

func attemptError(err error, timeout time.Duration) string {
	s := err.Error()
	if strings.Contains(s, "context deadline exceeded") || strings.Contains(s, "Client.Timeout") {
		return fmt.Sprintf("no answer within %s", timeout)
	}
	return s
}

func failure(a Attempt, n int) string {
	if a.Status != 0 && !Retryable(a.Status) {
		return fmt.Sprintf("answered %d, which is not retried", a.Status)
	}
	return fmt.Sprintf("no success after %d attempts", n)
}
