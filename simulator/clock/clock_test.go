package clock_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
)

// A chore runs on every tick until its context ends; Every then returns.
func ExampleEvery() {
	ctx, cancel := context.WithCancel(context.Background())
	runs := 0
	clock.Every(ctx, time.Millisecond, func() {
		if runs++; runs == 3 {
			cancel()
		}
	})
	clock.Every(context.Background(), 0, func() { runs = 100 }) // not positive: never runs
	fmt.Println(runs)
	// Output: 3
}
