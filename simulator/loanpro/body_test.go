package loanpro_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
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
			sb := newSandbox(t)
			before := string(sb.Do(t, "GET", base+"/Customers(1)", "", auth()...).Body)
			var body io.Reader = strings.NewReader(tt.body)
			if tt.extra > 0 { // what net/http's body gives when the client closes mid-body
				body = io.MultiReader(body, iotest.ErrReader(io.ErrUnexpectedEOF))
			}
			// Do takes the body as a string; this request needs its own
			// reader and Content-Length, so it is sent as built.
			req := httptest.NewRequest("PUT", base+"/Customers(1)", body)
			req.ContentLength = int64(len(tt.body)) + tt.extra
			for h := auth(); len(h) > 0; h = h[2:] {
				req.Header.Set(h[0], h[1])
			}
			if r := sb.Send(req); r.Status != tt.status || string(r.Body) != tt.want {
				t.Fatalf("got %d %s\nwant %d %s", r.Status, r.Body, tt.status, tt.want)
			}
			if after := string(sb.Do(t, "GET", base+"/Customers(1)", "", auth()...).Body); after != before {
				t.Errorf("a rejected PUT changed the customer:\n%s\n%s", before, after)
			}
		})
	}
}

// TestBodyLimitIsConfigurable: a body over Config.MaxBodyBytes is a 413 in
// LoanPro's error shape naming the limit, one at the limit is applied, and
// a limit under 1 KiB is refused at startup.
func TestBodyLimitIsConfigurable(t *testing.T) {
	sb := newSandbox(t, sandboxtest.WithConfig(func(c *simulator.Config) { c.MaxBodyBytes = 2048 }))
	pad := func(n int) string { // a PUT body of exactly n bytes
		return `{"firstName":"Al","__metadata":"` + strings.Repeat("y", n-len(`{"firstName":"Al","__metadata":""}`)) + `"}`
	}
	before := string(sb.Do(t, "GET", base+"/Customers(1)", "", auth()...).Body)
	r := sb.Do(t, "PUT", base+"/Customers(1)", pad(2049), auth()...)
	const want = `{"error":{"message":"The request body exceeds 2048 bytes.","type":"RequestEntityTooLargeException","code":413}}`
	if r.Status != 413 || string(r.Body) != want {
		t.Fatalf("2049 bytes: got %d %s, want 413 %s", r.Status, r.Body, want)
	}
	if after := string(sb.Do(t, "GET", base+"/Customers(1)", "", auth()...).Body); after != before {
		t.Fatalf("a refused PUT changed the customer")
	}
	if r := sb.Do(t, "PUT", base+"/Customers(1)", pad(2048), auth()...); r.Status != 200 || !strings.Contains(string(r.Body), `"firstName":"Al"`) {
		t.Fatalf("2048 bytes: got %d %s", r.Status, r.Body)
	}
	cfg := simulator.DefaultConfig()
	cfg.MaxBodyBytes = 100
	if _, err := simulator.New(cfg); err == nil || !strings.Contains(err.Error(), "max body bytes") {
		t.Fatalf("a 100-byte limit: err = %v", err)
	}
}
