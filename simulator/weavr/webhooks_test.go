package weavr_test

import (
	"net/http"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// TestWebhooksDeliveredSigned: the journey's events reach a receiver
// through the sandbox's own delivery (the session's webhook URL), each
// valid against Weavr's webhooks document (the receiver checks), signed
// as Weavr signs (VerifySignature with the programme's API key), with the
// bodies Weavr published; the control API's deactivate action delivers
// its event too.
func TestWebhooksDeliveredSigned(t *testing.T) {
	s := newSandbox(t)
	rcv := s.sb.Receiver(t, sandboxtest.WithVerifier(func(h http.Header, b []byte) error { return weavr.VerifySignature(h, b, apiKey) }))
	sess := s.sb.Session("hooks")
	if err := sess.SetWebhookURL(rcv.URL); err != nil {
		t.Fatal(err)
	}
	h := headers{"X-Sandbox-Session", sess.Name}
	in := func(hs headers) headers { return append(hs, h...) }
	expectStatus(t, s.do("POST", "/multi/consumers", in(std("")), nina), 200)
	r := s.do("POST", "/multi/passwords/"+ninaID+"/create", in(std("")), `{"password":{"value":"Pa55word!"}}`)
	tok := r.JSON(t)["token"].(string)
	expect(t, s.do("POST", "/multi/consumers/verification/email/verify", in(std("")), `{"email":"nina.webb@example.com","verificationCode":"123456"}`), 204, "")
	expectStatus(t, s.do("POST", "/multi/consumers/kyc", in(std(tok)), `{}`), 200)
	expect(t, s.do("POST", "/simulate/api/consumers/"+ninaID+"/verify", in(headers{"programme-key", apiKey}), ""), 204, "")
	if r := s.raw("POST", "/__sandbox/sessions/hooks/weavr/consumers/"+ninaID+"/deactivate", headers{"Content-Type", "application/json"}, `{"reasonCode":"ACCOUNT_CLOSURE"}`); r.Status != 200 {
		t.Fatalf("deactivate: %d %s", r.Status, r.Body)
	}
	if r := s.raw("POST", "/__sandbox/sessions/hooks/weavr/consumers/"+ninaID+"/kyc", headers{"Content-Type", "application/json"}, `{"status":"DONE"}`); r.Status != 400 {
		t.Fatalf("kyc with an unknown status: %d %s", r.Status, r.Body)
	}

	want := s.events.of(sess.Name)
	if len(want) != 3 {
		t.Fatalf("published %v", eventBodies(want))
	}
	got := rcv.Wait(t, 3)
	byBody := map[string]sandboxtest.Delivery{}
	for _, d := range got {
		if d.SignatureErr != nil {
			t.Errorf("delivery %s: %v", d.Path, d.SignatureErr)
		}
		byBody[d.Path+" "+string(d.Body)] = d
	}
	for _, ev := range want {
		d, ok := byBody[ev.Path+" "+string(ev.Body)]
		if !ok {
			t.Errorf("event %s %s not delivered (got %d deliveries)", ev.Path, ev.Body, len(got))
			continue
		}
		if d.Header.Get("call-ref") == "" || d.Header.Get("Content-Type") != "application/json" {
			t.Errorf("delivery headers %v", d.Header)
		}
	}
}

// TestAccessWebhooksDeliveredSigned: the SMS enrolment and the step-up
// publish /authentication_factors/watch and /stepup/watch, delivered
// signed like every Weavr webhook and valid against Weavr's webhooks
// document (the receiver checks each body).
func TestAccessWebhooksDeliveredSigned(t *testing.T) {
	s := newSandbox(t)
	rcv := s.sb.Receiver(t, sandboxtest.WithVerifier(func(h http.Header, b []byte) error { return weavr.VerifySignature(h, b, apiKey) }))
	sess := s.sb.Session("access-hooks")
	if err := sess.SetWebhookURL(rcv.URL); err != nil {
		t.Fatal(err)
	}
	in := func(tok string) headers { return append(std(tok), "X-Sandbox-Session", sess.Name) }
	r := s.do("POST", "/multi/login_with_password", in(""), `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`)
	tok := r.JSON(t)["token"].(string)
	for _, c := range []struct{ path, body string }{
		{"/multi/authentication_factors/otp/SMS", ""},
		{"/multi/authentication_factors/otp/SMS/verify", `{"verificationCode":"123456"}`},
		{"/multi/stepup/challenges/otp/SMS", ""},
		{"/multi/stepup/challenges/otp/SMS/verify", `{"verificationCode":"123456"}`},
	} {
		expect(t, s.do("POST", c.path, in(tok), c.body), 204, "")
	}
	got := rcv.Wait(t, 2)
	paths := map[string]bool{}
	for _, d := range got {
		if d.SignatureErr != nil {
			t.Errorf("delivery %s: %v", d.Path, d.SignatureErr)
		}
		paths[d.Path] = true
	}
	for _, p := range []string{weavr.EventAuthFactors, weavr.EventStepUp} {
		if !paths[p] {
			t.Errorf("no delivery of %s (got %v)", p, paths)
		}
	}
}
