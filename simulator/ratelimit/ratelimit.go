// Package ratelimit enforces fixed-window request limits per key, the way
// Weavr documents them: several windows at once (per minute, hour, day), and
// once a window's limit is reached every request is refused until that
// window ends.
package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// Window is one limit: at most Limit requests per Size.
type Window struct {
	Limit int
	Size  time.Duration
}

// Spec is a set of windows; an empty Spec means no limit.
type Spec []Window

// ParseSpec reads "off", or a comma-separated list of LIMIT/DURATION
// (e.g. "100/1m,1000/1h,10000/24h").
func ParseSpec(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "" {
		return nil, nil
	}
	var spec Spec
	for _, part := range strings.Split(s, ",") {
		n, d, ok := strings.Cut(strings.TrimSpace(part), "/")
		if !ok {
			return nil, fmt.Errorf("rate limit %q: want LIMIT/DURATION, e.g. 100/1m", part)
		}
		limit, err := strconv.Atoi(n)
		if err != nil || limit < 1 {
			return nil, fmt.Errorf("rate limit %q: limit must be a positive integer", part)
		}
		size, err := time.ParseDuration(d)
		if err != nil || size < time.Second {
			return nil, fmt.Errorf("rate limit %q: duration must be at least 1s (e.g. 1m, 1h, 24h)", part)
		}
		spec = append(spec, Window{Limit: limit, Size: size})
	}
	return spec, nil
}

// String renders the spec in ParseSpec's syntax.
func (s Spec) String() string {
	if len(s) == 0 {
		return "off"
	}
	parts := make([]string, len(s))
	for i, w := range s {
		parts[i] = fmt.Sprintf("%d/%s", w.Limit, w.Size)
	}
	return strings.Join(parts, ",")
}

// Decision is the outcome of one Allow call.
type Decision struct {
	Allowed bool
	// Limit is the x-ratelimit-limit value: the exceeded limit first, then
	// every window as LIMIT;w=SECONDS (Weavr's format).
	Limit string
	// Reset is the number of whole seconds until the exceeded window ends.
	Reset int
}

type counter struct {
	start time.Time
	count int
}

// Limiter counts requests per key. It is safe for concurrent use.
type Limiter struct {
	spec  Spec
	clock clock.Clock
	// shared holds the windows in Redis for a remote Scope; nil keeps them
	// in keys below (the default, whose hot path stays lock-and-count).
	shared *shared

	mu   sync.Mutex
	keys map[string][]counter
}

// New returns a Limiter; a nil or empty spec allows everything.
func New(spec Spec, c clock.Clock) *Limiter {
	return &Limiter{spec: spec, clock: c, keys: map[string][]counter{}}
}

// NewIn is New for a session's windows under sc: in memory for the zero
// Scope, else in the shared backend, exact across replicas.
func NewIn(spec Spec, c clock.Clock, sc state.Scope) *Limiter {
	l := New(spec, c)
	if sc.Remote() && len(spec) > 0 {
		l.shared = newShared(spec, sc)
	}
	return l
}

// Allow counts one request for key, or refuses it when a window is full.
// Refused requests do not count.
func (l *Limiter) Allow(key string) Decision {
	if len(l.spec) == 0 {
		return Decision{Allowed: true}
	}
	now := l.clock.Now()
	if l.shared != nil {
		return l.allowShared(key, now)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	cs := l.keys[key]
	if cs == nil {
		cs = make([]counter, len(l.spec))
		l.keys[key] = cs
	}
	hit := -1
	var reset time.Duration
	for i, w := range l.spec {
		if cs[i].start.IsZero() || !now.Before(cs[i].start.Add(w.Size)) {
			cs[i] = counter{start: now}
		}
		if cs[i].count >= w.Limit {
			// Report the window that blocks the longest.
			if left := cs[i].start.Add(w.Size).Sub(now); hit < 0 || left > reset {
				hit, reset = i, left
			}
		}
	}
	if hit >= 0 {
		return Decision{Limit: l.header(hit), Reset: int((reset + time.Second - 1) / time.Second)}
	}
	for i := range cs {
		cs[i].count++
	}
	return Decision{Allowed: true}
}

func (l *Limiter) header(hit int) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(l.spec[hit].Limit))
	for _, w := range l.spec {
		fmt.Fprintf(&b, ", %d;w=%d", w.Limit, int(w.Size/time.Second))
	}
	return b.String()
}
