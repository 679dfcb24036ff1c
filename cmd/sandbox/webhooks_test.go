package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookReceiver answers the first n webhook attempts with status, the rest
// 204, or parks them all when park is set.
type hookReceiver struct {
	mu     sync.Mutex
	paths  []string
	n      int
	status int
	park   chan struct{}
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.paths = append(h.paths, r.URL.Path)
	answer := http.StatusNoContent
	if len(h.paths) <= h.n {
		answer = h.status
	}
	park := h.park
	h.mu.Unlock()
	if park != nil {
		select {
		case <-park:
		case <-r.Context().Done():
		}
	}
	w.WriteHeader(answer)
}

func (h *hookReceiver) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.paths)
}

// approve has the simulator approve alice's KYC, which publishes
// /consumers/kyc/watch.
func approve(t *testing.T, base string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/multi/login_with_password", strings.NewReader(`{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`))
	req.Header.Set("api-key", "sandbox-api-key")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var login struct{ Identity struct{ ID string } }
	_ = json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	if st, _, err := call("POST", base+"/simulate/api/consumers/"+login.Identity.ID+"/verify", "", "programme-key", "sandbox-api-key"); st != 204 {
		t.Fatalf("simulator verify: %d %v", st, err)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for i := 0; !ok(); i++ {
		if i == 500 {
			t.Fatalf("%s: not after 5s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A delivery waiting for its retry (an hour away) is attempted at
// shutdown, within the grace time: nothing is lost.
func TestShutdownDeliversPendingWebhooks(t *testing.T) {
	rcv := &hookReceiver{n: 1, status: 500}
	ts := httptest.NewServer(rcv)
	defer ts.Close()
	s := startRun(t, "--webhook-url", ts.URL, "--webhook-backoff", "1h", "--shutdown-delay", "0", "--shutdown-grace", "5s")
	approve(t, s.base)
	waitFor(t, "first attempt", func() bool { return rcv.count() == 1 })
	s.cancel()
	if err := s.wait(t, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := rcv.count(); n != 2 {
		t.Fatalf("%d attempts, want the retry at shutdown", n)
	}
	if out := s.out.String(); !strings.Contains(out, "delivering 1 pending webhooks before stopping") || strings.Contains(out, "undelivered") {
		t.Errorf("log:\n%s", out)
	}
}

// A receiver that does not answer within the grace time: the delivery is
// reported undelivered in the log, by id, event and URL.
func TestShutdownReportsUndeliveredWebhooks(t *testing.T) {
	rcv := &hookReceiver{park: make(chan struct{})}
	ts := httptest.NewServer(rcv)
	defer ts.Close()
	defer close(rcv.park)
	s := startRun(t, "--webhook-url", ts.URL, "--webhook-timeout", "1m", "--shutdown-delay", "0", "--shutdown-grace", "300ms")
	approve(t, s.base)
	waitFor(t, "first attempt", func() bool { return rcv.count() == 1 })
	s.cancel()
	if err := s.wait(t, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	out := s.out.String()
	if !strings.Contains(out, "webhook undelivered at shutdown") || !strings.Contains(out, "event=/consumers/kyc/watch") ||
		!strings.Contains(out, "1 webhook deliveries undelivered at shutdown") {
		t.Errorf("log:\n%s", out)
	}
}

func TestWebhookFlags(t *testing.T) {
	o, err := parseFlags([]string{"--webhook-url", "http://127.0.0.1:9/h", "--webhook-backoff", "2s", "--webhook-factor", "3", "--webhook-retries", "2",
		"--webhook-timeout", "4s", "--webhook-order", "none"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := o.sim
	if s.WebhookURL != "http://127.0.0.1:9/h" || s.WebhookSchedule.First != 2*time.Second || s.WebhookSchedule.Factor != 3 ||
		s.WebhookSchedule.Retries != 2 || s.WebhookTimeout != 4*time.Second || !s.WebhookUnordered {
		t.Errorf("parsed %+v", s)
	}
	d, _ := parseFlags(nil, env(nil), io.Discard)
	if d.sim.WebhookURL != "" || d.sim.WebhookSchedule.First != 10*time.Second || d.sim.WebhookSchedule.Factor != 6 ||
		d.sim.WebhookSchedule.Retries != 5 || d.sim.WebhookTimeout != 10*time.Second || d.sim.WebhookUnordered {
		t.Errorf("defaults %+v", d.sim)
	}
	for _, bad := range [][]string{{"--webhook-url", "ftp://x"}, {"--webhook-order", "random"}, {"--webhook-timeout", "0s"}, {"--webhook-backoff", "soon"}} {
		if _, err := parseFlags(bad, env(nil), io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
