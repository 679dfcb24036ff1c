package weavr_test

import (
	"testing"
)

func TestSimulateVerify(t *testing.T) {
	const alice = "110546000000000101"
	tests := []struct {
		name   string
		h      headers
		id     string
		status int
		want   string
	}{
		{"missing programme-key", nil, alice, 401, `{"message":"programme-key is missing or unknown"}`},
		{"unknown programme-key", headers{"programme-key", "nope"}, alice, 401, `{"message":"programme-key is missing or unknown"}`},
		{"api-key header is not the simulator's", headers{"api-key", apiKey}, alice, 401, `{"message":"programme-key is missing or unknown"}`},
		{"non-numeric id", headers{"programme-key", apiKey}, "abc", 400, `{"message":"consumer_id must be a number"}`},
		{"unknown consumer", headers{"programme-key", apiKey}, "999", 404, `{"message":"Consumer not found"}`},
		{"consumer of another programme", headers{"programme-key", apiKey2}, alice, 404, `{"message":"Consumer not found"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			r := s.do("POST", "/simulate/api/consumers/"+tt.id+"/verify", tt.h, `{}`)
			expect(t, r, tt.status, tt.want)
			if r.Header.Get("request-ref") == "" {
				t.Error("no request-ref")
			}
		})
	}

	s := newSandbox(t)
	tok := s.login("alice@example.com")
	expect(t, s.do("POST", "/simulate/api/consumers/"+alice+"/verify", headers{"programme-key", apiKey}, ``), 204, "")
	ru := s.get(tok).JSON(t)["rootUser"].(map[string]any)
	if ru["emailVerified"] != true || ru["mobileNumberVerified"] != true {
		t.Errorf("not verified: %v", ru)
	}
	for _, body := range []string{`{"name":"Ally"}`, `{"email":"ally@example.com"}`, `{"address":{"country":"MT"}}`} {
		expect(t, s.patch(tok, body), 409, `{"errorCode":"CONSUMER_VERIFIED"}`)
	}
	expectStatus(t, s.patch(tok, `{"tag":"kyc_done"}`), 200)
}

func TestRequestRefIsUnique(t *testing.T) {
	s := newSandbox(t)
	seen := map[string]bool{}
	tok := s.login("alice@example.com")
	for i := 0; i < 50; i++ {
		for _, r := range []result{s.get(tok), s.patch(tok, `{"name":"1"}`), s.raw("GET", "/multi/x", nil, ""), s.get("bad")} {
			ref := r.Header.Get("request-ref")
			if ref == "" || seen[ref] {
				t.Fatalf("request-ref %q missing or repeated", ref)
			}
			seen[ref] = true
		}
	}
}
