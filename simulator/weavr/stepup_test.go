package weavr_test

import (
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

const (
	stepUp     = "/multi/stepup/challenges/otp/SMS"
	stepUpDone = "/multi/stepup/challenges/otp/SMS/verify"
)

// enrolled logs alice in and enrols her on SMS OTP.
func (s *sandbox) enrolled(t *testing.T) string {
	t.Helper()
	tok := s.login("alice@example.com")
	s.run(t, tok, []step{{"POST", enrol, "", 204, ""}, {"POST", enrolDone, code, 204, ""}})
	return tok
}

// TestStepUp: each sequence runs on a fresh sandbox as alice, enrolled
// on SMS OTP, and answers exactly what Weavr documents for its state.
func TestStepUp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"challenge and verify", []step{
			{"POST", stepUp, "", 204, ""},
			{"POST", stepUpDone, code, 204, ""},
			{"POST", stepUpDone, code, 409, conflict("ALREADY_VERIFIED")},
		}},
		{"verify with no challenge", []step{{"POST", stepUpDone, code, 409, conflict("STATE_INVALID")}}},
		{"a second challenge too soon", []step{
			{"POST", stepUp, "", 204, ""},
			{"POST", stepUp, "", 409, conflict("RETRY_IN_15SEC")},
		}},
		{"a verified challenge does not block the next", []step{
			{"POST", stepUp, "", 204, ""},
			{"POST", stepUpDone, code, 204, ""},
			{"POST", stepUp, "", 204, ""},
		}},
		{"attempts run out", []step{
			{"POST", stepUp, "", 204, ""},
			{"POST", stepUpDone, wrongCode, 409, conflict("VERIFICATION_CODE_INVALID")},
			{"POST", stepUpDone, wrongCode, 409, conflict("ONE_CHALLENGE_LIMIT_REMAINING")},
			{"POST", stepUpDone, wrongCode, 409, conflict("CHALLENGE_LIMIT_EXCEEDED")},
			{"POST", stepUpDone, code, 409, conflict("CHALLENGE_LIMIT_EXCEEDED")},
			{"POST", stepUp, "", 204, ""}, // an ended challenge blocks nothing
			{"POST", stepUpDone, code, 204, ""},
		}},
		{"unknown channel", []step{{"POST", "/multi/stepup/challenges/otp/EMAIL", "", 400, invalid + `{"params":[],"fieldName":"channel","error":"IN"}]}}`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			s.run(t, s.enrolled(t), tc.steps)
		})
	}
}

// TestStepUpBeforeEnrolment: without SMS OTP both calls are
// CHANNEL_NOT_REGISTERED.
func TestStepUpBeforeEnrolment(t *testing.T) {
	s := newSandbox(t)
	s.run(t, s.login("alice@example.com"), []step{
		{"POST", stepUp, "", 409, conflict("CHANNEL_NOT_REGISTERED")},
		{"POST", stepUpDone, code, 409, conflict("CHANNEL_NOT_REGISTERED")},
	})
}

// TestStepUpToken: a challenge belongs to the login it was issued to
// (another login's verify is STATE_INVALID); once verified the token is
// stepped up (an access token acquired with it is STEPPED_UP, one of
// another login STANDARD); the wait, the expiry and the events follow
// the clock.
func TestStepUpToken(t *testing.T) {
	s := newSandbox(t, withSettings(func(w *weavr.Settings) { w.TokenTTL = time.Hour }))
	tok := s.enrolled(t)
	other := s.login("alice@example.com")
	expect(t, s.do("POST", stepUp, std(tok), ""), 204, "")
	expect(t, s.do("POST", stepUpDone, std(other), code), 409, conflict("STATE_INVALID"))
	s.clock.Advance(15 * time.Second)
	expect(t, s.do("POST", stepUp, std(tok), ""), 204, "") // the wait is over
	expect(t, s.do("POST", stepUpDone, std(tok), code), 204, "")
	status := func(tok string) any {
		return s.do("POST", accessToken, std(tok), aliceIdent).JSON(t)["status"]
	}
	if got := status(tok); got != "STEPPED_UP" {
		t.Errorf("access token of the stepped-up token: %v", got)
	}
	if got := status(other); got != "STANDARD" {
		t.Errorf("access token of another login: %v", got)
	}

	expect(t, s.do("POST", stepUp, std(other), ""), 204, "")
	s.clock.Advance(5*time.Minute + time.Nanosecond)
	expect(t, s.do("POST", stepUpDone, std(other), code), 409, conflict("VERIFICATION_CODE_EXPIRED"))
	expect(t, s.do("POST", stepUpDone, std(other), code), 409, conflict("VERIFICATION_CODE_EXPIRED"))

	var got []string
	for _, ev := range s.events.of(session.Default) {
		if ev.Path == weavr.EventStepUp {
			got = append(got, string(ev.Body))
		}
	}
	want := []string{
		`{"credential":{"type":"ROOT","id":"` + aliceID + `"},"identity":{"type":"CONSUMER","id":"` + aliceID + `"},"challengeId":"1772366415000000000","type":"SMS_OTP","status":"VERIFIED","publishedTimestamp":"1772366415000"}`,
		`{"credential":{"type":"ROOT","id":"` + aliceID + `"},"identity":{"type":"CONSUMER","id":"` + aliceID + `"},"challengeId":"1772366415000000001","type":"SMS_OTP","status":"EXPIRED","publishedTimestamp":"1772366715000"}`,
	}
	if len(got) != len(want) {
		t.Fatalf("step-up events %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d\n got  %s\n want %s", i, got[i], want[i])
		}
	}
}
