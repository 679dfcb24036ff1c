package weavr_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

const (
	aliceID = "110546000000000101"
	bobID   = "110546000000000102"
	carolID = "110546000000000103"
	erinID  = "110546000000000105"
	graceID = "110546000000000107"
)

func (s *sandbox) kyc(token string) result {
	s.t.Helper()
	return s.do("GET", "/multi/consumers/kyc", std(token), "")
}

func (s *sandbox) startKYC(token, body string) result {
	s.t.Helper()
	return s.do("POST", "/multi/consumers/kyc", std(token), body)
}

// kycBody is the KycEvent of a consumer, as the sandbox publishes it.
func kycBody(id, email, status, details, comment string) string {
	return `{"consumerId":"` + id + `","consumerEmail":"` + email + `","status":"` + status + `","details":` + details +
		`,"rejectionComment":"` + comment + `","kycLevel":"KYC_LEVEL_2","ongoingStatus":"` + status +
		`","ongoingKycLevel":"KYC_LEVEL_2","eventTimestamp":"1772366400000"}`
}

func TestKYCStartAndGet(t *testing.T) {
	s := newSandbox(t)
	bob, carol, grace := s.login("bob@example.com"), s.login("carol@example.com"), s.login("grace@example.com")
	expect(t, s.kyc(bob), 200, `{"fullDueDiligence":"APPROVED","kycLevel":"KYC_LEVEL_2","ongoingFullDueDiligence":"APPROVED","ongoingKycLevel":"KYC_LEVEL_2"}`)
	expect(t, s.startKYC(bob, `{}`), 409, `{"errorCode":"KYC_ALREADY_APPROVED"}`)
	expect(t, s.startKYC(grace, `{}`), 409, `{"errorCode":"EMAIL_UNVERIFIED"}`)
	expect(t, s.kyc(grace), 200, `{"fullDueDiligence":"NOT_STARTED","ongoingFullDueDiligence":"NOT_STARTED"}`)
	expect(t, s.startKYC(carol, `{"kycLevel":"KYC_LEVEL_3"}`), 400, invalidBody("", "kycLevel", "IN"))
	expect(t, s.startKYC(carol, `{"prefillDetails":"x"}`), 400, `{"message":"Invalid request: prefillDetails must be an array, got string"}`)
	expect(t, s.startKYC(carol, `{"prefillDetails":[{"name":1}]}`), 400, `{"message":"Invalid request: prefillDetails.name must be a string, got number"}`)
	expect(t, s.do("POST", "/multi/consumers/kyc", headers{"api-key", apiKey2, "Authorization", "Bearer " + carol}, `{}`), 403, `{"errorCode":"INSUFFICIENT_PERMISSIONS"}`)
	expect(t, s.kyc("nope"), 401, "")
	if evs := s.events.of(session.Default); len(evs) != 0 {
		t.Fatalf("refused starts published %v", eventBodies(evs))
	}
	expect(t, s.startKYC(carol, `{"kycLevel":"KYC_LEVEL_1","prefillDetails":[{"name":"firstName","value":"Carol"}]}`), 200,
		`{"reference":"`+carolID+`01","kycLevel":"KYC_LEVEL_1"}`)
	expect(t, s.kyc(carol), 200, `{"fullDueDiligence":"INITIATED","kycLevel":"KYC_LEVEL_1","ongoingFullDueDiligence":"INITIATED","ongoingKycLevel":"KYC_LEVEL_1"}`)
	expectEvents(t, s.events.of(session.Default), event{weavr.EventKYC,
		strings.ReplaceAll(kycBody(carolID, "carol@example.com", "INITIATED", "[]", ""), "KYC_LEVEL_2", "KYC_LEVEL_1")})

	// The compliance team's later decisions block a new start.
	for _, sc := range [][2]string{{"PENDING_REVIEW", "KYC_PENDING_REVIEW"}, {"REJECTED", "KYC_REJECTED"}, {"APPROVED", "KYC_ALREADY_APPROVED"}} {
		status, code := sc[0], sc[1]
		if _, err := s.act(session.Default, carolID, weavr.ActionKYC, `{"status":"`+status+`"}`); err != nil {
			t.Fatal(err)
		}
		expect(t, s.startKYC(carol, ``), 409, `{"errorCode":"`+code+`"}`)
		expect(t, s.kyc(carol), 200, `{"fullDueDiligence":"`+status+`","kycLevel":"KYC_LEVEL_1","ongoingFullDueDiligence":"`+status+`","ongoingKycLevel":"KYC_LEVEL_1"}`)
	}
	// Approved through the control API: the identity is locked.
	expect(t, s.patch(carol, `{"name":"Caroline"}`), 409, `{"errorCode":"CONSUMER_VERIFIED"}`)
}

// TestFreshFixtureStartsKYC: alice, the fresh fixture, has her email
// verified, so she can log in and start KYC at once; the start publishes
// the INITIATED KycEvent.
func TestFreshFixtureStartsKYC(t *testing.T) {
	s := newSandbox(t)
	alice := s.login("alice@example.com")
	expect(t, s.kyc(alice), 200, `{"fullDueDiligence":"NOT_STARTED","ongoingFullDueDiligence":"NOT_STARTED"}`)
	expect(t, s.startKYC(alice, `{}`), 200, `{"reference":"`+aliceID+`01","kycLevel":"KYC_LEVEL_2"}`)
	expect(t, s.kyc(alice), 200, `{"fullDueDiligence":"INITIATED","kycLevel":"KYC_LEVEL_2","ongoingFullDueDiligence":"INITIATED","ongoingKycLevel":"KYC_LEVEL_2"}`)
	expectEvents(t, s.events.of(session.Default), event{weavr.EventKYC, kycBody(aliceID, "alice@example.com", "INITIATED", "[]", "")})
}

// TestKYCStartAfterEmailVerified: grace's email is not verified, so her
// start is refused until she verifies it; then it starts.
func TestKYCStartAfterEmailVerified(t *testing.T) {
	s := newSandbox(t)
	grace := s.login("grace@example.com")
	expect(t, s.startKYC(grace, `{}`), 409, `{"errorCode":"EMAIL_UNVERIFIED"}`)
	expect(t, s.do("POST", send, std(grace), `{"email":"grace@example.com"}`), 204, "")
	expect(t, s.do("POST", "/multi/consumers/verification/email/verify", std(grace), `{"email":"grace@example.com","verificationCode":"123456"}`), 204, "")
	expect(t, s.startKYC(grace, `{}`), 200, `{"reference":"`+graceID+`01","kycLevel":"KYC_LEVEL_2"}`)
	expectEvents(t, s.events.of(session.Default), event{weavr.EventKYC, kycBody(graceID, "grace@example.com", "INITIATED", "[]", "")})
}

func TestKYCAction(t *testing.T) {
	s := newSandbox(t)
	alice := s.login("alice@example.com")
	v, err := s.act(session.Default, aliceID, weavr.ActionKYC,
		`{"status":"REJECTED","details":["DOCUMENTS_UNSATISFACTORY","SELFIE_UNSATISFACTORY"],"rejectionComment":"The photo is blurred"}`)
	if err != nil {
		t.Fatal(err)
	}
	view := v.(weavr.SandboxConsumer)
	if want, _ := s.consumerView(aliceID); !jsonEqual(mustJSON(t, view), mustJSON(t, want)) {
		t.Errorf("action answered %s, the collection shows %s", mustJSON(t, view), mustJSON(t, want))
	}
	if k := view.KYC; k.Status != weavr.KYCRejected || len(k.Details) != 2 || k.RejectionComment != "The photo is blurred" || view.KYCApproved {
		t.Errorf("view %+v", view)
	}
	// The same decision again is no change: no second event.
	if _, err := s.act(session.Default, aliceID, weavr.ActionKYC,
		`{"status":"REJECTED","details":["DOCUMENTS_UNSATISFACTORY","SELFIE_UNSATISFACTORY"],"rejectionComment":"The photo is blurred"}`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.act(session.Default, aliceID, weavr.ActionKYC, `{"status":"INITIATED"}`); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, s.events.of(session.Default),
		event{weavr.EventKYC, kycBody(aliceID, "alice@example.com", "REJECTED", `["DOCUMENTS_UNSATISFACTORY","SELFIE_UNSATISFACTORY"]`, "The photo is blurred")},
		event{weavr.EventKYC, kycBody(aliceID, "alice@example.com", "INITIATED", "[]", "")})
	expect(t, s.kyc(alice), 200, `{"fullDueDiligence":"INITIATED","kycLevel":"KYC_LEVEL_2","ongoingFullDueDiligence":"INITIATED","ongoingKycLevel":"KYC_LEVEL_2"}`)

	statuses := "INITIATED, PENDING_REVIEW, APPROVED, REJECTED"
	for _, tt := range []struct {
		name, id, body string
		status         int
		msg            string
	}{
		{"unknown consumer", "999", `{"status":"APPROVED"}`, 404, `weavr: no consumer "999" in session default`},
		{"unknown status", aliceID, `{"status":"DONE"}`, 400, `weavr: status "DONE": want one of ` + statuses},
		{"NOT_STARTED is no decision", aliceID, `{"status":"NOT_STARTED"}`, 400, `weavr: status "NOT_STARTED": want one of ` + statuses},
		{"no status", aliceID, `{"details":[]}`, 400, `weavr: status "": want one of ` + statuses},
		{"unknown detail", aliceID, `{"status":"REJECTED","details":["PEP_STATUS","BAD_HAIR"]}`, 400, `weavr: details[1] "BAD_HAIR": want one of UNDEFINED_KYC_FAILURE_REASON,`},
		{"no body", aliceID, ``, 400, "weavr: a JSON body is required"},
		{"unknown property", aliceID, `{"status":"APPROVED","comment":"x"}`, 400, `weavr: body: json: unknown field "comment"`},
		{"not JSON", aliceID, `{"status":`, 400, "weavr: body:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			_, err := s.act(session.Default, tt.id, weavr.ActionKYC, tt.body)
			expectActionError(t, err, tt.status, tt.msg)
		})
	}
	s.t = t
	if n := len(s.events.of(session.Default)); n != 2 {
		t.Errorf("refused actions published: %d events", n)
	}
}

func TestDeactivateAndActivate(t *testing.T) {
	s := newSandbox(t)
	tok := s.login("carol@example.com")
	v, err := s.act(session.Default, carolID, weavr.ActionDeactivate, `{"reasonCode":"TEMPORARY"}`)
	if err != nil {
		t.Fatal(err)
	}
	if view := v.(weavr.SandboxConsumer); view.Active || !strings.Contains(string(view.Consumer), `"active":false`) {
		t.Errorf("view %+v", view)
	}
	expect(t, s.get(tok), 401, "")
	expect(t, s.do("POST", "/multi/login_with_password", std(""), `{"email":"carol@example.com","password":{"value":"Passw0rd!"}}`), 403, "")
	if _, err := s.act(session.Default, carolID, weavr.ActionDeactivate, `{"reasonCode":"ACCOUNT_REVIEW"}`); err != nil { // already inactive: no event
		t.Fatal(err)
	}
	if _, err := s.act(session.Default, carolID, weavr.ActionActivate, ``); err != nil {
		t.Fatal(err)
	}
	if _, err := s.act(session.Default, carolID, weavr.ActionActivate, `{"actionDoneBy":"INNOVATOR"}`); err != nil { // already active: no event
		t.Fatal(err)
	}
	expect(t, s.get(tok), 401, "") // deactivation ended the old token
	expectStatus(t, s.get(s.login("carol@example.com")), 200)

	// erin is inactive in the fixtures: activation lets her log in.
	if _, err := s.act(session.Default, erinID, weavr.ActionActivate, `{"actionDoneBy":"INNOVATOR"}`); err != nil {
		t.Fatal(err)
	}
	s.login("erin@example.com")
	if _, err := s.act(session.Default, erinID, weavr.ActionDeactivate, ``); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, s.events.of(session.Default),
		event{weavr.EventConsumerDeactivated, `{"actionDoneBy":"ADMIN","emailAddress":"carol@example.com","reasonCode":"TEMPORARY"}`},
		event{weavr.EventConsumerActivated, `{"actionDoneBy":"ADMIN","emailAddress":"carol@example.com"}`},
		event{weavr.EventConsumerActivated, `{"actionDoneBy":"INNOVATOR","emailAddress":"erin@example.com"}`},
		event{weavr.EventConsumerDeactivated, `{"actionDoneBy":"ADMIN","emailAddress":"erin@example.com","reasonCode":"UNDEFINED_REASON"}`})
	for _, ev := range s.events.of(session.Default) {
		if want := map[string]string{carolID: "carol", erinID: "erin"}[ev.Subject]; !strings.Contains(string(ev.Body), want) || want == "" {
			t.Errorf("event %s about %s", ev.Body, ev.Subject)
		}
	}

	reasons := "UNDEFINED_REASON, ACCOUNT_REVIEW, ACCOUNT_SECURITY, TEMPORARY, ACCOUNT_CLOSURE, ACCOUNT_ABANDONED"
	for _, tt := range []struct {
		name, id, action, body string
		status                 int
		msg                    string
	}{
		{"unknown reason", carolID, weavr.ActionDeactivate, `{"reasonCode":"BORED"}`, 400, `weavr: reasonCode "BORED": want one of ` + reasons},
		{"unknown actor", carolID, weavr.ActionDeactivate, `{"actionDoneBy":"ROBOT"}`, 400, `weavr: actionDoneBy "ROBOT": want one of UNDEFINED, ADMIN, INNOVATOR`},
		{"activation has no reason", carolID, weavr.ActionActivate, `{"reasonCode":"TEMPORARY"}`, 400, "weavr: reasonCode: only deactivate takes a reason"},
		{"unknown consumer", "1", weavr.ActionDeactivate, ``, 404, `weavr: no consumer "1" in session default`},
		{"unknown consumer to activate", "1", weavr.ActionActivate, ``, 404, `weavr: no consumer "1" in session default`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			_, err := s.act(session.Default, tt.id, tt.action, tt.body)
			expectActionError(t, err, tt.status, tt.msg)
		})
	}
}

// TestEventsBelongToTheirSession: an action in one session publishes in
// that session only, and changes nothing in another.
func TestEventsBelongToTheirSession(t *testing.T) {
	s := newSandbox(t)
	if _, err := s.act("other", bobID, weavr.ActionDeactivate, ``); err != nil {
		t.Fatal(err)
	}
	s.login("bob@example.com")
	if n := len(s.events.of(session.Default)); n != 0 {
		t.Errorf("%d events in the default session", n)
	}
	expectEvents(t, s.events.of("other"),
		event{weavr.EventConsumerDeactivated, `{"actionDoneBy":"ADMIN","emailAddress":"bob@example.com","reasonCode":"UNDEFINED_REASON"}`})
}

// TestVendorDeclaresItsWebhooks: the five consumer events (KYC, activation,
// deactivation, enrolment, step-up), each a path of
// the webhooks document, signed by Sign; the actions are declared on the
// consumers collection.
func TestVendorDeclaresItsWebhooks(t *testing.T) {
	s := newSandbox(t)
	var v *contract.Vendor
	for _, vv := range s.sb.Server.Vendors() {
		if vv.Name == weavr.Vendor {
			v = vv
		}
	}
	if v.Webhooks == nil || v.Webhooks.Sign == nil || len(v.Webhooks.Events) != 5 {
		t.Fatalf("webhooks %+v", v.Webhooks)
	}
	for _, e := range v.Webhooks.Events {
		h := http.Header{}
		v.Webhooks.Sign(h, "ref", []byte(`{}`), t0, apiKey)
		if h.Get("published-timestamp") != "1772366400000" || h.Get("signature-v2") == "" || h.Get("signature") == "" || h.Get("call-ref") != "ref" {
			t.Errorf("signed headers %v", h)
		}
		doc, err := webhookDoc()
		if err != nil {
			t.Fatal(err)
		}
		if bad := doc.Check(e.Path, h, []byte(`{"consumerId":"x"}`)); bad == nil {
			t.Errorf("%s: an undocumented body passed, the path is not checked", e.Path)
		}
	}
	var names []string
	for _, a := range v.Data[0].Actions {
		names = append(names, a.Name)
		if a.Example != "" && !json.Valid([]byte(a.Example)) {
			t.Errorf("action %s example is not JSON", a.Name)
		}
	}
	if strings.Join(names, ",") != "kyc,deactivate,activate" {
		t.Errorf("actions %v", names)
	}
}

func expectActionError(t *testing.T, err error, status int, msg string) {
	t.Helper()
	var ae *contract.ActionError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v, want an ActionError", err)
	}
	if ae.Status != status || !strings.HasPrefix(ae.Msg, msg) {
		t.Errorf("%d %q, want %d %q", ae.Status, ae.Msg, status, msg)
	}
}

// consumerView is the collection's Get of a default-session consumer.
func (s *sandbox) consumerView(id string) (any, bool) {
	s.t.Helper()
	for _, v := range s.sb.Server.Vendors() {
		if v.Name == weavr.Vendor {
			return v.Data[0].Get(s.session(session.Default), id)
		}
	}
	return nil, false
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
