package sandboxtest

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// Clock is the session's time (GET /__sandbox/sessions/{s}/clock): its
// Now, the sandbox's Real time, the Offset between them and whether it
// is Frozen.
func (s *Session) Clock() (session.ClockInfo, error) {
	var c session.ClockInfo
	err := s.sb.call(http.MethodGet, s.path("/clock"), nil, http.StatusOK, &c)
	return c, err
}

// Advance moves the session's time forward by d (POST …/clock/advance)
// and waits, like Settle, until what fell due has been processed. Before
// moving, it waits until no webhook attempt of the session is in flight
// (each pending delivery waits for a due time, or behind another), so an
// attempt that is being answered schedules its retry from the time before
// the move, as it would have; after moving, it waits until no delivery
// is still waiting for an attempt due by the new time (the retry has been
// sent and its answer recorded). Token and code expiry, rate-limit
// windows and vendor dates follow at once. It returns the clock after
// the move.
func (s *Session) Advance(t testing.TB, d time.Duration) session.ClockInfo {
	t.Helper()
	s.waitDeliveries(t, "in flight", func(dv webhook.Delivery) bool { return dv.NextAttemptAt == nil && !dv.Queued })
	var c session.ClockInfo
	if err := s.sb.call(http.MethodPost, s.path("/clock/advance"), map[string]string{"by": d.String()}, http.StatusOK, &c); err != nil {
		t.Fatalf("sandboxtest: %v", err)
	}
	s.waitDeliveries(t, "due by "+c.Now.Format(time.RFC3339)+" and not attempted", func(dv webhook.Delivery) bool {
		return dv.NextAttemptAt == nil && !dv.Queued || dv.NextAttemptAt != nil && !dv.NextAttemptAt.After(c.Now)
	})
	return c
}

// waitDeliveries waits (up to 10 s) until no pending delivery of the
// session is busy.
func (s *Session) waitDeliveries(t testing.TB, what string, busy func(webhook.Delivery) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l, err := s.Deliveries(url.Values{"state": {webhook.StatePending}})
		if err != nil {
			t.Fatalf("sandboxtest: %v", err)
		}
		n := 0
		for _, dv := range l.Deliveries {
			if busy(dv) {
				n++
			}
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sandboxtest: %d webhook deliveries still %s after 10s", n, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Freeze stops the session's clock where it stands (PUT …/clock
// {"frozen": true}): it then moves only when advanced, so a test's
// timestamps and due times are exact however slow the machine is;
// Freeze(false) lets it run again from there.
func (s *Session) Freeze(frozen bool) (session.ClockInfo, error) {
	var c session.ClockInfo
	err := s.sb.call(http.MethodPut, s.path("/clock"), map[string]bool{"frozen": frozen}, http.StatusOK, &c)
	return c, err
}
