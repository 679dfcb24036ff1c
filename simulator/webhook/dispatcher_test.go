package webhook_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// receiver records deliveries and answers from a queue of statuses (204
// once it is empty).
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	answers []int
	got     []got
	block   chan struct{} // when set, answers wait for it
}

type got struct {
	path   string
	header http.Header
	body   string
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	rv := &receiver{answers: answers}
	rv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rv.mu.Lock()
		rv.got = append(rv.got, got{r.URL.Path, r.Header.Clone(), string(b)})
		status := http.StatusNoContent
		if len(rv.answers) > 0 {
			status, rv.answers = rv.answers[0], rv.answers[1:]
		}
		block := rv.block
		rv.mu.Unlock()
		if block != nil {
			select {
			case <-block:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rv.Close)
	return rv
}

func (rv *receiver) deliveries() []got {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]got(nil), rv.got...)
}

// sign is a stand-in vendor signing rule: it shows what the dispatcher
// passes (call-ref, published time, key).
func sign(h http.Header, callRef string, body []byte, published time.Time, secret string) {
	h.Set("call-ref", callRef)
	h.Set("published-timestamp", strconv.FormatInt(published.UnixMilli(), 10))
	h.Set("x-key", secret)
	h.Set("x-body", base64.StdEncoding.EncodeToString(body))
}

type harness struct {
	d     *webhook.Dispatcher
	reg   *session.Registry
	clock *clock.Fake
	obs   *observer
	// stop ends the dispatcher's Run (Redis mode) and waits for it.
	stop func()
}

// mode is where the deliveries live: the behaviour tests run in both.
type mode string

const (
	memory mode = "memory"
	shared mode = "redis"
)

// bothModes runs fn once per mode, as subtests.
func bothModes(t *testing.T, fn func(t *testing.T, m mode)) {
	for _, m := range []mode{memory, shared} {
		t.Run(string(m), func(t *testing.T) { fn(t, m) })
	}
}

func newHarness(t *testing.T, opts webhook.Options) *harness {
	t.Helper()
	return newHarnessIn(t, memory, opts)
}

// newHarnessIn is a dispatcher in mode m: in Redis mode, on a Redis of
// the test's own, its sessions in the shared registry and its poller
// running.
func newHarnessIn(t *testing.T, m mode, opts webhook.Options) *harness {
	t.Helper()
	if m == shared {
		return newReplica(t, statetest.Open(t), clock.NewFake(t0), opts)
	}
	return newReplica(t, nil, clock.NewFake(t0), opts)
}

// newReplica is one dispatcher on rd (nil: memory mode) with fc as its
// clock unless opts has one. Replicas on one Redis share its sandbox.
func newReplica(t *testing.T, rd *state.Redis, fc *clock.Fake, opts webhook.Options) *harness {
	t.Helper()
	h := &harness{clock: fc, obs: &observer{}, stop: func() {}}
	if opts.Clock == nil {
		opts.Clock = h.clock
	}
	opts.Observer = h.obs
	opts.State = rd
	d, err := webhook.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	d.Register("acme", &contract.Webhooks{Sign: sign})
	h.d = d
	h.reg = session.NewRegistry(opts.Clock, d.Factory()) // sessions keep the dispatcher's time, as in the sandbox
	if rd != nil {
		if h.reg, err = h.reg.Shared(rd); err != nil {
			t.Fatal(err)
		}
		h.start()
	}
	t.Cleanup(func() { h.stop() }) // after Drain (cleanups run last first)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.Drain(ctx)
	})
	return h
}

// start runs the dispatcher's poller until stop.
func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.d.Run(ctx); close(done) }()
	h.stop = func() { cancel(); <-done }
}

func (h *harness) publish(s *session.Session, body string) {
	h.d.Publisher("acme").Publish(s, contract.Event{Path: "/things/watch", Body: []byte(body), Secret: "key-1", Subject: "42"})
}

// settle waits until nothing is pending (deliveries are asynchronous).
func (h *harness) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.d.Pending() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still pending", h.d.Pending())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

type observer struct {
	mu         sync.Mutex
	attempts   []string
	deliveries []string
}

func (o *observer) WebhookAttempt(vendor, event, outcome string, _ time.Duration) {
	o.mu.Lock()
	o.attempts = append(o.attempts, vendor+" "+event+" "+outcome)
	o.mu.Unlock()
}

func (o *observer) WebhookDelivery(vendor, event, outcome string) {
	o.mu.Lock()
	o.deliveries = append(o.deliveries, vendor+" "+event+" "+outcome)
	o.mu.Unlock()
}

func (o *observer) snapshot() ([]string, []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.attempts...), append([]string(nil), o.deliveries...)
}

func TestDeliveredSignedAndRecorded(t *testing.T) {
	bothModes(t, func(t *testing.T, m mode) {
		rv := newReceiver(t)
		h := newHarnessIn(t, m, webhook.Options{URL: rv.URL + "/hooks/"})
		s := h.reg.Get("a")
		h.publish(s, `{"n":1}`)
		h.settle(t)

		g := rv.deliveries()
		if len(g) != 1 || g[0].path != "/hooks/things/watch" || g[0].body != `{"n":1}` {
			t.Fatalf("received %+v", g)
		}
		hd := g[0].header
		if hd.Get("x-key") != "key-1" || hd.Get("published-timestamp") != strconv.FormatInt(t0.UnixMilli(), 10) ||
			hd.Get("Content-Type") != "application/json" || hd.Get("call-ref") == "" {
			t.Errorf("headers %v", hd)
		}
		l := h.d.Deliveries(s, webhook.Filter{})
		if l.Total != 1 {
			t.Fatalf("list %+v", l)
		}
		d := l.Deliveries[0]
		if d.ID != "wh_1" || d.State != webhook.StateDelivered || d.Event != "/things/watch" || d.Subject != "42" || d.Vendor != "acme" ||
			d.URL != rv.URL+"/hooks/things/watch" || string(d.Body) != `{"n":1}` || d.CallRef != hd.Get("call-ref") ||
			len(d.Attempts) != 1 || d.Attempts[0].Status != 204 || d.Attempts[0].Outcome != "delivered" || d.Headers["x-key"] != "key-1" {
			t.Errorf("delivery %+v", d)
		}
		if other := h.d.Deliveries(h.reg.Get("b"), webhook.Filter{}); other.Total != 0 {
			t.Errorf("another session sees %d deliveries", other.Total)
		}
		att, del := h.obs.snapshot()
		if strings.Join(att, ",") != "acme /things/watch 2xx" || strings.Join(del, ",") != "acme /things/watch delivered" {
			t.Errorf("observed %v %v", att, del)
		}
	})
}

// The vendor's rule: 408, 409, 425, 5xx and no answer are retried on the
// schedule (first after First, each next ×Factor); other answers fail at
// once; after Retries retries the delivery is failed.
func TestRetryRule(t *testing.T) {
	bothModes(t, func(t *testing.T, m mode) {
		sched := webhook.Schedule{First: 10 * time.Second, Factor: 6, Retries: 5}
		for _, tc := range []struct {
			name     string
			answers  []int
			state    string
			attempts int
			slept    []time.Duration
		}{
			{"500 then 204", []int{500, 503}, webhook.StateDelivered, 3, []time.Duration{10 * time.Second, time.Minute}},
			{"408 409 425 retried", []int{408, 409, 425}, webhook.StateDelivered, 4, []time.Duration{10 * time.Second, time.Minute, 6 * time.Minute}},
			{"400 not retried", []int{400}, webhook.StateFailed, 1, nil},
			{"301 not followed nor retried", []int{301}, webhook.StateFailed, 1, nil},
			{"retries exhausted", []int{500, 500, 500, 500, 500, 500, 500}, webhook.StateFailed, 6,
				[]time.Duration{10 * time.Second, time.Minute, 6 * time.Minute, 36 * time.Minute, 216 * time.Minute}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rv := newReceiver(t, tc.answers...)
				h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, Schedule: sched})
				s := h.reg.Get("")
				h.publish(s, `{}`)
				h.settle(t)
				d := h.d.Deliveries(s, webhook.Filter{}).Deliveries[0]
				if d.State != tc.state || len(d.Attempts) != tc.attempts || len(rv.deliveries()) != tc.attempts {
					t.Fatalf("state %s with %d attempts (%d received), want %s with %d: %+v", d.State, len(d.Attempts), len(rv.deliveries()), tc.state, tc.attempts, d)
				}
				if got := h.clock.Slept(); len(got) != len(tc.slept) || (len(got) > 0 && got[len(got)-1] != tc.slept[len(tc.slept)-1]) {
					t.Errorf("waited %v, want %v", got, tc.slept)
				}
				for i, a := range d.Attempts {
					if a.N != i+1 {
						t.Errorf("attempt %d numbered %d", i+1, a.N)
					}
				}
				if last := d.Attempts[len(d.Attempts)-1]; tc.state == webhook.StateFailed && (last.Outcome != "failed" || d.Error == "") {
					t.Errorf("last attempt %+v, error %q", last, d.Error)
				}
			})
		}
	})
}

func TestNoAnswerIsRetriedAndTimedOut(t *testing.T) {
	bothModes(t, func(t *testing.T, m mode) {
		rv := newReceiver(t)
		rv.block = make(chan struct{})
		h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, Timeout: 50 * time.Millisecond, Schedule: webhook.Schedule{First: time.Millisecond, Factor: 1, Retries: 1}})
		s := h.reg.Get("")
		h.publish(s, `{}`)
		h.settle(t)
		d := h.d.Deliveries(s, webhook.Filter{}).Deliveries[0]
		if d.State != webhook.StateFailed || len(d.Attempts) != 2 || d.Attempts[0].Error != "no answer within 50ms" || d.Attempts[0].Outcome != "retry" {
			t.Fatalf("%+v", d)
		}
		close(rv.block)
	})
}

func TestNoURLRecordsThenRedeliver(t *testing.T) {
	bothModes(t, func(t *testing.T, m mode) {
		h := newHarnessIn(t, m, webhook.Options{})
		s := h.reg.Get("x")
		h.publish(s, `{"a":1}`)
		d, _ := h.d.Delivery(s, "wh_1")
		if d.State != webhook.StateUndelivered || !strings.Contains(d.Error, "no webhook URL") || len(d.Attempts) != 0 {
			t.Fatalf("%+v", d)
		}
		if _, err := h.d.Redeliver(s, "wh_1"); err != webhook.ErrNoURL {
			t.Fatalf("redeliver without URL: %v", err)
		}
		if _, err := h.d.Redeliver(s, "wh_9"); err != webhook.ErrNoDelivery {
			t.Fatalf("redeliver unknown: %v", err)
		}
		rv := newReceiver(t)
		if err := h.d.SetURL(s, "ftp://x"); err == nil {
			t.Error("an ftp URL accepted")
		}
		if err := h.d.SetURL(s, rv.URL); err != nil {
			t.Fatal(err)
		}
		if tg := h.d.Target(s); tg.Source != "session" || tg.URL != rv.URL {
			t.Errorf("target %+v", tg)
		}
		if _, err := h.d.Redeliver(s, "wh_1"); err != nil {
			t.Fatal(err)
		}
		h.settle(t)
		d, _ = h.d.Delivery(s, "wh_1")
		if d.State != webhook.StateDelivered || len(d.Attempts) != 1 || len(rv.deliveries()) != 1 {
			t.Fatalf("after redeliver %+v", d)
		}
		// Delivered, redelivered again: appended attempts, same call-ref.
		if _, err := h.d.Redeliver(s, "wh_1"); err != nil {
			t.Fatal(err)
		}
		h.settle(t)
		d, _ = h.d.Delivery(s, "wh_1")
		g := rv.deliveries()
		if len(d.Attempts) != 2 || d.Attempts[1].N != 2 || len(g) != 2 || g[0].header.Get("call-ref") != g[1].header.Get("call-ref") {
			t.Fatalf("second redeliver %+v", d)
		}
	})
}
