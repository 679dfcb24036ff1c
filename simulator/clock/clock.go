// Package clock abstracts time so that token expiry, change windows and rate
// limit windows can be tested by moving time instead of sleeping.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock tells the current time. Every time-dependent rule in the sandbox asks
// a Clock rather than calling time.Now, so tests can inject a Fake.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or until ctx ends (returning ctx's error). Scenario
	// delays sleep through the clock so tests observe them without waiting.
	Sleep(ctx context.Context, d time.Duration) error
}

// Real is the wall clock.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// Sleep waits d on a timer, or until ctx ends.
func (Real) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Fake is a manually advanced clock for tests. It is safe for concurrent use.
type Fake struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

// NewFake returns a Fake clock set to start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

// Now returns the fake current time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the fake clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Sleep returns at once, advancing the clock by d and recording d (see
// Slept); it fails like Real.Sleep when ctx has already ended.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.slept = append(f.slept, d)
	f.mu.Unlock()
	return nil
}

// Slept lists the durations passed to Sleep, in order.
func (f *Fake) Slept() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.slept...)
}

// Every calls fn every interval on a real ticker until ctx is done, then
// returns; it returns at once when interval is not positive. Background
// chores (the session janitor, the scenario-file watcher) use it: the
// ticker only paces them, while what they decide is read from a Clock.
func Every(ctx context.Context, interval time.Duration, fn func()) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}
