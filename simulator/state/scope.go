package state

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Scope is one session's part of the backend. Every key of the session's
// state starts with the scope's prefix, which carries the session's
// generation: a reset moves the session to a new generation (a fresh world
// at once, on every replica) and the old generation's keys are removed in
// the background. The session's name is the prefix's Redis Cluster hash
// tag ({NAME}), so every key of a session, whatever its generation, is in
// one slot and every script over them runs on one node. The zero Scope is
// the in-memory mode: R is nil.
type Scope struct {
	R       *Redis
	Session string
	Gen     uint64
}

// Remote reports whether the session's state lives in Redis.
func (s Scope) Remote() bool { return s.R != nil }

// Prefix is what every key of the scope starts with: "sb:s:{NAME}/GEN:".
// Session names are URL-unreserved characters only (session.CheckName),
// so the prefix is also a literal SCAN pattern ({ and } are not special
// in one).
func (s Scope) Prefix() string {
	return s.R.prefix + "s:{" + s.Session + "}/" + strconv.FormatUint(s.Gen, 10) + ":"
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

// GlobalTag is the hash tag of every key that spans sessions (the
// session directory, the globally active scenarios, the webhook queue
// with every session's delivery keys): in a Redis Cluster they are one
// slot, on one master, so a script over them runs on one node and a
// master that holds only sessions can go away without touching the
// sessions on the others.
const GlobalTag = "{g}"

// Global names a sandbox-wide key: Global("wh", "due") is "sb:{g}:wh:due".
func (r *Redis) Global(parts ...string) string {
	return r.prefix + GlobalTag + ":" + strings.Join(parts, ":")
}

// Webhooks names a key of the sandbox-wide webhook queue: Webhooks("due")
// is "sb:{g}:wh:due".
func (r *Redis) Webhooks(name string) string { return r.Global("wh", name) }

// WebhookPrefix is what the session's webhook delivery keys start with:
// "sb:{g}:s:NAME/GEN:", in the queue's slot rather than the session's
// (Purge removes both).
func (s Scope) WebhookPrefix() string {
	return s.R.prefix + GlobalTag + ":s:" + s.Session + "/" + strconv.FormatUint(s.Gen, 10) + ":"
}

// SessionKeyOfWebhook names key under the Scope whose WebhookPrefix is
// whPrefix: the way from a delivery of the queue back to its session's
// own keys (its clock).
func (r *Redis) SessionKeyOfWebhook(whPrefix, key string) (string, bool) {
	rest, ok := strings.CutPrefix(whPrefix, r.prefix+GlobalTag+":s:")
	name, gen, ok2 := strings.Cut(strings.TrimSuffix(rest, ":"), "/")
	if !ok || !ok2 {
		return "", false
	}
	return r.prefix + "s:{" + name + "}/" + gen + ":" + key, true
}

// Purge removes every key of the scope (a reset, deleted, expired or
// evicted session's old generation). It scans rather than tracking keys,
// so a write that races the purge may leave a key behind until the
// session's generation is purged again; nothing reads an old generation.
func (s Scope) Purge(ctx context.Context) error {
	if err := s.R.Purge(ctx, s.Prefix()+"*"); err != nil {
		return err
	}
	return s.R.Purge(ctx, s.WebhookPrefix()+"*")
}

// Purge removes every key matching pattern, in batches (on every master
// of a cluster).
func (r *Redis) Purge(ctx context.Context, pattern string) error {
	if r.cluster != nil {
		return r.cluster.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return r.purgeOn(ctx, c, pattern) })
	}
	return r.purgeOn(ctx, r.client, pattern)
}

func (r *Redis) purgeOn(ctx context.Context, c redis.Cmdable, pattern string) error {
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, pattern, 500).Result()
		if err = r.Check(err); err != nil {
			return err
		}
		// One UNLINK per key: a cluster refuses one over several slots.
		if len(keys) > 0 {
			if _, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, k := range keys {
					p.Unlink(ctx, k)
				}
				return nil
			}); r.Check(err) != nil {
				return r.Check(err)
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

// Update runs fn in an optimistic transaction over keys (fn sends with
// the ctx it is given): fn reads through
// tx (reads see the keys as they are; more keys can be watched with
// tx.Watch before reading them) and queues its writes in tx.TxPipelined.
// When another writer changed a watched key before the writes committed,
// nothing is written and fn runs again on the new values: Redis' own
// WATCH/MULTI, so a check-then-write rule (uniqueness, a counter's limit)
// holds across replicas without any lock. An error from fn that is not
// Redis failing ends the transaction and is returned as it is. Redis
// failing aborts the request (Must).
func (r *Redis) Update(ctx context.Context, fn func(ctx context.Context, tx *redis.Tx) error, keys ...string) error {
	if r.cluster != nil {
		ctx = context.WithValue(ctx, inTx{}, true) // counted by the node's hook (tripCounter): fn sends with this ctx
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err := r.client.Watch(ctx, func(tx *redis.Tx) error { return fn(ctx, tx) }, keys...)
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

// Pipe is a go-redis pipeline, for the components that queue reads in
// one another's round trips (session.Prelude) without importing go-redis.
type Pipe = redis.Pipeliner

// Piped sends what fill queues as one pipeline (one round trip) and
// returns its first error. Scripts are queued by their SHA (EvalSha): when
// Redis does not know one of scripts (a restarted Redis, a cluster node
// that never ran it), they are loaded and the pipeline is sent again, so
// a pipelined script costs its body only once per node.
func Piped(ctx context.Context, c redis.UniversalClient, fill func(redis.Pipeliner), scripts ...*redis.Script) error {
	for attempt := 0; ; attempt++ {
		_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error { fill(p); return nil })
		if err == nil || attempt > 0 || !redis.HasErrorPrefix(err, "NOSCRIPT") {
			return err
		}
		for _, s := range scripts {
			if err := s.Load(ctx, c).Err(); err != nil {
				return err
			}
		}
	}
}
