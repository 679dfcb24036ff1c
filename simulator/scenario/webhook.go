package scenario

import (
	"net/http"
	"slices"
	"time"
)

// WebhookFault is how a webhook scenario makes a delivery misbehave. Real
// vendors deliver webhooks late, more than once, out of order, not at all,
// and (through proxies and key rotations) with signatures or timestamps a
// receiver must refuse; a handler is only proven against them when they
// can be asked for.
type WebhookFault string

// The webhook faults a step can inject (YAML `webhook: <fault>`).
const (
	// WebhookDelay delivers the event late (WebhookDecision.Delay).
	WebhookDelay WebhookFault = "delay"
	// WebhookDuplicate delivers the event Copies times with the same
	// call-ref: the receiver must be idempotent.
	WebhookDuplicate WebhookFault = "duplicate"
	// WebhookReorder holds the events matched within a burst window
	// (WebhookDecision.Delay, opened by the first) and delivers them in
	// reverse order when it closes: the receiver must not trust arrival
	// order.
	WebhookReorder WebhookFault = "reorder"
	// WebhookDrop records the event but never delivers it: the receiver
	// must reconcile by polling the API.
	WebhookDrop WebhookFault = "drop"
	// WebhookBadSignature signs the event with a wrong key: the receiver
	// must refuse it.
	WebhookBadSignature WebhookFault = "bad-signature"
	// WebhookStaleTimestamp sets the published timestamp Age in the past,
	// signed consistently: the receiver must refuse a replay.
	WebhookStaleTimestamp WebhookFault = "stale-timestamp"
)

var webhookFaults = []WebhookFault{WebhookDelay, WebhookDuplicate, WebhookReorder, WebhookDrop, WebhookBadSignature, WebhookStaleTimestamp}

// WebhookFaults lists the faults scenario files may name, for the
// machinery that carries them out to check it knows each.
func WebhookFaults() []WebhookFault { return slices.Clone(webhookFaults) }

// Defaults of the webhook faults' parameters, and the bound on copies (a
// scenario must not make the sandbox flood a receiver).
const (
	defaultWebhookCopies = 2
	maxWebhookCopies     = 100
	defaultReorderWindow = time.Second
	defaultStaleAge      = time.Hour
)

// WebhookRequest is what the engine sees of a webhook event about to be
// delivered: the vendor sending it, the event's path
// ("/consumers/kyc/watch") and its JSON body. A scenario matches by path,
// whichever vendor declares it, and by body conditions.
type WebhookRequest struct {
	Vendor string
	Path   string
	Body   []byte
	// Named are the scenarios the request that caused the event named in
	// X-Sandbox-Scenario (RequestedScenarios): the webhook scenarios among
	// them are tried first, as a request's named scenarios are.
	Named []string
}

// RequestedScenarios lists the scenarios a request names in
// X-Sandbox-Scenario (repeatable, comma-separated).
func RequestedScenarios(h http.Header) []string { return headerList(h, HeaderScenario) }

// WebhookDecision is what a webhook scenario does to one delivery; the
// webhook machinery carries it out.
type WebhookDecision struct {
	Scenario string // the scenario's name, for the journal and logs
	Fault    WebhookFault
	// Delay is the wait of WebhookDelay (drawn from the step's range,
	// seeded) or the burst window of WebhookReorder; 0 otherwise.
	Delay  time.Duration
	Copies int           // WebhookDuplicate: deliveries in all (>= 2); 0 otherwise
	Age    time.Duration // WebhookStaleTimestamp: how old the timestamp is; 0 otherwise
}

// DecideWebhook finds what a webhook scenario does to the delivery of req
// in session st: the scenarios active for the session, then the global
// ones (st.Active order), and the first that matches and plays (times,
// after, probability and sequence counted in st, as for requests) decides.
// A scenario of the catalog that is not active never fires: no request
// names a webhook scenario. nil means deliver normally. Safe for
// concurrent use.
func (e *Engine) DecideWebhook(st *State, req *WebhookRequest) *WebhookDecision {
	set := e.Set()
	in := &input{raw: req.Body}
	own, global := st.lists()
	for i, list := range [3][]string{req.Named, own, global} {
		for _, name := range list {
			if (i > 0 && slices.Contains(req.Named, name)) || (i == 2 && slices.Contains(own, name)) {
				continue // already tried as named, or as the session's own
			}
			sc, ok := set.Lookup(name)
			if !ok || sc.Match.Webhook == nil || !sc.Match.Webhook.test(req.Path, true) || !sc.Match.bodyHolds(in) {
				continue
			}
			if step, delay, ok := st.fire(sc); ok {
				return webhookDecision(sc, step, delay)
			}
		}
	}
	return nil
}

// webhookDecision renders a played step; only the fault's own parameters
// are set, so the machinery cannot apply one fault's value to another.
func webhookDecision(sc *Scenario, step *Step, delay time.Duration) *WebhookDecision {
	d := &WebhookDecision{Scenario: sc.Name, Fault: step.Webhook}
	switch step.Webhook {
	case WebhookDelay, WebhookReorder:
		d.Delay = delay
	case WebhookDuplicate:
		d.Copies = step.Copies
	case WebhookStaleTimestamp:
		d.Age = step.Age
	}
	return d
}
