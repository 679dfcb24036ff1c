package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// The Redis mode of the session-facing operations: one script (one round
// trip) each; layout and scripts in redis.go. A Redis that does not
// answer aborts the request (state.Redis.Must): the sandbox answers 503.

// Messages shared with the memory mode.
const (
	errNoURL   = "no webhook URL for this session (PUT /__sandbox/sessions/{session}/webhooks or --webhook-url)"
	errGone    = "the session was deleted or reset"
	errStopped = "sandbox stopped before the delivery succeeded"
	maxLogged  = 20 // deliveries left pending logged one by one at shutdown
)

// script runs a script with the keys and arguments every script takes.
func (d *Dispatcher) script(ctx context.Context, s *redis.Script, args ...any) *redis.Cmd {
	now := d.opts.Clock.Now().UnixNano()
	argv := append([]any{floorMs(now), d.ordered, btoi(now%nsPerMs != 0)}, args...)
	return s.Run(ctx, d.opts.State.Client(), d.rkeys, argv...)
}

const nsPerMs = int64(time.Millisecond)

// floorMs and ceilMs are unix ns as unix ms: a due time rounds up (an
// attempt never comes before its wait is over), now rounds down.
func floorMs(ns int64) int64 { return ns / nsPerMs }

func ceilMs(ns int64) int64 { return (ns + nsPerMs - 1) / nsPerMs }

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// must aborts the request when Redis did not answer (err is then an
// *state.Unavailable, recovered by the sandbox into a 503); an error
// that is an answer (a script bug) is logged and returned.
func (d *Dispatcher) must(err error) error {
	if err = d.opts.State.Must(err); err != nil && !errors.Is(err, redis.Nil) {
		d.opts.Logger.Error("webhook: redis script failed", "err", err)
	}
	return err
}

// poke wakes this replica's poller (a publication or result of its own).
func (d *Dispatcher) poke() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// publishRemote is publish in Redis mode. The publishing replica decides
// the scenario's fault (Options.Faults) and records it with the delivery;
// whichever replica sends an attempt signs it then (bad-signature and
// stale-timestamp included) as the memory mode does.
func (d *Dispatcher) publishRemote(s *session.Session, b *box, vendor string, ev contract.Event) {
	f := d.opts.Faults(s, vendor, ev)
	now := s.Clock().Now()
	copies, kind, scen, bad := 1, "", "", ""
	var delay, window, age time.Duration
	if f != nil {
		kind, scen = string(f.Kind), f.Scenario
		switch f.Kind {
		case FaultDuplicate:
			copies = max(f.Copies, 2)
		case FaultBadSignature:
			bad = "1"
		case FaultStaleTimestamp:
			age = f.Age
		case FaultDelay:
			delay = f.Delay
		case FaultReorder:
			window = max(f.Delay, time.Millisecond)
		}
	}
	callRef := fmt.Sprintf("%s-%d", d.prefix, d.refs.Add(1))
	dropErr := ""
	if f != nil {
		dropErr = "dropped by scenario " + f.Scenario
	}
	res, err := d.script(context.Background(), publishScript, b.sc.WebhookPrefix(), d.opts.URL, ev.Path, strconv.FormatInt(now.UnixNano(), 10),
		d.opts.MaxPending, d.opts.Keep, d.opts.MaxRecords, kind, delay.Milliseconds(), window.Milliseconds(), copies,
		vendor, ev.Subject, callRef, ev.Secret, ev.Body, scen, kind, bad,
		dropErr, errNoURL, fmt.Sprintf("sandbox: more than %d webhook deliveries pending", d.opts.MaxPending),
		strconv.FormatInt(int64(age), 10)).StringSlice()
	if d.must(err) != nil {
		return
	}
	for i := 1; i < len(res); i += 2 {
		if res[i] != StatePending && d.opts.Observer != nil {
			d.opts.Observer.WebhookDelivery(vendor, ev.Path, res[i])
		}
	}
	d.poke()
}

// remoteURL is the session's own receiver ("" = the default).
func (d *Dispatcher) remoteURL(b *box) string {
	u, err := d.opts.State.Client().Get(context.Background(), b.sc.WebhookPrefix()+"wh:url").Result()
	if d.opts.State.Must(err) != nil {
		return ""
	}
	return u
}

func (d *Dispatcher) setRemoteURL(b *box, url string) {
	c := d.opts.State.Client()
	if url == "" {
		d.opts.State.Must(c.Del(context.Background(), b.sc.WebhookPrefix()+"wh:url").Err())
		return
	}
	d.opts.State.Must(c.Set(context.Background(), b.sc.WebhookPrefix()+"wh:url", url, 0).Err())
}

func (d *Dispatcher) remoteDeliveries(b *box, f Filter) List {
	v, err := d.script(context.Background(), viewScript, b.sc.WebhookPrefix(), "").Slice()
	if d.must(err) != nil || len(v) < 2 {
		return List{Deliveries: []Delivery{}}
	}
	forgotten, _ := strconv.ParseUint(str(v[0]), 10, 64)
	queued := map[string]bool{}
	for _, id := range slice(v[1]) {
		queued[str(id)] = true
	}
	views := make([]Delivery, 0, len(v)-2)
	for _, h := range v[2:] {
		m := hash(h)
		if dv := viewOf(m, queued[m["id"]], b.clock.State()); f.Match(&dv) {
			views = append(views, dv)
		}
	}
	total := len(views)
	if f.Limit > 0 && len(views) > f.Limit {
		views = views[len(views)-f.Limit:]
	}
	return List{Deliveries: views, Total: total, Forgotten: forgotten}
}

func (d *Dispatcher) remoteDelivery(b *box, id string) (Delivery, bool) {
	if id == "" {
		return Delivery{}, false
	}
	v, err := d.script(context.Background(), viewScript, b.sc.WebhookPrefix(), id).Slice()
	if d.must(err) != nil || len(v) < 2 {
		return Delivery{}, false
	}
	q, _ := v[1].(int64)
	return viewOf(hash(v[0]), q == 1, b.clock.State()), true
}

func (d *Dispatcher) remoteRedeliver(b *box, id string) (Delivery, error) {
	v, err := d.script(context.Background(), redeliverScript, b.sc.WebhookPrefix(), id, d.opts.URL).Slice()
	if err = d.must(err); err != nil {
		return Delivery{}, err
	}
	switch str(v[0]) {
	case "none":
		return Delivery{}, ErrNoDelivery
	case "pending":
		return Delivery{}, ErrPending
	case "nourl":
		return Delivery{}, ErrNoURL
	}
	d.poke()
	return viewOf(hash(v[1]), false, b.clock.State()), nil
}

func (d *Dispatcher) remoteClear(b *box) {
	d.must(d.script(context.Background(), clearScript, b.sc.WebhookPrefix()).Err())
}

// releaseRemote marks the departed session's pending deliveries
// undelivered, for every replica. It runs outside any request (the
// registry's janitor, an eviction), so a Redis that does not answer is
// logged: the session's keys are purged anyway and its due entries are
// dropped when claimed, but its share of Pending stays counted.
func (d *Dispatcher) releaseRemote(b *box) {
	err := d.opts.State.Check(d.script(context.Background(), releaseScript, b.sc.WebhookPrefix(), errGone).Err())
	if err != nil {
		d.opts.Logger.Warn("webhook: could not release a departed session's deliveries", "session", b.sc.Session, "err", err)
	}
}

// remotePending counts every replica's pending deliveries (0 when Redis
// does not answer: Pending is read outside requests, e.g. at shutdown).
func (d *Dispatcher) remotePending() int {
	n, err := d.opts.State.Client().ZCard(context.Background(), d.rkeys[2]).Result()
	if d.opts.State.Check(err) != nil {
		return 0
	}
	return int(n)
}

// viewOf is a delivery's hash as the control API shows it, its next
// attempt on the session's clock clk.
func viewOf(h map[string]string, queued bool, clk clock.State) Delivery {
	dv := Delivery{ID: h["id"], Vendor: h["vendor"], Event: h["event"], Subject: h["subject"], URL: h["url"], CallRef: h["ref"],
		State: h["state"], Error: h["err"], Body: rawJSON([]byte(h["body"])), Scenario: h["scenario"], Fault: h["fault"],
		Queued: queued, Attempts: []Attempt{}}
	if ns, err := strconv.ParseInt(h["created"], 10, 64); err == nil {
		dv.Created = time.Unix(0, ns)
	}
	dv.Copy, _ = strconv.Atoi(h["copy"])
	if a := h["attempts"]; a != "" {
		_ = json.Unmarshal([]byte(a), &dv.Attempts)
	}
	if n := len(dv.Attempts); n > 0 {
		dv.Headers = dv.Attempts[n-1].Headers
	}
	if ms, err := strconv.ParseInt(h["next"], 10, 64); err == nil && dv.State == StatePending {
		t := clk.At(time.UnixMilli(ms)) // due times are kept on the sandbox's clock
		dv.NextAttemptAt = &t
	}
	return dv
}

// hash reads an HGETALL reply (a flat field, value list).
func hash(v any) map[string]string {
	l := slice(v)
	m := make(map[string]string, len(l)/2+1)
	for i := 0; i+1 < len(l); i += 2 {
		m[str(l[i])] = str(l[i+1])
	}
	return m
}

func slice(v any) []any { l, _ := v.([]any); return l }

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return ""
}
