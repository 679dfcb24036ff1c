package sandboxtest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/internal/oascheck"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// Receiver is a webhook receiver for Go tests: an HTTP server that records
// every delivery the sandbox makes to it, validates each one against the
// vendor's webhooks document (a violation fails the test when it ends),
// checks signatures with the test's verifier, and answers what the test
// chooses (e.g. 500 twice, to see the retries).
type Receiver struct {
	URL string // give it to the session: Session.SetWebhookURL(r.URL)

	srv    *httptest.Server
	check  []*oascheck.Webhooks
	verify func(http.Header, []byte) error

	mu      sync.Mutex
	got     []Delivery
	answers []int
	arrived chan struct{} // closed and replaced on every delivery
}

// Delivery is one request the Receiver got.
type Delivery struct {
	Path   string // the event path, e.g. /consumers/kyc/watch
	Header http.Header
	Body   []byte
	// Answered is the status the Receiver answered.
	Answered int
	// SignatureErr is the verifier's verdict (nil: valid, or no verifier).
	SignatureErr error
	// Violations are the webhooks document's objections (none expected).
	Violations []string
}

// ReceiverOption configures a Receiver.
type ReceiverOption func(*Receiver)

// WithVerifier checks each delivery's signature, e.g. with the vendor's
// own rule: func(h http.Header, b []byte) error { return
// weavr.VerifySignature(h, b, apiKey) }.
func WithVerifier(verify func(h http.Header, body []byte) error) ReceiverOption {
	return func(r *Receiver) { r.verify = verify }
}

// Receiver starts a webhook receiver for the test, stopped when it ends.
func (sb *Sandbox) Receiver(t testing.TB, opts ...ReceiverOption) *Receiver {
	t.Helper()
	r := &Receiver{arrived: make(chan struct{})}
	for _, o := range opts {
		o(r)
	}
	for _, v := range sb.Server.Vendors() {
		for _, d := range v.Documents {
			if d.Prefix != "" || v.Webhooks == nil {
				continue
			}
			c, err := parsedWebhooks(d)
			if err != nil {
				t.Fatalf("sandboxtest: vendor %s document %s: %v", v.Name, d.Name, err)
			}
			r.check = append(r.check, c)
		}
	}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = r.srv.URL
	t.Cleanup(func() {
		r.srv.Close()
		for _, d := range r.Deliveries() {
			for _, v := range d.Violations {
				t.Errorf("sandboxtest: a webhook delivery the vendor's document does not describe: %s", v)
			}
		}
	})
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	d := Delivery{Path: req.URL.Path, Header: req.Header.Clone(), Body: body}
	if req.Method != http.MethodPost {
		d.Violations = append(d.Violations, fmt.Sprintf("%s %s: webhooks are POSTs", req.Method, req.URL.Path))
	}
	for _, c := range r.check {
		d.Violations = append(d.Violations, c.Check(req.URL.Path, req.Header, body)...)
	}
	if r.verify != nil {
		d.SignatureErr = r.verify(req.Header, body)
	}
	r.mu.Lock()
	d.Answered = http.StatusNoContent
	if len(r.answers) > 0 {
		d.Answered, r.answers = r.answers[0], r.answers[1:]
	}
	r.got = append(r.got, d)
	close(r.arrived)
	r.arrived = make(chan struct{})
	r.mu.Unlock()
	w.WriteHeader(d.Answered)
}

// Answer queues the statuses of the next deliveries (204 once they are
// used up): Answer(500, 500) fails the next two attempts.
func (r *Receiver) Answer(statuses ...int) {
	r.mu.Lock()
	r.answers = append(r.answers, statuses...)
	r.mu.Unlock()
}

// Deliveries lists what the Receiver got, in arrival order.
func (r *Receiver) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.got...)
}

// Wait waits (up to 10 s) until the Receiver got n deliveries and returns
// them all; it fails the test otherwise.
func (r *Receiver) Wait(t testing.TB, n int) []Delivery {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		got, arrived := len(r.got), r.arrived
		r.mu.Unlock()
		if got >= n {
			return r.Deliveries()
		}
		select {
		case <-arrived:
		case <-deadline:
			t.Fatalf("sandboxtest: the receiver got %d webhook deliveries in 10s, want %d", got, n)
		}
	}
}

// webhookDocs memoises parsed webhooks documents, like documents.
var webhookDocs sync.Map // name → func() (*oascheck.Webhooks, error)

func parsedWebhooks(d contract.Document) (*oascheck.Webhooks, error) {
	f, _ := webhookDocs.LoadOrStore(d.Name, sync.OnceValues(func() (*oascheck.Webhooks, error) {
		if !bytes.Contains(d.Data, []byte("\nwebhooks:")) {
			return nil, fmt.Errorf("no webhooks section")
		}
		return oascheck.NewWebhooks(d.Data)
	}))
	return f.(func() (*oascheck.Webhooks, error))()
}

// SetWebhookURL sends the session's webhooks to u (PUT
// /__sandbox/sessions/{s}/webhooks).
func (s *Session) SetWebhookURL(u string) error {
	return s.sb.call(http.MethodPut, s.path("/webhooks"), map[string]string{"url": u}, http.StatusOK, nil)
}

// Deliveries lists the session's webhook deliveries matching filter
// (event, state, subject, status, limit).
func (s *Session) Deliveries(filter url.Values) (webhook.List, error) {
	var out webhook.List
	err := s.sb.call(http.MethodGet, s.path("/webhooks/deliveries?"+filter.Encode()), nil, http.StatusOK, &out)
	return out, err
}

// VerifyDeliveries checks an expectation such as {"event":
// "/consumers/kyc/watch", "state": "delivered", "exactly": 1}.
func (s *Session) VerifyDeliveries(expectation map[string]any) (webhook.Verdict, error) {
	var v webhook.Verdict
	err := s.sb.call(http.MethodPost, s.path("/webhooks/deliveries/verify"), expectation, 0, &v)
	return v, err
}

// Redeliver sends one delivery again (POST …/deliveries/{id}/redeliver).
func (s *Session) Redeliver(id string) error {
	return s.sb.call(http.MethodPost, s.path("/webhooks/deliveries/"+url.PathEscape(id)+"/redeliver"), nil, http.StatusAccepted, nil)
}

// Settle waits (up to 10 s) until none of the session's deliveries is
// pending, for assertions on their final state: a receiver sees an
// attempt before the sandbox records its answer.
func (s *Session) Settle(t testing.TB) {
	t.Helper()
	s.waitDeliveries(t, "pending", func(webhook.Delivery) bool { return true })
}
