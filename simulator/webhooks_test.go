package simulator_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// hooks is a sandbox with a webhook receiver that verifies Weavr's
// signatures with the programme's API key, and a session sending to it.
type hooks struct {
	*sandbox
	rcv  *sandboxtest.Receiver
	sess *sandboxtest.Session
	h    []string // the session's header
}

func newHooks(t *testing.T) *hooks {
	s := newSandbox(t)
	rcv := s.sb.Receiver(t, sandboxtest.WithVerifier(func(h http.Header, b []byte) error { return weavr.VerifySignature(h, b, apiKey) }))
	sess := s.sb.SessionFor(t)
	if err := sess.SetWebhookURL(rcv.URL); err != nil {
		t.Fatal(err)
	}
	return &hooks{sandbox: s, rcv: rcv, sess: sess, h: []string{"X-Sandbox-Session", sess.Name}}
}

// consumerID is the id of the logged-in consumer of headers h.
func (hk *hooks) consumerID(h []string) string {
	r := hk.do("GET", "/multi/consumers", "", h...)
	var m struct{ ID struct{ ID string } }
	if err := json.Unmarshal(r.body, &m); err != nil || r.status != 200 {
		hk.t.Fatalf("GET consumer: %d %s", r.status, r.body)
	}
	return m.ID.ID
}

func eventBody(t *testing.T, d sandboxtest.Delivery) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(d.Body, &m); err != nil {
		t.Fatalf("delivery body %q: %v", d.Body, err)
	}
	return m
}

// The journey's events reach the session's receiver signed as Weavr signs
// them, a 500 is retried with the same call-ref, and the deliveries API
// shows every attempt.
func TestWebhookJourney(t *testing.T) {
	hk := newHooks(t)
	alice := hk.weavr("alice@example.com", hk.h...)
	id := hk.consumerID(alice)

	if r := hk.do("POST", "/multi/consumers/verification/email/verify", `{"email":"alice@example.com","verificationCode":"123456"}`, alice...); r.status != 204 {
		t.Fatalf("email verify: %d %s", r.status, r.body)
	}
	hk.rcv.Answer(500)
	if r := hk.do("POST", "/multi/consumers/kyc", `{}`, alice...); r.status != 200 {
		t.Fatalf("KYC start: %d %s", r.status, r.body)
	}
	got := hk.rcv.Wait(t, 2)
	first, retry := got[0], got[1]
	if first.Answered != 500 || retry.Answered != 204 || first.Header.Get("call-ref") != retry.Header.Get("call-ref") || first.Path != weavr.EventKYC {
		t.Fatalf("attempts %+v", got)
	}
	for _, d := range got {
		if d.SignatureErr != nil {
			t.Errorf("signature: %v", d.SignatureErr)
		}
	}
	if b := eventBody(t, retry); b["status"] != "INITIATED" || b["consumerId"] != id || b["consumerEmail"] != "alice@example.com" {
		t.Errorf("KYC event %v", b)
	}
	hk.sess.Settle(t)
	l, err := hk.sess.Deliveries(url.Values{"event": {weavr.EventKYC}})
	if err != nil {
		t.Fatal(err)
	}
	if l.Total != 1 || l.Deliveries[0].State != webhook.StateDelivered || len(l.Deliveries[0].Attempts) != 2 ||
		l.Deliveries[0].Attempts[0].Status != 500 || l.Deliveries[0].Attempts[0].Outcome != "retry" || l.Deliveries[0].Subject != id {
		t.Fatalf("deliveries %+v", l)
	}

	if r := hk.do("POST", "/simulate/api/consumers/"+id+"/verify", "", append([]string{"programme-key", apiKey}, hk.h...)...); r.status != 204 {
		t.Fatalf("simulator verify: %d %s", r.status, r.body)
	}
	if b := eventBody(t, hk.rcv.Wait(t, 3)[2]); b["status"] != "APPROVED" || b["ongoingStatus"] != "APPROVED" {
		t.Errorf("approval event %v", b)
	}

	r := hk.raw("POST", "/__sandbox/sessions/"+hk.sess.Name+"/weavr/consumers/"+id+"/deactivate", `{"reasonCode":"TEMPORARY"}`)
	if r.status != 200 && r.status != 204 {
		t.Fatalf("deactivate: %d %s", r.status, r.body)
	}
	d := hk.rcv.Wait(t, 4)[3]
	if b := eventBody(t, d); d.Path != weavr.EventConsumerDeactivated || b["reasonCode"] != "TEMPORARY" || b["emailAddress"] != "alice@example.com" {
		t.Errorf("deactivation %s %v", d.Path, b)
	}
	if r := hk.do("GET", "/multi/consumers", "", alice...); r.status != 401 {
		t.Errorf("a deactivated consumer's token: %d", r.status)
	}

	hk.sess.Settle(t)
	v, err := hk.sess.VerifyDeliveries(map[string]any{"state": "delivered", "exactly": 3})
	if err != nil || !v.OK {
		t.Errorf("verify: %+v %v", v, err)
	}
	if err := hk.sess.Redeliver("wh_1"); err != nil {
		t.Fatal(err)
	}
	if again := hk.rcv.Wait(t, 5)[4]; again.Header.Get("call-ref") != first.Header.Get("call-ref") || again.SignatureErr != nil {
		t.Errorf("redelivery %+v", again)
	}

	m := hk.raw("GET", "/metrics", "")
	for _, want := range []string{
		`sandbox_webhook_deliveries_total{event="/consumers/kyc/watch",outcome="delivered",vendor="weavr"}`,
		`sandbox_webhook_attempts_total{event="/consumers/kyc/watch",outcome="5xx",vendor="weavr"} 1`,
		`sandbox_webhook_attempt_duration_seconds_count{event="/consumers/kyc/watch",vendor="weavr"}`,
	} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// Webhook scenarios of the shipped catalog alter the next deliveries of
// the session that activates them.
func TestWebhookFaultScenarios(t *testing.T) {
	hk := newHooks(t)
	alice := hk.weavr("alice@example.com", hk.h...)
	id := hk.consumerID(alice)
	statuses := []string{"PENDING_REVIEW", "REJECTED", "PENDING_REVIEW"}
	approve := func() {
		t.Helper()
		st := statuses[0]
		statuses = statuses[1:]
		r := hk.raw("POST", "/__sandbox/sessions/"+hk.sess.Name+"/weavr/consumers/"+id+"/kyc", `{"status":"`+st+`"}`)
		if r.status != 200 && r.status != 204 {
			t.Fatalf("kyc action: %d %s", r.status, r.body)
		}
	}

	if err := hk.sess.Activate("webhook-duplicate"); err != nil {
		t.Fatal(err)
	}
	approve()
	got := hk.rcv.Wait(t, 2)
	if got[0].Header.Get("call-ref") != got[1].Header.Get("call-ref") || string(got[0].Body) != string(got[1].Body) {
		t.Fatalf("duplicates differ: %+v", got)
	}
	_ = hk.sess.Deactivate()

	if err := hk.sess.Activate("webhook-bad-signature"); err != nil {
		t.Fatal(err)
	}
	approve()
	if d := hk.rcv.Wait(t, 3)[2]; !errors.Is(d.SignatureErr, weavr.ErrBadSignature) {
		t.Errorf("bad-signature delivery verified: %v", d.SignatureErr)
	}
	_ = hk.sess.Deactivate()

	if err := hk.sess.Activate("webhook-drop"); err != nil {
		t.Fatal(err)
	}
	approve()
	l, _ := hk.sess.Deliveries(url.Values{"state": {"dropped"}})
	if l.Total != 1 || l.Deliveries[0].Scenario != "webhook-drop" {
		t.Errorf("dropped %+v", l)
	}
	if n := len(hk.rcv.Deliveries()); n != 3 {
		t.Errorf("a dropped event reached the receiver (%d deliveries)", n)
	}
	counters, _ := hk.sess.Counters()
	fired := map[string]int{}
	for _, c := range counters {
		fired[c.Scenario] = c.Fired
	}
	if fired["webhook-duplicate"] != 1 || fired["webhook-bad-signature"] != 1 || fired["webhook-drop"] != 1 {
		t.Errorf("counters %+v", counters)
	}
}

// The control API's webhook routes answer bad input in the sandbox's
// shape.
func TestWebhookControlErrors(t *testing.T) {
	hk := newHooks(t)
	base := "/__sandbox/sessions/" + hk.sess.Name
	for _, tc := range []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{"PUT", base + "/webhooks", `{"url":"ftp://x"}`, 400, "want an absolute http:// or https:// URL"},
		{"PUT", base + "/webhooks", `{"uri":"http://x"}`, 400, `unknown field "uri"`},
		{"PUT", base + "/webhooks", `{}`, 400, "url is missing"},
		{"GET", "/__sandbox/sessions/nobody/webhooks", "", 404, `no session "nobody"`},
		{"GET", base + "/webhooks/deliveries?state=lost", "", 400, `state "lost"`},
		{"GET", base + "/webhooks/deliveries/wh_9", "", 404, `no webhook delivery "wh_9"`},
		{"POST", base + "/webhooks/deliveries/wh_9/redeliver", "", 404, `no webhook delivery "wh_9"`},
		{"POST", base + "/webhooks/deliveries/verify", `{"event":"x"}`, 400, "needs a bound"},
		{"POST", base + "/weavr/consumers/1/explode", `{}`, 404, `no action "explode"`},
	} {
		r := hk.raw(tc.method, tc.path, tc.body)
		var e struct{ SandboxError struct{ Message string } }
		_ = json.Unmarshal(r.body, &e)
		if r.status != tc.status || r.header.Get("X-Sandbox-Error") == "" || !strings.Contains(e.SandboxError.Message, tc.msg) {
			t.Errorf("%s %s %s: %d %s, want %d with %q", tc.method, tc.path, tc.body, r.status, r.body, tc.status, tc.msg)
		}
	}
	r := hk.raw("GET", base+"/webhooks", "")
	var tg webhook.Target
	if err := json.Unmarshal(r.body, &tg); err != nil || tg.Source != "session" || tg.URL != hk.rcv.URL {
		t.Errorf("target %s", r.body)
	}
	if r := hk.raw("DELETE", base+"/webhooks", ""); r.status != 200 || !strings.Contains(string(r.body), `"source":"none"`) {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
}

// A webhook scenario named on the request that causes the event applies
// to that event's delivery, and leaves the request's own answer alone.
func TestWebhookScenarioNamedOnTheCause(t *testing.T) {
	hk := newHooks(t)
	alice := hk.weavr("alice@example.com", hk.h...)
	r := hk.do("POST", "/multi/consumers/kyc", `{}`, append(alice, "X-Sandbox-Scenario", "webhook-duplicate")...)
	if r.status != 200 || r.header.Get("X-Sandbox-Scenario") != "" {
		t.Fatalf("KYC start: %d %s (scenario %q)", r.status, r.body, r.header.Get("X-Sandbox-Scenario"))
	}
	got := hk.rcv.Wait(t, 2)
	if got[0].Header.Get("call-ref") != got[1].Header.Get("call-ref") || eventBody(t, got[1])["status"] != "INITIATED" {
		t.Fatalf("not duplicated: %+v", got)
	}
	hk.sess.Settle(t)
	l, _ := hk.sess.Deliveries(nil)
	if l.Total != 2 || l.Deliveries[0].Scenario != "webhook-duplicate" || l.Deliveries[1].Copy != 2 {
		t.Errorf("deliveries %+v", l)
	}
}
