package simulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/ratelimit"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// replicaSet is n sandboxes on one Redis (one URL and key prefix): n
// replicas of one shared sandbox, as behind a load balancer.
type replicaSet struct {
	url string
	sbs []*sandboxtest.Sandbox
}

func newReplicas(t *testing.T, url string, n int, opts ...sandboxtest.Option) *replicaSet {
	t.Helper()
	rs := &replicaSet{url: url}
	for range n {
		rs.sbs = append(rs.sbs, startReplica(t, url, opts...))
	}
	return rs
}

func startReplica(t *testing.T, url string, opts ...sandboxtest.Option) *sandboxtest.Sandbox {
	t.Helper()
	sb, _ := startReplicaOn(t, url, opts...)
	return sb
}

func startReplicaOn(t *testing.T, url string, opts ...sandboxtest.Option) (*sandboxtest.Sandbox, *state.Redis) {
	t.Helper()
	rd := statetest.OpenURL(t, url)
	base := []sandboxtest.Option{sandboxtest.WithData(10), sandboxtest.WithState(rd),
		sandboxtest.WithSettings(func(w *weavr.Settings) { w.RateLimit = nil })}
	return sandboxtest.New(t, append(base, opts...)...), rd
}

// send is one request over the network to replica sb.
func sendTo(t *testing.T, sb *sandboxtest.Sandbox, method, path, body string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	r := sb.Raw(t, method, path, body, header...)
	return r.Status, r.Header, r.Body
}

func login(t *testing.T, sb *sandboxtest.Sandbox, email string, header ...string) string {
	t.Helper()
	h := append([]string{"api-key", apiKey, "Content-Type", "application/json"}, header...)
	st, _, body := sendTo(t, sb, "POST", "/multi/login_with_password", `{"email":"`+email+`","password":{"value":"Passw0rd!"}}`, h...)
	if st != 200 {
		t.Fatalf("login %s: %d %s", email, st, body)
	}
	var out struct{ Token string }
	_ = json.Unmarshal(body, &out)
	return out.Token
}

func TestReplicasShareTokensAndRecords(t *testing.T) {
	onBackends(t, func(t *testing.T, url string) {
		rs := newReplicas(t, url, 2)
		a, b := rs.sbs[0], rs.sbs[1]
		tok := login(t, a, "alice@example.com")
		auth := []string{"api-key", apiKey, "Authorization", "Bearer " + tok, "Content-Type", "application/json"}
		if st, _, body := sendTo(t, b, "GET", "/multi/consumers", "", auth...); st != 200 {
			t.Fatalf("A's token on B: %d %s", st, body)
		}
		if st, _, body := sendTo(t, a, "PATCH", "/multi/consumers", `{"name":"Replica"}`, auth...); st != 200 {
			t.Fatalf("PATCH on A: %d %s", st, body)
		}
		_, _, body := sendTo(t, b, "GET", "/multi/consumers", "", auth...)
		if !strings.Contains(string(body), `"name":"Replica"`) {
			t.Errorf("B reads %s, want A's write", body)
		}
		// LoanPro: a PUT on B is read on A.
		lp := []string{"Authorization", "Bearer " + lpToken, "Autopal-Instance-Id", lpTenant, "Content-Type", "application/json"}
		if st, _, body := sendTo(t, b, "PUT", lpCustomer, `{"firstName":"Shared"}`, lp...); st != 200 {
			t.Fatalf("PUT on B: %d %s", st, body)
		}
		if _, _, body := sendTo(t, a, "GET", lpCustomer, "", lp...); !strings.Contains(string(body), `"firstName":"Shared"`) {
			t.Errorf("A reads %s, want B's write", body)
		}
		// A restart (a new replica on the same Redis) finds both.
		c := startReplica(t, rs.url)
		if _, _, body := sendTo(t, c, "GET", "/multi/consumers", "", auth...); !strings.Contains(string(body), `"name":"Replica"`) {
			t.Errorf("after a restart: %s, want the token and the write", body)
		}
	})
}

// parallel sends n requests at once, alternating replicas, and counts the
// answers by status.
func parallel(t *testing.T, rs *replicaSet, n int, req func(i int, sb *sandboxtest.Sandbox) int) map[int]int {
	t.Helper()
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			st := req(i, rs.sbs[i%len(rs.sbs)])
			mu.Lock()
			counts[st]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return counts
}

func TestReplicasAreExactUnderConcurrency(t *testing.T) {
	onBackends(t, func(t *testing.T, url string) {
		rs := newReplicas(t, url, 2)
		sess := []string{"X-Sandbox-Session", "race"}
		tok := login(t, rs.sbs[0], "carol@example.com", sess...)
		got := parallel(t, rs, 64, func(i int, sb *sandboxtest.Sandbox) int {
			st, _, _ := sendTo(t, sb, "PATCH", "/multi/consumers", fmt.Sprintf(`{"mobile":{"countryCode":"+356","number":"7955%04d"}}`, i),
				"api-key", apiKey, "Authorization", "Bearer "+tok, "Content-Type", "application/json", "X-Sandbox-Session", "race")
			return st
		})
		if got[200] != 3 || got[409] != 61 {
			t.Errorf("mobile changes over two replicas: %v, want exactly 3 accepted (the limit) and 61 409s", got)
		}

		// A scenario's sequence counts every replica's requests.
		if err := rs.sbs[0].Session("sc").Activate("weavr-rate-limited-then-recovers"); err != nil {
			t.Fatal(err)
		}
		tok = login(t, rs.sbs[1], "alice@example.com", "X-Sandbox-Session", "sc")
		got = parallel(t, rs, 40, func(i int, sb *sandboxtest.Sandbox) int {
			st, _, _ := sendTo(t, sb, "PATCH", "/multi/consumers", fmt.Sprintf(`{"tag":"t%d"}`, i),
				"api-key", apiKey, "Authorization", "Bearer "+tok, "Content-Type", "application/json", "X-Sandbox-Session", "sc")
			return st
		})
		if got[429] != 3 {
			t.Errorf("scenario answers over two replicas: %v, want exactly three 429s", got)
		}
		// B counts what A activated and both replicas' requests.
		if cs, err := rs.sbs[1].Session("sc").Counters(); err != nil || len(cs) != 1 || cs[0].Seen != 40 || cs[0].Fired != 3 {
			t.Errorf("B's counters: %+v (err %v), want the scenario seen 40 times, fired 3", cs, err)
		}
		if n, err := rs.sbs[0].Session("sc").Count(map[string][]string{"operation": {"weavr.consumerUpdate"}}); err != nil || n != 40 {
			t.Errorf("A's journal counts %d consumerUpdate (err %v), want all 40 from both replicas", n, err)
		}

		// One new email, created on both replicas at once: one consumer.
		create := `{"profileId":"110546000000000001","rootUser":{"name":"Una","surname":"Que","email":"una.que@example.com",` +
			`"mobile":{"countryCode":"+356","number":"79990002"},"dateOfBirth":{"year":1990,"month":1,"day":2},` +
			`"address":{"addressLine1":"1 A St","city":"Valletta","postCode":"VLT1000","country":"MT"}},"ipAddress":"192.0.2.9"}`
		got = parallel(t, rs, 32, func(i int, sb *sandboxtest.Sandbox) int {
			st, _, _ := sendTo(t, sb, "POST", "/multi/consumers", create, "api-key", apiKey, "Content-Type", "application/json")
			return st
		})
		if got[200] != 1 || got[409] != 31 {
			t.Errorf("creates of one email over two replicas: %v, want one 200 and 31 409s", got)
		}
	})
}

func TestReplicasShareTheRateLimit(t *testing.T) {
	onBackends(t, func(t *testing.T, url string) {
		limit, err := ratelimit.ParseSpec("30/1m")
		if err != nil {
			t.Fatal(err)
		}
		rs := newReplicas(t, url, 2, sandboxtest.WithSettings(func(w *weavr.Settings) { w.RateLimit = limit }))
		got := parallel(t, rs, 64, func(i int, sb *sandboxtest.Sandbox) int {
			st, _, _ := sendTo(t, sb, "GET", "/multi/consumers", "", "api-key", "sandbox-api-key-2")
			return st
		})
		if got[429] != 34 {
			t.Errorf("answers over two replicas: %v, want exactly 30 let through and 34 429s", got)
		}
	})
}

func TestReplicaRefusesAnotherWorld(t *testing.T) {
	url := statetest.URL(t)
	startReplica(t, url)
	rd := statetest.OpenURL(t, url)
	if _, _, err := sandboxtest.Start(sandboxtest.WithData(10), sandboxtest.WithConfig(func(c *simulator.Config) { c.Seed, c.State = 2, rd })); err == nil || !strings.Contains(err.Error(), "other seed, fixtures or vendor settings") {
		t.Errorf("a replica with another seed started (err %v)", err)
	}
}

func TestRedisDownIsASandbox503AndRecovers(t *testing.T) {
	url, stop, restart := statetest.Server(t)
	sb, rd := startReplicaOn(t, url)
	tok := login(t, sb, "alice@example.com")
	stop()
	st, h, body := sendTo(t, sb, "GET", "/multi/consumers", "", "api-key", apiKey, "Authorization", "Bearer "+tok)
	if st != 503 || h.Get("X-Sandbox-Error") == "" || !strings.Contains(string(body), "shared state unavailable") {
		t.Errorf("Redis down: %d %v %s, want a sandbox 503", st, h, body)
	}
	if st, _, _ := sendTo(t, sb, "GET", "/__sandbox/readyz", ""); st != 503 {
		t.Errorf("readyz with Redis down: %d, want 503", st)
	}
	restart()
	if err := rd.Ping(context.Background()); err != nil {
		t.Fatalf("ping after restart: %v", err)
	}
	if st, _, body := sendTo(t, sb, "POST", "/multi/login_with_password", `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`,
		"api-key", apiKey, "Content-Type", "application/json"); st != 200 {
		t.Errorf("after Redis is back: %d %s", st, body)
	}
}
