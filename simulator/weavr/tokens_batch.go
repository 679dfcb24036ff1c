package weavr

import (
	"context"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// A request in Redis mode reads its bearer token in the round trip of
// the session touch (prefetch) and marks it used in the one that ends
// the request (state.Batch.Later): the use script runs there as it would
// have at the start, so a token logged out in between is not brought
// back, and the decision the request acted on is the one Weavr's rule
// gives at the request's time (an idle token past its lifetime is
// deleted at once, as useShared does).

func tokenBatchName(key string) string { return "token\x00" + key }

// prefetch queues the read of token value on p (the session touch's
// pipeline); the callback keeps it in b for useCtx when the session
// handle was the current one.
func (ts *tokens) prefetch(p state.Pipe, b *state.Batch, value string) func(current bool) {
	if !ts.sc.Remote() {
		return func(bool) {}
	}
	key := ts.key(value)
	cmd := p.HMGet(context.Background(), key, tokenFields...)
	return func(current bool) {
		if current && cmd.Err() == nil {
			b.Put(tokenBatchName(key), cmd.Val())
		}
	}
}

// useCtx is use for a request: from its prefetched read when it made
// one, the use itself sent with the request's last round trip.
func (ts *tokens) useCtx(ctx context.Context, value string, now time.Time, ttl time.Duration) (token, bool) {
	if !ts.sc.Remote() {
		return ts.use(value, now, ttl)
	}
	b := state.BatchOf(ctx)
	key := ts.key(value)
	raw, ok := b.Take(tokenBatchName(key))
	vals, _ := raw.([]any)
	if !ok || len(vals) != len(tokenFields) {
		t, ok := ts.useShared(value, now, ttl)
		if ok {
			ts.owners.learn(value, t.consumerID)
		}
		return t, ok
	}
	t, ok := decodeToken(vals)
	if !ok {
		return token{}, false
	}
	if t.ttl > 0 {
		ttl = t.ttl
	}
	if now.Sub(t.lastUsed) > ttl {
		return ts.useShared(value, now, ttl) // deletes it, as Weavr forgets an expired token
	}
	args := useArgs(now, ttl)
	b.Later(useScript, []string{key}, args...)
	ts.owners.learn(value, t.consumerID)
	t.lastUsed = now
	return t, true
}

// owners remembers which consumer a token value stands for (that never
// changes), so a request's prefetch can name the consumer record it will
// read before the token is read. Bounded: forgotten all at once when
// full.
type owners struct {
	mu sync.Mutex
	m  map[string]string
}

const maxOwners = 1024

func (o *owners) learn(value, consumerID string) {
	o.mu.Lock()
	if o.m == nil || len(o.m) >= maxOwners {
		o.m = make(map[string]string, 16)
	}
	o.m[value] = consumerID
	o.mu.Unlock()
}

func (o *owners) of(value string) (string, bool) {
	o.mu.Lock()
	id, ok := o.m[value]
	o.mu.Unlock()
	return id, ok
}

// prefetchConsumer is the Prefetch of the operations on the logged-in
// consumer (GET and PATCH /multi/consumers): the bearer token and, when
// this replica has seen the token before, its consumer's record, read
// with the session touch. The api-key's rate limit is not prefetched:
// its window moves with every request (one more round trip when on).
func (s *Service) prefetchConsumer(c *gin.Context, sess *session.Session, p state.Pipe, b *state.Batch) func(bool) {
	v, ok := bearer(c)
	if !ok {
		return nil
	}
	w := s.worldKey.Of(sess)
	tok := w.tokens.prefetch(p, b, v)
	id, known := w.tokens.owners.of(v)
	if !known {
		return tok
	}
	rec := w.consumers.t.Prefetch(p, b, id)
	return func(current bool) { tok(current); rec(current) }
}
