package session_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
)

var scopeKey = session.NewKey[state.Scope]("scope")

// replicas are n registries sharing one Redis (n replicas of a sandbox),
// each session state being the session's Scope.
func replicas(t *testing.T, c clock.Clock, n, max int) ([]*session.Registry, *state.Redis) {
	t.Helper()
	url := statetest.URL(t)
	var out []*session.Registry
	var first *state.Redis
	for range n {
		rd := statetest.OpenURL(t, url)
		if first == nil {
			first = rd
		}
		reg, err := session.NewRegistry(c, scopeKey.ScopedFactory(func(sc state.Scope) state.Scope { return sc })).Limit(max).Shared(rd)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, reg)
	}
	return out, first
}

func TestSharedRegistryIsOneDirectory(t *testing.T) {
	fc := clock.NewFake(t0)
	rs, _ := replicas(t, fc, 2, 0)
	a, b := rs[0], rs[1]

	sa := a.Get("s1")
	if sc := scopeKey.Of(sa); !sc.Remote() || sc.Session != "s1" || sc.Gen == 0 {
		t.Fatalf("state scope = %+v, want s1 in Redis", sc)
	}
	fc.Advance(time.Second)
	sb, ok := b.Lookup("s1")
	if !ok || scopeKey.Of(sb).Gen != scopeKey.Of(sa).Gen {
		t.Fatalf("B's lookup of A's session: ok=%v scope %+v, want generation %d", ok, scopeKey.Of(sb), scopeKey.Of(sa).Gen)
	}
	if info := sb.Info(); info.Requests != 1 || !info.Created.Equal(t0) {
		t.Errorf("B's info before its own Get = %+v, want A's 1 request created at %v", info, t0)
	}
	b.Touch("s1") // the control API's: marks it used, counts nothing
	b.Get("s1")
	if got := a.List(); len(got) != 2 || got[0].Name != session.Default || got[1].Name != "s1" || got[1].Requests != 2 || !got[1].LastUsed.Equal(t0.Add(time.Second)) {
		t.Fatalf("A's list = %+v, want default and s1 with 2 requests, last used at B's Get", got)
	}
	if a.Len() != 2 || fmt.Sprint(b.Names()) != "[default s1]" {
		t.Errorf("Len %d, Names %v", a.Len(), b.Names())
	}

	// A reset on B is a new world on A at once.
	old := scopeKey.Of(a.Get("s1")).Gen
	if !b.Reset("s1") {
		t.Fatal("reset of a live session reported false")
	}
	if gen := scopeKey.Of(a.Get("s1")).Gen; gen == old {
		t.Errorf("A still on generation %d after B's reset", gen)
	}
	if b.Reset("nobody") {
		t.Error("reset of an unknown session reported true")
	}

	// A delete on A is gone on B.
	if !a.Delete("s1") {
		t.Fatal("delete reported false")
	}
	if _, ok := b.Lookup("s1"); ok {
		t.Error("B still finds the deleted session")
	}
	if a.Delete("s1") {
		t.Error("second delete reported true")
	}
}

func TestSharedRegistryPurgesOldGenerations(t *testing.T) {
	rs, rd := replicas(t, clock.NewFake(t0), 1, 0)
	sc := scopeKey.Of(rs[0].Get("p"))
	ctx := context.Background()
	if err := rd.Client().Set(ctx, sc.Key("x"), "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	rs[0].Reset("p")
	if n, _ := rd.Client().Exists(ctx, sc.Key("x")).Result(); n != 0 {
		t.Error("the reset session's old keys are still there")
	}
	sc = scopeKey.Of(rs[0].Get("p"))
	_ = rd.Client().Set(ctx, sc.Key("x"), "1", 0).Err()
	rs[0].Delete("p")
	if n, _ := rd.Client().Exists(ctx, sc.Key("x")).Result(); n != 0 {
		t.Error("the deleted session's keys are still there")
	}
}

func TestSharedRegistryExpiresAndEvictsAcrossReplicas(t *testing.T) {
	fc := clock.NewFake(t0)
	rs, _ := replicas(t, fc, 2, 3)
	a, b := rs[0], rs[1]
	a.Get("old")
	fc.Advance(time.Minute)
	b.Get("new")
	if gone := b.ExpireIdle(30 * time.Second); fmt.Sprint(gone) != "[old]" {
		t.Fatalf("expired %v, want [old] (default never expires)", gone)
	}
	if _, ok := a.Lookup("old"); ok {
		t.Error("A still finds the session B expired")
	}
	// The cap (3, default included) evicts the least recently used.
	fc.Advance(time.Second)
	a.Get("x")
	fc.Advance(time.Second)
	b.Get("y")
	if fmt.Sprint(a.Names()) != "[default x y]" || a.Evicted() != 1 || b.Evicted() != 1 {
		t.Errorf("names %v, evicted %d/%d; want [default x y] and one eviction counted on both", a.Names(), a.Evicted(), b.Evicted())
	}
}

func TestSharedRegistryCountsEveryReplicasRequests(t *testing.T) {
	rs, _ := replicas(t, clock.Real{}, 2, 0)
	var wg sync.WaitGroup
	gens := make([]uint64, 64)
	for i := range 64 {
		wg.Go(func() { gens[i] = scopeKey.Of(rs[i%2].Get("busy")).Gen })
	}
	wg.Wait()
	for _, g := range gens {
		if g != gens[0] {
			t.Fatalf("concurrent first uses made two generations: %v", gens)
		}
	}
	if info, _ := rs[0].Lookup("busy"); info.Info().Requests != 64 {
		t.Errorf("requests = %d, want 64", info.Info().Requests)
	}
}

func TestSharedRegistryRedisDown(t *testing.T) {
	url, stop, restart := statetest.Server(t)
	rd := statetest.OpenURL(t, url)
	reg, err := session.NewRegistry(clock.Real{}).Shared(rd)
	if err != nil {
		t.Fatal(err)
	}
	if n := reg.Len(); n != 1 {
		t.Fatalf("Len = %d, want 1 (default)", n)
	}
	stop()
	if statetest.Aborted(func() { reg.Get("x") }) == nil {
		t.Error("Get with Redis down did not abort with *state.Unavailable")
	}
	if rd.Healthy() {
		t.Error("backend still healthy after a failed command")
	}
	if n := reg.Len(); n != 1 {
		t.Errorf("Len with Redis down = %d, want the last count (1)", n)
	}
	restart()
	if err := rd.Ping(context.Background()); err != nil && !errors.Is(err, redis.Nil) {
		t.Fatalf("ping after restart: %v", err)
	}
	if !rd.Healthy() {
		t.Error("not healthy after a successful ping")
	}
	reg.Get("x") // works again: no panic
}
