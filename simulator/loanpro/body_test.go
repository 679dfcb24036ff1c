package loanpro_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

// TestRejectedBodiesLeaveTheCustomer covers two regressions: invalid UTF-8
// was stored as U+FFFD with a 200 (encoding/json replaces it; LoanPro's PHP
// json_decode refuses it), and a body shorter than its Content-Length (the
// client closed mid-body) was applied, because net/http reports the early
// EOF only once and the sandbox's journal read it first.
func TestRejectedBodiesLeaveTheCustomer(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		extra  int64 // Content-Length beyond the body
		status int
		want   string
	}{
		{"invalid UTF-8 in a value", "{\"firstName\":\"\xff\"}", 0, 409,
			`{"error":{"message":"The request body is not valid JSON: malformed UTF-8 characters.","type":"InvalidPayloadException","code":409}}`},
		{"invalid UTF-8 in a key", "{\"first\xc3Name\":\"A\"}", 0, 409,
			`{"error":{"message":"The request body is not valid JSON: malformed UTF-8 characters.","type":"InvalidPayloadException","code":409}}`},
		{"body shorter than Content-Length", `{"firstName":"Mallory"}`, 100, 409,
			`{"error":{"message":"The request body could not be read.","type":"InvalidPayloadException","code":409}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newSandbox(t, nil)
			before := do(h, "GET", base+"/Customers(1)", "", auth()).Body.String()
			var body io.Reader = strings.NewReader(tt.body)
			if tt.extra > 0 { // what net/http's body gives when the client closes mid-body
				body = io.MultiReader(body, iotest.ErrReader(io.ErrUnexpectedEOF))
			}
			req := httptest.NewRequest("PUT", base+"/Customers(1)", body)
			req.ContentLength = int64(len(tt.body)) + tt.extra
			for k, v := range auth() {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status || rec.Body.String() != tt.want {
				t.Fatalf("got %d %s\nwant %d %s", rec.Code, rec.Body, tt.status, tt.want)
			}
			if after := do(h, "GET", base+"/Customers(1)", "", auth()).Body.String(); after != before {
				t.Errorf("a rejected PUT changed the customer:\n%s\n%s", before, after)
			}
		})
	}
}
