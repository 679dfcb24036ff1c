package weavr_test

import (
	"strings"
	"testing"
)

// TestEveryResponseKindMatchesVendorDocument produces one response of each
// kind the Weavr routes answer; the harness (sandboxtest.Do) validates each
// against Weavr's own OpenAPI documents, embedded in the package
// (openapi/weavr-multi-openapi.yml, openapi/weavr-simulator-openapi.yml).
// Every other test's responses are checked the same way.
func TestEveryResponseKindMatchesVendorDocument(t *testing.T) {
	s := newSandbox(t, withRateLimit("40/1m"))
	// The check must not be vacuous: Weavr declares the documents of the
	// routes below, so Do validates every answer.
	prefixes := map[string]bool{}
	for _, v := range s.sb.Server.Vendors() {
		if v.Name == "weavr" {
			for _, d := range v.Documents {
				if d.Prefix != "" && len(d.Data) > 0 {
					prefixes[d.Prefix] = true
				}
			}
		}
	}
	if !prefixes["/multi"] || !prefixes["/simulate/api"] {
		t.Fatalf("weavr declares documents for %v, want /multi and /simulate/api", prefixes)
	}
	alice, bob, dave := s.login("alice@example.com"), s.login("bob@example.com"), s.login("dave@example.com")
	type call struct {
		method, path string
		h            headers
		body         string
		status       int
	}
	verify := "/multi/consumers/verification/email/verify"
	calls := []call{
		{"POST", "/multi/login_with_password", std(""), `{"email":"carol@example.com","password":{"value":"Passw0rd!"}}`, 200},
		{"POST", "/multi/login_with_password", std(""), `{"email":"abc"}`, 400},
		{"POST", "/multi/login_with_password", headers{"api-key", "x"}, `{}`, 401},
		{"POST", "/multi/login_with_password", std(""), `{"email":"carol@example.com","password":{"value":"no"}}`, 403},
		{"GET", "/multi/consumers", std(alice), "", 200},
		{"GET", "/multi/consumers", std("bad"), "", 401},
		{"GET", "/multi/consumers", headers{"api-key", apiKey2, "Authorization", "Bearer " + alice}, "", 403},
		{"PATCH", "/multi/consumers", std(alice), `{"name":"Al","mobile":{"countryCode":"+356","number":"1"}}`, 200},
		{"PATCH", "/multi/consumers", std(alice), `{"mobile":{"countryCode":""}}`, 400},
		{"PATCH", "/multi/consumers", std(alice), `{"name":`, 400},
		{"PATCH", "/multi/consumers", headers{"Authorization", "Bearer " + alice}, `{}`, 400},
		{"PATCH", "/multi/consumers", std(""), `{}`, 401},
		{"PATCH", "/multi/consumers", headers{"api-key", apiKey2, "Authorization", "Bearer " + alice}, `{}`, 403},
		{"PATCH", "/multi/consumers", std(alice), `{"email":"bob@example.com"}`, 409},
		{"PATCH", "/multi/consumers", std(alice), `{"email":"x@mailinator.com"}`, 409},
		{"PATCH", "/multi/consumers", std(alice), `{"feeGroup":"X"}`, 409},
		{"PATCH", "/multi/consumers", std(alice), `{"address":{"country":"IR"}}`, 409},
		{"PATCH", "/multi/consumers", std(bob), `{"name":"Rob"}`, 409},
		{"PATCH", "/multi/consumers", std(dave), `{"mobile":{"countryCode":"+49","number":"1"}}`, 409},
		{"PATCH", "/multi/consumers", std(alice), `{"email":"alice2@example.com"}`, 200},
		{"PATCH", "/multi/consumers", std(alice), `{"email":"alice3@example.com"}`, 409},
		{"PATCH", "/multi/consumers", headers{"api-key", apiKey, "Authorization", "Bearer " + alice, "Content-Type", "text/plain"}, `{}`, 415},
		{"PATCH", "/multi/consumers", std(alice), `{"placeOfBirth":"` + strings.Repeat("x", 2<<20) + `"}`, 413},
		{"POST", verify, std(alice), `{"email":"alice2@example.com","verificationCode":"1"}`, 400},
		{"POST", verify, std(alice), `{"email":"alice2@example.com","verificationCode":"654321"}`, 409},
		{"POST", verify, std(alice), `{"email":"alice2@example.com","verificationCode":"123456"}`, 204},
	}
	for _, c := range calls {
		r := s.do(c.method, c.path, c.h, c.body)
		if r.Status != c.status {
			t.Fatalf("%s %s %s: status %d, want %d (%s)", c.method, c.path, c.body[:min(len(c.body), 60)], r.Status, c.status, r.Body)
		}
	}
	// Past the 40/minute limit: 429 with its headers.
	for i := 0; i < 40; i++ {
		if r := s.get(alice); r.Status == 429 {
			return
		}
	}
	t.Fatal("no 429 after 40 more requests")
}
