package weavr_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
)

// fuzzSandbox starts the sandbox once per fuzz target (each fuzz worker
// process starts its own): small data, no rate limit, a fake clock so that
// tokens never expire and windows never pass between inputs.
func fuzzSandbox(f *testing.F) *sandboxtest.Sandbox {
	f.Helper()
	return newSandbox(f, sandboxtest.WithData(5)).sb
}

// fuzzing reports whether the test binary runs with -fuzz (rather than
// replaying the seed corpus as ordinary tests).
func fuzzing() bool {
	fl := flag.Lookup("test.fuzz")
	return fl != nil && fl.Value.String() != ""
}

// fuzzLogins are the consumers a fuzz input may act as: fresh, KYC-approved
// (identity locked) and SMS-OTP enrolled after a password reset.
var fuzzLogins = []string{"alice@example.com", "bob@example.com", "dave@example.com"}

// FuzzConsumerUpdate sends arbitrary bodies to PATCH /multi/consumers
// through the real router. Every input starts from the seed (the session
// is reset), so a failure replays from its corpus file alone.
//
// Invariants: no panic and never a 5xx; the status is 200, 400, 409, 413
// or 415; the seeds' answers are ones Weavr's OpenAPI document allows (the
// harness checks; skipped while fuzzing, where it costs most of the
// throughput); a 413 or 415 is {code, message}; a 400 is a JSON object with a non-empty message; a 409 has
// an errorCode; a 200 is the consumer GET returns afterwards; any other
// answer leaves the consumer exactly as it was.
func FuzzConsumerUpdate(f *testing.F) {
	sb := fuzzSandbox(f)
	seeds := []string{
		`{}`,
		`{"name":"Alicia","tag":"t_1"}`,
		`{"tag":"t_1","name":"Alicia","surname":"Stone","dateOfBirth":{"year":1991,"month":5,"day":6},"address":{"addressLine1":"2 Merchant St","city":"Mdina","postCode":"MDN 1000","country":"MT"},"baseCurrency":"GBP","placeOfBirth":"Mdina","nationality":"GB","locale":"en","brand":"Acme","userTag":"vip","occupation":"STUDENT","sourceOfFunds":"INHERITANCE","sourceOfFundsOther":"x","feeGroup":"DEFAULT"}`,
		`{"email":"alice2@example.com"}`,
		`{"email":"bob@example.com"}`,
		`{"email":"x@mailinator.com"}`,
		`{"email":"x.@example.com"}`,
		`{"mobile":{"countryCode":"+356","number":"79000001"}}`,
		`{"mobile":{"countryCode":"+356","number":"79000009"},"resetMobileCounter":true}`,
		`{"mobile":{"countryCode":"","number":"79123456"}}`,
		`{"mobile":{"number":"1"}}`,
		`{"mobile":{}}`,
		`{"mobile":null}`,
		`{"address":{"country":"AF"}}`,
		`{"address":{"city":"Valletta"}}`,
		`{"feeGroup":"ABC"}`,
		`{"name":"R2D2","dateOfBirth":{"year":1800,"month":13,"day":0}}`,
		`{"dateOfBirth":{"year":99999999999999999999,"month":1,"day":1}}`,
		`{"dateOfBirth":{"year":1e3}}`,
		`{"name":`,
		`{"name":"A"} x`,
		`{"name":42}`,
		`{"mobile":"+356"}`,
		`{"resetMobileCounter":"yes"}`,
		`{"name":"A","name":"R2D2"}`,
		`{"NAME":"Bob"}`,
		"{\"name\":\"\xff\"}",
		`{"name":"\ud800"}`,
		`[{"name":"A"}]`,
		`null`,
		`"str"`,
		`   `,
		``,
		strings.Repeat("[", 10001),
		`{"tag":` + strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200) + `}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i%len(fuzzLogins)), s)
	}
	f.Fuzz(func(t *testing.T, who uint8, body string) {
		s := &sandbox{t: t, sb: sb, unchecked: fuzzing()}
		if r := s.raw("POST", "/__sandbox/sessions/default/reset", nil, ""); r.Status != http.StatusOK {
			t.Fatalf("reset: %d %s", r.Status, r.Body)
		}
		tok := s.login(fuzzLogins[int(who)%len(fuzzLogins)])
		before := s.get(tok)
		r := s.patch(tok, body)
		after := s.get(tok)
		switch r.Status {
		case http.StatusOK:
			if !bytes.Equal(r.Body, after.Body) {
				t.Fatalf("200 body differs from the consumer GET returns:\n%s\n%s", r.Body, after.Body)
			}
			return
		case http.StatusBadRequest:
			var m map[string]any
			if err := json.Unmarshal(r.Body, &m); err != nil {
				t.Fatalf("400 body is not a JSON object: %q", r.Body)
			}
			if msg, _ := m["message"].(string); msg == "" {
				t.Fatalf("400 body without a message: %s", r.Body)
			}
		case http.StatusConflict:
			var m struct{ ErrorCode string }
			if err := json.Unmarshal(r.Body, &m); err != nil || m.ErrorCode == "" {
				t.Fatalf("409 body without an errorCode: %q", r.Body)
			}
		case http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			var m struct{ Code, Message string }
			if err := json.Unmarshal(r.Body, &m); err != nil || m.Code == "" || m.Message == "" {
				t.Fatalf("%d body is not {code, message}: %q", r.Status, r.Body)
			}
		default:
			t.Fatalf("status %d for body %q: %s", r.Status, body, r.Body)
		}
		if !bytes.Equal(before.Body, after.Body) {
			t.Fatalf("a rejected PATCH (%d) changed the consumer:\nbefore %s\nafter  %s", r.Status, before.Body, after.Body)
		}
	})
}

// FuzzConsumerCreate sends arbitrary bodies to POST /multi/consumers
// (api-key only), each from the seed (the session is reset).
//
// Invariants: no panic and never a 5xx; the status is 200, 400, 409, 413
// or 415; a 200 is the consumer the control API then lists, the session's
// first created one; any other answer creates nothing.
func FuzzConsumerCreate(f *testing.F) {
	sb := fuzzSandbox(f)
	seeds := []string{
		nina,
		`{}`,
		`{"profileId":"110546000000000001","rootUser":{},"ipAddress":"192.0.2.1"}`,
		strings.Replace(nina, "nina.webb@example.com", "bob@example.com", 1),
		strings.Replace(nina, `"EUR"`, `"JPY"`, 1),
		strings.Replace(nina, `"MT"}`, `"KP"}`, 1),
		strings.Replace(nina, `"profileId":"110546000000000001"`, `"profileId":"110546000000000002"`, 1),
		strings.Replace(nina, `"rootUser":{`, `"rootUser":{"Name":"x","tag":"t","occupation":"STUDENT",`, 1),
		strings.Replace(nina, `"year":1991`, `"year":"1991"`, 1),
		`{"rootUser":[]}`,
		`{"rootUser":{"mobile":{"countryCode":"+"}}}`,
		`{"profileId":1}`,
		`{"rootUser":`,
		`[]`,
		``,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		s := &sandbox{t: t, sb: sb, unchecked: fuzzing()}
		if r := s.raw("POST", "/__sandbox/sessions/default/reset", nil, ""); r.Status != http.StatusOK {
			t.Fatalf("reset: %d %s", r.Status, r.Body)
		}
		var page struct {
			Consumers []struct {
				ID       string          `json:"id"`
				Consumer json.RawMessage `json:"consumer"`
			} `json:"consumers"`
			Total int `json:"total"`
		}
		list := func(offset int) {
			r := s.raw("GET", fmt.Sprintf("/__sandbox/sessions/default/weavr/consumers?offset=%d", offset), nil, "")
			if err := json.Unmarshal(r.Body, &page); err != nil {
				t.Fatalf("control API list: %d %s", r.Status, r.Body)
			}
		}
		list(1 << 20)
		seeded := page.Total
		r := s.create(body)
		list(seeded)
		switch r.Status {
		case http.StatusOK:
			if len(page.Consumers) != 1 || page.Consumers[0].ID != ninaID || !jsonEqual(page.Consumers[0].Consumer, r.Body) {
				t.Fatalf("200 %s, but the session holds %+v", r.Body, page)
			}
			return
		case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			var m map[string]any
			if err := json.Unmarshal(r.Body, &m); err != nil || len(m) == 0 {
				t.Fatalf("%d body is not a JSON object: %q", r.Status, r.Body)
			}
		default:
			t.Fatalf("status %d for body %q: %s", r.Status, body, r.Body)
		}
		if len(page.Consumers) != 0 {
			t.Fatalf("a refused create (%d) created %+v", r.Status, page)
		}
	})
}
