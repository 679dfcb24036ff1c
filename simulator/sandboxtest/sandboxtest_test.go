package sandboxtest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// put updates LoanPro customer 1 in a session and returns the status.
func put(t *testing.T, sb *sandboxtest.Sandbox, s *sandboxtest.Session, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", sb.Base("loanpro")+"/odata.svc/Customers(1)", strings.NewReader(body))
	req.Header = s.Header()
	req.Header.Set("Authorization", "Bearer sandbox-token")
	req.Header.Set("Autopal-Instance-Id", "5200000")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestParallelSessions: two shards run at once with conflicting writes
// and scenarios; each sees only its own, and verify answers exactly.
func TestParallelSessions(t *testing.T) {
	sb := sandboxtest.New(t)
	shards := map[string]string{"shard-a": "Ann", "shard-b": "Bob"}
	var wg sync.WaitGroup
	for name, first := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := sb.Session(name)
			if name == "shard-a" {
				if err := s.Activate("loanpro-flaky-then-succeeds"); err != nil {
					t.Error(err)
					return
				}
			}
			for range 3 {
				put(t, sb, s, `{"firstName":"`+first+`","__ignoreWarnings":true}`)
			}
		}()
	}
	wg.Wait()
	a, b := sb.Session("shard-a"), sb.Session("shard-b")
	for _, tt := range []struct {
		s    *sandboxtest.Session
		x    map[string]any
		want bool
	}{
		{a, map[string]any{"operation": "loanpro.customerUpdate", "status": 500, "exactly": 2}, true},
		{a, map[string]any{"operation": "loanpro.customerUpdate", "status": 200, "exactly": 1}, true},
		{b, map[string]any{"operation": "loanpro.customerUpdate", "status": 200, "exactly": 3}, true},
		{b, map[string]any{"status": "5xx", "atLeast": 1}, false},
	} {
		v, err := tt.s.Verify(tt.x)
		if err != nil || v.OK != tt.want {
			t.Errorf("%s verify %v: %+v %v", tt.s.Name, tt.x, v, err)
		}
	}
	_, body := put(t, sb, b, `{"__ignoreWarnings":true}`)
	if !strings.Contains(body, `"firstName":"Bob"`) {
		t.Errorf("b's customer: %s", body)
	}
	if err := b.Reset(); err != nil {
		t.Fatal(err)
	}
	if _, body := put(t, sb, b, `{"__ignoreWarnings":true}`); !strings.Contains(body, `"firstName":"John"`) {
		t.Errorf("after reset: %s", body)
	}
	if n, err := b.Count(url.Values{"operation": {"loanpro.customerUpdate"}}); err != nil || n != 1 {
		t.Errorf("count after reset = %d, %v", n, err)
	}
	c, err := a.Counters()
	if err != nil || len(c) != 1 || c[0].Fired != 3 || c[0].Seen != 3 {
		t.Errorf("counters %+v %v", c, err)
	}
	if err := a.Activate("ghost"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown scenario: %v", err)
	}
}

// Example starts the sandbox in-process, as a Go integrator would inside
// `go test` (there, sandboxtest.New(t) also stops it at test end).
func Example() {
	sb, stop, err := sandboxtest.Start(sandboxtest.WithScenarios("weavr-flaky-then-succeeds"))
	if err != nil {
		panic(err)
	}
	defer stop()
	s := sb.Session("example")
	for range 3 {
		req, _ := http.NewRequest("PATCH", sb.Base("weavr")+"/consumers", strings.NewReader(`{"tag":"x"}`))
		req.Header = s.Header()
		req.Header.Set("api-key", "sandbox-api-key")
		resp, _ := http.DefaultClient.Do(req)
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	v, _ := s.Verify(map[string]any{"operation": "weavr.consumerUpdate", "status": 503, "exactly": 2})
	fmt.Println(v.OK)
	// Output:
	// 503
	// 503
	// 401
	// true
}

func TestSessionForMakesAValidName(t *testing.T) {
	sb := sandboxtest.New(t)
	t.Run("sub test/with spaces", func(t *testing.T) {
		s := sb.SessionFor(t)
		if s.Name != "TestSessionForMakesAValidName_sub_test_with_spaces" {
			t.Fatalf("name %q", s.Name)
		}
		if err := s.Activate("weavr-slow"); err != nil {
			t.Fatalf("the control API refused the name: %v", err)
		}
	})
}

// TestWebhookScheduleMakesRetriesFast: with WithWebhookSchedule a test
// collects Weavr's retries in milliseconds: two failed attempts, then the
// delivery, all three the same event with the same call-ref, and the
// deliveries API counting them as such.
func TestWebhookScheduleMakesRetriesFast(t *testing.T) {
	sb := sandboxtest.New(t, sandboxtest.WithWebhookSchedule(webhook.Schedule{First: 20 * time.Millisecond, Factor: 2, Retries: 3}))
	rcv := sb.Receiver(t)
	rcv.Answer(503, 500)
	s := sb.SessionFor(t)
	if err := s.SetWebhookURL(rcv.URL); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", sb.URL+"/__sandbox/sessions/"+s.Name+"/weavr/consumers/110546000000000101/deactivate", strings.NewReader(`{"reasonCode":"ACCOUNT_CLOSURE"}`))
	req.Header.Set("Content-Type", "application/json")
	if r := sb.Send(req); r.Status != 200 {
		t.Fatalf("deactivate: %d %s", r.Status, r.Body)
	}
	got := rcv.Wait(t, 3)
	for i, want := range []int{503, 500, 204} {
		d := got[i]
		if d.Answered != want || d.Path != got[0].Path || string(d.Body) != string(got[0].Body) || d.Header.Get("call-ref") != got[0].Header.Get("call-ref") {
			t.Errorf("attempt %d: %s answered %d call-ref %q, want the first attempt's event answered %d", i+1, d.Path, d.Answered, d.Header.Get("call-ref"), want)
		}
	}
	s.Settle(t)
	list, err := s.Deliveries(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Deliveries) != 1 {
		t.Fatalf("deliveries: %+v", list)
	}
	d := list.Deliveries[0]
	var outcomes []string
	for _, a := range d.Attempts {
		outcomes = append(outcomes, fmt.Sprintf("%d %s", a.Status, a.Outcome))
	}
	if d.State != "delivered" || strings.Join(outcomes, ", ") != "503 retry, 500 retry, 204 delivered" {
		t.Errorf("delivery %s: %s", d.State, strings.Join(outcomes, ", "))
	}
}
