package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sandbox-dev/fintech-sandbox/simulator/expect"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// Target is a session's receiver as the control API shows it.
type Target struct {
	// URL is where the session's events go ("" = recorded only).
	URL string `json:"url"`
	// Source says where URL comes from: "session" (PUT), "default"
	// (--webhook-url) or "none".
	Source string `json:"source"`
	// Default is --webhook-url ("" when unset).
	Default string `json:"default"`
}

// Target is the session's receiver.
func (d *Dispatcher) Target(s *session.Session) Target {
	b := d.key.Of(s)
	if b.sc.Remote() {
		return d.targetOf(d.remoteURL(b))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return d.targetOf(b.url)
}

// targetOf is the Target of a session whose own receiver is own ("": none).
func (d *Dispatcher) targetOf(own string) Target {
	t := Target{URL: own, Source: "session", Default: d.opts.URL}
	if own == "" {
		t.URL, t.Source = d.opts.URL, "default"
		if d.opts.URL == "" {
			t.Source = "none"
		}
	}
	return t
}

// SetURL sets the session's own receiver ("" returns to the default).
// Deliveries already scheduled keep their URL.
func (d *Dispatcher) SetURL(s *session.Session, url string) error {
	if url != "" {
		if err := CheckURL(url); err != nil {
			return err
		}
	}
	b := d.key.Of(s)
	if b.sc.Remote() {
		d.setRemoteURL(b, url)
		return nil
	}
	b.mu.Lock()
	b.url = url
	b.mu.Unlock()
	return nil
}

// Filter selects deliveries; zero fields match everything.
type Filter struct {
	Vendor, Event, State, Subject string
	Status                        int    // the last attempt's status
	StatusClass                   string // "5xx"
	Limit                         int    // newest first when set
}

// Match reports whether a delivery passes the filter (Limit aside).
func (f Filter) Match(d *Delivery) bool {
	last := 0
	if n := len(d.Attempts); n > 0 {
		last = d.Attempts[n-1].Status
	}
	return (f.Vendor == "" || d.Vendor == f.Vendor) && (f.Event == "" || d.Event == f.Event) &&
		(f.State == "" || d.State == f.State) && (f.Subject == "" || d.Subject == f.Subject) &&
		(f.Status == 0 || last == f.Status) && (f.StatusClass == "" || (last != 0 && strconv.Itoa(last/100)+"xx" == f.StatusClass))
}

func (f Filter) String() string {
	var parts []string
	for _, kv := range [][2]string{{"vendor", f.Vendor}, {"event", f.Event}, {"state", f.State}, {"subject", f.Subject}, {"status", f.StatusClass}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if f.Status != 0 {
		parts = append(parts, "status="+strconv.Itoa(f.Status))
	}
	return strings.Join(parts, " ")
}

// States are the delivery states, for filters.
var States = []string{StatePending, StateDelivered, StateFailed, StateDropped, StateUndelivered}

// ParseFilter reads a filter from query values (event, state, subject,
// vendor, status as 500 or 5xx, limit).
func ParseFilter(get func(string) string) (Filter, error) {
	f := Filter{Vendor: get("vendor"), Event: get("event"), State: get("state"), Subject: get("subject")}
	if f.State != "" && !slices.Contains(States, f.State) {
		return Filter{}, fmt.Errorf("state %q: want one of %s", f.State, strings.Join(States, ", "))
	}
	var err error
	if f.Status, f.StatusClass, err = parseStatus(get("status")); err != nil {
		return Filter{}, err
	}
	if v := get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 0 {
			return Filter{}, fmt.Errorf("limit must be a non-negative integer, got %q", v)
		}
	}
	return f, nil
}

func parseStatus(v string) (int, string, error) {
	switch {
	case v == "":
		return 0, "", nil
	case len(v) == 3 && v[0] >= '1' && v[0] <= '5' && strings.ToLower(v[1:]) == "xx":
		return 0, v[:1] + "xx", nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 100 || n > 599 {
		return 0, "", fmt.Errorf("status %q: want a code such as 500 or a class such as 5xx", v)
	}
	return n, "", nil
}

// List is a page of the session's deliveries.
type List struct {
	Deliveries []Delivery `json:"deliveries"`
	// Total counts every match; Forgotten the deliveries dropped past the
	// per-session bound.
	Total     int    `json:"total"`
	Forgotten uint64 `json:"forgotten"`
}

// Deliveries lists the session's deliveries matching f, oldest first (the
// newest Limit when set).
func (d *Dispatcher) Deliveries(s *session.Session, f Filter) List {
	b := d.key.Of(s)
	if b.sc.Remote() {
		return d.remoteDeliveries(b, f)
	}
	b.mu.Lock()
	views := make([]Delivery, 0, len(b.list))
	for _, r := range b.list {
		if v := r.view(); f.Match(&v) {
			views = append(views, v)
		}
	}
	forgotten := b.dropped
	b.mu.Unlock()
	total := len(views)
	if f.Limit > 0 && len(views) > f.Limit {
		views = views[len(views)-f.Limit:]
	}
	return List{Deliveries: views, Total: total, Forgotten: forgotten}
}

// Delivery is one delivery by id.
func (d *Dispatcher) Delivery(s *session.Session, id string) (Delivery, bool) {
	b := d.key.Of(s)
	if b.sc.Remote() {
		return d.remoteDelivery(b, id)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.byID[id]
	if !ok {
		return Delivery{}, false
	}
	return r.view(), true
}

// Errors of Redeliver.
var (
	ErrNoDelivery = errors.New("no such delivery")
	ErrNoURL      = errors.New("no webhook URL for this session: set one with PUT /__sandbox/sessions/{session}/webhooks or start with --webhook-url")
	ErrPending    = errors.New("the delivery is still pending: wait for its outcome before redelivering")
)

// Redeliver sends a delivery again, now, to the session's current
// receiver, with the same call-ref and body and a fresh retry schedule
// (new attempts are appended). The vendor offers no replay; a sandbox
// does, so a receiver fixed after a failure can be tested again.
func (d *Dispatcher) Redeliver(s *session.Session, id string) (Delivery, error) {
	b := d.key.Of(s)
	if b.sc.Remote() {
		return d.remoteRedeliver(b, id)
	}
	b.mu.Lock()
	r, ok := b.byID[id]
	switch {
	case !ok:
		b.mu.Unlock()
		return Delivery{}, ErrNoDelivery
	case r.running:
		b.mu.Unlock()
		return Delivery{}, ErrPending
	case b.target() == "":
		b.mu.Unlock()
		return Delivery{}, ErrNoURL
	}
	r.url = strings.TrimSuffix(b.target(), "/") + r.event
	r.state, r.err = StatePending, ""
	d.track(b, r)
	v := r.view()
	b.mu.Unlock()
	d.schedule(b, r, 0) // a fresh schedule
	return v, nil
}

// Clear forgets the session's finished deliveries (pending ones stay).
func (d *Dispatcher) Clear(s *session.Session) {
	b := d.key.Of(s)
	if b.sc.Remote() {
		d.remoteClear(b)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	keep := b.list[:0]
	for _, r := range b.list {
		if r.running {
			keep = append(keep, r)
		} else {
			delete(b.byID, r.id)
		}
	}
	clear(b.list[len(keep):])
	b.list = keep
}

// Expectation is an assertion about the session's deliveries, with the
// journal's semantics (exactly / atLeast / atMost).
type Expectation struct {
	Filter Filter
	expect.Bounds
}

// Verdict is Verify's outcome, returned as JSON as is.
type Verdict struct {
	OK        bool   `json:"ok"`
	Matched   int    `json:"matched"`
	Forgotten uint64 `json:"forgotten"`
	Message   string `json:"message"`
}

// ParseExpectation reads a verify request: the filter fields (vendor,
// event, state, subject, status) and the bounds, e.g.
// {"event":"/consumers/kyc/watch","state":"delivered","exactly":1}.
func ParseExpectation(body []byte) (Expectation, error) {
	raw, bounds, err := expect.Object(body, []string{"event", "state", "status", "subject", "vendor"}, `{"event":"/consumers/kyc/watch","state":"delivered","exactly":1}`)
	if err != nil {
		return Expectation{}, err
	}
	vals := map[string]string{}
	for _, k := range []string{"event", "state", "subject", "vendor"} {
		if vals[k], err = expect.String(raw, k); err != nil {
			return Expectation{}, err
		}
	}
	if v, ok := raw["status"]; ok && string(v) != "null" {
		var n int
		if json.Unmarshal(v, &n) == nil {
			vals["status"] = strconv.Itoa(n)
		} else if vals["status"], err = expect.String(raw, "status"); err != nil {
			return Expectation{}, errors.New(`invalid status: want a code such as 500 or a class such as "5xx"`)
		}
	}
	f, err := ParseFilter(func(k string) string { return vals[k] })
	return Expectation{Filter: f, Bounds: bounds}, err
}

// Verify counts the session's deliveries matching x and checks the bounds,
// e.g. "expected exactly 1 delivery matching event=/consumers/kyc/watch
// state=delivered, got 0".
func (d *Dispatcher) Verify(s *session.Session, x Expectation) Verdict {
	f := x.Filter
	f.Limit = 0
	l := d.Deliveries(s, f)
	var msg strings.Builder
	fmt.Fprintf(&msg, "expected %s", x.Describe("delivery", "deliveries"))
	if fs := f.String(); fs != "" {
		fmt.Fprintf(&msg, " matching %s", fs)
	}
	fmt.Fprintf(&msg, ", got %d", l.Total)
	if l.Forgotten > 0 {
		fmt.Fprintf(&msg, "; %d older deliveries were forgotten (the session keeps %d), so matching ones among them were not counted", l.Forgotten, d.opts.Keep)
	}
	return Verdict{OK: x.Holds(l.Total), Matched: l.Total, Forgotten: l.Forgotten, Message: msg.String()}
}
