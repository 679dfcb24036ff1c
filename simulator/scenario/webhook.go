package scenario

import (
	"net/http"
	"slices"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// WebhookFault names a webhook fault in a scenario step; the list and
// what each does are the dispatcher's (webhook.FaultKind).
type WebhookFault = webhook.FaultKind

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
	// Delay is the wait of webhook.FaultDelay (drawn from the step's range,
	// seeded) or the burst window of webhook.FaultReorder; 0 otherwise.
	Delay  time.Duration
	Copies int           // webhook.FaultDuplicate: deliveries in all (>= 2); 0 otherwise
	Age    time.Duration // webhook.FaultStaleTimestamp: how old the timestamp is; 0 otherwise
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
	case webhook.FaultDelay, webhook.FaultReorder:
		d.Delay = delay
	case webhook.FaultDuplicate:
		d.Copies = step.Copies
	case webhook.FaultStaleTimestamp:
		d.Age = step.Age
	}
	return d
}
