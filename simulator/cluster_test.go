package simulator_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
)

// onBackends runs a replicas test on one Redis and on a real
// three-master Redis Cluster: the same assertions on both.
func onBackends(t *testing.T, test func(t *testing.T, url string)) {
	t.Run("redis", func(t *testing.T) { test(t, statetest.URL(t)) })
	t.Run("cluster", func(t *testing.T) { test(t, statetest.ClusterURL(t)) })
}

// keysOn counts the keys under prefix on each master of the cluster.
func keysOn(t *testing.T, url, prefix string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, addr := range statetest.ClusterMasters(t, url) {
		c := redis.NewClient(&redis.Options{Addr: addr})
		keys, err := c.Keys(context.Background(), prefix+"*").Result()
		_ = c.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[addr] = len(keys)
	}
	return out
}

// TestClusterSpreadsSessions: on a cluster each session's keys are in
// its own slot (its name is the hash tag), so a dozen sessions spread
// over the masters, and a reset removes a session's keys from whichever
// master holds them.
func TestClusterSpreadsSessions(t *testing.T) {
	url := statetest.ClusterURL(t)
	rs := newReplicas(t, url, 2)
	a, b := rs.sbs[0], rs.sbs[1]
	for i := range 12 {
		s := fmt.Sprintf("c%d", i)
		tok := login(t, a, "alice@example.com", "X-Sandbox-Session", s)
		if st, _, body := sendTo(t, b, "PATCH", "/multi/consumers", `{"tag":"`+s+`"}`, "api-key", apiKey, "Authorization", "Bearer "+tok,
			"Content-Type", "application/json", "X-Sandbox-Session", s); st != 200 {
			t.Fatalf("%s: PATCH on B: %d %s", s, st, body)
		}
		if st, _, body := sendTo(t, a, "GET", "/multi/consumers", "", "api-key", apiKey, "Authorization", "Bearer "+tok,
			"X-Sandbox-Session", s); st != 200 || !strings.Contains(string(body), `"tag":"`+s+`"`) {
			t.Fatalf("%s: GET on A after B's PATCH: %d %s", s, st, body)
		}
	}
	prefix := strings.SplitN(strings.SplitN(url, "prefix=", 2)[1], "&", 2)[0]
	prefix = strings.ReplaceAll(prefix, "%3A", ":")
	spread := keysOn(t, url, prefix+"s:{c")
	used := 0
	for _, n := range spread {
		if n > 0 {
			used++
		}
	}
	if used < 2 {
		t.Errorf("twelve sessions' keys on %d of 3 masters (%v), want them spread", used, spread)
	}
	if st, _, body := sendTo(t, a, "DELETE", "/__sandbox/sessions/c3", ""); st != 204 && st != 200 {
		t.Fatalf("delete c3: %d %s", st, body)
	}
	for range 50 { // the purge runs in the background
		if n := sum(keysOn(t, url, prefix+"s:{c3}")); n == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("c3's keys are still there after its delete: %v", keysOn(t, url, prefix+"s:{c3}"))
}

func sum(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

// TestRedisFrozenIsASandbox503AndRecovers: a Redis that stops answering
// (SIGSTOP: connections open, no answers) gives every request a sandbox
// 503 rather than a hang, readiness says so, and the same token works
// again by itself once Redis answers (the backend's own pings).
func TestRedisFrozenIsASandbox503AndRecovers(t *testing.T) {
	url, freeze, thaw := statetest.Freezable(t)
	sb, rd := startReplicaOn(t, url)
	go rd.Run(t.Context(), 100*time.Millisecond)
	tok := login(t, sb, "alice@example.com")
	freeze()
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Go(func() {
			st, h, body := sendTo(t, sb, "GET", "/multi/consumers", "", "api-key", apiKey, "Authorization", "Bearer "+tok)
			if st == 503 && (h.Get("X-Sandbox-Error") == "" || !strings.Contains(string(body), "shared state unavailable")) {
				t.Errorf("frozen Redis: 503 without the sandbox's error: %v %s", h, body)
			}
			codes[i] = st
		})
	}
	wg.Wait()
	if slices.ContainsFunc(codes, func(c int) bool { return c != 503 }) {
		t.Errorf("frozen Redis: answers %v, want eight sandbox 503s", codes)
	}
	if st, _, _ := sendTo(t, sb, "GET", "/__sandbox/readyz", ""); st != 503 {
		t.Errorf("readyz with Redis frozen: %d, want 503", st)
	}
	thaw()
	for range 100 {
		if st, _, _ := sendTo(t, sb, "GET", "/multi/consumers", "", "api-key", apiKey, "Authorization", "Bearer "+tok); st == 200 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Error("the token never worked again after Redis thawed")
}

// TestClusterMasterLossLeavesOtherSessions: a master of the cluster that
// goes away fails the requests of the sessions it holds (a sandbox 503),
// while the sessions on the masters left keep working, readiness
// included. The master taken away holds no sandbox-wide key
// (state.GlobalTag): those are one slot, on one master.
func TestClusterMasterLossLeavesOtherSessions(t *testing.T) {
	url, kill := statetest.NewCluster(t)
	sb, rd := startReplicaOn(t, url)
	go rd.Run(t.Context(), 100*time.Millisecond)
	global := statetest.MasterOf(t, url, "t:{g}:sessions")
	var victim string
	for _, m := range statetest.ClusterMasters(t, url) {
		if m != global {
			victim = m
			break
		}
	}
	tokens := map[string]string{}
	var lost, kept []string
	for i := 0; len(lost) < 2 || len(kept) < 2; i++ {
		s := fmt.Sprintf("n%d", i)
		tokens[s] = login(t, sb, "alice@example.com", "X-Sandbox-Session", s)
		if statetest.MasterOf(t, url, "t:s:{"+s+"}/0:x") == victim {
			lost = append(lost, s)
		} else {
			kept = append(kept, s)
		}
	}
	kill(victim)
	get := func(s string) (int, string) {
		st, _, body := sendTo(t, sb, "GET", "/multi/consumers", "", "api-key", apiKey, "Authorization", "Bearer "+tokens[s], "X-Sandbox-Session", s)
		return st, string(body)
	}
	for _, s := range lost {
		if st, body := get(s); st != 503 || !strings.Contains(body, "shared state unavailable") {
			t.Errorf("session %s on the master that went away: %d %s, want a sandbox 503", s, st, body)
		}
	}
	for _, s := range kept {
		if st, body := get(s); st != 200 {
			t.Errorf("session %s on a master left: %d %s, want 200", s, st, body)
		}
	}
	ready := 0
	for range 40 {
		if ready, _, _ = sendTo(t, sb, "GET", "/__sandbox/readyz", ""); ready == 200 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ready != 200 {
		t.Errorf("readyz with two masters of three left: %d, want 200", ready)
	}
}
