package simulator_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestReplicasShareIdentityAndAccess: the identity-and-access state lives
// in the shared backend, so a client whose calls alternate between two
// replicas gets one sandbox's answers: an access token acquired on one
// works on the other, an enrolment started on one is verified on the
// other, a step-up challenge issued on one is verified on the other (and
// the token stepped up there is STEPPED_UP on the first), a password
// reset started on one is resumed on the other, and a logout on one ends
// the token family on both.
func TestReplicasShareIdentityAndAccess(t *testing.T) {
	onBackends(t, func(t *testing.T, url string) {
		rs := newReplicas(t, url, 2)
		a, b := rs.sbs[0], rs.sbs[1]
		tok := login(t, a, "alice@example.com")
		h := func(tok string) []string {
			out := []string{"api-key", apiKey, "Content-Type", "application/json"}
			if tok != "" {
				out = append(out, "Authorization", "Bearer "+tok)
			}
			return out
		}
		ident := `{"identity":{"type":"CONSUMER","id":"110546000000000101"}}`
		st, _, body := sendTo(t, a, "POST", "/multi/access_token", ident, h(tok)...)
		var at struct{ Token, Status string }
		if err := json.Unmarshal(body, &at); st != 200 || err != nil {
			t.Fatalf("access token on A: %d %s", st, body)
		}
		steps := []struct {
			on           int
			method, path string
			tok, body    string
			status       int
		}{
			{1, "GET", "/multi/consumers", at.Token, "", 200},
			{1, "POST", "/multi/authentication_factors/otp/SMS", at.Token, "", 204},
			{0, "POST", "/multi/authentication_factors/otp/SMS/verify", at.Token, `{"verificationCode":"000000"}`, 409},
			{1, "POST", "/multi/authentication_factors/otp/SMS/verify", at.Token, `{"verificationCode":"123456"}`, 204},
			{0, "POST", "/multi/stepup/challenges/otp/SMS", at.Token, "", 204},
			{1, "POST", "/multi/stepup/challenges/otp/SMS", at.Token, "", 409}, // RETRY_IN_15SEC
			{1, "POST", "/multi/stepup/challenges/otp/SMS/verify", at.Token, `{"verificationCode":"123456"}`, 204},
			{0, "POST", "/multi/stepup/challenges/otp/SMS/verify", at.Token, `{"verificationCode":"123456"}`, 409}, // ALREADY_VERIFIED
			{0, "POST", "/multi/passwords/lost_password/start", "", `{"email":"alice@example.com"}`, 204},
			{1, "POST", "/multi/passwords/lost_password/resume", "", `{"email":"alice@example.com","nonce":"123456","newPassword":{"value":"Th1rd-Passw0rd!"}}`, 200},
			{0, "POST", "/multi/login_with_password", "", `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`, 403},
		}
		sbs := rs.sbs
		for i, s := range steps {
			if st, _, body := sendTo(t, sbs[s.on], s.method, s.path, s.body, h(s.tok)...); st != s.status {
				t.Fatalf("step %d %s %s on replica %d: %d %s, want %d", i, s.method, s.path, s.on, st, body, s.status)
			}
		}
		if _, _, body := sendTo(t, a, "POST", "/multi/access_token", ident, h(at.Token)...); !strings.Contains(string(body), `"status":"STEPPED_UP"`) {
			t.Errorf("access token of the stepped-up token on A: %s", body)
		}
		if st, _, _ := sendTo(t, b, "POST", "/multi/logout", "", h(tok)...); st != 204 {
			t.Fatalf("logout on B: %d", st)
		}
		for _, v := range []string{tok, at.Token} {
			if st, _, _ := sendTo(t, a, "GET", "/multi/consumers", "", h(v)...); st != 401 {
				t.Errorf("a token of the logged-out family on A: %d, want 401", st)
			}
		}
	})
}
