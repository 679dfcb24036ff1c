package weavr

import (
	"context"
	"strconv"

	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// consumerTable is one session's consumers: a fork of the shared seeded
// store.Base (O(1) per session, in memory or in the shared backend) whose
// Insert adds the consumers POST /multi/consumers creates, after the
// seeded ones. Every write (an update, a create) is one store
// transaction over both, so a rule that reads then writes (email
// uniqueness across the seeded and the created consumers, a create racing
// a verified email change) holds across replicas.
type consumerTable struct {
	t *store.Table[string, Consumer]
}

func newConsumerTable(t *store.Table[string, Consumer]) *consumerTable {
	return &consumerTable{t: t}
}

// createdFirstID is the id of a session's first created consumer: an
// 18-digit Weavr id past every generated one (--consumers is at most a
// million), so the two ranges never meet. Ids count up per session, so a
// session's consumers are the same, byte for byte, on every run; the
// store skips an id a fixture took.
const createdFirstID = 110546000100000001

func createdID(seq int) string { return strconv.FormatInt(createdFirstID+int64(seq), 10) }

// consumerTx is the view of the consumers inside a write (Update or
// Insert): its reads see every committed write, and the write commits
// only if no other write came in between.
type consumerTx struct {
	tx store.Tx[string, Consumer]
}

// Get returns the current record for id.
func (x consumerTx) Get(id string) (Consumer, bool) { return x.tx.Get(id) }

// Lookup returns the records whose index entry named index includes key.
func (x consumerTx) Lookup(index, key string) []Consumer { return x.tx.Lookup(index, key) }

// Get returns the current record for id.
func (t *consumerTable) Get(id string) (Consumer, bool) { return t.t.Get(id) }

// GetCtx is Get for a request (its prefetched read, store.Table.GetCtx).
func (t *consumerTable) GetCtx(ctx context.Context, id string) (Consumer, bool) {
	return t.t.GetCtx(ctx, id)
}

// UpdateCtx is Update for a request (store.Table.UpdateCtx: its commit
// may go out with the request's journal entry).
func (t *consumerTable) UpdateCtx(ctx context.Context, id string, fn func(tx consumerTx, cur Consumer) (Consumer, error)) (Consumer, error) {
	return t.t.UpdateCtx(ctx, id, func(tx store.Tx[string, Consumer], cur Consumer) (Consumer, error) {
		return fn(consumerTx{tx}, cur)
	})
}

// Lookup returns the records whose index entry named index currently
// includes key.
func (t *consumerTable) Lookup(index, key string) []Consumer { return t.t.Lookup(index, key) }

// Update applies fn to consumer id atomically: fn gets a copy of the
// current record and returns the new one, or an error that changes nothing
// (store.ErrNotFound for an unknown id). fn may run more than once (the
// shared backend retries a write another replica overtook), so it must
// not have effects beyond its result.
func (t *consumerTable) Update(id string, fn func(tx consumerTx, cur Consumer) (Consumer, error)) (Consumer, error) {
	return t.t.Update(id, func(tx store.Tx[string, Consumer], cur Consumer) (Consumer, error) {
		return fn(consumerTx{tx}, cur)
	})
}

// Insert creates a consumer atomically: build gets the new consumer's id
// and returns the record, or an error that creates nothing. A non-empty
// idem (an idempotency-ref with its payload) that an earlier Insert
// created with answers that consumer as it was created, with replayed set,
// and builds nothing.
func (t *consumerTable) Insert(idem string, build func(tx consumerTx, id string) (Consumer, error)) (c Consumer, replayed bool, err error) {
	return t.t.Insert(idem, createdID, func(tx store.Tx[string, Consumer], id string) (Consumer, error) {
		c, err := build(consumerTx{tx}, id)
		c.ID = id
		return c, err
	})
}

// Page is store.Table.Page: the seeded consumers in seed order, then the
// created ones in creation order.
func (t *consumerTable) Page(match func(Consumer) bool, offset, limit int) (page []Consumer, total int) {
	return t.t.Page(match, offset, limit)
}
