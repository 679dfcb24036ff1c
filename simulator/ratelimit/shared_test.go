package ratelimit_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/ratelimit"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
)

// mode makes limiters of one kind: in memory, or handles on one Redis
// scope (each call a new handle, as each replica makes its own).
type mode struct {
	name string
	make func(t *testing.T) func(ratelimit.Spec, clock.Clock) *ratelimit.Limiter
}

var modes = []mode{
	{"memory", func(*testing.T) func(ratelimit.Spec, clock.Clock) *ratelimit.Limiter {
		return func(s ratelimit.Spec, c clock.Clock) *ratelimit.Limiter { return ratelimit.NewIn(s, c, state.Scope{}) }
	}},
	{"redis", func(t *testing.T) func(ratelimit.Spec, clock.Clock) *ratelimit.Limiter {
		sc := state.Scope{R: statetest.Open(t), Session: "s1", Gen: 1}
		return func(s ratelimit.Spec, c clock.Clock) *ratelimit.Limiter { return ratelimit.NewIn(s, c, sc) }
	}},
}

func mustSpec(t *testing.T, s string) ratelimit.Spec {
	t.Helper()
	spec, err := ratelimit.ParseSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// step advances the clock, then asks for key.
type step struct {
	advance time.Duration
	key     string
	want    ratelimit.Decision
}

var (
	ok      = ratelimit.Decision{Allowed: true}
	minute2 = func(reset int) ratelimit.Decision {
		return ratelimit.Decision{Limit: "2, 2;w=60, 5;w=3600", Reset: reset}
	}
	hour5 = func(reset int) ratelimit.Decision {
		return ratelimit.Decision{Limit: "5, 2;w=60, 5;w=3600", Reset: reset}
	}
)

var behaviour = []struct {
	name  string
	spec  string
	steps []step
}{
	{"off allows everything", "off", []step{{0, "k", ok}, {0, "k", ok}, {0, "k", ok}}},
	{"limit then refuse until the window ends", "2/1m,5/1h", []step{
		{0, "k", ok}, {0, "k", ok},
		{15 * time.Second, "k", minute2(45)},
		{44*time.Second + 500*time.Millisecond, "k", minute2(1)},  // 0.5s left rounds up
		{500*time.Millisecond - time.Nanosecond, "k", minute2(1)}, // 1ns left
		{time.Nanosecond, "k", ok},                                // the window ended exactly now
	}},
	{"keys count apart", "1/10s", []step{
		{0, "a", ok}, {0, "b", ok},
		{0, "a", ratelimit.Decision{Limit: "1, 1;w=10", Reset: 10}},
		{0, "b", ratelimit.Decision{Limit: "1, 1;w=10", Reset: 10}},
		{0, "c", ok},
	}},
	{"refused requests count in no window", "2/1m,5/1h", []step{
		{0, "k", ok}, {0, "k", ok},
		{time.Second, "k", minute2(59)}, {0, "k", minute2(59)}, {0, "k", minute2(59)},
		{59 * time.Second, "k", ok}, {0, "k", ok}, // minute 2: the hour holds 4
		{time.Minute, "k", ok}, // 5: the hour is full
		{0, "k", hour5(3600 - 120)},
		{time.Minute, "k", hour5(3600 - 180)},
	}},
	{"the window that blocks the longest is reported", "1/1m,1/1h", []step{
		{0, "k", ok},
		{0, "k", ratelimit.Decision{Limit: "1, 1;w=60, 1;w=3600", Reset: 3600}},
		{time.Minute, "k", ratelimit.Decision{Limit: "1, 1;w=60, 1;w=3600", Reset: 3540}},
	}},
	{"a window starts at the first request after the last one ended", "1/1m", []step{
		{0, "k", ok},
		{90 * time.Second, "k", ok}, // a new window from here, not from 1:00
		{45 * time.Second, "k", ratelimit.Decision{Limit: "1, 1;w=60", Reset: 15}},
		{15 * time.Second, "k", ok},
	}},
	{"a refused request starts an ended window anew", "2/1m,3/5m", []step{
		{0, "k", ok}, {0, "k", ok},
		{time.Minute, "k", ok}, // 1:00: a new minute window; the 5 minutes are full
		{210 * time.Second, "k", ratelimit.Decision{Limit: "3, 2;w=60, 3;w=300", Reset: 30}}, // 4:30 starts a minute window
		{30 * time.Second, "k", ok}, // 5:00: the 5 minutes end; the minute window runs from 4:30
		{0, "k", ok},
		{0, "k", ratelimit.Decision{Limit: "2, 2;w=60, 3;w=300", Reset: 30}},
	}},
}

// TestBehaviourBothModes runs one table against memory and Redis: the
// decisions (allowed, header text, reset seconds) must be the same.
func TestBehaviourBothModes(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			newLimiter := m.make(t)
			for i, tc := range behaviour {
				t.Run(tc.name, func(t *testing.T) {
					fc := clock.NewFake(time.Unix(1_700_000_000+int64(i)*100_000, 123_456_789))
					l := newLimiter(mustSpec(t, tc.spec), fc)
					for j, s := range tc.steps {
						fc.Advance(s.advance)
						if got := l.Allow(tc.name + "/" + s.key); got != s.want {
							t.Fatalf("step %d (%s): got %+v, want %+v", j, s.key, got, s.want)
						}
					}
				})
			}
		})
	}
}

// TestRedisMatchesMemory drives a memory Limiter and a Redis one with the
// same random requests and clock steps (down to the nanosecond): every
// decision must be the same.
func TestRedisMatchesMemory(t *testing.T) {
	sc := state.Scope{R: statetest.Open(t), Session: "diff", Gen: 7}
	spec := mustSpec(t, "3/1s,5/3s,8/10s")
	fc := clock.NewFake(time.Unix(1_700_000_000, 999_999_000))
	mem, red := ratelimit.New(spec, fc), ratelimit.NewIn(spec, fc, sc)
	rng := rand.New(rand.NewPCG(1, 2))
	steps := []time.Duration{0, 0, 0, time.Nanosecond, 250 * time.Millisecond, 999_999_999, time.Second, 2 * time.Second}
	allowed := 0
	for i := range 2000 {
		fc.Advance(steps[rng.IntN(len(steps))])
		key := fmt.Sprintf("k%d", rng.IntN(3))
		m, r := mem.Allow(key), red.Allow(key)
		if m != r {
			t.Fatalf("request %d (%s at %s): memory %+v, redis %+v", i, key, fc.Now().Format(time.RFC3339Nano), m, r)
		}
		if m.Allowed {
			allowed++
		}
	}
	if allowed == 0 || allowed == 2000 {
		t.Fatalf("allowed %d of 2000: the sequence never reached a limit or never allowed", allowed)
	}
}

// TestTwoReplicasAreExact is the acceptance: two replicas' limiters on one
// scope with 30/1m, 64 requests split over them at once, exactly 30 pass;
// the rest are refused with the same header and reset.
func TestTwoReplicasAreExact(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			newLimiter := m.make(t)
			spec := mustSpec(t, "30/1m,1000/1h")
			fc := clock.NewFake(time.Unix(1_700_000_000, 0))
			a := newLimiter(spec, fc)
			b := a
			if m.name == "redis" {
				b = newLimiter(spec, fc)
			}
			var allowed atomic.Int64
			var wg sync.WaitGroup
			refused := make(chan ratelimit.Decision, 64)
			for i := range 64 {
				l := a
				if i%2 == 1 {
					l = b
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					if d := l.Allow("api-key"); d.Allowed {
						allowed.Add(1)
					} else {
						refused <- d
					}
				}()
			}
			wg.Wait()
			close(refused)
			if n := allowed.Load(); n != 30 {
				t.Fatalf("allowed %d of 64, want exactly 30", n)
			}
			for d := range refused {
				if want := (ratelimit.Decision{Limit: "30, 30;w=60, 1000;w=3600", Reset: 60}); d != want {
					t.Fatalf("refused with %+v, want %+v", d, want)
				}
			}
			fc.Advance(time.Minute)
			if d := b.Allow("api-key"); !d.Allowed {
				t.Fatalf("after the minute: %+v, want allowed", d)
			}
		})
	}
}

// TestWindowKeysExpire checks that Redis forgets a window's counter on its
// own (with its grace), so idle api-keys leave nothing behind.
func TestWindowKeysExpire(t *testing.T) {
	r := statetest.Open(t)
	sc := state.Scope{R: r, Session: "ttl", Gen: 1}
	l := ratelimit.NewIn(mustSpec(t, "5/1m,10/2h"), clock.NewFake(time.Unix(1_700_000_000, 0)), sc)
	if !l.Allow("key").Allowed {
		t.Fatal("first request refused")
	}
	for i, want := range []time.Duration{2 * time.Minute, 4 * time.Hour} {
		k := sc.Key("rl", "key", fmt.Sprint(i))
		ttl, err := r.Client().PTTL(context.Background(), k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= want-5*time.Second || ttl > want {
			t.Errorf("%s expires in %s, want about %s", k, ttl, want)
		}
		if c, _ := r.Client().HGet(context.Background(), k, "c").Result(); c != "1" {
			t.Errorf("%s counts %q, want 1", k, c)
		}
	}
}

// TestUnreachableRedisAborts: a Limiter whose Redis is down aborts the
// request with *state.Unavailable (the sandbox answers 503), and counts
// again once Redis is back.
func TestUnreachableRedisAborts(t *testing.T) {
	url, stop, restart := statetest.Server(t)
	r := statetest.OpenURL(t, url)
	l := ratelimit.NewIn(mustSpec(t, "1/1m"), clock.NewFake(time.Unix(1_700_000_000, 0)), state.Scope{R: r, Session: "down", Gen: 1})
	if !l.Allow("k").Allowed {
		t.Fatal("first request refused")
	}
	stop()
	if statetest.Aborted(func() { l.Allow("k") }) == nil {
		t.Fatal("Allow with Redis down did not abort with *state.Unavailable")
	}
	if r.Healthy() {
		t.Error("backend still reports healthy")
	}
	restart() // an empty Redis: the window starts anew
	if d := l.Allow("k"); !d.Allowed {
		t.Fatalf("after restart: %+v", d)
	}
	if d := l.Allow("k"); d.Allowed {
		t.Fatal("second request in the window allowed")
	}
}
