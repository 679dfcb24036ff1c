// Package session gives each test its own world: a Session holds one state
// value per vendor (its forked tables, tokens, rate-limit windows), created
// on first use of the session's name. Vendors plug in through Factories, so
// this package never imports a vendor.
package session

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
)

// Default is the session of requests that name none.
const Default = "default"

// Header names the session of a request.
const Header = "X-Sandbox-Session"

// Factory creates a vendor's state for a new session. It must be cheap
// (fork, not copy) because sessions are created on a request's path.
type Factory struct {
	Vendor string
	New    func() any
}

// Session is one isolated world.
type Session struct {
	name     string
	created  time.Time
	lastUsed atomic.Int64 // unix nanoseconds
	states   map[string]any
}

// Name is the session's name.
func (s *Session) Name() string { return s.name }

// Created is when the session was created.
func (s *Session) Created() time.Time { return s.created }

// LastUsed is when the session last served a request.
func (s *Session) LastUsed() time.Time { return time.Unix(0, s.lastUsed.Load()) }

// State returns the vendor's state of this session.
func (s *Session) State(vendor string) any { return s.states[vendor] }

// Registry owns every live session.
type Registry struct {
	factories []Factory
	clock     clock.Clock

	mu       sync.Mutex
	sessions map[string]*Session
}

// NewRegistry returns a Registry whose sessions hold one state per factory.
func NewRegistry(c clock.Clock, factories ...Factory) *Registry {
	return &Registry{factories: factories, clock: c, sessions: map[string]*Session{}}
}

// Get returns the named session, creating it on first use, and marks it used.
func (r *Registry) Get(name string) *Session {
	if name == "" {
		name = Default
	}
	now := r.clock.Now()
	r.mu.Lock()
	s, ok := r.sessions[name]
	if !ok {
		s = r.create(name, now)
		r.sessions[name] = s
	}
	r.mu.Unlock()
	s.lastUsed.Store(now.UnixNano())
	return s
}

func (r *Registry) create(name string, now time.Time) *Session {
	s := &Session{name: name, created: now, states: make(map[string]any, len(r.factories))}
	for _, f := range r.factories {
		s.states[f.Vendor] = f.New()
	}
	s.lastUsed.Store(now.UnixNano())
	return s
}

// Names lists the live sessions, sorted.
func (r *Registry) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.sessions))
	for n := range r.sessions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ContextKey is the gin context key under which the server stores the
// request's *Session for vendor handlers.
const ContextKey = "sandbox.session"
