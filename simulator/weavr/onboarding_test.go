package weavr_test

import (
	"strings"
	"testing"
)

const send = "/multi/consumers/verification/email/send"

func TestSendVerificationEmail(t *testing.T) {
	s := newSandbox(t)
	alice, grace := s.login("alice@example.com"), s.login("grace@example.com")
	tests := []struct {
		name   string
		h      headers
		body   string
		status int
		want   string
	}{
		{"unverified email, api-key only", std(""), `{"email":"grace@example.com"}`, 204, ""},
		{"unverified email, other case, with a token", std(grace), `{"email":"GRACE@example.com"}`, 204, ""},
		{"verified email", std(""), `{"email":"carol@example.com"}`, 409, `{"errorCode":"ALREADY_VERIFIED"}`},
		{"verified email, with the token's consumer", std(alice), `{"email":"alice@example.com"}`, 409, `{"errorCode":"ALREADY_VERIFIED"}`},
		{"nobody's email", std(""), `{"email":"nobody@example.com"}`, 409, `{"errorCode":"EMAIL_NOT_FOUND"}`},
		{"another programme's consumer", std(""), `{"email":"frank@example.com"}`, 409, `{"errorCode":"EMAIL_NOT_FOUND"}`},
		{"the token's consumer has not this email", std(alice), `{"email":"carol@example.com"}`, 409, `{"errorCode":"EMAIL_NOT_FOUND"}`},
		{"missing email", std(""), `{}`, 400, invalidBody("", "email", "REQUIRED")},
		{"bad email", std(""), `{"email":"alice"}`, 400, invalidBody("", "email", "REGEX")},
		{"missing api-key", headers{"Content-Type", "application/json"}, `{"email":"alice@example.com"}`, 400, invalidBody("", "api-key", "REQUIRED")},
		{"bad token", std("nope"), `{"email":"alice@example.com"}`, 401, ""},
		{"token of another programme", headers{"api-key", apiKey2, "Authorization", "Bearer " + alice}, `{"email":"alice@example.com"}`, 403, `{"errorCode":"INSUFFICIENT_PERMISSIONS"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			expect(t, s.do("POST", send, tt.h, tt.body), tt.status, tt.want)
		})
	}
	s.t = t

	// A pending change: sendable until another consumer takes the email.
	expectStatus(t, s.patch(alice, `{"email":"wanted@example.com"}`), 200)
	expect(t, s.do("POST", send, std(""), `{"email":"wanted@example.com"}`), 204, "")
	expectStatus(t, s.create(with(t, "rootUser.email", "wanted@example.com")), 200)
	expect(t, s.do("POST", send, std(""), `{"email":"wanted@example.com"}`), 409, `{"errorCode":"EMAIL_NOT_UNIQUE"}`)
	expect(t, s.do("POST", "/multi/consumers/verification/email/verify", std(alice), `{"email":"wanted@example.com","verificationCode":"123456"}`),
		409, `{"errorCode":"EMAIL_NOT_UNIQUE"}`)
}

func TestCreatePassword(t *testing.T) {
	s := newSandbox(t)
	expectStatus(t, s.create(nina), 200)
	path := "/multi/passwords/" + ninaID + "/create"
	pw := func(v string) string { return `{"password":{"value":"` + v + `"}}` }
	tests := []struct {
		name, path, body string
		h                headers
		status           int
		want             string
	}{
		{"too short", path, pw("Ab1!xyz"), std(""), 409, `{"errorCode":"PASSWORD_TOO_SHORT"}`},
		{"too long", path, pw("Ab1!" + strings.Repeat("x", 27)), std(""), 409, `{"errorCode":"PASSWORD_TOO_LONG"}`},
		{"no special character", path, pw("Passw0rdd"), std(""), 409, `{"errorCode":"PASSWORD_TOO_SIMPLE"}`},
		{"no upper case", path, pw("passw0rd!"), std(""), 409, `{"errorCode":"PASSWORD_TOO_SIMPLE"}`},
		{"no digit", path, pw("Password!"), std(""), 409, `{"errorCode":"PASSWORD_TOO_SIMPLE"}`},
		{"unknown user", "/multi/passwords/999/create", pw("Pa55word!"), std(""), 409, `{"errorCode":"UNRESOLVED_IDENTITY"}`},
		{"another programme's user", "/multi/passwords/110546000000000106/create", pw("Pa55word!"), std(""), 409, `{"errorCode":"UNRESOLVED_IDENTITY"}`},
		{"a fixture has one", "/multi/passwords/110546000000000101/create", pw("Pa55word!"), std(""), 409, `{"errorCode":"PASSWORD_ALREADY_CREATED"}`},
		{"user_id not digits", "/multi/passwords/abc/create", pw("Pa55word!"), std(""), 400, invalidBody("", "user_id", "REGEX")},
		{"missing value", path, `{"password":{}}`, std(""), 400, invalidBody("password", "value", "REQUIRED")},
		{"value over 100", path, pw(strings.Repeat("x", 101)), std(""), 400, invalidBody("password", "value", "SIZE")},
		{"missing api-key", path, pw("Pa55word!"), headers{"Content-Type", "application/json"}, 400, invalidBody("", "api-key", "REQUIRED")},
		{"unknown api-key", path, pw("Pa55word!"), headers{"api-key", "nope"}, 401, ""},
		{"30 characters, the longest", path, pw("Ab1!" + strings.Repeat("x", 26)), std(""), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			r := s.do("POST", tt.path, tt.h, tt.body)
			if tt.status == 200 {
				expectStatus(t, r, 200)
				return
			}
			expect(t, r, tt.status, tt.want)
		})
	}
	s.t = t
	expect(t, s.do("POST", path, std(""), pw("Pa55word!")), 409, `{"errorCode":"PASSWORD_ALREADY_CREATED"}`)
	s.login("alice@example.com") // fixtures keep theirs
	expect(t, s.do("POST", "/multi/login_with_password", std(""), `{"email":"nina.webb@example.com","password":{"value":""}}`), 403, "")
}

func TestLogout(t *testing.T) {
	s := newSandbox(t)
	alice, carol := s.login("alice@example.com"), s.login("carol@example.com")
	expect(t, s.do("POST", "/multi/logout", headers{"Authorization", "Bearer " + alice}, ""), 400, invalidBody("", "api-key", "REQUIRED"))
	expect(t, s.do("POST", "/multi/logout", std(""), ""), 401, "")
	expect(t, s.do("POST", "/multi/logout", std("nope"), ""), 401, "")
	// The operation documents no 403: another programme's key is a 401,
	// and the token still works with its own.
	expect(t, s.do("POST", "/multi/logout", headers{"api-key", apiKey2, "Authorization", "Bearer " + alice}, ""), 401, "")
	expectStatus(t, s.get(alice), 200)
	expect(t, s.do("POST", "/multi/logout", std(alice), `{"ignored":true}`), 204, "")
	expect(t, s.get(alice), 401, "")
	expect(t, s.patch(alice, `{"tag":"x"}`), 401, "")
	expectStatus(t, s.get(carol), 200) // other tokens live on
	expectStatus(t, s.get(s.login("alice@example.com")), 200)
}
