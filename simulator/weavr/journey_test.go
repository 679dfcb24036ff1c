package weavr_test

import (
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/internal/oascheck"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// nina is a valid ConsumerCreateRequest (the acceptance walkthrough's).
const nina = `{"profileId":"110546000000000001","rootUser":{"name":"Nina","surname":"Webb","email":"nina.webb@example.com",` +
	`"mobile":{"countryCode":"+356","number":"79990001"},"dateOfBirth":{"year":1991,"month":5,"day":6},` +
	`"address":{"addressLine1":"2 Main St","city":"Valletta","postCode":"VLT1000","country":"MT"}},` +
	`"ipAddress":"192.0.2.44","acceptedTerms":true,"baseCurrency":"EUR"}`

// ninaID is the id of a session's first created consumer.
const ninaID = "110546000100000001"

func (s *sandbox) create(body string) result {
	s.t.Helper()
	return s.do("POST", "/multi/consumers", std(""), body)
}

// TestConsumerJourney walks Weavr's onboarding end to end on a consumer
// the test creates: create, password, login, email send and verify, KYC
// start, the simulator's approval, KYC status, logout. Every answer is
// checked against the vendor document (sb.Do) and the events published
// are exactly the two KYC events, each a valid signed delivery.
func TestConsumerJourney(t *testing.T) {
	s := newSandbox(t)
	r := s.create(nina)
	expectStatus(t, r, 200)
	golden(t, "create_nina", r.Body)
	if id := r.JSON(t)["id"].(map[string]any)["id"]; id != ninaID {
		t.Fatalf("id %v, want %s", id, ninaID)
	}
	login := `{"email":"nina.webb@example.com","password":{"value":"Pa55word!"}}`
	expect(t, s.do("POST", "/multi/login_with_password", std(""), login), 403, "") // no password yet

	r = s.do("POST", "/multi/passwords/"+ninaID+"/create", std(""), `{"password":{"value":"Pa55word!"}}`)
	expectStatus(t, r, 200)
	body := r.JSON(t)
	if info := body["passwordInfo"].(map[string]any); info["expiryDate"] != 0.0 ||
		info["identityId"].(map[string]any)["id"] != ninaID || body["token"] == "" {
		t.Errorf("password create: %s", r.Body)
	}
	expectStatus(t, s.get(body["token"].(string)), 200) // the answered token works
	expect(t, s.do("POST", "/multi/passwords/"+ninaID+"/create", std(""), `{"password":{"value":"Pa55word!2"}}`), 409, `{"errorCode":"PASSWORD_ALREADY_CREATED"}`)

	r = s.do("POST", "/multi/login_with_password", std(""), login)
	expectStatus(t, r, 200)
	tok := r.JSON(t)["token"].(string)
	expect(t, s.do("POST", "/multi/consumers/kyc", std(tok), `{}`), 409, `{"errorCode":"EMAIL_UNVERIFIED"}`)

	expect(t, s.do("POST", "/multi/consumers/verification/email/send", std(tok), `{"email":"nina.webb@example.com"}`), 204, "")
	expect(t, s.do("POST", "/multi/consumers/verification/email/verify", std(tok), `{"email":"nina.webb@example.com","verificationCode":"123456"}`), 204, "")
	expect(t, s.do("POST", "/multi/consumers/verification/email/send", std(""), `{"email":"nina.webb@example.com"}`), 409, `{"errorCode":"ALREADY_VERIFIED"}`)

	expect(t, s.do("GET", "/multi/consumers/kyc", std(tok), ""), 200, `{"fullDueDiligence":"NOT_STARTED","ongoingFullDueDiligence":"NOT_STARTED"}`)
	start := `{"reference":"` + ninaID + `01","kycLevel":"KYC_LEVEL_2"}`
	expect(t, s.do("POST", "/multi/consumers/kyc", std(tok), `{}`), 200, start)
	expect(t, s.do("POST", "/multi/consumers/kyc", std(tok), ``), 200, start) // again: same reference, no event
	expect(t, s.do("GET", "/multi/consumers/kyc", std(tok), ""), 200,
		`{"fullDueDiligence":"INITIATED","kycLevel":"KYC_LEVEL_2","ongoingFullDueDiligence":"INITIATED","ongoingKycLevel":"KYC_LEVEL_2"}`)

	s.clock.Advance(90 * time.Millisecond) // the APPROVED event carries its own time
	expect(t, s.do("POST", "/simulate/api/consumers/"+ninaID+"/verify", headers{"programme-key", apiKey}, ""), 204, "")
	expect(t, s.do("POST", "/simulate/api/consumers/"+ninaID+"/verify", headers{"programme-key", apiKey}, ""), 204, "") // no second event
	expect(t, s.do("GET", "/multi/consumers/kyc", std(tok), ""), 200,
		`{"fullDueDiligence":"APPROVED","kycLevel":"KYC_LEVEL_2","ongoingFullDueDiligence":"APPROVED","ongoingKycLevel":"KYC_LEVEL_2"}`)
	expect(t, s.do("POST", "/multi/consumers/kyc", std(tok), `{}`), 409, `{"errorCode":"KYC_ALREADY_APPROVED"}`)
	expect(t, s.patch(tok, `{"surname":"Webber"}`), 409, `{"errorCode":"CONSUMER_VERIFIED"}`) // locked like a fixture's
	r = s.get(tok)
	expectStatus(t, r, 200)
	golden(t, "get_nina_approved", r.Body)

	expect(t, s.do("POST", "/multi/logout", std(tok), ""), 204, "")
	expect(t, s.get(tok), 401, "")
	expect(t, s.do("POST", "/multi/logout", std(tok), ""), 401, "")

	kyc := func(status, ts string) string {
		return `{"consumerId":"` + ninaID + `","consumerEmail":"nina.webb@example.com","status":"` + status + `","details":[],"rejectionComment":"",` +
			`"kycLevel":"KYC_LEVEL_2","ongoingStatus":"` + status + `","ongoingKycLevel":"KYC_LEVEL_2","eventTimestamp":"` + ts + `"}`
	}
	expectEvents(t, s.events.of("default"),
		event{weavr.EventKYC, kyc("INITIATED", "1772366400000")},
		event{weavr.EventKYC, kyc("APPROVED", "1772366400090")})
}

// event is an expected event: its path and exact body.
type event struct{ path, body string }

// expectEvents checks the events, in order: path, exact body, the
// programme's API key as secret and the consumer as subject; and that
// each, signed by Sign, is a delivery Weavr's webhooks document allows
// whose signatures VerifySignature accepts.
func expectEvents(t *testing.T, got []contract.Event, want ...event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d: %v", len(got), len(want), eventBodies(got))
	}
	for i, ev := range got {
		if ev.Path != want[i].path || string(ev.Body) != want[i].body {
			t.Errorf("event %d:\n got  %s %s\n want %s %s", i, ev.Path, ev.Body, want[i].path, want[i].body)
		}
		checkDelivery(t, ev)
	}
}

func eventBodies(evs []contract.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Path+" "+string(ev.Body))
	}
	return out
}

// webhookDoc is Weavr's webhooks document as a delivery checker, parsed
// once for the whole test binary.
var webhookDoc = sync.OnceValues(func() (*oascheck.Webhooks, error) {
	raw, err := os.ReadFile("openapi/weavr-webhooks-openapi.yml")
	if err != nil {
		return nil, err
	}
	return oascheck.NewWebhooks(raw)
})

// checkDelivery validates ev as delivered: headers from Sign, path and
// body against the webhooks document, signatures by VerifySignature, and
// the secret and subject Weavr's events carry.
func checkDelivery(t *testing.T, ev contract.Event) {
	t.Helper()
	doc, err := webhookDoc()
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	weavr.Sign(h, "call-"+ev.Subject, ev.Body, t0, ev.Secret)
	if v := doc.Check(ev.Path, h, ev.Body); v != nil {
		t.Errorf("event %s %s breaks the webhooks document: %s", ev.Path, ev.Body, strings.Join(v, "; "))
	}
	if err := weavr.VerifySignature(h, ev.Body, ev.Secret); err != nil {
		t.Errorf("event %s: %v", ev.Path, err)
	}
	if ev.Secret != apiKey && ev.Secret != apiKey2 {
		t.Errorf("event %s signed with %q, not a programme's API key", ev.Path, ev.Secret)
	}
	if !strings.Contains(string(ev.Body), ev.Subject) && ev.Path == weavr.EventKYC {
		t.Errorf("event %s: subject %s is not its consumer", ev.Path, ev.Subject)
	}
}
