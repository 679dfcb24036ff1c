// Package session gives each test its own world: a Session holds one state
// value per Key (a vendor's forked tables, tokens and rate-limit windows,
// the scenario counters, the journal), created on first use of the
// session's name. States plug in through Factories made from typed Keys, so
// this package never imports a vendor and no reader asserts a type.
package session

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// Default is the session of requests that name none.
const Default = "default"

// Header names the session of a request.
const Header = "X-Sandbox-Session"

// Key names one kind of per-session state and its Go type: Of returns a T,
// so no caller asserts a type. Keys are compared by identity, so two
// packages never collide even when they pick the same name.
type Key[T any] struct{ id *keyID }

type keyID struct{ name string }

// NewKey returns a new Key; name is for messages only.
func NewKey[T any](name string) Key[T] { return Key[T]{id: &keyID{name: name}} }

// Name is the name the key was made with.
func (k Key[T]) Name() string { return k.id.name }

// Of returns the session's state for k: the zero T when the registry has
// no Factory for k.
func (k Key[T]) Of(s *Session) T {
	for i, id := range s.keys {
		if id == k.id {
			v, _ := s.states[i].(T)
			return v
		}
	}
	var zero T
	return zero
}

// Factory makes each new session's state for k. newState must be cheap
// (fork, not copy): sessions are created on a request's path.
func (k Key[T]) Factory(newState func() T) Factory {
	return Factory{key: k.id, new: func(state.Scope, *clock.Session) any { return newState() }}
}

// ScopedFactory is Factory for a state that lives in the shared backend
// when there is one: newState gets the session's Scope (its Redis and key
// prefix; the zero Scope in the in-memory mode).
func (k Key[T]) ScopedFactory(newState func(sc state.Scope) T) Factory {
	return Factory{key: k.id, new: func(sc state.Scope, _ *clock.Session) any { return newState(sc) }}
}

// ClockedFactory is ScopedFactory for a state that also keeps time by the
// session's clock (a rate limiter's windows): newState gets the clock the
// session will have (Session.Clock).
func (k Key[T]) ClockedFactory(newState func(sc state.Scope, c *clock.Session) T) Factory {
	return Factory{key: k.id, new: func(sc state.Scope, c *clock.Session) any { return newState(sc, c) }}
}

// Factory creates one state of a new session; Key.Factory makes one.
type Factory struct {
	key *keyID
	new func(state.Scope, *clock.Session) any
}

// Session is one isolated world. Its states never change after creation:
// Reset replaces the whole Session, so a request holding one keeps a
// consistent world until it finishes.
type Session struct {
	name     string
	created  time.Time
	lastUsed atomic.Int64  // unix nanoseconds
	requests atomic.Uint64 // Get calls that returned this session
	keys     []*keyID      // the registry's, shared: states[i] is keys[i]'s
	states   []any
	scope    state.Scope // where its states live (zero: in memory)
	clock    *clock.Session
	dirAt    atomic.Int64 // shared mode: when this replica last refreshed the directory's last use (unix ns)
}

// Clock is the session's own clock, which a test can move (the control
// API's /clock): everything time-based in the session reads it, so
// moving one session's time changes nothing in another. A reset or
// deleted session starts again at the real time.
func (s *Session) Clock() *clock.Session { return s.clock }

// Scope is where the session's state lives: its Redis key prefix, or the
// zero Scope in the in-memory mode.
func (s *Session) Scope() state.Scope { return s.scope }

// Name is the session's name.
func (s *Session) Name() string { return s.name }

// Created is when the session was created.
func (s *Session) Created() time.Time { return s.created }

// LastUsed is when the session last served a request.
func (s *Session) LastUsed() time.Time { return time.Unix(0, s.lastUsed.Load()) }

// Requests is how many times Get returned this session: the vendor
// requests it served since it was created or reset (the requests its
// journal records, dropped ones included). The control API steers a
// session through Touch, which does not count.
func (s *Session) Requests() uint64 { return s.requests.Load() }

// Info is a snapshot of a session for the admin API.
type Info struct {
	Name     string    `json:"name"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"lastUsed"`
	// Requests counts vendor requests only, as the journal does: calls
	// to the control API are not the session's requests.
	Requests uint64 `json:"requests"`
}

// Info returns a snapshot of the session.
func (s *Session) Info() Info {
	return Info{Name: s.name, Created: s.created, LastUsed: s.LastUsed(), Requests: s.Requests()}
}

// Registry owns every live session: it creates them on first use, resets,
// deletes, expires and evicts them. It is safe for concurrent use.
type Registry struct {
	factories []Factory
	keys      []*keyID // each factory's key, in order
	clock     clock.Clock
	max       int           // most live sessions (0: no cap)
	evicted   atomic.Uint64 // sessions evicted by the cap

	mu       sync.Mutex
	sessions map[string]*Session // every live session; in the shared mode, this replica's handles

	remote  *remote // the shared directory (Shared); nil: in memory
	onClock []func(s *Session, before, after clock.State)
	lastLen atomic.Int64 // the shared directory's last session count
}

// NewRegistry returns a Registry whose sessions hold one state per factory.
// The Default session exists from the start.
func NewRegistry(c clock.Clock, factories ...Factory) *Registry {
	r := &Registry{factories: factories, clock: c, sessions: map[string]*Session{}}
	for _, f := range factories {
		r.keys = append(r.keys, f.key)
	}
	r.sessions[Default] = r.create(Default, c.Now())
	return r
}

// Limit caps the live sessions at max (0: no cap) and returns r: past it,
// creating a session evicts the least recently used one other than
// Default, so a sandbox shared by many pipelines stays bounded while the
// sessions in use keep working. Call it before serving.
func (r *Registry) Limit(max int) *Registry {
	r.max = max
	return r
}

// Evicted counts the sessions evicted by the cap.
func (r *Registry) Evicted() uint64 {
	if r.remote != nil {
		return r.evictedRemote()
	}
	return r.evicted.Load()
}

// Releaser is a session state holding resources beyond its own memory (a
// journal charged against the sandbox-wide budget): the registry calls
// Release when the session is deleted, reset, expired or evicted.
type Releaser interface{ Release() }

// release calls Release on every state of the sessions that are gone.
func release(gone ...*Session) {
	for _, s := range gone {
		for _, st := range s.states {
			if r, ok := st.(Releaser); ok {
				r.Release()
			}
		}
	}
}

// Get returns the named session ("" means Default), creating it on first
// use, and marks it used. Marking happens under the registry's lock so that
// ExpireIdle never removes a session that a request has just been handed.
func (r *Registry) Get(name string) *Session { return r.get(name, true) }

// Touch is Get for the control API: it returns the named session, creating
// it on first use, and marks it used (so steering a session keeps it from
// expiring) without counting a request, so Requests stays the count of
// vendor requests, the same as the journal's.
func (r *Registry) Touch(name string) *Session { return r.get(name, false) }

func (r *Registry) get(name string, count bool) *Session {
	if name == "" {
		name = Default
	}
	if r.remote != nil {
		return r.getRemote(name, count, nil)
	}
	now := r.clock.Now()
	var evicted *Session
	r.mu.Lock()
	s, ok := r.sessions[name]
	if !ok {
		if r.max > 0 && len(r.sessions) >= r.max {
			evicted = r.evictLRU()
		}
		s = r.create(name, now)
		r.sessions[name] = s
	}
	s.lastUsed.Store(now.UnixNano())
	if count {
		s.requests.Add(1)
	}
	r.mu.Unlock()
	if evicted != nil {
		release(evicted)
	}
	return s
}

// evictLRU removes the least recently used session other than Default.
// The caller holds mu. It scans the sessions: it runs only when a new
// session meets the cap, rare beside the requests of the sessions in use.
func (r *Registry) evictLRU() *Session {
	var oldest *Session
	for name, s := range r.sessions {
		if name != Default && (oldest == nil || s.lastUsed.Load() < oldest.lastUsed.Load()) {
			oldest = s
		}
	}
	if oldest != nil {
		delete(r.sessions, oldest.name)
		r.evicted.Add(1)
	}
	return oldest
}

func (r *Registry) create(name string, now time.Time) *Session {
	return r.createIn(name, now, state.Scope{})
}

// createIn makes a session whose states live under sc.
func (r *Registry) createIn(name string, now time.Time, sc state.Scope) *Session {
	s := &Session{name: name, created: now, keys: r.keys, states: make([]any, len(r.factories)), scope: sc,
		clock: clock.NewSession(r.clock)}
	for i, f := range r.factories {
		s.states[i] = f.new(sc, s.clock)
	}
	s.lastUsed.Store(now.UnixNano())
	return s
}

// List returns a snapshot of every live session, sorted by name.
func (r *Registry) List() []Info {
	if r.remote != nil {
		return r.listRemote()
	}
	r.mu.Lock()
	out := make([]Info, 0, len(r.sessions))
	for _, s := range r.sessions {
		out = append(out, s.Info())
	}
	r.mu.Unlock()
	sortInfos(out)
	return out
}

func sortInfos(out []Info) { sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name }) }

// Len is the number of live sessions.
func (r *Registry) Len() int {
	if r.remote != nil {
		return r.lenRemote()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sessions)
}

// Names lists the live sessions, sorted.
func (r *Registry) Names() []string {
	if r.remote != nil {
		var out []string
		for _, info := range r.listRemote() {
			out = append(out, info.Name)
		}
		return out
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.sessions))
	for n := range r.sessions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
