package session

import (
	"context"
	"slices"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
)

// Lookup returns the named session ("" means Default) without creating it
// or marking it used, so admin reads neither create sessions nor keep them
// from expiring.
func (r *Registry) Lookup(name string) (*Session, bool) {
	if name == "" {
		name = Default
	}
	if r.remote != nil {
		return r.lookupRemote(name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sessions[name]
	return s, ok
}

// Reset gives the named session ("" means Default) a fresh world: a new
// Session with the same name, new states from the factories, Created set
// to now and no requests counted, exactly as if it were used for the first
// time. It reports false, creating nothing, when there is no such session.
//
// Requests already holding the old *Session finish with it; requests that
// call Get after Reset returns see the new one.
func (r *Registry) Reset(name string) bool {
	if name == "" {
		name = Default
	}
	if r.remote != nil {
		return r.resetRemote(name)
	}
	fresh := r.create(name, r.clock.Now()) // factories run outside the lock
	r.mu.Lock()
	old, ok := r.sessions[name]
	if ok {
		r.sessions[name] = fresh
	}
	r.mu.Unlock()
	if !ok {
		release(fresh)
		return false
	}
	release(old)
	return true
}

// Delete removes the named session and reports whether it existed.
// Requests holding it finish with it; the next Get of the name creates a
// new one. Default always exists: deleting it resets it.
func (r *Registry) Delete(name string) bool {
	if name == "" || name == Default {
		return r.Reset(Default)
	}
	if r.remote != nil {
		ok, err := r.deleteRemote(name, nil)
		r.remote.r.Must(err)
		return ok
	}
	r.mu.Lock()
	old, ok := r.sessions[name]
	delete(r.sessions, name)
	r.mu.Unlock()
	if ok {
		release(old)
	}
	return ok
}

// ExpireIdle deletes every session other than Default whose last use is
// more than ttl before the registry clock's now, and returns their names,
// sorted. Idle sessions hold forked tables; expiring them bounds the memory
// of a long-running sandbox shared by many test runs. A ttl <= 0 expires
// nothing.
func (r *Registry) ExpireIdle(ttl time.Duration) []string {
	if ttl <= 0 {
		return nil
	}
	if r.remote != nil {
		return r.expireRemote(ttl)
	}
	cutoff := r.clock.Now().Add(-ttl)
	var gone []string
	var old []*Session
	r.mu.Lock()
	for name, s := range r.sessions {
		if name != Default && s.LastUsed().Before(cutoff) {
			delete(r.sessions, name)
			gone = append(gone, name)
			old = append(old, s)
		}
	}
	r.mu.Unlock()
	release(old...)
	slices.Sort(gone)
	return gone
}

// RunJanitor calls ExpireIdle(ttl) every interval until ctx is done, then
// returns; run it in its own goroutine. The registry's clock decides what
// is idle, while a real ticker only paces the checks, so with a fake clock
// a test moves time and the next tick expires. It returns at once when ttl
// or every is not positive.
func (r *Registry) RunJanitor(ctx context.Context, ttl, every time.Duration) {
	if ttl <= 0 {
		return
	}
	clock.Every(ctx, every, func() { r.ExpireIdle(ttl) })
}
