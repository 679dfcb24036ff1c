package state

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Batch is one request's traffic with Redis, opened where the request
// enters (Redis mode only): what the request will read is fetched in the
// round trip of the session touch (Put, by the readers' own names), and
// what it writes goes out in one more at the end, with its journal entry
// (Flush). That is the whole cost of a PATCH or a PUT: two round trips.
//
// A request's single checked commit may wait for the flush (Defer):
// its commit and the journal append are then one script, so the journal
// never records an answer whose write did not land. When another writer
// got in first, the flush reports it and the request runs again from the
// handler with nothing deferred (the sandbox has not answered yet). Only
// an operation that makes at most that one write is run this way.
//
// A Batch belongs to one request (one goroutine): it has no lock.
type Batch struct {
	r       *Redis
	start   time.Time
	vals    map[string]any
	later   []call
	pending *Commit
	unlock  func()
	defers  bool // the request may be run again: a commit may wait
	failed  bool // a deferred commit was overtaken: run the request again
}

// NewBatch opens a request's batch on r.
func NewBatch(r *Redis) *Batch { return &Batch{r: r, start: time.Now()} }

// Started is when the request's batch opened: what it prefetched was read
// after it.
func (b *Batch) Started() time.Time {
	if b == nil {
		return time.Time{}
	}
	return b.start
}

type batchKey struct{}

// WithBatch returns ctx carrying b.
func WithBatch(ctx context.Context, b *Batch) context.Context {
	return context.WithValue(ctx, batchKey{}, b)
}

// BatchOf is the batch ctx carries, or nil (the in-memory mode, or work
// outside a request).
func BatchOf(ctx context.Context) *Batch {
	if ctx == nil {
		return nil
	}
	b, _ := ctx.Value(batchKey{}).(*Batch)
	return b
}

// Put keeps a prefetched reply under name (the reader's own name for
// what it read: a key and field).
func (b *Batch) Put(name string, v any) {
	if b.vals == nil {
		b.vals = make(map[string]any, 4)
	}
	b.vals[name] = v
}

// Take returns and forgets the reply kept under name: a prefetched value
// is read once, later reads go to Redis.
func (b *Batch) Take(name string) (any, bool) {
	if b == nil || b.vals == nil {
		return nil, false
	}
	v, ok := b.vals[name]
	if ok {
		delete(b.vals, name)
	}
	return v, ok
}

// Peek returns the reply kept under name and keeps it.
func (b *Batch) Peek(name string) (any, bool) {
	if b == nil || b.vals == nil {
		return nil, false
	}
	v, ok := b.vals[name]
	return v, ok
}

// call is one script call of a flush.
type call struct {
	script *redis.Script
	keys   []string
	args   []any
	res    *redis.Cmd
}

// Later queues a script call that may wait for the flush (a token's last
// use): it goes out in the flush's pipeline, whatever the commit's
// outcome, and runs once.
func (b *Batch) Later(script *redis.Script, keys []string, args ...any) {
	b.later = append(b.later, call{script: script, keys: keys, args: args})
}

// pipe sends calls as one pipeline, each by its SHA; a call whose script
// Redis does not know (a restarted Redis, a cluster node that never ran
// it) runs again alone, loading it: each call runs exactly once, unlike a
// whole pipeline sent again.
func pipe(ctx context.Context, c redis.UniversalClient, calls []call) error {
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range calls {
			calls[i].res = calls[i].script.EvalSha(ctx, p, calls[i].keys, calls[i].args...)
		}
		return nil
	})
	if err == nil {
		return nil
	}
	var first error
	for i := range calls {
		cl := &calls[i]
		if e := cl.res.Err(); e != nil && redis.HasErrorPrefix(e, "NOSCRIPT") {
			cl.res = cl.script.Run(ctx, c, cl.keys, cl.args...)
		}
		if e := cl.res.Err(); e != nil && !errors.Is(e, redis.Nil) && first == nil {
			first = e
		}
	}
	return first
}

// AllowDefer lets the request's checked commit wait for the flush: the
// caller can run the request again if it is overtaken.
func (b *Batch) AllowDefer() { b.defers = true }

// Commit is a checked write of one hash, in WriteScript's layout: the
// fields read with the values read ("0" absent, "1"+value), the fields to
// set, and the field counting the hash's versions ("" none).
type Commit struct {
	Key    string
	Checks []any // field, want pairs
	Sets   []any // field, value pairs
	Bump   string
	// Done, when set, learns a deferred commit's outcome before the lock
	// Defer was given is released.
	Done func(committed bool)
}

// writeCall is WriteScript's call for a commit c, an append a, or both
// (one of them may be nil): without a commit, the append's counters hash
// stands as the hash checked against nothing.
func writeCall(c *Commit, a *Append) call {
	keys := make([]string, 0, 3)
	if c == nil {
		c = &Commit{Key: a.Counts}
	}
	keys = append(keys, c.Key)
	args := make([]any, 0, 5+len(c.Checks)+len(c.Sets))
	args = append(args, len(c.Checks)/2)
	args = append(args, c.Checks...)
	args = append(args, len(c.Sets)/2)
	args = append(args, c.Sets...)
	args = append(args, c.Bump)
	if a != nil {
		keys = append(keys, a.List, a.Counts)
		args = append(args, a.Entry, a.Cap)
	}
	return call{script: WriteScript, keys: keys, args: args}
}

// Defer takes c to be committed with the flush, holding unlock until
// then, and reports whether it did: not when the request may not run
// again, or when a commit waits already.
func (b *Batch) Defer(c *Commit, unlock func()) bool {
	if b == nil || !b.defers || b.pending != nil || b.failed {
		return false
	}
	b.pending, b.unlock = c, unlock
	return true
}

// Deferred reports whether a commit waits for the flush: the answer must
// wait with it.
func (b *Batch) Deferred() bool { return b != nil && b.pending != nil }

// Settle commits a waiting commit now, alone, before another write of the
// request: a deferred commit then keeps its place before it. When it was
// overtaken the request must run again (Failed).
func (b *Batch) Settle(ctx context.Context) {
	if b == nil || b.pending == nil {
		return
	}
	c := b.pending
	b.pending = nil
	ok, err := RunCommit(ctx, b.r, c)
	if err == nil && c.Done != nil {
		c.Done(ok)
	}
	b.release()
	b.r.Must(err)
	if !ok {
		b.failed = true
	}
}

// Failed reports whether a deferred commit was overtaken.
func (b *Batch) Failed() bool { return b != nil && b.failed }

func (b *Batch) release() {
	if b.unlock != nil {
		b.unlock()
		b.unlock = nil
	}
}

// Reset readies the batch for the request's run again: nothing kept,
// nothing waiting, no commit deferred any more.
func (b *Batch) Reset() {
	b.release()
	b.vals, b.pending, b.defers, b.failed = nil, nil, false, false
}

// Close releases what a request that ends without a flush (a panic, a
// Redis failure) still holds; its deferred commit is dropped, unwritten.
func (b *Batch) Close() {
	b.release()
	b.pending = nil
}

// Append is an entry for a capped, sequenced list (the journal): the
// script draws the next sequence number from the Counts hash's "seq",
// appends "SEQ:"+Entry and trims the list to Cap, counting what it
// trimmed in "dropped".
type Append struct {
	List, Counts string
	Entry        string
	Cap          int
}

// Appended is what an Append did: the sequence number drawn and how many
// entries the trim dropped.
type Appended struct {
	Seq, Dropped uint64
}

// Flush sends what the request left for the end in one round trip: the
// writes that could wait, then the deferred commit and a (an optional
// append) in one script. committed is false when the deferred commit was
// overtaken: then nothing of it, and not a, was written, and the caller
// runs the request again.
//
// The writes go out whether or not the client is still there (the
// request's cancellation does not reach them): they land whole or fail
// with Redis.
func (b *Batch) Flush(ctx context.Context, a *Append) (committed bool, done Appended) {
	defer b.release()
	ctx = context.WithoutCancel(ctx)
	c := b.pending
	b.pending = nil
	if c == nil && a == nil && len(b.later) == 0 {
		return true, Appended{}
	}
	calls := b.later
	b.later = nil
	if c != nil || a != nil {
		calls = append(calls, writeCall(c, a))
	}
	err := pipe(ctx, b.r.Client(), calls)
	b.r.Must(err)
	if c == nil && a == nil {
		return true, Appended{}
	}
	res := calls[len(calls)-1].res
	ok, done, err := writeReply(res)
	if err != nil {
		panic(err) // a reply this build did not write: a bug
	}
	if c != nil && c.Done != nil {
		c.Done(ok)
	}
	return ok, done
}

// RunCommit runs one checked commit alone (one round trip): false when
// another writer changed what it checks first.
func RunCommit(ctx context.Context, r *Redis, c *Commit) (bool, error) {
	ok, _, err := runWrite(ctx, r, writeCall(c, nil))
	return ok, err
}

// RunAppend runs one Append alone (one round trip).
func RunAppend(ctx context.Context, r *Redis, a *Append) (Appended, error) {
	_, done, err := runWrite(ctx, r, writeCall(nil, a))
	return done, err
}

// runWrite runs one WriteScript call alone; like a flush, the client
// going away does not cancel it.
func runWrite(ctx context.Context, r *Redis, cl call) (bool, Appended, error) {
	res := cl.script.Run(context.WithoutCancel(ctx), r.Client(), cl.keys, cl.args...)
	if err := res.Err(); err != nil {
		return false, Appended{}, err
	}
	return writeReply(res)
}

func writeReply(res *redis.Cmd) (bool, Appended, error) {
	v, err := res.Int64Slice()
	if err != nil || len(v) != 3 {
		return false, Appended{}, fmt.Errorf("state: write script answered %v (%v)", res.Val(), err)
	}
	return v[0] == 1, Appended{Seq: uint64(v[1]), Dropped: uint64(v[2])}, nil
}

// WriteScript is every checked write and every journal append: it checks
// that each field of KEYS[1] the writer read still holds what it read,
// sets the new fields (moving the version field on), and then, when KEYS
// names a list and its counters (KEYS[2], KEYS[3]), appends the entry
// with the next sequence number and trims the list to its cap. All or
// nothing: an overtaken commit appends nothing either, so a journal entry
// and the write it records land together (one script, one slot: a
// session's keys share a hash tag).
//
// ARGV: n, n × (field, "0" absent | "1"..value), m, m × (field, value),
// the version field ("" none), [entry, cap].
// It answers {1, seq, dropped} ({1, 0, 0} without an append), or
// {0, 0, 0} when a check failed.
var WriteScript = redis.NewScript(`
local n = tonumber(ARGV[1])
for i = 0, n - 1 do
  local have = redis.call('HGET', KEYS[1], ARGV[2 + 2*i])
  local want = ARGV[3 + 2*i]
  if have == false then
    if want ~= '0' then return {0, 0, 0} end
  elseif want ~= '1' .. have then
    return {0, 0, 0}
  end
end
local at = 2 + 2*n
local m = tonumber(ARGV[at])
if m > 0 then
  local sets = {}
  for i = at + 1, at + 2*m do sets[#sets + 1] = ARGV[i] end
  redis.call('HSET', KEYS[1], unpack(sets))
end
at = at + 2*m + 1
if ARGV[at] ~= '' and m > 0 then
  redis.call('HINCRBY', KEYS[1], ARGV[at], 1)
end
if #KEYS < 3 then return {1, 0, 0} end
local seq = redis.call('HINCRBY', KEYS[3], 'seq', 1)
local len = redis.call('RPUSH', KEYS[2], string.format('%d:', seq) .. ARGV[at + 1])
local over = len - tonumber(ARGV[at + 2])
if over > 0 then
  redis.call('LTRIM', KEYS[2], over, -1)
  redis.call('HINCRBY', KEYS[3], 'dropped', over)
else
  over = 0
end
return {1, seq, over}
`)
