package store

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// A request's batch (state.Batch) holds the overlay fields its vendor
// prefetched in the session touch's round trip, under the name
// "KEY\x00FIELD": a *string, nil for a field the overlay does not have.

func batchName(key, field string) string { return key + "\x00" + field }

func prefetched(b *state.Batch, key, field string) (*string, bool) {
	v, ok := b.Peek(batchName(key, field))
	if !ok {
		return nil, false
	}
	s, _ := v.(*string)
	return s, true
}

// remember keeps what the request wrote to field as what it reads there
// next (a deferred commit is not in Redis yet), when it prefetched it.
func remember(b *state.Batch, key, field, val string) {
	if _, ok := b.Peek(batchName(key, field)); ok {
		b.Put(batchName(key, field), &val)
	}
}

// Prefetch queues on p the read of record k that the request is about to
// make (its vendor's prefetch hook, in the session touch's pipeline): the
// returned callback keeps the reply in b when the session handle was the
// current one. In the in-memory mode it queues nothing.
func (t *Table[K, V]) Prefetch(p state.Pipe, b *state.Batch, k K) func(current bool) {
	if t.remote == nil || b == nil {
		return func(bool) {}
	}
	r := t.remote
	field := fieldRecord + r.codec.FormatKey(k)
	cmd := p.HGet(context.Background(), r.key, field)
	return func(current bool) {
		if !current {
			return
		}
		switch s, err := cmd.Result(); {
		case err == nil:
			b.Put(batchName(r.key, field), &s)
		case errors.Is(err, redis.Nil):
			b.Put(batchName(r.key, field), (*string)(nil))
		}
	}
}

// GetCtx is Get for a request: its prefetched read (Prefetch), when it
// made one, answers without a round trip.
func (t *Table[K, V]) GetCtx(ctx context.Context, k K) (V, bool) {
	if t.remote != nil {
		return t.remote.get(ctx, t.base, k)
	}
	return t.Get(k)
}

// UpdateCtx is Update for a request: the read comes from its prefetch
// when nothing else of this replica writes the record, and the checked
// commit may wait for the request's flush (state.Batch.Defer), sent with
// its journal entry.
func (t *Table[K, V]) UpdateCtx(ctx context.Context, k K, fn func(tx Tx[K, V], cur V) (V, error)) (V, error) {
	if t.remote != nil {
		return t.remote.update(ctx, t.base, k, fn)
	}
	return t.Update(k, fn)
}
