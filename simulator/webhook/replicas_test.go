package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/internal/syncbuf"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// replicas are n dispatchers (n sandbox replicas) on one Redis, each with
// its own client, registry and poller.
func replicas(t *testing.T, n int, opts webhook.Options) []*harness {
	t.Helper()
	url := statetest.URL(t)
	var out []*harness
	for range n {
		rd := statetest.OpenURL(t, url)
		out = append(out, newReplica(t, rd, clock.NewFake(t0), opts))
	}
	return out
}

// settleAll waits until no delivery is pending on any replica (Pending
// counts the sandbox's).
func settleAll(t *testing.T, h *harness, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for h.d.Pending() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still pending", h.d.Pending())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// counting is a receiver that counts every POST per event (path and
// body) and logs each session's POSTs in arrival order (the first path
// segment names the session). The first attempt of an event whose n is a
// multiple of 3 is answered 503, so it is retried.
type counting struct {
	*httptest.Server
	mu    sync.Mutex
	seen  map[string]int
	order map[string][]string
}

func newCounting(t *testing.T) *counting {
	c := &counting{seen: map[string]int{}, order: map[string][]string{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var ev struct{ N int }
		_ = json.Unmarshal(b, &ev)
		sess := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)[0]
		c.mu.Lock()
		c.seen[r.URL.Path+" "+string(b)]++
		first := c.seen[r.URL.Path+" "+string(b)] == 1
		c.order[sess] = append(c.order[sess], string(b))
		c.mu.Unlock()
		if first && ev.N%3 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(c.Close)
	return c
}

// Two replicas on one Redis are one sandbox: 64 publishers split over
// both, four sessions; every attempt is sent exactly once (by one replica
// or the other), retried on the schedule, each session's events arrive in
// publication order, and either replica lists the same deliveries.
func TestReplicasSendEachAttemptOnce(t *testing.T) {
	rv := newCounting(t)
	rs := replicas(t, 2, webhook.Options{Clock: clock.Real{}, Workers: 4, Poll: 10 * time.Millisecond,
		Schedule: webhook.Schedule{First: 30 * time.Millisecond, Factor: 1, Retries: 2}})
	a, b := rs[0], rs[1]
	const sessions, publishers, each = 4, 64, 2
	for i := range sessions {
		name := "s" + strconv.Itoa(i)
		if err := rs[i%2].d.SetURL(rs[i%2].reg.Get(name), rv.URL+"/"+name+"/"); err != nil {
			t.Fatal(err)
		}
		if tg := rs[(i+1)%2].d.Target(rs[(i+1)%2].reg.Get(name)); tg.Source != "session" || tg.URL != rv.URL+"/"+name+"/" {
			t.Fatalf("the other replica's target for %s: %+v", name, tg)
		}
	}
	var wg sync.WaitGroup
	for g := range publishers {
		wg.Go(func() {
			h := rs[g%2]
			s := h.reg.Get("s" + strconv.Itoa(g%sessions))
			for k := range each {
				h.publish(s, `{"n":`+strconv.Itoa(g*each+k)+`}`)
			}
		})
	}
	wg.Wait()
	settleAll(t, a, 10*time.Second)
	attempts := func() int { // the sender tells its Observer once its result is recorded
		x, _ := a.obs.snapshot()
		y, _ := b.obs.snapshot()
		return len(x) + len(y)
	}
	for deadline := time.Now().Add(2 * time.Second); attempts() < publishers*each+(publishers*each+2)/3 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}

	rv.mu.Lock()
	defer rv.mu.Unlock()
	received := 0
	for key, n := range rv.seen {
		var ev struct{ N int }
		_ = json.Unmarshal([]byte(key[strings.Index(key, " ")+1:]), &ev)
		if want := 1 + btoi(ev.N%3 == 0); n != want {
			t.Errorf("%s received %d times, want %d", key, n, want)
		}
		received += n
	}
	if len(rv.seen) != publishers*each {
		t.Errorf("%d events received, want %d", len(rv.seen), publishers*each)
	}
	attA, _ := a.obs.snapshot()
	attB, _ := b.obs.snapshot()
	if len(attA)+len(attB) != received || len(attA) == 0 || len(attB) == 0 {
		t.Errorf("replica A made %d attempts, B %d; the receiver got %d (want both > 0, summing to it)", len(attA), len(attB), received)
	}
	for i := range sessions {
		name := "s" + strconv.Itoa(i)
		l := b.d.Deliveries(b.reg.Get(name), webhook.Filter{})
		if la := a.d.Deliveries(a.reg.Get(name), webhook.Filter{}); la.Total != l.Total {
			t.Errorf("%s: A lists %d deliveries, B %d", name, la.Total, l.Total)
		}
		if l.Total != publishers/sessions*each {
			t.Fatalf("%s: %d deliveries, want %d", name, l.Total, publishers/sessions*each)
		}
		var want []string
		for j, d := range l.Deliveries {
			if d.ID != "wh_"+strconv.Itoa(j+1) || d.State != webhook.StateDelivered {
				t.Errorf("%s: delivery %d is %s %s", name, j, d.ID, d.State)
			}
			for range d.Attempts {
				want = append(want, string(d.Body))
			}
			if len(d.Attempts) == 2 {
				if gap := d.Attempts[1].At.Sub(d.Attempts[0].At); d.Attempts[0].Status != 503 || d.Attempts[0].Outcome != "retry" || gap < 30*time.Millisecond {
					t.Errorf("%s %s: retried after %s: %+v", name, d.ID, gap, d.Attempts)
				}
			}
		}
		if got := rv.order[name]; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s arrived as\n%v\nwant (publication order, each retry before the next event)\n%v", name, got, want)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// hanging is a receiver whose first POST never gets an answer (it waits
// for its client to go away); the others are answered 204.
type hanging struct {
	*httptest.Server
	mu  sync.Mutex
	got []got
	at  []time.Time
}

func newHanging(t *testing.T) *hanging {
	h := &hanging{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, got{r.URL.Path, r.Header.Clone(), string(b)})
		h.at = append(h.at, time.Now())
		first := len(h.got) == 1
		h.mu.Unlock()
		if first {
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hanging) deliveries() ([]got, []time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]got(nil), h.got...), append([]time.Time(nil), h.at...)
}

func (h *hanging) wait(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if g, _ := h.deliveries(); len(g) >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver did not get %d requests", n)
		}
	}
}

// A replica that stops after claiming an attempt and before recording
// its answer (a dead replica) loses nothing: once the lease is over the
// other replica sends it, then the session's next delivery, in order.
func TestDeadReplicasAttemptIsSentByAnother(t *testing.T) {
	rv := newHanging(t)
	const lease = 500 * time.Millisecond
	rs := replicas(t, 2, webhook.Options{URL: rv.URL, Clock: clock.Real{}, Timeout: 400 * time.Millisecond, Lease: lease, Poll: 10 * time.Millisecond})
	a, b := rs[0], rs[1]
	b.stop() // only A claims

	s := a.reg.Get("dead")
	a.publish(s, `{"n":1}`)
	a.publish(s, `{"n":2}`)
	rv.wait(t, 1)
	a.stop() // A dies with the attempt in flight
	if d, _ := b.d.Delivery(b.reg.Get("dead"), "wh_1"); d.State != webhook.StatePending || len(d.Attempts) != 0 {
		t.Fatalf("after A died: %+v", d)
	}
	b.start()
	settleAll(t, b, 5*time.Second)

	g, at := rv.deliveries()
	if len(g) != 3 || g[0].body != `{"n":1}` || g[1].body != `{"n":1}` || g[2].body != `{"n":2}` ||
		g[0].header.Get("call-ref") != g[1].header.Get("call-ref") {
		t.Fatalf("received %+v", g)
	}
	if gap := at[1].Sub(at[0]); gap < lease-50*time.Millisecond {
		t.Errorf("sent again %s after the dead replica's claim, before its lease (%s) was over", gap, lease)
	}
	for _, id := range []string{"wh_1", "wh_2"} {
		if d, _ := a.d.Delivery(a.reg.Get("dead"), id); d.State != webhook.StateDelivered || len(d.Attempts) != 1 || d.Attempts[0].Status != 204 {
			t.Errorf("%s: %+v", id, d)
		}
	}
	if att, _ := b.obs.snapshot(); len(att) != 2 {
		t.Errorf("B recorded %v", att)
	}
}

// Draining a replica lets its attempt in flight finish, claims nothing
// more, and leaves what is pending in Redis (not undelivered) for the
// other replicas, which send it.
func TestDrainLeavesPendingToOtherReplicas(t *testing.T) {
	rv := newReceiver(t)
	rv.block = make(chan struct{})
	rs := replicas(t, 2, webhook.Options{URL: rv.URL, Clock: clock.Real{}, Poll: 10 * time.Millisecond})
	a, b := rs[0], rs[1]
	b.stop()
	s := a.reg.Get("")
	a.publish(s, `{"n":1}`)
	for len(rv.deliveries()) == 0 {
		time.Sleep(time.Millisecond)
	}
	drained := make(chan int)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		drained <- a.d.Drain(ctx)
	}()
	time.Sleep(20 * time.Millisecond)
	a.publish(s, `{"n":2}`) // while A drains: A must not claim it
	close(rv.block)
	if n := <-drained; n != 0 {
		t.Fatalf("Drain reported %d undelivered", n)
	}
	if d, _ := a.d.Delivery(s, "wh_1"); d.State != webhook.StateDelivered {
		t.Fatalf("the attempt in flight during the drain: %+v", d)
	}
	time.Sleep(50 * time.Millisecond)
	if d, _ := a.d.Delivery(s, "wh_2"); d.State != webhook.StatePending || len(rv.deliveries()) != 1 || a.d.Pending() != 1 {
		t.Fatalf("after the drain: %+v, %d received, %d pending", d, len(rv.deliveries()), a.d.Pending())
	}
	b.start()
	settleAll(t, b, 5*time.Second)
	if d, _ := b.d.Delivery(b.reg.Get(""), "wh_2"); d.State != webhook.StateDelivered || len(rv.deliveries()) != 2 {
		t.Fatalf("B: %+v", d)
	}
}

// A Redis that does not answer aborts the session's operations with
// *state.Unavailable (the sandbox answers 503); the poller logs, keeps
// trying, and delivers again once Redis is back.
func TestRedisDownIsUnavailable(t *testing.T) {
	rawURL, stop, restart := statetest.Server(t)
	rd := statetest.OpenURL(t, rawURL)
	rv := newReceiver(t)
	var log syncBuffer
	h := newReplica(t, rd, clock.NewFake(t0), webhook.Options{URL: rv.URL, Clock: clock.Real{}, Poll: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	s := h.reg.Get("down")
	h.publish(s, `{"n":1}`)
	settleAll(t, h, 5*time.Second)

	stop()
	var wg sync.WaitGroup // at once: each waits out the client's dial retries
	for name, fn := range map[string]func(){
		"publish":    func() { h.publish(s, `{"n":2}`) },
		"deliveries": func() { h.d.Deliveries(s, webhook.Filter{}) },
		"delivery":   func() { h.d.Delivery(s, "wh_1") },
		"verify":     func() { h.d.Verify(s, webhook.Expectation{}) },
		"target":     func() { h.d.Target(s) },
		"set url":    func() { _ = h.d.SetURL(s, rv.URL) },
		"redeliver":  func() { _, _ = h.d.Redeliver(s, "wh_1") },
		"clear":      func() { h.d.Clear(s) },
	} {
		wg.Go(func() {
			if statetest.Aborted(fn) == nil {
				t.Errorf("%s with Redis down did not abort with *state.Unavailable", name)
			}
		})
	}
	wg.Wait()
	if n := h.d.Pending(); n != 0 {
		t.Errorf("Pending with Redis down = %d", n)
	}
	for !strings.Contains(log.String(), "cannot claim due deliveries; retrying") {
		time.Sleep(10 * time.Millisecond) // the poller meets the outage, logs it, and lives on
	}
	restart()
	deadline := time.Now().Add(10 * time.Second)
	for !h.publishOK(s, `{"n":3}`) {
		if time.Now().After(deadline) {
			t.Fatal("publish still failing after Redis came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for len(rv.deliveries()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("nothing delivered after Redis came back: %d received", len(rv.deliveries()))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if g := rv.deliveries(); g[1].body != `{"n":3}` {
		t.Errorf("after the outage received %q", g[1].body)
	}
}

type syncBuffer = syncbuf.Buffer

// publishOK publishes, reporting false when Redis did not answer.
func (h *harness) publishOK(s *session.Session, body string) bool {
	return statetest.Aborted(func() { h.publish(s, body) }) == nil
}

// Past MaxPending sandbox-wide, a new event is recorded undelivered.
func TestMaxPending(t *testing.T) {
	bothModes(t, func(t *testing.T, m mode) {
		rv := newReceiver(t)
		rv.block = make(chan struct{})
		defer close(rv.block)
		h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, MaxPending: 1, Timeout: time.Minute})
		s := h.reg.Get("")
		h.publish(s, `{"n":1}`)
		h.publish(s, `{"n":2}`)
		d1, _ := h.d.Delivery(s, "wh_1")
		d2, _ := h.d.Delivery(s, "wh_2")
		if d1.State != webhook.StatePending || d2.State != webhook.StateUndelivered || d2.Error != "sandbox: more than 1 webhook deliveries pending" || h.d.Pending() != 1 {
			t.Fatalf("wh_1 %+v\nwh_2 %+v\npending %d", d1, d2, h.d.Pending())
		}
	})
}
