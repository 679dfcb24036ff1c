package simulator_test

import (
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
)

// TestRedisRoundTripsPerRequest pins the round trips to Redis of the
// headline writes and reads, warm, by the backend's own count: the
// session touch, the scenario stage's first read and the operation's
// prefetch (token, record) share one (session.Prelude); the checked
// commit, the token's use and the journal append share the flush
// (state.Batch).
func TestRedisRoundTripsPerRequest(t *testing.T) {
	sb, rd := startReplicaOn(t, statetest.URL(t))
	tok := login(t, sb, "alice@example.com")
	patch := func() int {
		st, _, _ := sendTo(t, sb, "PATCH", "/multi/consumers", `{"tag":"rt"}`, "api-key", apiKey, "Authorization", "Bearer "+tok, "Content-Type", "application/json")
		return st
	}
	put := func() int {
		st, _, _ := sendTo(t, sb, "PUT", "/api/public/api/1/odata.svc/Customers(3)", `{"firstName":"Rt"}`, "Authorization", "Bearer sandbox-token",
			"Autopal-Instance-Id", "5200000", "Content-Type", "application/json")
		return st
	}
	get := func() int {
		st, _, _ := sendTo(t, sb, "GET", "/multi/consumers", "", "api-key", apiKey, "Authorization", "Bearer "+tok)
		return st
	}
	read := func() int {
		st, _, _ := sendTo(t, sb, "GET", "/api/public/api/1/odata.svc/Customers(3)", "", "Authorization", "Bearer sandbox-token", "Autopal-Instance-Id", "5200000")
		return st
	}
	for _, c := range []struct {
		name string
		send func() int
		want uint64
	}{{"Weavr PATCH", patch, 2}, {"LoanPro PUT", put, 2}, {"Weavr GET", get, 2}, {"LoanPro GET", read, 2}} {
		if st := c.send(); st != 200 { // warm: the session handle, the directory's refresh
			t.Fatalf("%s: %d", c.name, st)
		}
		before := rd.RoundTrips()
		if st := c.send(); st != 200 {
			t.Fatalf("%s: %d", c.name, st)
		}
		if got := rd.RoundTrips() - before; got != c.want {
			t.Errorf("%s: %d round trips, want %d", c.name, got, c.want)
		}
	}
}

// TestPrefetchedTriggerFiresOnce: a trigger the touch's pipeline fires is
// the request's: it answers that request, and only that one; a request
// naming an unknown scenario is refused without firing the trigger
// (Decide's rule), so the trigger answers the next request instead.
func TestPrefetchedTriggerFiresOnce(t *testing.T) {
	sb, _ := startReplicaOn(t, statetest.URL(t))
	tok := login(t, sb, "alice@example.com", "X-Sandbox-Session", "pf")
	patch := func(h ...string) int {
		st, _, _ := sendTo(t, sb, "PATCH", "/multi/consumers", `{"tag":"pf"}`, append([]string{"api-key", apiKey, "Authorization", "Bearer " + tok,
			"Content-Type", "application/json", "X-Sandbox-Session", "pf"}, h...)...)
		return st
	}
	if st := patch(); st != 200 {
		t.Fatalf("warm-up: %d", st)
	}
	if st, _, body := sendTo(t, sb, "POST", "/__sandbox/sessions/pf/triggers", `{"error":"weavr.EMAIL_NOT_UNIQUE","operation":"weavr.consumerUpdate"}`,
		"Content-Type", "application/json"); st != 200 {
		t.Fatalf("arm: %d %s", st, body)
	}
	if st := patch("X-Sandbox-Scenario", "no-such-scenario"); st != 400 {
		t.Errorf("unknown scenario named: %d, want the sandbox's 400", st)
	}
	if got := []int{patch(), patch()}; got[0] != 409 || got[1] != 200 {
		t.Errorf("after arming: %v, want the trigger's 409 once, then 200", got)
	}
}
