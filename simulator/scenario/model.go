// Package scenario is the sandbox's failure-on-demand engine: scenario files
// (YAML) name a request to match and what to answer instead of the normal
// behaviour — a catalog error, a raw response, a delay, or a network fault —
// with exact counters (times, after, sequence) kept per session. Webhook
// scenarios name a webhook event instead, and how its delivery misbehaves
// (delayed, duplicated, reordered, dropped, badly signed, stale).
//
// It is vendor-neutral: vendors plug in by registering their Operations and
// their errors in the apierr.Catalog; the engine never imports a vendor.
package scenario

import (
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
)

// Operation is one simulated vendor operation: the id scenarios, metrics
// and the journal use for a route, and the catalog errors it documents.
type Operation struct {
	ID      string // "weavr.consumerUpdate"
	Vendor  string // "weavr"
	Method  string // documented method, e.g. PATCH
	Path    string // documented path, e.g. /multi/consumers
	Summary string
	// Errors are the unqualified catalog names this operation can answer,
	// in the order a `Prefer: code=N` without example picks among them.
	Errors []string
}

// Vocabulary is what scenario files may refer to: the operations of every
// vendor, the error catalog and the webhook events the vendors send.
// Validation checks names against it.
type Vocabulary struct {
	Operations []Operation
	Catalog    *apierr.Catalog
	Events     []Event
}

// Event is a webhook event a vendor sends, which a webhook scenario may
// name by its path.
type Event struct {
	Vendor  string // "weavr"
	Path    string // "/consumers/kyc/watch"
	Summary string
}

// Scenario is one compiled, validated scenario file entry. It is immutable.
type Scenario struct {
	Name        string
	Description string
	Source      string // file:line where it was defined
	Match       Match
	Steps       []*Step // one for respond, several for sequence
	Sequence    bool    // Steps came from sequence (played in order)
	Loop        bool    // replay the sequence when it ends
	Times       int     // fire at most this many times (0 = unlimited)
	After       int     // skip the first After matches
	Probability float64 // chance of firing on a match (1 = always)

	// digest identifies the definition, wherever it is written (see
	// definitionDigest): a reload keeps the counters of a scenario whose
	// digest is the same. "" for a scenario not compiled from YAML.
	digest string
}

// IsWebhook reports whether sc applies to webhook events (DecideWebhook)
// rather than requests (Decide): listings show it by its event instead of
// an operation.
func (sc *Scenario) IsWebhook() bool { return sc.Match.Webhook != nil }

// Applies says in a few words what sc applies to, for listings: its
// operation ("weavr.consumerUpdate", "*" for every one) or, for a webhook
// scenario, its event ("webhook /consumers/kyc/watch", "webhook ~^/consumers/").
func (sc *Scenario) Applies() string {
	switch w := sc.Match.Webhook; {
	case w != nil && w.Regex != nil:
		return "webhook ~" + w.Regex.String()
	case w != nil:
		return fmt.Sprintf("webhook %v", w.Equals)
	case sc.Match.Operation == "":
		return "*"
	}
	return sc.Match.Operation
}

// Match selects the requests a scenario applies to. Zero fields match all.
// A webhook scenario's Match has Webhook set and only Body beside it: it
// selects webhook events, never requests.
type Match struct {
	// Webhook is the condition on a webhook event's path; set exactly for
	// a webhook scenario, which request decisions never pick.
	Webhook   *Cond
	Operation string // exact id, "vendor.*", or "" / "*" for any
	Method    string
	Path      *Cond
	Target    *Cond
	Headers   map[string]*Cond // canonical header name → condition
	Query     map[string]*Cond
	Body      map[string]*Cond // dotted JSON path → condition
}

// Cond is one condition on a value: equals, regex or present.
type Cond struct {
	Equals  any            // YAML value compared with the JSON value
	Regex   *regexp.Regexp // matched against the value as text
	Present *bool          // the value exists (true) or not (false)
}

// Fault is a network-level misbehaviour instead of a clean response.
type Fault string

// Faults a step can inject.
const (
	FaultReset     Fault = "reset"     // TCP reset: the client sees "connection reset by peer"
	FaultEmpty     Fault = "empty"     // close without a byte: "empty reply from server" / EOF
	FaultTruncated Fault = "truncated" // headers and half the body, then close
	FaultMalformed Fault = "malformed" // the body cut in half but sent whole: invalid JSON
	FaultHang      Fault = "hang"      // never answer until the client gives up
)

var faults = []Fault{FaultReset, FaultEmpty, FaultTruncated, FaultMalformed, FaultHang}

// Step is one response of a scenario: a catalog error, a raw response, or
// pass-through to the normal behaviour; optionally delayed or faulted.
type Step struct {
	Error    *apierr.Def // catalog error (Status, Header, Body come from it)
	Status   int         // raw status (0 when Error or Pass)
	Header   http.Header // extra headers, over the error's own
	Body     []byte      // raw body; overrides the error's body when set
	Pass     bool        // run the normal vendor behaviour
	Fault    Fault
	DelayMin time.Duration
	DelayMax time.Duration // == DelayMin for a fixed delay (reorder: the burst window)

	// Webhook is the delivery fault of a webhook scenario's step ("" in a
	// request scenario); Copies and Age are its duplicate and
	// stale-timestamp parameters, defaults filled in by the parser.
	Webhook WebhookFault
	Copies  int
	Age     time.Duration
}

// Response renders the step's response (nil for Pass and connection
// faults). The catalog Def is kept so the writer and journal know the error.
func (s *Step) Response() *apierr.Response {
	var r *apierr.Response
	switch {
	case s.Error != nil:
		r = s.Error.Response()
	case s.Status != 0:
		r = &apierr.Response{Status: s.Status}
	default:
		return nil
	}
	for k, vs := range s.Header {
		for _, v := range vs {
			r.SetHeader(k, v)
		}
	}
	if s.Body != nil {
		r.Body = s.Body
	}
	return r
}
