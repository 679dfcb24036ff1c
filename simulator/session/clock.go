package session

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// ClockInfo is a session's clock as the control API shows it.
type ClockInfo struct {
	Now time.Time `json:"now"`
	// Real is the sandbox's own time, which journal entries also keep.
	Real time.Time `json:"real"`
	// Offset is how far the session's time is ahead of Real (Go duration).
	Offset string `json:"offset"`
	// Frozen is true while the clock stands still until advanced.
	Frozen bool `json:"frozen"`
}

// ClockInfo is a snapshot of the session's clock.
func (s *Session) ClockInfo() ClockInfo {
	st := s.clock.State()
	wall := s.clock.Base().Now()
	now := st.At(wall)
	return ClockInfo{Now: now, Real: wall, Offset: now.Sub(wall).Round(time.Millisecond).String(), Frozen: !st.Frozen.IsZero()}
}

// Moved reports whether the session's clock was ever moved (the
// dashboard shows its time only then).
func (s *Session) Moved() bool { return s.clock.State().Version > 0 }

// ErrNoSession is MoveClock's answer when the session was deleted while
// its clock was being moved.
var ErrNoSession = errors.New("the session was deleted meanwhile")

// MoveClock moves the named session's clock ("" means Default), creating
// the session on first use like Touch: f gets the clock's position and
// the base clock's time and returns the new position (clock.State's
// Advanced, To, Freeze), or an error that leaves it where it was. In the
// shared mode the position is the directory's, so every replica sees the
// move; concurrent moves are applied one after the other, never lost.
func (r *Registry) MoveClock(name string, f func(st clock.State, base time.Time) (clock.State, error)) (*Session, error) {
	s := r.Touch(name)
	if r.remote == nil {
		var err error
		var before, after clock.State
		s.clock.Move(func(st clock.State, base time.Time) clock.State {
			next, e := f(st, base)
			if e != nil {
				err = e
				return st
			}
			before, after = st, next
			return next
		})
		if err == nil && after.Version > before.Version {
			r.clockMoved(s, before, after)
		}
		return s, err
	}
	for {
		cur := s.clock.State()
		next, err := f(cur, r.clock.Now())
		if err != nil {
			return s, err
		}
		ok, err := r.remote.setClock(s.name, s.scope.Gen, cur, next)
		if err != nil {
			r.remote.r.Must(err)
			return s, err
		}
		if ok {
			s.clock.Set(next)
			r.clockMoved(s, cur, next)
			return s, nil
		}
		// Another replica moved it (or reset the session) meanwhile.
		t, found := r.remote.entry(s.name)
		if !found || t.gen != s.scope.Gen {
			return s, ErrNoSession
		}
		s.clock.Set(t.clock)
	}
}

// ClockKey is the key, under a session's Scope, that holds its clock
// (EncodeClock) in the shared mode once moved: what runs outside a
// request (a webhook attempt another replica sends) reads the session's
// time from it.
const ClockKey = "clock"

// EncodeClock writes a clock position as ClockKey holds it:
// "OFFSETNS:FROZENUNIXNS:VERSION" (frozen 0 while running).
func EncodeClock(st clock.State) string {
	return strconv.FormatInt(int64(st.Offset), 10) + ":" + frozenNs(st) + ":" + strconv.FormatUint(st.Version, 10)
}

// frozenNs is the frozen instant in unix ns, "0" while running: the
// directory's cfrz and EncodeClock's middle part.
func frozenNs(st clock.State) string {
	if st.Frozen.IsZero() {
		return "0"
	}
	return strconv.FormatInt(st.Frozen.UnixNano(), 10)
}

// DecodeClock reads EncodeClock's form; "" (never moved) is the zero
// position.
func DecodeClock(v string) clock.State {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) != 3 {
		return clock.State{}
	}
	return clockState(parts[0], parts[1], parts[2])
}

// clockScript writes a session's clock (the directory's fields and its
// Scope's ClockKey, KEYS[2]) when the directory still holds the
// generation and clock version it was read at: 1 written, 0 moved or
// reset meanwhile (read again), -1 no such session.
var clockScript = redis.NewScript(`
local gen = redis.call('HGET', KEYS[1], 'gen')
if not gen then return -1 end
if gen ~= ARGV[1] or (redis.call('HGET', KEYS[1], 'cver') or '0') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'coff', ARGV[3], 'cfrz', ARGV[4], 'cver', ARGV[5])
redis.call('SET', KEYS[2], ARGV[6])
return 1
`)

func (m *remote) setClock(name string, gen uint64, cur, next clock.State) (bool, error) {
	sc := state.Scope{R: m.r, Session: name, Gen: gen}
	n, err := clockScript.Run(context.Background(), m.r.Client(), []string{m.hash(name), sc.Key(ClockKey)},
		gen, cur.Version, int64(next.Offset), frozenNs(next), next.Version, EncodeClock(next)).Int()
	if err = m.r.Check(err); err != nil {
		return false, err
	}
	if n < 0 {
		return false, ErrNoSession
	}
	return n == 1, nil
}

// clockState reads a clock position from the directory's fields.
func clockState(off, frz, ver string) clock.State {
	o, _ := strconv.ParseInt(off, 10, 64)
	st := clock.State{Offset: time.Duration(o), Version: atou(ver)}
	if f, _ := strconv.ParseInt(frz, 10, 64); f != 0 {
		st.Frozen = time.Unix(0, f).UTC()
	}
	return st
}

// OnClockMove registers fn to run after a session's clock is moved
// through MoveClock (before and after are its positions): what keeps
// due times outside this process (the shared mode's webhook retries)
// follows the move. Call it before serving.
func (r *Registry) OnClockMove(fn func(s *Session, before, after clock.State)) {
	r.onClock = append(r.onClock, fn)
}

func (r *Registry) clockMoved(s *Session, before, after clock.State) {
	for _, fn := range r.onClock {
		fn(s, before, after)
	}
}
