package weavr

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
)

// tokenModes make token stores: in memory (one store, as one process has),
// or in Redis, where each call is a new handle on the same scope (another
// replica's).
var tokenModes = []struct {
	name  string
	store func(t *testing.T) func() *tokens
}{
	{"memory", func(*testing.T) func() *tokens {
		ts := newTokens(state.Scope{})
		return func() *tokens { return ts }
	}},
	{"redis", func(t *testing.T) func() *tokens {
		sc := state.Scope{R: statetest.Open(t), Session: "tok", Gen: 3}
		return func() *tokens { return newTokens(sc) }
	}},
}

const testTTL = 5 * time.Minute

var t0 = time.Unix(1_700_000_000, 987_654_321)

// TestTokenBehaviourBothModes: each case runs in memory and in Redis,
// issuing through one handle and checking through another in Redis mode.
func TestTokenBehaviourBothModes(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, a, b *tokens)
	}{
		{"issued token names its owner", func(t *testing.T, a, b *tokens) {
			v := a.issue("c1", "p1", t0)
			wantToken(t, b.use, v, t0.Add(time.Second), token{consumerID: "c1", programmeID: "p1", lastUsed: t0.Add(time.Second)})
			if v2 := a.issue("c1", "p1", t0); v2 == v {
				t.Fatal("two logins got the same token")
			}
		}},
		{"unknown token", func(t *testing.T, a, b *tokens) {
			if tk, ok := b.use("nope", t0, testTTL); ok {
				t.Fatalf("unknown token used: %+v", tk)
			}
			if tk, ok := b.peek("nope"); ok {
				t.Fatalf("unknown token peeked: %+v", tk)
			}
		}},
		{"idle exactly the TTL is valid, a nanosecond more is not", func(t *testing.T, a, b *tokens) {
			v := a.issue("c1", "p1", t0)
			wantToken(t, b.use, v, t0.Add(testTTL), token{consumerID: "c1", programmeID: "p1", lastUsed: t0.Add(testTTL)})
			w := a.issue("c2", "p1", t0)
			if _, ok := b.use(w, t0.Add(testTTL+time.Nanosecond), testTTL); ok {
				t.Fatal("token idle for TTL+1ns accepted")
			}
			// An expired token is forgotten, even by peek and a clock
			// that goes back.
			if _, ok := a.peek(w); ok {
				t.Fatal("expired token still known to peek")
			}
			if _, ok := a.use(w, t0, testTTL); ok {
				t.Fatal("expired token accepted again")
			}
		}},
		{"use slides the expiry", func(t *testing.T, a, b *tokens) {
			v := a.issue("c1", "p1", t0)
			now := t0
			for i := range 5 {
				now = now.Add(testTTL - time.Millisecond)
				h := a
				if i%2 == 0 {
					h = b
				}
				wantToken(t, h.use, v, now, token{consumerID: "c1", programmeID: "p1", lastUsed: now})
			}
			if _, ok := a.use(v, now.Add(testTTL+1), testTTL); ok {
				t.Fatal("token accepted after a full TTL of idleness")
			}
		}},
		{"peek does not mark used", func(t *testing.T, a, b *tokens) {
			v := a.issue("c1", "p1", t0)
			tk, ok := b.peek(v)
			if !ok || tk.consumerID != "c1" || tk.programmeID != "p1" || !tk.lastUsed.Equal(t0) {
				t.Fatalf("peek = %+v, %v", tk, ok)
			}
			if _, ok := a.use(v, t0.Add(testTTL+time.Nanosecond), testTTL); ok {
				t.Fatal("peek refreshed the token")
			}
		}},
		{"revoke ends one token", func(t *testing.T, a, b *tokens) {
			v, w := a.issue("c1", "p1", t0), a.issue("c1", "p1", t0)
			b.revoke(v)
			if _, ok := a.use(v, t0, testTTL); ok {
				t.Fatal("revoked token accepted")
			}
			if _, ok := a.peek(v); ok {
				t.Fatal("revoked token peeked")
			}
			wantToken(t, a.use, w, t0, token{consumerID: "c1", programmeID: "p1", lastUsed: t0})
			b.revoke("never-issued") // no effect, no failure
		}},
		{"revokeConsumer ends that consumer's tokens only, for good", func(t *testing.T, a, b *tokens) {
			c1 := []string{a.issue("c1", "p1", t0), b.issue("c1", "p2", t0), a.issue("c1", "p1", t0)}
			a.revoke(c1[2])
			c2 := b.issue("c2", "p1", t0)
			b.revokeConsumer("c1")
			for _, v := range c1 {
				if _, ok := a.use(v, t0, testTTL); ok {
					t.Fatalf("token %s of a revoked consumer accepted", v)
				}
			}
			wantToken(t, a.use, c2, t0, token{consumerID: "c2", programmeID: "p1", lastUsed: t0})
			// A login after the revocation lives.
			v := a.issue("c1", "p1", t0)
			wantToken(t, b.use, v, t0, token{consumerID: "c1", programmeID: "p1", lastUsed: t0})
			a.revokeConsumer("nobody")
		}},
	}
	for _, m := range tokenModes {
		t.Run(m.name, func(t *testing.T) {
			handle := m.store(t)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, handle(), handle()) })
			}
		})
	}
}

func wantToken(t *testing.T, use func(string, time.Time, time.Duration) (token, bool), v string, now time.Time, want token) {
	t.Helper()
	got, ok := use(v, now, testTTL)
	if !ok || got.consumerID != want.consumerID || got.programmeID != want.programmeID || !got.lastUsed.Equal(want.lastUsed) {
		t.Fatalf("use(%s) = %+v, %v; want %+v", v, got, ok, want)
	}
}

// TestTokensTwoReplicasConcurrent: 64 logins at once over two handles on
// one scope, then a deactivation through one handle while 64 uses run
// over both: every token of the deactivated consumer is gone afterwards
// and every other token is valid on both handles.
func TestTokensTwoReplicasConcurrent(t *testing.T) {
	for _, m := range tokenModes {
		t.Run(m.name, func(t *testing.T) {
			handle := m.store(t)
			hs := [2]*tokens{handle(), handle()}
			vals := make([]string, 64)
			var wg sync.WaitGroup
			for i := range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					vals[i] = hs[i%2].issue(fmt.Sprintf("c%d", i%4), "p1", t0)
				}()
			}
			wg.Wait()
			for i := range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if i == 0 {
						hs[1].revokeConsumer("c0")
					}
					hs[i%2].use(vals[(i+1)%64], t0.Add(time.Second), testTTL)
				}()
			}
			wg.Wait()
			for i, v := range vals {
				for _, h := range hs {
					_, ok := h.use(v, t0.Add(2*time.Second), testTTL)
					if want := i%4 != 0; ok != want {
						t.Fatalf("token %d (c%d): valid %v, want %v", i, i%4, ok, want)
					}
				}
			}
		})
	}
}

// TestTokenKeysExpireInRedis: a token's key carries a Redis expiry (a
// login never used is gone in a day), which each use slides to the TTL
// plus grace; the consumer's set drops dead tokens at the next login.
func TestTokenKeysExpireInRedis(t *testing.T) {
	r := statetest.Open(t)
	ctx := context.Background()
	ts := newTokens(state.Scope{R: r, Session: "exp", Gen: 1})
	v := ts.issue("c1", "p1", t0)
	pttl := func(k string) time.Duration {
		d, err := r.Client().PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := pttl(ts.key(v)); d <= issueExpiry-5*time.Second || d > issueExpiry {
		t.Fatalf("issued token expires in %s, want about %s", d, issueExpiry)
	}
	ts.use(v, t0, time.Minute)
	if d := pttl(ts.key(v)); d <= 2*time.Minute-5*time.Second || d > 2*time.Minute {
		t.Fatalf("used token expires in %s, want about 2m (TTL 1m plus grace)", d)
	}
	w := ts.issue("c1", "p1", t0)
	ts.revoke(v)
	ts.issue("c1", "p1", t0)
	n, err := r.Client().SCard(ctx, ts.ownerKey("c1")).Result()
	if err != nil || n != 2 {
		t.Fatalf("consumer set holds %d (%v), want 2 (the revoked token dropped)", n, err)
	}
	if ok, _ := r.Client().SIsMember(ctx, ts.ownerKey("c1"), ts.key(w)).Result(); !ok {
		t.Fatal("live token missing from its consumer's set")
	}
}

// TestTokensRedisDownAborts: every token operation meeting a stopped
// Redis aborts the request with *state.Unavailable, and tokens work again
// once it is back.
func TestTokensRedisDownAborts(t *testing.T) {
	url, stop, restart := statetest.Server(t)
	r := statetest.OpenURL(t, url)
	ts := newTokens(state.Scope{R: r, Session: "down", Gen: 1})
	v := ts.issue("c1", "p1", t0)
	stop()
	for name, op := range map[string]func(){
		"issue":          func() { ts.issue("c1", "p1", t0) },
		"use":            func() { ts.use(v, t0, testTTL) },
		"peek":           func() { ts.peek(v) },
		"revoke":         func() { ts.revoke(v) },
		"revokeConsumer": func() { ts.revokeConsumer("c1") },
	} {
		if statetest.Aborted(op) == nil {
			t.Errorf("%s with Redis down did not abort with *state.Unavailable", name)
		}
	}
	restart()
	w := ts.issue("c1", "p1", t0)
	wantToken(t, ts.use, w, t0, token{consumerID: "c1", programmeID: "p1", lastUsed: t0})
}
