package weavr_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

// TestBodyShorterThanContentLength: a body that ends before its
// Content-Length (the client closed the connection mid-body) is refused,
// never applied. Regression: net/http reports the early EOF only once, the
// sandbox's journal read it first, and the handler then saw a clean EOF and
// applied the partial body.
func TestBodyShorterThanContentLength(t *testing.T) {
	tests := []struct {
		name, path, body string
	}{
		{"update", "/multi/consumers", `{"name":"Mallory"}`},
		{"verify", "/multi/consumers/verification/email/verify", `{"email":"alice@example.com","verificationCode":"123456"}`},
		{"login", "/multi/login_with_password", `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			tok := s.login("alice@example.com")
			before := s.get(tok).Body
			method := "POST"
			if tt.path == "/multi/consumers" {
				method = "PATCH"
			}
			// What net/http's body gives when the client closes mid-body.
			req := httptest.NewRequest(method, tt.path, io.MultiReader(strings.NewReader(tt.body), iotest.ErrReader(io.ErrUnexpectedEOF)))
			req.ContentLength = int64(len(tt.body)) + 100
			for i, h := 0, std(tok); i+1 < len(h); i += 2 {
				req.Header.Set(h[i], h[i+1])
			}
			expect(t, s.sb.Send(req), http.StatusBadRequest, // a body Do cannot send
				`{"message":"Invalid request: the request body could not be read completely"}`)
			if after := s.get(tok).Body; string(after) != string(before) {
				t.Errorf("a truncated body changed the consumer:\n%s\n%s", before, after)
			}
		})
	}
}

// TestJSONMediaTypes: application/json and the application/*+json family
// are JSON (Spring's converter, which Weavr runs on, accepts both);
// anything else is 415. Regression: "application/*+json" was compared
// literally, so application/merge-patch+json got 415.
func TestJSONMediaTypes(t *testing.T) {
	tests := []struct {
		ctype  string
		status int
	}{
		{"application/json", 200},
		{"application/json; charset=utf-8", 200},
		{"Application/JSON", 200},
		{"application/merge-patch+json", 200},
		{"application/vnd.api+json", 200},
		{"", 200}, // no Content-Type: the body is read as JSON
		{"application/+json", 415},
		{"application/jsonx", 415},
		{"text/json", 415},
		{"text/plain", 415},
		{"application/x-www-form-urlencoded", 415},
		{"application/json;;", 415},
	}
	for _, tt := range tests {
		t.Run(tt.ctype, func(t *testing.T) {
			s := newSandbox(t)
			tok := s.login("alice@example.com")
			h := headers{"api-key", apiKey, "Authorization", "Bearer " + tok}
			if tt.ctype != "" {
				h = append(h, "Content-Type", tt.ctype)
			}
			r := s.do("PATCH", "/multi/consumers", h, `{"tag":"mt"}`)
			if tt.status == 415 {
				expect(t, r, 415, `{"code":"UNSUPPORTED_MEDIA_TYPE","message":"Content-Type must be application/json"}`)
				return
			}
			expectStatus(t, r, tt.status)
			if got := r.JSON(t)["tag"]; got != "mt" {
				t.Errorf("tag %v, want mt", got)
			}
		})
	}
}
