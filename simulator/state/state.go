// Package state is the shared state backend: when several sandbox replicas
// serve one sandbox (behind a load balancer, or across a restart), every
// piece of mutable state (sessions, record overlays, tokens, rate-limit
// windows, scenario counters, journals, webhook deliveries) lives in Redis
// through the one owner type here, Redis. The embedded default keeps all of
// it in process and never touches this package's client.
//
// Components keep their Redis work to atomic primitives (Lua scripts,
// WATCH/MULTI, INCR with expiry), never application locks, so that two
// replicas answer exactly as one process would. A Redis that cannot be
// reached is never answered around: the component aborts the request with
// Abort, the sandbox's middleware turns that into a sandbox 503, and the
// backend reports itself unhealthy until a ping succeeds again.
package state

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
)

// EnvURL is the environment variable that names the state backend when
// --state is not given (it keeps a password out of the process list).
const EnvURL = "SANDBOX_STATE"

// DefaultPrefix starts every key the sandbox writes, so one Redis can hold
// other data (or several sandboxes, with ?prefix=).
const DefaultPrefix = "sb:"

// Redis is the shared state backend: one client (a pool) and the health
// every replica's readiness reports. It is safe for concurrent use.
type Redis struct {
	client  *redis.Client
	prefix  string
	addr    string
	healthy atomic.Bool
	trips   atomic.Uint64 // round trips sent: a command or a pipeline each
	lastErr atomic.Pointer[string]
}

// Open connects to the Redis the URL names: redis://[:PASSWORD@]HOST:PORT/DB
// or rediss:// (TLS), with an optional ?prefix=KEYPREFIX (default "sb:")
// beside go-redis' own options. It pings once, so a wrong address fails at
// startup rather than on the first request.
func Open(ctx context.Context, rawURL string) (*Redis, error) {
	opts, prefix, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	r := newRedis(redis.NewClient(opts), prefix)
	if err := r.client.Ping(ctx).Err(); err != nil {
		_ = r.client.Close()
		return nil, fmt.Errorf("state: redis at %s: %w", opts.Addr, err)
	}
	return r, nil
}

func newRedis(c *redis.Client, prefix string) *Redis {
	r := &Redis{client: c, prefix: prefix, addr: c.Options().Addr}
	r.healthy.Store(true)
	c.AddHook(tripCounter{r})
	return r
}

// ParseURL reads a --state URL into go-redis options and the key prefix.
// Timeouts are short (a sandbox answers in milliseconds; a request that
// waits seconds for state is better answered 503) and the pool's retries
// are left to go-redis.
func ParseURL(rawURL string) (*redis.Options, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, "", fmt.Errorf("state: %q is not a URL: %w", redactURL(rawURL), err)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, "", fmt.Errorf("state: want redis://HOST:PORT/DB or rediss://, got scheme %q", u.Scheme)
	}
	prefix := DefaultPrefix
	q := u.Query()
	if p, ok := q["prefix"]; ok {
		prefix = p[0]
		q.Del("prefix")
		u.RawQuery = q.Encode()
	}
	opts, err := redis.ParseURL(u.String())
	if err != nil {
		return nil, "", fmt.Errorf("state: %s: %w", redactURL(rawURL), err)
	}
	if u.Scheme == "rediss" && opts.TLSConfig == nil {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if !q.Has("dial_timeout") {
		opts.DialTimeout = time.Second
	}
	if !q.Has("read_timeout") {
		opts.ReadTimeout = 2 * time.Second
	}
	if !q.Has("write_timeout") {
		opts.WriteTimeout = 2 * time.Second
	}
	if !q.Has("max_retries") {
		opts.MaxRetries = 1
	}
	if !q.Has("pool_size") {
		opts.PoolSize = 64
	}
	return opts, prefix, nil
}

// redactURL hides a password in messages.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	return s
}

// Client is the go-redis client, for components' own commands and scripts.
func (r *Redis) Client() *redis.Client { return r.client }

// Addr is the HOST:PORT of the Redis, for the banner and messages.
func (r *Redis) Addr() string { return r.addr }

// Prefix starts every key of this sandbox.
func (r *Redis) Prefix() string { return r.prefix }

// Key joins parts under the sandbox's prefix: Key("session", "x") is
// "sb:session:x".
func (r *Redis) Key(parts ...string) string { return r.prefix + strings.Join(parts, ":") }

// RoundTrips counts the round trips sent to Redis so far (a command, a
// pipeline or a transaction each): the cost of Redis mode per request.
func (r *Redis) RoundTrips() uint64 { return r.trips.Load() }

// Healthy reports whether the last command reached Redis (or a ping has
// since): readiness answers 503 and vendor routes a sandbox 503 while not.
func (r *Redis) Healthy() bool { return r.healthy.Load() }

// LastError is the last failure seen ("" when none since healthy).
func (r *Redis) LastError() string {
	if p := r.lastErr.Load(); p != nil {
		return *p
	}
	return ""
}

// Check classifies err from a command: nil, redis.Nil (no such key) and
// redis.TxFailedErr (a lost optimistic race) are answers and come back
// unchanged, as does any error that is not Redis failing (a script's own
// error, a rule's refusal inside Update); Redis or the network failing
// marks the backend unhealthy and comes back wrapped in *Unavailable.
func (r *Redis) Check(err error) error {
	var u *Unavailable
	switch {
	case err == nil:
		if !r.healthy.Load() {
			r.healthy.Store(true)
		}
		return nil
	case errors.As(err, &u) || !isRedisFailure(err):
		return err
	}
	msg := err.Error()
	r.lastErr.Store(&msg)
	r.healthy.Store(false)
	return &Unavailable{Addr: r.addr, Err: err}
}

// isRedisFailure tells Redis (or the way to it) failing from an answer:
// a timeout, a closed or refused connection, or a server error other than
// a script's own (LOADING, READONLY, OOM…).
func isRedisFailure(err error) bool {
	if errors.Is(err, redis.Nil) || errors.Is(err, redis.TxFailedErr) {
		return false
	}
	var re redis.Error
	if errors.As(err, &re) {
		s := re.Error()
		return !strings.Contains(s, "script") && !strings.HasPrefix(s, "WRONGTYPE")
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, redis.ErrClosed) ||
		errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, io.EOF) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "connection refused") || strings.Contains(s, "broken pipe") || strings.Contains(s, "connection reset")
}

// Must aborts the request (see Abort) when err means Redis could not
// answer; it returns err otherwise (nil, redis.Nil or redis.TxFailedErr).
func (r *Redis) Must(err error) error {
	err = r.Check(err)
	var u *Unavailable
	if errors.As(err, &u) {
		Abort(u)
	}
	return err
}

// Ping checks Redis now and records the outcome in Healthy.
func (r *Redis) Ping(ctx context.Context) error { return r.Check(r.client.Ping(ctx).Err()) }

// Run pings Redis while it is unhealthy (every interval) so the sandbox
// recovers on its own when Redis returns, even with no traffic; it returns
// when ctx ends.
func (r *Redis) Run(ctx context.Context, interval time.Duration) {
	clock.Every(ctx, interval, func() {
		if !r.healthy.Load() {
			pctx, cancel := context.WithTimeout(ctx, interval)
			_ = r.Ping(pctx)
			cancel()
		}
	})
}

// Close closes the client's connections.
func (r *Redis) Close() error { return r.client.Close() }

// Unavailable is Redis not answering: the request that met it is answered
// with a sandbox 503, never with a vendor answer built on missing state.
type Unavailable struct {
	Addr string
	Err  error
}

func (u *Unavailable) Error() string {
	return fmt.Sprintf("shared state unavailable (redis at %s): %v", u.Addr, u.Err)
}

func (u *Unavailable) Unwrap() error { return u.Err }

// Abort stops the request that met an unreachable Redis: it panics with u,
// which the sandbox's state middleware (Guard) recovers into a sandbox 503.
// Components whose methods have no error result (a store read on a
// vendor's path) use it so that no vendor handler answers from state it
// could not read, as http.ErrAbortHandler stops a handler in net/http.
func Abort(u *Unavailable) { panic(u) }

// Recovered returns the *Unavailable a recover() value carries, or nil for
// any other value (which the caller must re-panic).
func Recovered(v any) *Unavailable {
	u, _ := v.(*Unavailable)
	return u
}

// tripCounter counts round trips (go-redis hook).
type tripCounter struct{ r *Redis }

func (h tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.r.trips.Add(1)
		return next(ctx, cmd)
	}
}

func (h tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.r.trips.Add(1)
		return next(ctx, cmds)
	}
}
