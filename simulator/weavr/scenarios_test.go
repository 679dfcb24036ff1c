package weavr_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// journeyOp reports whether call knows the operation.
func journeyOp(id string) bool {
	switch id {
	case weavr.OpConsumerCreate, weavr.OpEmailSend, weavr.OpEmailVerify, weavr.OpPasswordCreate, weavr.OpLogout, weavr.OpKYCStart, weavr.OpKYCGet:
		return true
	}
	return slices.Contains(accessOps, id)
}

// accessOps are the identity-and-access operations.
var accessOps = []string{weavr.OpIdentities, weavr.OpAccessToken, weavr.OpAuthFactors, weavr.OpEnrolOTP, weavr.OpEnrolOTPVerify,
	weavr.OpStepUp, weavr.OpStepUpVerify, weavr.OpPasswordUpdate, weavr.OpPasswordValidate, weavr.OpLostPasswordStart, weavr.OpLostPasswordResume}

// callAccess sends a representative request of an identity-and-access
// operation (a scenario answers before the handler, so state does not
// matter).
func (s *sandbox) callAccess(op string, h ...string) (result, bool) {
	s.t.Helper()
	alice := func() headers { return append(std(s.login("alice@example.com")), h...) }
	switch op {
	case weavr.OpIdentities:
		return s.do("GET", "/multi/identities", alice(), ""), true
	case weavr.OpAccessToken:
		return s.do("POST", "/multi/access_token", alice(), `{"identity":{"type":"CONSUMER","id":"`+aliceID+`"}}`), true
	case weavr.OpAuthFactors:
		return s.do("GET", "/multi/authentication_factors", alice(), ""), true
	case weavr.OpEnrolOTP:
		return s.do("POST", "/multi/authentication_factors/otp/SMS", alice(), ""), true
	case weavr.OpEnrolOTPVerify:
		return s.do("POST", "/multi/authentication_factors/otp/SMS/verify", alice(), `{"verificationCode":"123456"}`), true
	case weavr.OpStepUp:
		return s.do("POST", "/multi/stepup/challenges/otp/SMS", alice(), ""), true
	case weavr.OpStepUpVerify:
		return s.do("POST", "/multi/stepup/challenges/otp/SMS/verify", alice(), `{"verificationCode":"123456"}`), true
	case weavr.OpPasswordUpdate:
		return s.do("POST", "/multi/passwords/update", alice(), `{"oldPassword":{"value":"Passw0rd!"},"newPassword":{"value":"N3w-Passw0rd!"}}`), true
	case weavr.OpPasswordValidate:
		return s.do("POST", "/multi/passwords/validate", append(std(""), h...), `{"password":{"value":"N3w-Passw0rd!"}}`), true
	case weavr.OpLostPasswordStart:
		return s.do("POST", "/multi/passwords/lost_password/start", append(std(""), h...), `{"email":"alice@example.com"}`), true
	case weavr.OpLostPasswordResume:
		return s.do("POST", "/multi/passwords/lost_password/resume", append(std(""), h...), `{"email":"alice@example.com","nonce":"123456","newPassword":{"value":"N3w-Passw0rd!"}}`), true
	}
	return result{}, false
}

// call sends a representative request of one of the journey's operations.
func (s *sandbox) call(op string, h ...string) result {
	s.t.Helper()
	switch op {
	case weavr.OpConsumerCreate:
		return s.do("POST", "/multi/consumers", append(std(""), h...), nina)
	case weavr.OpEmailSend:
		return s.do("POST", send, append(std(""), h...), `{"email":"grace@example.com"}`)
	case weavr.OpEmailVerify:
		return s.do("POST", "/multi/consumers/verification/email/verify", append(std(""), h...), `{"email":"alice@example.com","verificationCode":"123456"}`)
	case weavr.OpPasswordCreate:
		return s.do("POST", "/multi/passwords/"+aliceID+"/create", append(std(""), h...), `{"password":{"value":"Pa55word!"}}`)
	case weavr.OpLogout:
		return s.do("POST", "/multi/logout", append(std(s.login("carol@example.com")), h...), "")
	case weavr.OpKYCStart:
		return s.do("POST", "/multi/consumers/kyc", append(std(s.login("carol@example.com")), h...), `{}`)
	case weavr.OpKYCGet:
		return s.do("GET", "/multi/consumers/kyc", append(std(s.login("carol@example.com")), h...), "")
	}
	if r, ok := s.callAccess(op, h...); ok {
		return r
	}
	s.t.Fatalf("no request for %s", op)
	return result{}
}

// TestShippedScenariosOfTheJourney: every shipped scenario answering an
// error of the journey's operations, named by header, answers exactly
// the catalog's status and body (checked against the vendor document),
// and every operation-specific documented error (409, 404, 410) of those
// operations has one.
func TestShippedScenariosOfTheJourney(t *testing.T) {
	s := newSandbox(t)
	covered := map[string]bool{}
	for _, sc := range s.sb.Server.Scenarios().Set().All() {
		step := sc.Steps[0]
		if sc.Sequence || step.Error == nil || step.Fault != "" || !journeyOp(sc.Match.Operation) {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			s.t = t
			r := s.call(sc.Match.Operation, "X-Sandbox-Scenario", sc.Name)
			if r.Status != step.Error.Status || !bytes.Equal(r.Body, step.Error.Body) {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, step.Error.Status, step.Error.Body)
			}
			covered[sc.Match.Operation+" "+step.Error.Name] = true
		})
	}
	s.t = t
	for _, id := range append([]string{weavr.OpConsumerCreate, weavr.OpEmailSend, weavr.OpEmailVerify, weavr.OpPasswordCreate, weavr.OpKYCStart}, accessOps...) {
		op, ok := s.sb.Server.Scenarios().Operation(id)
		if !ok {
			t.Fatalf("no operation %s", id)
		}
		for _, e := range op.Errors {
			def, _ := s.sb.Server.Catalog().Lookup(weavr.Vendor + "." + e)
			if def.Status != 409 && def.Status != 404 && def.Status != 410 {
				continue
			}
			if !covered[id+" "+e] {
				t.Errorf("no shipped scenario answers %s with %s", id, e)
			}
		}
	}
}
