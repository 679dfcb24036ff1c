package session_test

import (
	"fmt"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// Reset gives a session a fresh world under the same name.
func ExampleRegistry_Reset() {
	counter := session.NewKey[*int]("counter")
	r := session.NewRegistry(clock.NewFake(time.Unix(0, 0)), counter.Factory(func() *int { return new(int) }))
	*counter.Of(r.Get("test-1")) = 5
	r.Reset("test-1")
	fmt.Println(*counter.Of(r.Get("test-1")))
	fmt.Println(r.Reset("unknown"))
	// Output:
	// 0
	// false
}

// Sessions idle for longer than the TTL expire; the default one never does.
func ExampleRegistry_ExpireIdle() {
	fc := clock.NewFake(time.Unix(0, 0))
	r := session.NewRegistry(fc)
	r.Get("")
	r.Get("ci-run-41")
	fc.Advance(2 * time.Hour)
	r.Get("ci-run-42")
	fmt.Println(r.ExpireIdle(time.Hour))
	for _, in := range r.List() {
		fmt.Println(in.Name, in.Requests)
	}
	// Output:
	// [ci-run-41]
	// ci-run-42 1
	// default 1
}
