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
	"sync"
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

// Redis is the shared state backend: one client (a pool, or one pool per
// node of a Redis Cluster) and the health every replica's readiness
// reports. It is safe for concurrent use.
type Redis struct {
	client  redis.UniversalClient
	cluster *redis.ClusterClient // set when the backend is a Redis Cluster
	prefix  string
	addr    string
	healthy atomic.Bool
	trips   atomic.Uint64 // round trips sent: a command or a pipeline each
	lastErr atomic.Pointer[string]
}

// Options is a parsed --state URL: one Redis (Single) or a Redis Cluster
// (Cluster), and the key prefix.
type Options struct {
	Single  *redis.Options
	Cluster *redis.ClusterOptions
	Prefix  string
}

// Open connects to the Redis the URL names: redis://[:PASSWORD@]HOST:PORT/DB
// or rediss:// (TLS), or a Redis Cluster in go-redis' form
// redis://HOST:PORT?addr=HOST:PORT&addr=HOST:PORT (any of its nodes; the
// rest are discovered), with an optional ?prefix=KEYPREFIX (default "sb:")
// beside go-redis' own options. It pings once (every master of a
// cluster), so a wrong address fails at startup rather than on the first
// request.
func Open(ctx context.Context, rawURL string) (*Redis, error) {
	o, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	var r *Redis
	if o.Cluster != nil {
		r = &Redis{prefix: o.Prefix, addr: strings.Join(o.Cluster.Addrs, ",")}
		// Every node's client, the seeds included, counts Update's
		// transactions (tripCounter).
		o.Cluster.NewClient = func(opt *redis.Options) *redis.Client {
			n := redis.NewClient(opt)
			n.AddHook(tripCounter{r: r, txOnly: true})
			return n
		}
		cc := redis.NewClusterClient(o.Cluster)
		r.client, r.cluster = cc, cc
		r.healthy.Store(true)
		cc.AddHook(tripCounter{r: r})
	} else {
		r = newRedis(redis.NewClient(o.Single), o.Prefix, o.Single.Addr)
	}
	if err := r.pingAll(ctx); err != nil {
		_ = r.client.Close()
		return nil, fmt.Errorf("state: redis at %s: %w", r.addr, err)
	}
	return r, nil
}

func newRedis(c redis.UniversalClient, prefix, addr string) *Redis {
	r := &Redis{client: c, prefix: prefix, addr: addr}
	r.healthy.Store(true)
	c.AddHook(tripCounter{r: r})
	return r
}

// pingAll pings the Redis, or every master of a cluster.
func (r *Redis) pingAll(ctx context.Context) error {
	if r.cluster != nil {
		return r.cluster.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return c.Ping(ctx).Err() })
	}
	return r.client.Ping(ctx).Err()
}

// Cluster reports whether the backend is a Redis Cluster.
func (r *Redis) Cluster() bool { return r.cluster != nil }

// ParseURL reads a --state URL into go-redis options and the key prefix.
// Timeouts are short (a sandbox answers in milliseconds; a request that
// waits seconds for state is better answered 503): a Redis that stops
// answering costs a request at most about 2 s (a 1 s read, one retry),
// and waiting for a pooled connection at most 1 s.
func ParseURL(rawURL string) (Options, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return Options{}, fmt.Errorf("state: %q is not a URL: %w", redactURL(rawURL), err)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return Options{}, fmt.Errorf("state: want redis://HOST:PORT/DB or rediss://, got scheme %q", u.Scheme)
	}
	o := Options{Prefix: DefaultPrefix}
	q := u.Query()
	if p, ok := q["prefix"]; ok {
		o.Prefix = p[0]
		q.Del("prefix")
		u.RawQuery = q.Encode()
	}
	if strings.ContainsAny(o.Prefix, "{}") {
		return Options{}, fmt.Errorf("state: %s: ?prefix= must not hold { or } (the sandbox's keys use them as Redis Cluster hash tags)", redactURL(rawURL))
	}
	if q.Has("addr") {
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return Options{}, fmt.Errorf("state: %s: a Redis Cluster has no database %q (drop the /%s)", redactURL(rawURL), p, p)
		}
		u.Path = ""
		co, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return Options{}, fmt.Errorf("state: %s: %w", redactURL(rawURL), err)
		}
		if u.Scheme == "rediss" && co.TLSConfig != nil {
			co.TLSConfig.MinVersion = tls.VersionTLS12
		}
		bounded(q, limits{&co.DialTimeout, &co.ReadTimeout, &co.WriteTimeout, &co.PoolTimeout, &co.MaxRetryBackoff,
			&co.MaxRetries, &co.PoolSize, &co.PipelinePoolSize})
		o.Cluster = co
		return o, nil
	}
	opts, err := redis.ParseURL(u.String())
	if err != nil {
		return Options{}, fmt.Errorf("state: %s: %w", redactURL(rawURL), err)
	}
	if u.Scheme == "rediss" && opts.TLSConfig == nil {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	bounded(q, limits{&opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout, &opts.PoolTimeout, &opts.MaxRetryBackoff,
		&opts.MaxRetries, &opts.PoolSize, &opts.PipelinePoolSize})
	o.Single = opts
	return o, nil
}

// limits are the go-redis options bounded sets (one Redis's or a
// cluster's).
type limits struct {
	dial, read, write, pool, backoff *time.Duration
	retries, poolSize, pipelinePool  *int
}

// bounded fills the options the URL leaves unset: dial 500 ms, read and
// write 1 s, pool wait 1 s, one retry after at most 100 ms, 64
// connections, and no separate pipeline pool: go-redis' (128 KiB buffers
// a connection) kept a request waiting 3-4 s on a frozen Redis instead of
// the 2 s these timeouts allow, so pipelines share the main pool.
func bounded(q url.Values, l limits) {
	set := func(name string, p *time.Duration, v time.Duration) {
		if !q.Has(name) {
			*p = v
		}
	}
	set("dial_timeout", l.dial, 500*time.Millisecond)
	set("read_timeout", l.read, time.Second)
	set("write_timeout", l.write, time.Second)
	set("pool_timeout", l.pool, time.Second)
	set("max_retry_backoff", l.backoff, 100*time.Millisecond)
	seti := func(name string, p *int, v int) {
		if !q.Has(name) {
			*p = v
		}
	}
	seti("max_retries", l.retries, 1)
	seti("pool_size", l.poolSize, 64)
	seti("pipeline_pool_size", l.pipelinePool, -1)
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

// Client is the go-redis client, for components' own commands and
// scripts: a *redis.Client, or a *redis.ClusterClient in cluster mode
// (every script's keys then share one hash tag: see Scope).
func (r *Redis) Client() redis.UniversalClient { return r.client }

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
	case errors.As(err, &u):
		return err
	case errors.Is(err, context.Canceled):
		// The request's client went away: the request ends here, Redis is
		// not at fault (its health is left as it is).
		return &Unavailable{Addr: r.addr, Err: err}
	case !isRedisFailure(err):
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

// Ping checks Redis now and records the outcome in Healthy. A cluster is
// healthy while any master answers: a master that went away fails only
// the requests for the sessions (slots) it holds, the others go on.
func (r *Redis) Ping(ctx context.Context) error {
	if r.cluster == nil {
		return r.Check(r.pingAll(ctx))
	}
	var mu sync.Mutex
	var up int
	var last error
	_ = r.cluster.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		err := c.Ping(ctx).Err()
		mu.Lock()
		if err == nil {
			up++
		} else {
			last = err
		}
		mu.Unlock()
		return nil
	})
	if up > 0 {
		return r.Check(nil)
	}
	if last == nil {
		last = errors.New("no master answers")
	}
	return r.Check(last)
}

// FailFast reports whether a request should get the sandbox 503 before
// it starts while the backend is unhealthy: with one Redis, yes (nothing
// can be served); with a cluster, no: the request's own session may be
// on a master that answers, and a request that meets a dead one still
// gets the 503 (Abort).
func (r *Redis) FailFast() bool { return r.cluster == nil && !r.healthy.Load() }

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

// tripCounter counts round trips (go-redis hook). On a cluster it sits
// on the cluster client (a command or a pipeline counts once, whatever
// nodes it spans: they are sent side by side; slot discovery is not
// counted) and, for Update's transactions, which the cluster client hands
// to one node's client, on the nodes (txOnly: only within Update).
type tripCounter struct {
	r      *Redis
	txOnly bool
}

// inTx marks an Update's context, for the node hooks of a cluster.
type inTx struct{}

func (h tripCounter) count(ctx context.Context) {
	if !h.txOnly || ctx.Value(inTx{}) != nil {
		h.r.trips.Add(1)
	}
}

func (h tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.count(ctx)
		return next(ctx, cmd)
	}
}

func (h tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.count(ctx)
		return next(ctx, cmds)
	}
}
