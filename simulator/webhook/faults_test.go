package webhook_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

func withFault(f *webhook.Fault) webhook.FaultFunc {
	return func(*session.Session, string, contract.Event) *webhook.Fault { return f }
}

func TestFaults(t *testing.T) {
	bothModes(t, func(t *testing.T, m mode) {
		rv := newReceiver(t)
		t.Run("drop", func(t *testing.T) {
			h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, Faults: withFault(&webhook.Fault{Scenario: "webhook-drop", Kind: webhook.FaultDrop})})
			s := h.reg.Get("")
			before := len(rv.deliveries())
			h.publish(s, `{}`)
			h.settle(t)
			d, _ := h.d.Delivery(s, "wh_1")
			if d.State != webhook.StateDropped || d.Scenario != "webhook-drop" || d.Fault != "drop" || len(rv.deliveries()) != before {
				t.Fatalf("%+v", d)
			}
		})
		t.Run("duplicate", func(t *testing.T) {
			h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, Faults: withFault(&webhook.Fault{Scenario: "dup", Kind: webhook.FaultDuplicate, Copies: 3})})
			s := h.reg.Get("")
			h.publish(s, `{}`)
			h.settle(t)
			l := h.d.Deliveries(s, webhook.Filter{State: webhook.StateDelivered})
			if l.Total != 3 || l.Deliveries[0].CallRef != l.Deliveries[2].CallRef || l.Deliveries[2].Copy != 3 {
				t.Fatalf("%+v", l)
			}
		})
		t.Run("bad signature", func(t *testing.T) {
			h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, Faults: withFault(&webhook.Fault{Scenario: "sig", Kind: webhook.FaultBadSignature})})
			s := h.reg.Get("")
			h.publish(s, `{}`)
			h.settle(t)
			d, _ := h.d.Delivery(s, "wh_1")
			if d.Headers["x-key"] == "key-1" || d.Headers["x-key"] == "" || d.State != webhook.StateDelivered {
				t.Fatalf("signed with %q", d.Headers["x-key"])
			}
		})
		t.Run("stale timestamp", func(t *testing.T) {
			h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, Faults: withFault(&webhook.Fault{Scenario: "old", Kind: webhook.FaultStaleTimestamp, Age: time.Hour})})
			s := h.reg.Get("")
			h.publish(s, `{}`)
			h.settle(t)
			d, _ := h.d.Delivery(s, "wh_1")
			if want := strconv.FormatInt(t0.Add(-time.Hour).UnixMilli(), 10); d.Headers["published-timestamp"] != want || d.Headers["x-key"] != "key-1" {
				t.Fatalf("published %s, want %s", d.Headers["published-timestamp"], want)
			}
		})
		t.Run("delay", func(t *testing.T) {
			h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, Faults: withFault(&webhook.Fault{Scenario: "slow", Kind: webhook.FaultDelay, Delay: 5 * time.Second})})
			s := h.reg.Get("")
			h.publish(s, `{}`)
			h.settle(t)
			if got := h.clock.Slept(); len(got) != 1 || got[0] != 5*time.Second {
				t.Fatalf("waited %v", got)
			}
		})
	})
}

// A reorder fault holds the events of its window and delivers them newest
// first, one after the other.
func TestReorderBurst(t *testing.T) {
	bothModes(t, func(t *testing.T, m mode) {
		rv := newReceiver(t)
		h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, Clock: clock.Real{},
			Faults: withFault(&webhook.Fault{Scenario: "burst", Kind: webhook.FaultReorder, Delay: 300 * time.Millisecond})})
		s := h.reg.Get("")
		for i := 1; i <= 3; i++ {
			h.publish(s, `{"n":`+strconv.Itoa(i)+`}`)
		}
		if n := len(rv.deliveries()); n != 0 {
			t.Fatalf("%d delivered inside the window", n)
		}
		h.settle(t)
		g := rv.deliveries()
		if len(g) != 3 || g[0].body != `{"n":3}` || g[1].body != `{"n":2}` || g[2].body != `{"n":1}` {
			t.Fatalf("order %+v", g)
		}
	})
}

// Drain attempts at once what waits for a retry; what is still in flight
// when its time is up is reported undelivered.
func TestDrain(t *testing.T) {
	rv := newReceiver(t, 500)
	h := newHarness(t, webhook.Options{URL: rv.URL, Clock: clock.Real{}, Schedule: webhook.Schedule{First: time.Hour, Factor: 6, Retries: 5}})
	s := h.reg.Get("")
	h.publish(s, `{}`)
	for len(rv.deliveries()) == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n := h.d.Drain(ctx); n != 0 {
		t.Fatalf("%d undelivered", n)
	}
	if d, _ := h.d.Delivery(s, "wh_1"); d.State != webhook.StateDelivered || len(d.Attempts) != 2 {
		t.Fatalf("%+v", d)
	}

	stuck := newReceiver(t)
	stuck.block = make(chan struct{})
	defer close(stuck.block)
	h2 := newHarness(t, webhook.Options{URL: stuck.URL, Clock: clock.Real{}, Timeout: time.Minute})
	s2 := h2.reg.Get("")
	h2.publish(s2, `{}`)
	for len(stuck.deliveries()) == 0 {
		time.Sleep(time.Millisecond)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if n := h2.d.Drain(short); n != 1 {
		t.Fatalf("%d undelivered, want 1", n)
	}
	if d, _ := h2.d.Delivery(s2, "wh_1"); d.State != webhook.StateUndelivered {
		t.Fatalf("%+v", d)
	}
}

// A deleted session's pending deliveries stop.
func TestReleaseStopsPending(t *testing.T) {
	bothModes(t, func(t *testing.T, m mode) {
		rv := newReceiver(t, 500)
		h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, Clock: clock.Real{}, Schedule: webhook.Schedule{First: time.Hour, Factor: 1, Retries: 1}})
		s := h.reg.Get("gone")
		h.publish(s, `{}`)
		for len(rv.deliveries()) == 0 {
			time.Sleep(time.Millisecond)
		}
		h.reg.Delete("gone")
		h.settle(t)
		if n := len(rv.deliveries()); n != 1 {
			t.Fatalf("%d attempts after delete", n)
		}
	})
}

func TestKeepAndVerify(t *testing.T) {
	bothModes(t, func(t *testing.T, m mode) {
		rv := newReceiver(t)
		h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, Keep: 3})
		s := h.reg.Get("")
		for range 5 {
			h.publish(s, `{}`)
		}
		h.settle(t)
		l := h.d.Deliveries(s, webhook.Filter{})
		if l.Total != 3 || l.Forgotten != 2 || l.Deliveries[0].ID != "wh_3" {
			t.Fatalf("%+v", l)
		}
		for body, want := range map[string]webhook.Verdict{
			`{"event":"/things/watch","state":"delivered","exactly":3}`: {OK: true, Matched: 3, Forgotten: 2,
				Message: "expected exactly 3 deliveries matching event=/things/watch state=delivered, got 3; 2 older deliveries were forgotten (the session keeps 3), so matching ones among them were not counted"},
			`{"status":"2xx","atLeast":4}`: {OK: false, Matched: 3, Forgotten: 2,
				Message: "expected at least 4 deliveries matching status=2xx, got 3; 2 older deliveries were forgotten (the session keeps 3), so matching ones among them were not counted"},
			`{"status":500,"exactly":0}`: {OK: true, Matched: 0, Forgotten: 2,
				Message: "expected exactly 0 deliveries matching status=500, got 0; 2 older deliveries were forgotten (the session keeps 3), so matching ones among them were not counted"},
		} {
			x, err := webhook.ParseExpectation([]byte(body))
			if err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			if got := h.d.Verify(s, x); got != want {
				t.Errorf("%s:\n got %+v\nwant %+v", body, got, want)
			}
		}
		for _, bad := range []string{`{"state":"lost","exactly":1}`, `{"status":"9xx","exactly":1}`, `{"event":"x"}`, `{"evnt":"x","exactly":1}`} {
			if _, err := webhook.ParseExpectation([]byte(bad)); err == nil {
				t.Errorf("%s accepted", bad)
			}
		}
		h.d.Clear(s)
		if l := h.d.Deliveries(s, webhook.Filter{}); l.Total != 0 {
			t.Errorf("after clear %+v", l)
		}
	})
}

// Many sessions publishing at once: every event is delivered once, each
// session keeps its own.
func TestConcurrentPublish(t *testing.T) {
	bothModes(t, func(t *testing.T, m mode) {
		rv := newReceiver(t)
		h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, Workers: 4})
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				s := h.reg.Get("s" + strconv.Itoa(i))
				for range 20 {
					h.publish(s, `{}`)
					_ = h.d.Deliveries(s, webhook.Filter{})
				}
			})
		}
		wg.Wait()
		h.settle(t)
		if n := len(rv.deliveries()); n != 160 {
			t.Fatalf("%d delivered, want 160", n)
		}
		for i := range 8 {
			if l := h.d.Deliveries(h.reg.Get("s"+strconv.Itoa(i)), webhook.Filter{State: webhook.StateDelivered}); l.Total != 20 {
				t.Errorf("session %d: %d delivered", i, l.Total)
			}
		}
	})
}

func TestOptionsValidated(t *testing.T) {
	for _, o := range []webhook.Options{
		{URL: "not a url"},
		{Schedule: webhook.Schedule{First: -1}},
		{Schedule: webhook.Schedule{First: time.Second, Factor: 0.5}},
		{Schedule: webhook.Schedule{First: time.Second, Factor: 2, Retries: 99}},
		{Workers: -1},
		{Timeout: time.Second, Lease: time.Second}, // a live replica's attempt would be sent twice
		{Poll: -1},
	} {
		if _, err := webhook.New(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if d := webhook.DefaultSchedule(); d.Delay(1) != 10*time.Second || d.Delay(5) != 10*time.Second*6*6*6*6 {
		t.Errorf("schedule %v %v", d.Delay(1), d.Delay(5))
	}
}

// Past MaxRecords the sandbox's oldest deliveries are forgotten, whichever
// session holds them.
func TestMaxRecordsAcrossSessions(t *testing.T) {
	bothModes(t, func(t *testing.T, m mode) {
		h := newHarnessIn(t, m, webhook.Options{MaxRecords: 4}) // no URL: recorded only
		a, b := h.reg.Get("a"), h.reg.Get("b")
		for range 3 {
			h.publish(a, `{}`)
		}
		for range 3 {
			h.publish(b, `{}`)
		}
		la, lb := h.d.Deliveries(a, webhook.Filter{}), h.d.Deliveries(b, webhook.Filter{})
		if la.Total != 1 || la.Forgotten != 2 || la.Deliveries[0].ID != "wh_3" || lb.Total != 3 || lb.Forgotten != 0 {
			t.Fatalf("a %+v\nb %+v", la, lb)
		}
	})
}

// By default a session's events arrive in the order they were published:
// a later event waits for an earlier one's retries. Unordered lets it
// overtake; other sessions never wait for this one.
func TestDeliveryOrder(t *testing.T) {
	bothModes(t, func(t *testing.T, m mode) {
		for _, unordered := range []bool{false, true} {
			rv := newReceiver(t, 500)
			h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, Clock: clock.Real{}, Unordered: unordered,
				Schedule: webhook.Schedule{First: 150 * time.Millisecond, Factor: 1, Retries: 1}})
			s := h.reg.Get("")
			h.publish(s, `{"n":1}`)
			h.publish(s, `{"n":2}`)
			h.settle(t)
			var order []string
			for _, g := range rv.deliveries() {
				order = append(order, g.body)
			}
			got := strings.Join(order, ",")
			switch {
			case !unordered && got != `{"n":1},{"n":1},{"n":2}`: // 500, its retry, then the next
				t.Errorf("ordered: received %s", got)
			case unordered && (len(order) != 3 || order[0] != order[2] || order[0] == order[1]): // the other overtakes the retry
				t.Errorf("unordered: received %s", got)
			}
		}
	})
}

// A delivery waiting behind an earlier one's retry shows as queued.
func TestQueuedShows(t *testing.T) {
	bothModes(t, func(t *testing.T, m mode) {
		rv := newReceiver(t, 500)
		h := newHarnessIn(t, m, webhook.Options{URL: rv.URL, Clock: clock.Real{}, Schedule: webhook.Schedule{First: time.Hour, Factor: 1, Retries: 1}})
		s := h.reg.Get("")
		h.publish(s, `{"n":1}`)
		h.publish(s, `{"n":2}`)
		first, _ := h.d.Delivery(s, "wh_1")
		for deadline := time.Now().Add(5 * time.Second); first.NextAttemptAt == nil && time.Now().Before(deadline); first, _ = h.d.Delivery(s, "wh_1") {
			time.Sleep(time.Millisecond) // the first attempt's answer is recorded, its retry an hour away
		}
		second, _ := h.d.Delivery(s, "wh_2")
		if first.Queued || first.NextAttemptAt == nil || !second.Queued || second.State != webhook.StatePending || len(second.Attempts) != 0 {
			t.Fatalf("first %+v\nsecond %+v", first, second)
		}
	})
}
