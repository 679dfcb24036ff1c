package ratelimit_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/ratelimit"
)

func TestParseSpec(t *testing.T) {
	for in, want := range map[string]string{"off": "off", "": "off", "100/1m, 1000/1h": "100/1m0s,1000/1h0m0s"} {
		s, err := ratelimit.ParseSpec(in)
		if err != nil || s.String() != want {
			t.Errorf("ParseSpec(%q) = %v, %v; want %s", in, s, err, want)
		}
	}
	for _, bad := range []string{"x", "0/1m", "5/0s", "5/abc", "5"} {
		if _, err := ratelimit.ParseSpec(bad); err == nil {
			t.Errorf("ParseSpec(%q) accepted", bad)
		}
	}
}

func TestConcurrentAllowIsExact(t *testing.T) {
	spec, _ := ratelimit.ParseSpec("10/1m")
	l := ratelimit.New(spec, clock.NewFake(time.Unix(0, 0)))
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l.Allow("k").Allowed {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 10 {
		t.Fatalf("allowed %d, want 10", allowed)
	}
}

// Over the limit, the decision carries Weavr's headers.
func ExampleLimiter_Allow() {
	spec, _ := ratelimit.ParseSpec("2/1m,5/1h")
	fc := clock.NewFake(time.Unix(0, 0))
	l := ratelimit.New(spec, fc)
	l.Allow("key")
	l.Allow("key")
	fc.Advance(15 * time.Second)
	d := l.Allow("key")
	fmt.Println(d.Allowed, d.Limit, d.Reset)
	// Output: false 2, 2;w=60, 5;w=3600 45
}
