package state

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Scope is one session's part of the backend. Every key of the session's
// state starts with the scope's prefix, which carries the session's
// generation: a reset moves the session to a new generation (a fresh world
// at once, on every replica) and the old generation's keys are removed in
// the background. The zero Scope is the in-memory mode: R is nil.
type Scope struct {
	R       *Redis
	Session string
	Gen     uint64
}

// Remote reports whether the session's state lives in Redis.
func (s Scope) Remote() bool { return s.R != nil }

// Prefix is what every key of the scope starts with: "sb:s:NAME/GEN:".
// Session names are URL-unreserved characters only (session.CheckName),
// so the prefix is also a literal SCAN pattern.
func (s Scope) Prefix() string {
	return s.R.prefix + "s:" + s.Session + "/" + strconv.FormatUint(s.Gen, 10) + ":"
}

// Key names one key of the scope: Key("t", "consumers").
func (s Scope) Key(parts ...string) string {
	k := s.Prefix()
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}

// Purge removes every key of the scope (a reset, deleted, expired or
// evicted session's old generation). It scans rather than tracking keys,
// so a write that races the purge may leave a key behind until the
// session's generation is purged again; nothing reads an old generation.
func (s Scope) Purge(ctx context.Context) error {
	return s.R.Purge(ctx, s.Prefix()+"*")
}

// Purge removes every key matching pattern, in batches.
func (r *Redis) Purge(ctx context.Context, pattern string) error {
	var cursor uint64
	for {
		keys, next, err := r.client.Scan(ctx, cursor, pattern, 500).Result()
		if err = r.Check(err); err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := r.Check(r.client.Unlink(ctx, keys...).Err()); err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// ErrContended is returned by Update when other writers kept changing the
// watched keys through every attempt.
var ErrContended = errors.New("state: too much contention on one record; try again")

// maxAttempts bounds Update's optimistic retries: with 64 writers on one
// key each round lets one through, so this leaves room for hundreds.
const maxAttempts = 2000

// Update runs fn in an optimistic transaction over keys: fn reads through
// tx (reads see the keys as they are; more keys can be watched with
// tx.Watch before reading them) and queues its writes in tx.TxPipelined.
// When another writer changed a watched key before the writes committed,
// nothing is written and fn runs again on the new values: Redis' own
// WATCH/MULTI, so a check-then-write rule (uniqueness, a counter's limit)
// holds across replicas without any lock. An error from fn that is not
// Redis failing ends the transaction and is returned as it is. Redis
// failing aborts the request (Must).
func (r *Redis) Update(ctx context.Context, fn func(tx *redis.Tx) error, keys ...string) error {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err := r.client.Watch(ctx, fn, keys...)
		switch {
		case err == nil:
			r.Check(nil)
			return nil
		case errors.Is(err, redis.TxFailedErr):
			if attempt > 4 { // a crowd on one key: step aside briefly
				time.Sleep(time.Duration(rand.IntN(200*min(attempt, 20))) * time.Microsecond)
			}
		default:
			return r.Must(err) // aborts when Redis failed; else fn's own error (a rule refused the write)
		}
	}
	return ErrContended
}

// Fingerprint claims the backend for one seeded world: the first replica
// stores fp (a digest of the seed, the fixtures and the vendor settings);
// every later one must bring the same, or it refuses to start, since the
// seeded base stays in each replica's memory and overlays in Redis only
// make sense over the same base.
func (r *Redis) Fingerprint(ctx context.Context, fp, describe string) error {
	key := r.Key("fingerprint")
	ok, err := r.client.SetNX(ctx, key, fp, 0).Result()
	if err = r.Check(err); err != nil {
		return err
	}
	if ok {
		return nil
	}
	have, err := r.client.Get(ctx, key).Result()
	if err = r.Check(err); err != nil {
		return err
	}
	if have != fp {
		return fmt.Errorf("state: the Redis at %s (prefix %q) holds a sandbox with other seed, fixtures or vendor settings (%s here); "+
			"start this replica like the others, or use another database or ?prefix=", r.addr, r.prefix, describe)
	}
	return nil
}
