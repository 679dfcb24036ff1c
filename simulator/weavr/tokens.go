package weavr

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// token is a logged-in root user's auth token. Weavr tokens are valid for
// 5 minutes from last activity (loginWithPassword's description).
type token struct {
	consumerID  string
	programmeID string
	lastUsed    time.Time
}

func newTokenValue() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// tokens are one session's auth tokens.
type tokens struct {
	mu    sync.Mutex
	byVal map[string]*token
}

// newTokens makes a session's token store under sc.
func newTokens(sc state.Scope) *tokens {
	_ = sc
	return &tokens{byVal: map[string]*token{}}
}

// issue creates a token for the consumer.
func (ts *tokens) issue(consumerID, programmeID string, now time.Time) string {
	v := newTokenValue()
	ts.mu.Lock()
	ts.byVal[v] = &token{consumerID: consumerID, programmeID: programmeID, lastUsed: now}
	ts.mu.Unlock()
	return v
}

// use returns the token's owner and marks it used, or false if the token is
// unknown or idle for longer than ttl (an expired token is forgotten).
func (ts *tokens) use(value string, now time.Time, ttl time.Duration) (token, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.byVal[value]
	if !ok {
		return token{}, false
	}
	if now.Sub(t.lastUsed) > ttl {
		delete(ts.byVal, value)
		return token{}, false
	}
	t.lastUsed = now
	return *t, true
}

// peek returns the token's owner without marking it used (a scenario's
// target), expired or not.
func (ts *tokens) peek(value string) (token, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.byVal[value]
	if !ok {
		return token{}, false
	}
	return *t, true
}

// revoke forgets a token (logout): later calls with it are 401.
func (ts *tokens) revoke(value string) {
	ts.mu.Lock()
	delete(ts.byVal, value)
	ts.mu.Unlock()
}

// revokeConsumer forgets every token of a consumer (deactivation): they
// stay refused after the consumer is activated again, which needs a new
// login, as a deactivated user's sessions end on Weavr.
func (ts *tokens) revokeConsumer(id string) {
	ts.mu.Lock()
	for v, t := range ts.byVal {
		if t.consumerID == id {
			delete(ts.byVal, v)
		}
	}
	ts.mu.Unlock()
}
