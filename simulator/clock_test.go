package simulator_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
)

// The clock routes, with the sandbox's fake clock at 2026-03-01T12:00:00Z:
// exact bodies, every bad value a 400 naming it, and a reset session
// back at the real time.
func TestSessionClockRoutes(t *testing.T) {
	s := newSandbox(t)
	const clk = "/__sandbox/sessions/c1/clock"
	steps := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", clk, "", 200, `{"now":"2026-03-01T12:00:00Z","real":"2026-03-01T12:00:00Z","offset":"0s","frozen":false}`},
		{"POST", clk + "/advance", `{"by":"6m"}`, 200, `{"now":"2026-03-01T12:06:00Z","real":"2026-03-01T12:00:00Z","offset":"6m0s","frozen":false}`},
		{"POST", clk + "/advance", `{"to":"2026-03-02T00:00:00Z"}`, 200, `{"now":"2026-03-02T00:00:00Z","real":"2026-03-01T12:00:00Z","offset":"12h0m0s","frozen":false}`},
		{"POST", clk + "/advance", `{"by":"-1h"}`, 400, `{"sandboxError":{"message":"sandbox: time never runs backwards: \"by\" must not be negative, got \"-1h\""}}`},
		{"POST", clk + "/advance", `{"by":"soon"}`, 400, `{"sandboxError":{"message":"sandbox: \"by\" must be a Go duration such as 10s, 6m or 1h30m, got \"soon\""}}`},
		{"POST", clk + "/advance", `{"to":"2026-03-01T13:00:00Z"}`, 400, `{"sandboxError":{"message":"sandbox: time never runs backwards: \"to\" \"2026-03-01T13:00:00Z\" is before the session's now (2026-03-02T00:00:00Z)"}}`},
		{"POST", clk + "/advance", `{"to":"tomorrow"}`, 400, `{"sandboxError":{"message":"sandbox: \"to\" must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got \"tomorrow\""}}`},
		{"POST", clk + "/advance", `{"by":"1m","to":"2027-01-01T00:00:00Z"}`, 400, `{"sandboxError":{"message":"sandbox: give exactly one of \"by\" (a Go duration such as 6m or 1h30m) and \"to\" (an RFC 3339 time)"}}`},
		{"POST", clk + "/advance", `{"by":"2562047h"}`, 400, `{"sandboxError":{"message":"sandbox: \"2562047h\" would move the session's clock past the year 9999"}}`},
		{"POST", clk + "/advance", `{"in":"1m"}`, 400, `{"sandboxError":{"message":"sandbox: the clock body must be a JSON object {\"by\": \"6m\"} or {\"to\": \"2026-01-02T15:04:05Z\"}: json: unknown field \"in\""}}`},
		{"PUT", clk, `{"frozen":true}`, 200, `{"now":"2026-03-02T00:00:00Z","real":"2026-03-01T12:00:00Z","offset":"12h0m0s","frozen":true}`},
		{"PUT", clk, `{}`, 400, `{"sandboxError":{"message":"sandbox: the clock body must be a JSON object {\"frozen\": true} or {\"frozen\": false}: \"frozen\" is missing"}}`},
		{"POST", "/__sandbox/sessions/c1/reset", "", 200, ""},
		{"GET", clk, "", 200, `{"now":"2026-03-01T12:00:00Z","real":"2026-03-01T12:00:00Z","offset":"0s","frozen":false}`},
		{"GET", "/__sandbox/sessions/bad%20name/clock", "", 400, ""},
	}
	for _, st := range steps {
		r := s.raw(st.method, st.path, st.body, "Content-Type", "application/json")
		if r.status != st.status || (st.want != "" && strings.TrimSpace(string(r.body)) != st.want) {
			t.Errorf("%s %s %s: %d %s\n want %d %s", st.method, st.path, st.body, r.status, r.body, st.status, st.want)
		}
	}
}

// A frozen clock stands still while the sandbox's time passes, and moves
// only when advanced; running again, it goes on from where it stood.
func TestFrozenSessionClock(t *testing.T) {
	s := newSandbox(t)
	const clk = "/__sandbox/sessions/f/clock"
	s.raw("PUT", clk, `{"frozen":true}`)
	s.clock.Advance(time.Hour)
	if r := s.raw("GET", clk, ""); !strings.Contains(string(r.body), `"now":"2026-03-01T12:00:00Z","real":"2026-03-01T13:00:00Z","offset":"-1h0m0s","frozen":true`) {
		t.Fatalf("frozen an hour: %s", r.body)
	}
	s.raw("POST", clk+"/advance", `{"by":"30s"}`)
	s.raw("PUT", clk, `{"frozen":false}`)
	s.clock.Advance(time.Minute)
	if r := s.raw("GET", clk, ""); !strings.Contains(string(r.body), `"now":"2026-03-01T12:01:30Z","real":"2026-03-01T13:01:00Z"`) {
		t.Fatalf("running again: %s", r.body)
	}
}

// LoanPro's lastUpdate is the session's time; the journal keeps the real
// time and adds the session's.
func TestSessionClockStampsDatesAndJournal(t *testing.T) {
	s := newSandbox(t)
	s.raw("POST", "/__sandbox/sessions/lp/clock/advance", `{"by":"720h"}`)
	if r := s.do("PUT", lpCustomer, `{"firstName":"Later"}`, lpHeaders("X-Sandbox-Session", "lp")...); r.status != 200 ||
		!strings.Contains(string(r.body), `"lastUpdate":"/Date(1774958400)/"`) { // 2026-03-31T12:00:00Z, in seconds
		t.Fatalf("PUT 30 days on: %d %s", r.status, r.body)
	}
	r := s.raw("GET", "/__sandbox/sessions/lp/journal", "")
	if !strings.Contains(string(r.body), `"time":"2026-03-01T12:00:00Z"`) || !strings.Contains(string(r.body), `"sessionTime":"2026-03-31T12:00:00Z"`) {
		t.Fatalf("journal: %s", r.body)
	}
	if r := s.raw("GET", "/__sandbox/sessions/default/journal", ""); strings.Contains(string(r.body), "sessionTime") {
		t.Fatalf("an unmoved session's journal has a sessionTime: %s", r.body)
	}
}

// On Redis a clock advanced through one replica holds on the other, and
// the other sessions keep theirs.
func TestReplicasShareSessionClock(t *testing.T) {
	rs := newReplicas(t, statetest.URL(t), 2)
	a, b := rs.sbs[0], rs.sbs[1]
	tok := login(t, a, "alice@example.com", "X-Sandbox-Session", "rc")
	other := login(t, a, "alice@example.com", "X-Sandbox-Session", "rc-other")
	if st, _, body := sendTo(t, a, "POST", "/__sandbox/sessions/rc/clock/advance", `{"by":"6m"}`); st != 200 {
		t.Fatalf("advance: %d %s", st, body)
	}
	get := func(tok, sess string) int {
		st, _, _ := sendTo(t, b, "GET", "/multi/consumers", "", "api-key", apiKey, "Authorization", "Bearer "+tok, "X-Sandbox-Session", sess)
		return st
	}
	if got := get(tok, "rc"); got != 401 {
		t.Errorf("the other replica after 6 idle minutes: %d, want 401", got)
	}
	if got := get(other, "rc-other"); got != 200 {
		t.Errorf("another session's token: %d, want 200", got)
	}
	if _, _, body := sendTo(t, b, "GET", "/__sandbox/sessions/rc/clock", ""); !strings.Contains(string(body), `"offset":"6m0s"`) {
		t.Errorf("the other replica's clock: %s", body)
	}
	sendTo(t, b, "POST", "/__sandbox/sessions/rc/reset", "")
	if _, _, body := sendTo(t, a, "GET", "/__sandbox/sessions/rc/clock", ""); !strings.Contains(string(body), `"offset":"0s"`) {
		t.Errorf("after a reset on the other replica: %s", body)
	}
}
