package weavr_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

const (
	pwUpdate   = "/multi/passwords/update"
	pwValidate = "/multi/passwords/validate"
	pwStart    = "/multi/passwords/lost_password/start"
	pwResume   = "/multi/passwords/lost_password/resume"
)

func pwBody(field, v string) string { return `{"` + field + `":{"value":"` + v + `"}}` }

func updateBody(old, pw string) string {
	return `{"oldPassword":{"value":"` + old + `"},"newPassword":{"value":"` + pw + `"}}`
}

func resumeBody(email, nonce, pw string) string {
	return `{"email":"` + email + `","nonce":"` + nonce + `","newPassword":{"value":"` + pw + `"}}`
}

// loginStatus is the status of a login with email and password.
func (s *sandbox) loginStatus(email, pw string) int {
	s.t.Helper()
	return s.do("POST", "/multi/login_with_password", std(""), `{"email":"`+email+`","password":{"value":"`+pw+`"}}`).Status
}

// TestPasswordValidate: SensitivePassword's rules for end users, with or
// without a token.
func TestPasswordValidate(t *testing.T) {
	s := newSandbox(t)
	tok := s.login("alice@example.com")
	for _, tc := range []struct {
		name, pw string
		status   int
		want     string
	}{
		{"good", "N3w-Passw0rd!", 204, ""},
		{"7 characters", "Aa1!aaa", 409, conflict("PASSWORD_TOO_SHORT")},
		{"8 characters", "Aa1!aaaa", 204, ""},
		{"30 characters", "Aa1!" + strings.Repeat("a", 26), 204, ""},
		{"31 characters", "Aa1!" + strings.Repeat("a", 27), 409, conflict("PASSWORD_TOO_LONG")},
		{"no upper case", "aa1!aaaa", 409, conflict("PASSWORD_TOO_SIMPLE")},
		{"no lower case", "AA1!AAAA", 409, conflict("PASSWORD_TOO_SIMPLE")},
		{"no digit", "Aaa!aaaa", 409, conflict("PASSWORD_TOO_SIMPLE")},
		{"no special", "Aa1aaaaa", 409, conflict("PASSWORD_TOO_SIMPLE")},
		{"101 characters", strings.Repeat("a", 101), 400, invalid + `{"params":["password"],"fieldName":"value","error":"SIZE"}]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, s.do("POST", pwValidate, std(""), pwBody("password", tc.pw)), tc.status, tc.want)
			expect(t, s.do("POST", pwValidate, std(tok), pwBody("password", tc.pw)), tc.status, tc.want)
		})
	}
	expect(t, s.do("POST", pwValidate, std(""), `{}`), 400, invalid+`{"params":[],"fieldName":"password","error":"REQUIRED"}]}}`)
	expectStatus(t, s.do("POST", pwValidate, std("nope"), pwBody("password", "N3w-Passw0rd!")), 401)
}

// TestPasswordUpdate: the old password must be the current one, the new
// one follows the rules and is none of the last 5; the answer carries a
// new token; the old password stops logging in, the new one does.
func TestPasswordUpdate(t *testing.T) {
	s := newSandbox(t)
	tok := s.login("alice@example.com")
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"wrong old password", updateBody("Wrong0ne!", "N3w-Passw0rd!"), 409, conflict("PASSWORD_INCORRECT")},
		{"too short", updateBody("Passw0rd!", "Aa1!"), 409, conflict("PASSWORD_TOO_SHORT")},
		{"too simple", updateBody("Passw0rd!", "password"), 409, conflict("PASSWORD_TOO_SIMPLE")},
		{"the current one", updateBody("Passw0rd!", "Passw0rd!"), 409, conflict("PASSWORD_ALREADY_USED")},
		{"no new password", `{"oldPassword":{"value":"Passw0rd!"}}`, 400, invalid + `{"params":[],"fieldName":"newPassword","error":"REQUIRED"}]}}`},
		{"no values", `{"oldPassword":{},"newPassword":{}}`, 400,
			invalid + `{"params":["oldPassword"],"fieldName":"value","error":"REQUIRED"},{"params":["newPassword"],"fieldName":"value","error":"REQUIRED"}]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, s.do("POST", pwUpdate, std(tok), tc.body), tc.status, tc.want)
		})
	}
	expectStatus(t, s.do("POST", pwUpdate, std(""), updateBody("Passw0rd!", "N3w-Passw0rd!")), 401)
	if n := s.loginStatus("alice@example.com", "Passw0rd!"); n != 200 {
		t.Fatalf("a refused update changed the password: login %d", n)
	}

	r := s.do("POST", pwUpdate, std(tok), updateBody("Passw0rd!", "N3w-Passw0rd!"))
	expectStatus(t, r, 200)
	nt, _ := r.JSON(t)["token"].(string)
	expect(t, r, 200, `{"passwordInfo":{"identityId":{"type":"CONSUMER","id":"`+aliceID+`"},"expiryDate":0},"token":"`+nt+`"}`)
	expectStatus(t, s.get(nt), 200)
	expectStatus(t, s.get(tok), 200)
	if a, b := s.loginStatus("alice@example.com", "Passw0rd!"), s.loginStatus("alice@example.com", "N3w-Passw0rd!"); a != 403 || b != 200 {
		t.Fatalf("after the update: old password %d, new %d", a, b)
	}
}

// TestPasswordHistory: the last 5 passwords (the current one and the 4
// before) are PASSWORD_ALREADY_USED; the sixth back may be used again.
func TestPasswordHistory(t *testing.T) {
	s := newSandbox(t)
	tok := s.login("alice@example.com")
	pws := []string{"Passw0rd!", "Pass1word!", "Pass2word!", "Pass3word!", "Pass4word!", "Pass5word!"}
	for i := 1; i < len(pws); i++ {
		expectStatus(t, s.do("POST", pwUpdate, std(tok), updateBody(pws[i-1], pws[i])), 200)
	}
	cur := pws[len(pws)-1]
	for _, used := range pws[1:] {
		expect(t, s.do("POST", pwUpdate, std(tok), updateBody(cur, used)), 409, conflict("PASSWORD_ALREADY_USED"))
	}
	expectStatus(t, s.do("POST", pwUpdate, std(tok), updateBody(cur, pws[0])), 200)
}

// TestLostPassword: start for an active user's email, then resume with
// 123456: the new password logs in, the old does not, the answer's token
// works and the nonce is spent; a wrong nonce, an email with no reset, an
// expired reset and a reused password are refused as documented.
func TestLostPassword(t *testing.T) {
	s := newSandbox(t, withSettings(func(w *weavr.Settings) { w.LostPasswordExpiry = time.Hour }))
	const alice = "alice@example.com"
	s.run(t, "", []step{
		{"POST", pwStart, `{"email":"nobody@example.com"}`, 409, conflict("ACCOUNT_NOT_FOUND")},
		{"POST", pwStart, `{"email":"abc"}`, 400, invalid + `{"params":[],"fieldName":"email","error":"REGEX"}]}}`},
		{"POST", pwResume, resumeBody(alice, "123456", "Th1rd-Passw0rd!"), 409, conflict("INVALID_NONCE_OR_EMAIL")},
		{"POST", pwStart, `{"email":"` + alice + `"}`, 204, ""},
		{"POST", pwResume, resumeBody(alice, "000000", "Th1rd-Passw0rd!"), 409, conflict("INVALID_NONCE_OR_EMAIL")},
		{"POST", pwResume, resumeBody("bob@example.com", "123456", "Th1rd-Passw0rd!"), 409, conflict("INVALID_NONCE_OR_EMAIL")},
		{"POST", pwResume, resumeBody("nobody@example.com", "123456", "Th1rd-Passw0rd!"), 409, conflict("INVALID_NONCE_OR_EMAIL")},
		{"POST", pwResume, resumeBody(alice, "123456", "Passw0rd!"), 409, conflict("PASSWORD_ALREADY_USED")},
		{"POST", pwResume, resumeBody(alice, "123456", "short"), 409, conflict("PASSWORD_TOO_SHORT")},
		{"POST", pwResume, resumeBody(alice, "12345", "Th1rd-Passw0rd!"), 400, invalid + `{"params":[],"fieldName":"nonce","error":"REGEX"}]}}`},
	})
	r := s.do("POST", pwResume, std(""), resumeBody(alice, "123456", "Th1rd-Passw0rd!"))
	expectStatus(t, r, 200)
	tok, _ := r.JSON(t)["token"].(string)
	expect(t, r, 200, `{"token":"`+tok+`"}`)
	expectStatus(t, s.get(tok), 200)
	if a, b := s.loginStatus(alice, "Passw0rd!"), s.loginStatus(alice, "Th1rd-Passw0rd!"); a != 403 || b != 200 {
		t.Fatalf("after the reset: old password %d, new %d", a, b)
	}
	expect(t, s.do("POST", pwResume, std(""), resumeBody(alice, "123456", "F0urth-Passw0rd!")), 409, conflict("INVALID_NONCE_OR_EMAIL"))

	expect(t, s.do("POST", pwStart, std(""), `{"email":"`+alice+`"}`), 204, "")
	s.clock.Advance(time.Hour + time.Nanosecond)
	expect(t, s.do("POST", pwResume, std(""), resumeBody(alice, "123456", "F0urth-Passw0rd!")), 410, `{"errorCode":"TOKEN_EXPIRED"}`)
}

// TestLostPasswordNotSet: a created consumer with no password yet is
// PASSWORD_NOT_SET.
func TestLostPasswordNotSet(t *testing.T) {
	s := newSandbox(t)
	expectStatus(t, s.create(nina), 200)
	s.run(t, "", []step{
		{"POST", pwStart, `{"email":"nina.webb@example.com"}`, 204, ""},
		{"POST", pwResume, resumeBody("nina.webb@example.com", "123456", "N1na-Passw0rd!"), 409, conflict("PASSWORD_NOT_SET")},
	})
}

// TestResetStartsMobileWindow: with SMS OTP enrolled, a password reset
// starts the security window in which a mobile change is 409
// MOBILE_CHANGE_NOT_ALLOWED; an update does not (Weavr names the reset).
func TestResetStartsMobileWindow(t *testing.T) {
	s := newSandbox(t)
	tok := s.enrolled(t)
	mobile := `{"mobile":{"countryCode":"+356","number":"79000001"}}`
	expectStatus(t, s.do("POST", pwUpdate, std(tok), updateBody("Passw0rd!", "N3w-Passw0rd!")), 200)
	expectStatus(t, s.patch(tok, mobile), 200)
	expect(t, s.do("POST", pwStart, std(""), `{"email":"alice@example.com"}`), 204, "")
	expectStatus(t, s.do("POST", pwResume, std(""), resumeBody("alice@example.com", "123456", "Th1rd-Passw0rd!")), 200)
	expect(t, s.patch(tok, `{"mobile":{"countryCode":"+356","number":"79000002"}}`), 409, conflict("MOBILE_CHANGE_NOT_ALLOWED"))
}
