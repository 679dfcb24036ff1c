package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// Run sends the Redis mode's due attempts until ctx ends: every replica
// runs one, and a claim script hands each due attempt to exactly one of
// them (redis.go). An attempt whose replica stops before recording its
// answer (ctx ends, the process dies) is sent again by another replica
// once its lease is over. A Redis that does not answer is logged and
// retried; Run never panics for it. In memory mode Run only waits for ctx
// (the deliveries there have goroutines of their own).
func (d *Dispatcher) Run(ctx context.Context) {
	if d.opts.State == nil {
		<-ctx.Done()
		return
	}
	backoff := time.Duration(0)
	quiet := 0 // polls in a row that found the queue empty
	for ctx.Err() == nil {
		p, err := d.poll(ctx)
		if err != nil {
			backoff = min(max(2*backoff, 100*time.Millisecond), 2*time.Second)
			d.opts.Logger.Warn("webhook: cannot claim due deliveries; retrying", "err", err, "in", backoff)
			sleep(ctx, backoff)
			continue
		}
		backoff = 0
		if p.claimed > 0 && p.full {
			continue // more may be due
		}
		if p.claimed == 0 && p.untilDue < 0 && p.untilLease < 0 {
			quiet = min(quiet+1, quietPolls)
		} else {
			quiet = 0
		}
		d.idle(ctx, p, quiet)
	}
}

// quietPolls: an idle replica whose polls keep finding the sandbox-wide
// queue empty polls less often, up to Poll×quietPolls apart (250 ms by
// default instead of 50: a replica's own publications still wake it at
// once; what waits is only a delivery another replica publishes and
// cannot send itself). It is Redis work a request's round trips would
// otherwise share the server with.
const quietPolls = 5

// polled is what one claim found.
type polled struct {
	claimed    int
	full       bool          // as many as asked for: more may be due
	untilDue   time.Duration // to the next due attempt (Options.Clock); <0: none
	untilLease time.Duration // to the next lease deadline (wall clock); <0: none
}

// poll claims as many due attempts as this replica has free workers and
// starts sending them.
func (d *Dispatcher) poll(ctx context.Context) (p polled, err error) {
	defer func() {
		if v := recover(); v != nil {
			u := state.Recovered(v)
			if u == nil {
				panic(v)
			}
			err = u
		}
	}()
	p = polled{untilDue: -1, untilLease: -1}
	free := d.opts.Workers - int(d.sending.Load())
	if free <= 0 {
		return p, nil // a send that ends wakes the poller
	}
	d.claimMu.Lock()
	if d.hurry.Err() != nil {
		d.claimMu.Unlock()
		return p, nil // draining: the other replicas send what is due
	}
	wall := time.Now()
	token := d.prefix + "." + strconv.FormatUint(d.claims.Add(1), 10)
	v, err := d.script(ctx, claimScript, wall.UnixMilli(), wall.Add(d.opts.Lease).UnixMilli(), free, token).Slice()
	if err = d.opts.State.Check(err); err != nil || len(v) < 3 {
		d.claimMu.Unlock()
		if err == nil {
			err = errors.New("webhook: unexpected claim reply")
		}
		return p, err
	}
	jobs := slice(v[0])
	d.sending.Add(int64(len(jobs)))
	d.wg.Add(len(jobs))
	d.claimMu.Unlock()
	clocks := d.clocks(ctx, jobs)
	for _, j := range jobs {
		l := slice(j)
		m := str(l[0])
		go d.send(ctx, m, str(l[1]), hash(l[2]), clocks[memberPrefix(m)])
	}
	p.claimed, p.full = len(jobs), len(jobs) == free
	now := d.opts.Clock.Now()
	if ms, err := strconv.ParseFloat(str(v[1]), 64); err == nil {
		p.untilDue = max(time.UnixMilli(int64(ms)).Sub(now), 0)
	}
	if ms, err := strconv.ParseFloat(str(v[2]), 64); err == nil {
		p.untilLease = max(time.UnixMilli(int64(ms)).Sub(wall), 0) + time.Millisecond
	}
	return p, nil
}

// idle waits for the next due attempt: at most Poll (another replica may
// publish), until the next lease deadline (a dead replica's attempt), or
// until this replica publishes or finishes an attempt. The wait for a
// due attempt goes through Options.Clock, so a test's fake clock moves to
// a retry at once, as in memory mode.
func (d *Dispatcher) idle(ctx context.Context, p polled, quiet int) {
	limit := d.opts.Poll * time.Duration(max(quiet, 1))
	if p.untilLease >= 0 {
		limit = min(limit, p.untilLease)
	}
	wctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	go func() {
		select {
		case <-d.wake:
			cancel()
		case <-wctx.Done():
		}
	}()
	if p.untilDue > 0 {
		_ = d.opts.Clock.Sleep(wctx, p.untilDue)
		return
	}
	if p.untilDue == 0 {
		return
	}
	<-wctx.Done()
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// send makes one claimed attempt, at the time of its session's clock clk,
// and records its answer. It records
// nothing when ctx ends first (the replica is stopping: the lease runs
// out and another replica sends the attempt again) or when draining cut
// it.
func (d *Dispatcher) send(ctx context.Context, m, token string, h map[string]string, clk clock.State) {
	defer d.wg.Done()
	defer d.poke()
	defer d.sending.Add(-1)
	defer func() {
		if v := recover(); v != nil {
			if state.Recovered(v) == nil {
				panic(v)
			}
			d.opts.Logger.Warn("webhook: attempt not recorded: redis unavailable", "delivery", m, "err", v)
		}
	}()
	claimed := time.Now()
	select {
	case d.sem <- struct{}{}:
	case <-ctx.Done():
		return
	case <-d.stop.Done():
		return
	}
	defer func() { <-d.sem }()
	n, _ := strconv.Atoi(h["n"])
	na, _ := strconv.Atoi(h["na"])
	age, _ := strconv.ParseInt(h["age"], 10, 64)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(d.stop, cancel)()
	o := d.post(sctx, message{at: clk.At(d.opts.Clock.Now()), vendor: h["vendor"], url: h["url"], callRef: h["ref"], secret: h["secret"], body: []byte(h["body"]),
		age: time.Duration(age), badSignature: h["bad"] == "1"}, max(n, 1))
	if sctx.Err() != nil {
		d.opts.Logger.Info("webhook attempt cut: another replica sends it once its lease is over", "delivery", m)
		return
	}
	a := o.a
	a.N = na + 1
	errMsg, nextDue := "", ""
	if o.final == StateFailed {
		errMsg = failure(a, a.N)
	}
	if o.final == "" {
		nextDue = strconv.FormatInt(ceilMs(d.opts.Clock.Now().Add(d.opts.Schedule.Delay(n)).UnixNano()), 10)
	}
	body, _ := json.Marshal(a)
	deadline := claimed.Add(d.opts.Lease)
	// Until the Observer is told, the delivery still counts in Pending
	// (a moment twice, as in Redis too): as in memory mode, nothing is
	// settled before its metrics are.
	d.recording.Add(1)
	defer d.recording.Add(-1)
	for backoff := 50 * time.Millisecond; ; backoff = min(2*backoff, time.Second) {
		ok, err := d.script(context.Background(), resultScript, m, token, body, o.final, errMsg, nextDue, n+1).Int()
		if err = d.opts.State.Check(err); err == nil {
			if ok == 1 {
				d.observe(h, a, o)
			}
			return
		}
		var u *state.Unavailable
		if !errors.As(err, &u) || time.Now().Add(backoff).After(deadline) || ctx.Err() != nil {
			d.opts.Logger.Warn("webhook: attempt not recorded; another replica sends it again once its lease is over", "delivery", m, "err", err)
			return
		}
		sleep(ctx, backoff)
	}
}

// observe tells the Observer of a recorded attempt (the replica that
// sent it tells).
func (d *Dispatcher) observe(h map[string]string, a Attempt, o outcome) {
	if ob := d.opts.Observer; ob != nil {
		ob.WebhookAttempt(h["vendor"], h["event"], class(a), o.took)
		if o.final != "" {
			ob.WebhookDelivery(h["vendor"], h["event"], o.final)
		}
	}
}

// logRemaining logs, at shutdown, the deliveries left pending in Redis
// for the other replicas to send.
func (d *Dispatcher) logRemaining() {
	ctx := context.Background()
	c := d.opts.State.Client()
	n, err := c.ZCard(ctx, d.rkeys[2]).Result()
	if err = d.opts.State.Check(err); err != nil {
		d.opts.Logger.Warn("webhook: cannot count the deliveries left pending in redis", "err", err)
		return
	}
	if n == 0 {
		return
	}
	some, _ := c.ZRange(ctx, d.rkeys[2], 0, maxLogged-1).Result()
	for _, m := range some {
		d.opts.Logger.Info("webhook pending at shutdown: left in redis for the other replicas", "delivery", m)
	}
	d.opts.Logger.Info("webhook deliveries left pending in redis for the other replicas", "pending", n)
}

// memberPrefix is the session part of a delivery's member ("PREFIX|ID").
func memberPrefix(m string) string {
	if i := strings.LastIndexByte(m, '|'); i >= 0 {
		return m[:i]
	}
	return m
}

// clocks reads the clocks of the claimed deliveries' sessions
// (session.ClockKey, in each session's own slot, not the queue's) in one
// pipeline. A clock that cannot be read is the sandbox's (the zero
// State): the attempt is made anyway, timed by the sandbox's clock.
func (d *Dispatcher) clocks(ctx context.Context, jobs []any) map[string]clock.State {
	if len(jobs) == 0 {
		return nil
	}
	r := d.opts.State
	cmds := map[string]*redis.StringCmd{}
	_, err := r.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, j := range jobs {
			wp := memberPrefix(str(slice(j)[0]))
			if _, ok := cmds[wp]; ok {
				continue
			}
			if k, ok := r.SessionKeyOfWebhook(wp, session.ClockKey); ok {
				cmds[wp] = p.Get(ctx, k)
			}
		}
		return nil
	})
	if errors.Is(err, redis.Nil) {
		err = nil
	}
	_ = r.Check(err)
	out := make(map[string]clock.State, len(cmds))
	for wp, c := range cmds {
		out[wp] = session.DecodeClock(c.Val())
	}
	return out
}
