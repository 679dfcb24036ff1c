package weavr_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// The vector was computed apart from Go (Python's hmac), as the
// acceptance receiver computes it: base64(HMAC-SHA256(api key, call-ref +
// body + published-timestamp)), and of the timestamp alone.
func TestSignKnownVector(t *testing.T) {
	h := http.Header{}
	body := []byte(`{"consumerId":"110546000000000101"}`)
	weavr.Sign(h, "call-1", body, time.UnixMilli(1700000000000), "sandbox-api-key")
	want := map[string]string{
		"Call-Ref":            "call-1",
		"Published-Timestamp": "1700000000000",
		"Signature-V2":        "eJimH7CyvAPRcAS01/k3xAJQbmYE8R3bU7RpVq/GK7M=",
		"Signature":           "69TWHbeBIupKxDJ2QgREnDZEYmDaIzV+iW9gx/+ZZ6U=",
		"Content-Type":        "application/json",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if len(h) != len(want) {
		t.Errorf("headers %v", h)
	}
}

func TestVerifySignatureRefusesTampering(t *testing.T) {
	body := []byte(`{"status":"APPROVED"}`)
	signed := func() http.Header {
		h := http.Header{}
		weavr.Sign(h, "ref-9", body, t0, apiKey)
		return h
	}
	if err := weavr.VerifySignature(signed(), body, apiKey); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header func(h http.Header)
		body   []byte
		key    string
	}{
		{"body", nil, []byte(`{"status":"REJECTED"}`), apiKey},
		{"key", nil, body, apiKey2},
		{"call-ref", func(h http.Header) { h.Set("call-ref", "ref-10") }, body, apiKey},
		{"timestamp", func(h http.Header) { h.Set("published-timestamp", "1772366400001") }, body, apiKey},
		{"no timestamp", func(h http.Header) { h.Del("published-timestamp") }, body, apiKey},
		{"no signature-v2", func(h http.Header) { h.Del("signature-v2") }, body, apiKey},
		{"old signature", func(h http.Header) { h.Set("signature", h.Get("signature-v2")) }, body, apiKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := signed()
			if tt.header != nil {
				tt.header(h)
			}
			if err := weavr.VerifySignature(h, tt.body, tt.key); !errors.Is(err, weavr.ErrBadSignature) {
				t.Errorf("error %v, want ErrBadSignature", err)
			}
		})
	}
}

// A receiver checks a delivery's headers with the programme's API key
// before trusting its body; Sign is what the sandbox puts on each.
func ExampleVerifySignature() {
	body := []byte(`{"consumerId":"110546000000000101","status":"APPROVED"}`)
	h := http.Header{}
	weavr.Sign(h, "call-1", body, time.UnixMilli(1700000000000), "sandbox-api-key")

	fmt.Println(weavr.VerifySignature(h, body, "sandbox-api-key"))
	fmt.Println(weavr.VerifySignature(h, []byte(`{"status":"REJECTED"}`), "sandbox-api-key"))
	// Output:
	// <nil>
	// weavr: webhook signature does not verify: signature-v2 is not HMAC-SHA256(call-ref + body + published-timestamp)
}

func ExampleSign() {
	h := http.Header{}
	weavr.Sign(h, "call-1", []byte(`{"consumerId":"110546000000000101"}`), time.UnixMilli(1700000000000), "sandbox-api-key")
	for _, k := range []string{"call-ref", "published-timestamp", "signature-v2", "signature"} {
		fmt.Printf("%s: %s\n", k, h.Get(k))
	}
	// Output:
	// call-ref: call-1
	// published-timestamp: 1700000000000
	// signature-v2: eJimH7CyvAPRcAS01/k3xAJQbmYE8R3bU7RpVq/GK7M=
	// signature: 69TWHbeBIupKxDJ2QgREnDZEYmDaIzV+iW9gx/+ZZ6U=
}
