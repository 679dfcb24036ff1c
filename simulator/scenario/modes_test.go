package scenario

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
)

// mode is where a test's engine and sessions keep their state: in memory
// (r nil) or in a real Redis (statetest) with a key prefix of the test's
// own. The behaviour tables run in both, so the shared mode is held to
// exactly what the memory mode does.
type mode struct {
	name string
	r    *state.Redis
	n    *atomic.Int64
}

// inModes runs f as a subtest per mode.
func inModes(t *testing.T, f func(t *testing.T, m mode)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) { f(t, mode{name: "memory", n: new(atomic.Int64)}) })
	t.Run("redis", func(t *testing.T) { f(t, mode{name: "redis", r: statetest.Open(t), n: new(atomic.Int64)}) })
}

// engine is newTestEngine in the mode.
func (m mode) engine(t *testing.T, src string, active ...string) (*Engine, *[]time.Duration) {
	t.Helper()
	return newTestEngineIn(t, m.r, src, active...)
}

// session makes a new session's state in the mode.
func (m mode) session(e *Engine) *State {
	return e.NewStateIn(m.scope(fmt.Sprintf("s%d", m.n.Add(1))))
}

// scope is the Scope of session name (the zero Scope in memory).
func (m mode) scope(name string) state.Scope {
	if m.r == nil {
		return state.Scope{}
	}
	return state.Scope{R: m.r, Session: name, Gen: 1}
}
