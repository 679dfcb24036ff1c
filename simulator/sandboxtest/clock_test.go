package sandboxtest_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
)

// Weavr's real retry schedule (10 s, then 1 m), collected in real
// milliseconds by advancing the session's clock: Advance returns once
// the retry it made due has been answered and recorded.
func TestAdvanceCollectsWebhookRetries(t *testing.T) {
	sb := sandboxtest.New(t)
	rcv := sb.Receiver(t)
	rcv.Answer(503, 500)
	s := sb.SessionFor(t)
	if err := s.SetWebhookURL(rcv.URL); err != nil {
		t.Fatal(err)
	}
	start, err := s.Clock()
	if err != nil {
		t.Fatal(err)
	}
	if r := sb.Do(t, "POST", "/__sandbox/sessions/"+s.Name+"/weavr/consumers/110546000000000101/deactivate", `{"reasonCode":"ACCOUNT_CLOSURE"}`,
		"Content-Type", "application/json"); r.Status != 200 {
		t.Fatalf("deactivate: %d %s", r.Status, r.Body)
	}
	rcv.Wait(t, 1)
	// The clock keeps running, so real time only brings a retry sooner:
	// 10 s ahead the first retry has been made, the second (a minute
	// later) not yet.
	s.Advance(t, 10*time.Second)
	if n := len(rcv.Deliveries()); n != 2 {
		t.Fatalf("at 10s: %d attempts, want 2", n)
	}
	c := s.Advance(t, time.Minute)
	got := rcv.Wait(t, 3)
	if c.Now.Sub(start.Now) < 70*time.Second || got[2].Answered != 204 {
		t.Fatalf("after 1m10s: now %s, third attempt answered %d", c.Now, got[2].Answered)
	}
	ms, _ := strconv.ParseInt(got[2].Header.Get("published-timestamp"), 10, 64)
	if at, want := time.UnixMilli(ms), start.Now.Add(70*time.Second).Truncate(time.Millisecond); at.Before(want) {
		t.Errorf("third attempt published at %s, want the session's time (>= %s)", at, want)
	}
	list, err := s.Deliveries(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := list.Deliveries[0]
	if d.State != "delivered" || len(d.Attempts) != 3 || d.Attempts[1].At.Sub(d.Attempts[0].At) < 10*time.Second ||
		d.Attempts[2].At.Sub(d.Attempts[1].At) < time.Minute {
		b, _ := json.Marshal(d)
		t.Errorf("delivery on the session's clock: %s", b)
	}
}

// A token idles out when its session's clock passes Weavr's 5 minutes;
// another session's token and clock are untouched.
func TestAdvanceExpiresTokensOfItsSessionOnly(t *testing.T) {
	sb := sandboxtest.New(t)
	login := func(s *sandboxtest.Session) string {
		r := sb.Do(t, "POST", "/multi/login_with_password", `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`,
			"api-key", "sandbox-api-key", "Content-Type", "application/json", "X-Sandbox-Session", s.Name)
		tok, _ := r.JSON(t)["token"].(string)
		if r.Status != 200 || tok == "" {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		return tok
	}
	get := func(s *sandboxtest.Session, tok string) int {
		return sb.Do(t, "GET", "/multi/consumers", "", "api-key", "sandbox-api-key", "Authorization", "Bearer "+tok, "X-Sandbox-Session", s.Name).Status
	}
	a, b := sb.Session("clock-a"), sb.Session("clock-b")
	ta, tb := login(a), login(b)
	a.Advance(t, 4*time.Minute)
	if got := get(a, ta); got != 200 {
		t.Fatalf("4 idle minutes: %d, want 200", got)
	}
	a.Advance(t, 4*time.Minute) // 4 minutes after its last use
	if got := get(a, ta); got != 200 {
		t.Fatalf("activity keeps the token: %d, want 200", got)
	}
	a.Advance(t, 5*time.Minute+time.Second)
	if got := get(a, ta); got != 401 {
		t.Fatalf("5m1s idle: %d, want 401", got)
	}
	if got := get(b, tb); got != 200 {
		t.Fatalf("the other session's token: %d, want 200", got)
	}
	if c, err := b.Clock(); err != nil || c.Offset != "0s" || c.Frozen {
		t.Fatalf("the other session's clock: %+v %v", c, err)
	}
}

// A frozen clock moves only when advanced, by exactly what was asked.
func TestFreezeHoldsTheSessionsTime(t *testing.T) {
	sb := sandboxtest.New(t)
	s := sb.SessionFor(t)
	c0, err := s.Freeze(true)
	if err != nil || !c0.Frozen {
		t.Fatalf("freeze: %+v %v", c0, err)
	}
	time.Sleep(20 * time.Millisecond)
	if c, err := s.Clock(); err != nil || !c.Now.Equal(c0.Now) {
		t.Fatalf("20ms of real time later: %s, want %s (%v)", c.Now, c0.Now, err)
	}
	if c := s.Advance(t, time.Hour); !c.Now.Equal(c0.Now.Add(time.Hour)) || !c.Frozen {
		t.Fatalf("advanced an hour: %+v, want %s frozen", c, c0.Now.Add(time.Hour))
	}
	if c, err := s.Freeze(false); err != nil || c.Frozen || c.Now.Before(c0.Now.Add(time.Hour)) {
		t.Fatalf("running again: %+v %v", c, err)
	}
}
