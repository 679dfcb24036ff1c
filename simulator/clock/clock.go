// Package clock abstracts time so that token expiry, change windows and rate
// limit windows can be tested by moving time instead of sleeping.
package clock

import (
	"context"
	"sync"
	"sync/atomic"
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

// Session is one sandbox session's clock: its base clock moved forward by
// what a test advanced, running from there (the default: a client's own
// timers, a Retry-After it sleeps, keep meaning what they mean against
// the vendor), or frozen at an instant until advanced (Stripe's test
// clocks: timestamps a test can assert exactly). Sleep is the base's:
// sleeps are network latency, never vendor time. Time never runs
// backwards. Safe for concurrent use.
type Session struct {
	base Clock
	// st is the position (nil: the zero State, never moved). Every
	// request reads it, so reads take no lock; moves are serialised by mu.
	st atomic.Pointer[State]

	mu    sync.Mutex
	moved chan struct{} // closed when the clock moves; made when first asked for
}

// NewSession returns a running session clock at base's time. It is
// small (sessions are many): no channel until someone waits on it.
func NewSession(base Clock) *Session { return &Session{base: base} }

// Now is the session's time.
func (s *Session) Now() time.Time {
	p := s.st.Load()
	if p == nil {
		return s.base.Now()
	}
	return p.At(s.base.Now())
}

// Sleep waits d of real time (the base clock's): see Session.
func (s *Session) Sleep(ctx context.Context, d time.Duration) error { return s.base.Sleep(ctx, d) }

// State is a session clock's position: how far ahead of its base it runs,
// or the instant it stands frozen at (zero: running), and how many times
// it was moved. It is what the shared state backend keeps, so every
// replica computes the same time.
type State struct {
	Offset  time.Duration
	Frozen  time.Time
	Version uint64 // moves so far: a later position has a higher one
}

// State returns the clock's position.
func (s *Session) State() State {
	if p := s.st.Load(); p != nil {
		return *p
	}
	return State{}
}

// Set moves the clock to st, a position read from the shared backend
// (where another replica may have moved it), unless the clock already
// stands at it or later (a read that raced a move never takes time
// back); waiters are woken when it moved.
func (s *Session) Set(st State) {
	if st.Version <= s.State().Version {
		return // the common case, on every shared-mode request: no lock
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.Version > s.State().Version {
		s.st.Store(&st)
		s.wakeLocked()
	}
}

// Move applies f to the clock's position atomically (f gets the position
// and the base clock's time; a result with a higher Version is taken, see
// State.Advanced) and returns the new position and time.
func (s *Session) Move(f func(st State, now time.Time) State) (State, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	base := s.base.Now()
	cur := s.State()
	if next := f(cur, base); next.Version > cur.Version {
		s.st.Store(&next)
		s.wakeLocked()
		cur = next
	}
	return cur, cur.At(base)
}

// Moved is closed the next time the clock is advanced, set or frozen:
// a wait for a due time on this clock selects on it to re-check.
func (s *Session) Moved() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.moved == nil {
		s.moved = make(chan struct{})
	}
	return s.moved
}

func (s *Session) wakeLocked() {
	if s.moved != nil {
		close(s.moved)
		s.moved = nil
	}
}

// At is the time the position gives when the base clock reads base.
func (st State) At(base time.Time) time.Time {
	if !st.Frozen.IsZero() {
		return st.Frozen
	}
	return base.Add(st.Offset)
}

// Advanced is st moved forward by d (d >= 0) when the base reads base.
func (st State) Advanced(d time.Duration, base time.Time) State {
	st.Version++
	if !st.Frozen.IsZero() {
		st.Frozen = st.Frozen.Add(d)
		return st
	}
	st.Offset += d
	return st
}

// Freeze is st stopped at the time it gives when the base reads base
// (freeze) or running again from that time (!freeze).
func (st State) Freeze(freeze bool, base time.Time) State {
	now := st.At(base)
	if freeze {
		return State{Frozen: now, Version: st.Version + 1}
	}
	return State{Offset: now.Sub(base), Version: st.Version + 1}
}

// To is st moved forward to t when the base reads base; t must not be
// before st.At(base).
func (st State) To(t, base time.Time) State { return st.Advanced(t.Sub(st.At(base)), base) }

// Base is the clock the session's time is reckoned from (the wall clock,
// or a test's Fake).
func (s *Session) Base() Clock { return s.base }
