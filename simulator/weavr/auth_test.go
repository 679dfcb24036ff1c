package weavr_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLogin(t *testing.T) {
	s := newSandbox(t)
	r := s.do("POST", "/multi/login_with_password", std(""), `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	tok, _ := m["token"].(string)
	if len(tok) < 20 {
		t.Errorf("token %q too short", tok)
	}
	delete(m, "token")
	want := `{"tokenType":"AUTH","identity":{"type":"CONSUMER","id":"110546000000000101"},"credentials":{"type":"ROOT","id":"110546000000000101"}}`
	b, _ := jsonMarshal(m)
	if !jsonEqual(b, []byte(want)) {
		t.Errorf("login body %s, want %s (+token)", b, want)
	}
	if s.login("ALICE@example.com") == tok {
		t.Error("a second login returned the same token")
	}
}

func TestLoginErrors(t *testing.T) {
	body := func(email, pw string) string {
		return `{"email":"` + email + `","password":{"value":"` + pw + `"}}`
	}
	tests := []struct {
		name   string
		h      headers
		body   string
		status int
		want   string
	}{
		{"missing api-key", headers{"Content-Type", "application/json"}, body("alice@example.com", "Passw0rd!"), 400,
			`{"message":"Invalid request","syntaxErrors":{"invalidFields":[{"params":[],"fieldName":"api-key","error":"REQUIRED"}]}}`},
		{"unknown api-key", headers{"api-key", "nope"}, body("alice@example.com", "Passw0rd!"), 401, ""},
		{"wrong password", std(""), body("alice@example.com", "wrong"), 403, ""},
		{"unknown email", std(""), body("nobody@example.com", "Passw0rd!"), 403, ""},
		{"inactive user", std(""), body("erin@example.com", "Passw0rd!"), 403, ""},
		{"consumer of another programme", std(""), body("frank@example.com", "Passw0rd!"), 403, ""},
		{"missing fields", std(""), `{"password":{}}`, 400,
			`{"message":"Invalid request","syntaxErrors":{"invalidFields":[{"params":[],"fieldName":"email","error":"REQUIRED"},{"params":["password"],"fieldName":"value","error":"REQUIRED"}]}}`},
		{"bad email", std(""), body("abc", "x"), 400,
			`{"message":"Invalid request","syntaxErrors":{"invalidFields":[{"params":[],"fieldName":"email","error":"REGEX"}]}}`},
		{"malformed JSON", std(""), `{"email":`, 400, `{"message":"Invalid request: malformed JSON at byte 9"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			expect(t, s.do("POST", "/multi/login_with_password", tt.h, tt.body), tt.status, tt.want)
		})
	}
	t.Run("second programme logs in its own consumer", func(t *testing.T) {
		s := newSandbox(t)
		r := s.do("POST", "/multi/login_with_password", headers{"api-key", apiKey2}, body("frank@example.com", "Passw0rd!"))
		if r.Status != 200 {
			t.Fatalf("status %d %s", r.Status, r.Body)
		}
	})
}

func TestSecuredOperationAuth(t *testing.T) {
	tests := []struct {
		name   string
		h      func(token string) headers
		status int
		want   string
	}{
		{"missing api-key", func(tok string) headers { return headers{"Authorization", "Bearer " + tok} }, 400,
			`{"message":"Invalid request","syntaxErrors":{"invalidFields":[{"params":[],"fieldName":"api-key","error":"REQUIRED"}]}}`},
		{"unknown api-key", func(tok string) headers { return headers{"api-key", "nope", "Authorization", "Bearer " + tok} }, 401, ""},
		{"no token", func(string) headers { return std("") }, 401, ""},
		{"not a bearer token", func(tok string) headers { return headers{"api-key", apiKey, "Authorization", tok} }, 401, ""},
		{"unknown token", func(string) headers { return std("not-a-token") }, 401, ""},
		{"token with the other programme's key", func(tok string) headers {
			return headers{"api-key", apiKey2, "Authorization", "Bearer " + tok}
		}, 403, `{"errorCode":"INSUFFICIENT_PERMISSIONS"}`},
		{"lower-case bearer scheme", func(tok string) headers { return headers{"api-key", apiKey, "Authorization", "bearer " + tok} }, 200, ""},
	}
	for _, method := range []string{"GET", "PATCH"} {
		for _, tt := range tests {
			t.Run(method+" "+tt.name, func(t *testing.T) {
				s := newSandbox(t)
				tok := s.login("alice@example.com")
				r := s.do(method, "/multi/consumers", tt.h(tok), `{"tag":"x"}`)
				if tt.status == 200 {
					if r.Status != 200 {
						t.Fatalf("status %d %s", r.Status, r.Body)
					}
					return
				}
				expect(t, r, tt.status, tt.want)
				if method == "PATCH" { // a refused request changes nothing
					if got := s.get(tok).JSON(t)["tag"]; got != nil {
						t.Errorf("tag = %v after a refused PATCH", got)
					}
				}
			})
		}
	}
}

func TestTokenExpiresFiveMinutesAfterLastUse(t *testing.T) {
	s := newSandbox(t)
	tok := s.login("alice@example.com")
	for i := 0; i < 3; i++ { // kept alive by use
		s.clock.Advance(4*time.Minute + 59*time.Second)
		expectStatus(t, s.get(tok), 200)
	}
	s.clock.Advance(5*time.Minute + time.Second)
	expect(t, s.get(tok), 401, "")
	// An expired token stays dead.
	expect(t, s.get(tok), 401, "")
}

func TestRateLimit(t *testing.T) {
	s := newSandbox(t, withRateLimit("5/1m,8/1h"))
	tok := s.login("alice@example.com") // 1 request
	for i := 0; i < 4; i++ {
		expectStatus(t, s.get(tok), 200)
	}
	r := s.get(tok)
	expect(t, r, 429, "")
	if got := r.Header.Get("x-ratelimit-limit"); got != "5, 5;w=60, 8;w=3600" {
		t.Errorf("x-ratelimit-limit %q", got)
	}
	if got := r.Header.Get("x-ratelimit-reset"); got != "60" {
		t.Errorf("x-ratelimit-reset %q", got)
	}
	s.clock.Advance(20 * time.Second)
	if got := s.get(tok).Header.Get("x-ratelimit-reset"); got != "40" {
		t.Errorf("reset after 20s = %q, want 40", got)
	}
	// Another programme's key has its own windows.
	r = s.do("POST", "/multi/login_with_password", headers{"api-key", apiKey2}, `{"email":"frank@example.com","password":{"value":"Passw0rd!"}}`)
	expectStatus(t, r, 200)
	// The minute window ends; the hour window (8) is hit after 3 more.
	s.clock.Advance(40 * time.Second)
	for i := 0; i < 3; i++ {
		expectStatus(t, s.get(tok), 200)
	}
	r = s.get(tok)
	expect(t, r, 429, "")
	if got := r.Header.Get("x-ratelimit-limit"); !strings.HasPrefix(got, "8, ") {
		t.Errorf("hour window hit: x-ratelimit-limit %q", got)
	}
	if got := r.Header.Get("x-ratelimit-reset"); got != "3540" {
		t.Errorf("hour window reset %q, want 3540", got)
	}
}

func TestDefaultRateLimitIsTheVendors(t *testing.T) {
	s := newSandbox(t, withRateLimit("100/1m,1000/1h,10000/24h"))
	tok := s.login("alice@example.com")
	for i := 0; i < 99; i++ {
		expectStatus(t, s.get(tok), 200)
	}
	r := s.get(tok)
	expect(t, r, 429, "")
	if got := r.Header.Get("x-ratelimit-limit"); got != "100, 100;w=60, 1000;w=3600, 10000;w=86400" {
		t.Errorf("x-ratelimit-limit %q", got)
	}
}

func expectStatus(t *testing.T, r result, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
}
