package weavr_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

const (
	factors   = "/multi/authentication_factors"
	enrol     = "/multi/authentication_factors/otp/SMS"
	enrolDone = "/multi/authentication_factors/otp/SMS/verify"
	code      = `{"verificationCode":"123456"}`
	wrongCode = `{"verificationCode":"000000"}`
)

func conflict(code string) string { return `{"errorCode":"` + code + `"}` }

func factorsBody(status string) string {
	if status == "" {
		return `{"factors":[]}`
	}
	return `{"factors":[{"type":"OTP","status":"` + status + `","channel":"SMS"}]}`
}

// step is one request of a sequence and its exact answer.
type step struct {
	method, path, body string
	status             int
	want               string
}

// run sends the steps in order with the token, each answer checked.
func (s *sandbox) run(t *testing.T, tok string, steps []step) {
	t.Helper()
	for i, st := range steps {
		r := s.do(st.method, st.path, std(tok), st.body)
		if r.Status != st.status || (st.want != "" || len(r.Body) > 0) && !jsonEqual(r.Body, []byte(st.want)) {
			t.Fatalf("step %d %s %s %s: %d %s, want %d %s", i, st.method, st.path, st.body, r.Status, r.Body, st.status, st.want)
		}
	}
}

// TestSMSEnrolment: each sequence runs against a fresh sandbox as alice
// (not enrolled) and answers exactly what Weavr documents for the state
// it reaches: 123456 enrols (the factor ACTIVE, the mobile verified),
// wrong codes count down to CHALLENGE_LIMIT_EXCEEDED (the factor
// INACTIVE), an old challenge is VERIFICATION_CODE_EXPIRED.
func TestSMSEnrolment(t *testing.T) {
	limited := []step{
		{"POST", enrolDone, wrongCode, 409, conflict("VERIFICATION_CODE_INVALID")},
		{"POST", enrolDone, wrongCode, 409, conflict("ONE_CHALLENGE_LIMIT_REMAINING")},
		{"POST", enrolDone, wrongCode, 409, conflict("CHALLENGE_LIMIT_EXCEEDED")},
		{"POST", enrolDone, code, 409, conflict("CHALLENGE_LIMIT_EXCEEDED")},
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"no factor before enrolment", []step{{"GET", factors, "", 200, factorsBody("")}}},
		{"enrol and verify", []step{
			{"POST", enrol, "", 204, ""},
			{"GET", factors, "", 200, factorsBody("PENDING_VERIFICATION")},
			{"POST", enrolDone, wrongCode, 409, conflict("VERIFICATION_CODE_INVALID")},
			{"POST", enrolDone, code, 204, ""},
			{"GET", factors, "", 200, factorsBody("ACTIVE")},
			{"POST", enrol, "", 409, conflict("CHANNEL_ALREADY_REGISTERED")},
			{"POST", enrolDone, code, 409, conflict("CHANNEL_ALREADY_REGISTERED")},
		}},
		{"verify before enrolment", []step{{"POST", enrolDone, code, 409, conflict("STATE_INVALID")}}},
		{"attempts run out", append(append([]step{{"POST", enrol, "", 204, ""}}, limited...),
			step{"GET", factors, "", 200, factorsBody("INACTIVE")},
			step{"POST", enrol, "", 204, ""}, // a new challenge starts over
			step{"GET", factors, "", 200, factorsBody("PENDING_VERIFICATION")},
			step{"POST", enrolDone, code, 204, ""})},
		{"unknown channel", []step{{"POST", "/multi/authentication_factors/otp/EMAIL", "", 400, invalid + `{"params":[],"fieldName":"channel","error":"IN"}]}}`}}},
		{"bad code", []step{{"POST", enrol, "", 204, ""}, {"POST", enrolDone, `{"verificationCode":"12345"}`, 400,
			invalid + `{"params":[],"fieldName":"verificationCode","error":"REGEX"}]}}`}}},
		{"no code", []step{{"POST", enrol, "", 204, ""}, {"POST", enrolDone, `{}`, 400,
			invalid + `{"params":[],"fieldName":"verificationCode","error":"REQUIRED"}]}}`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			s.run(t, s.login("alice@example.com"), tc.steps)
		})
	}
}

// TestSMSEnrolmentEdges: a push channel is CHANNEL_NOT_SUPPORTED (not a
// document path parameter value, so checked raw); a code past the expiry
// is VERIFICATION_CODE_EXPIRED; a verified enrolment verifies the mobile;
// no token is 401.
func TestSMSEnrolmentEdges(t *testing.T) {
	s := newSandbox(t, withSettings(func(w *weavr.Settings) { w.OTPExpiry, w.TokenTTL = time.Minute, time.Hour }))
	tok := s.login("alice@example.com")
	for _, ch := range []string{"AUTHY", "BIOMETRIC"} {
		expect(t, s.raw("POST", "/multi/authentication_factors/otp/"+ch, std(tok), ""), 409, conflict("CHANNEL_NOT_SUPPORTED"))
	}
	expectStatus(t, s.do("POST", enrol, std(""), ""), 401)
	expect(t, s.do("POST", enrol, std(tok), ""), 204, "")
	s.clock.Advance(time.Minute + time.Nanosecond)
	expect(t, s.do("POST", enrolDone, std(tok), code), 409, conflict("VERIFICATION_CODE_EXPIRED"))
	expect(t, s.do("POST", enrol, std(tok), ""), 204, "")
	if strings.Contains(string(s.get(tok).Body), `"mobileNumberVerified":true`) {
		t.Fatal("mobile verified before enrolment")
	}
	expect(t, s.do("POST", enrolDone, std(tok), code), 204, "")
	if !strings.Contains(string(s.get(tok).Body), `"mobileNumberVerified":true`) {
		t.Fatalf("mobile not verified by the enrolment: %s", s.get(tok).Body)
	}
	evs := s.events.of(session.Default)
	if len(evs) != 1 || evs[0].Path != weavr.EventAuthFactors ||
		string(evs[0].Body) != `{"credentialId":{"type":"ROOT","id":"`+aliceID+`"},"type":"SMS_OTP","status":"ACTIVE","publishedTimestamp":"1772366460000"}` {
		t.Fatalf("events %v", eventBodies(evs))
	}
}

// TestSMSEnrolmentDeclinedEvent: the wrong code that ends the challenge
// publishes /authentication_factors/watch INACTIVE, once.
func TestSMSEnrolmentDeclinedEvent(t *testing.T) {
	s := newSandbox(t)
	tok := s.login("alice@example.com")
	expect(t, s.do("POST", enrol, std(tok), ""), 204, "")
	for range 4 {
		expectStatus(t, s.do("POST", enrolDone, std(tok), wrongCode), 409)
	}
	evs := s.events.of(session.Default)
	if len(evs) != 1 || !strings.Contains(string(evs[0].Body), `"status":"INACTIVE"`) {
		t.Fatalf("events %v", eventBodies(evs))
	}
}

// TestSMSFactorInDataBrowser: the control API's consumer view shows the
// SMS OTP factor's status as GET /authentication_factors does.
func TestSMSFactorInDataBrowser(t *testing.T) {
	s := newSandbox(t)
	tok := s.login("alice@example.com")
	view := func() string {
		r := s.raw("GET", "/__sandbox/sessions/default/weavr/consumers/"+aliceID, nil, "")
		expectStatus(t, r, 200)
		v, _ := r.JSON(t)["smsOtp"].(string)
		return v
	}
	if v := view(); v != "" {
		t.Fatalf("smsOtp before enrolment: %q", v)
	}
	expect(t, s.do("POST", enrol, std(tok), ""), 204, "")
	if v := view(); v != "PENDING_VERIFICATION" {
		t.Fatalf("smsOtp after step one: %q", v)
	}
	expect(t, s.do("POST", enrolDone, std(tok), code), 204, "")
	if v := view(); v != "ACTIVE" {
		t.Fatalf("smsOtp after verification: %q", v)
	}
}
