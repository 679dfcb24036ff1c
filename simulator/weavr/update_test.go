package weavr_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

func TestGetConsumerGolden(t *testing.T) {
	s := newSandbox(t)
	r := s.get(s.login("alice@example.com"))
	expectStatus(t, r, 200)
	golden(t, "get_alice", r.Body)
	if r.Header.Get("request-ref") == "" {
		t.Error("no request-ref header")
	}
}

func TestPatchAppliesFields(t *testing.T) {
	s := newSandbox(t)
	tok := s.login("alice@example.com")
	r := s.patch(tok, `{"tag":"t_1","name":"Alicia","surname":"Stone","dateOfBirth":{"year":1991,"month":5,"day":6},
		"address":{"addressLine1":"2 Merchant St","city":"Mdina","postCode":"MDN 1000","country":"MT"},
		"baseCurrency":"GBP","placeOfBirth":"Mdina","nationality":"GB","locale":"en","brand":"Acme","userTag":"vip",
		"occupation":"STUDENT","sourceOfFunds":"INHERITANCE","sourceOfFundsOther":"x","feeGroup":"DEFAULT"}`)
	expectStatus(t, r, 200)
	golden(t, "patch_alice", r.Body)
	// occupation and sourceOfFunds are validated but not changed.
	m := r.JSON(t)
	if m["sourceOfFunds"] != "PERSONAL_SAVINGS" || m["rootUser"].(map[string]any)["occupation"] != "ACCOUNTING" {
		t.Errorf("occupation/sourceOfFunds changed: %s", r.Body)
	}
	// Absent fields stay; the state persisted.
	if g := s.get(tok); string(g.Body) != string(r.Body) {
		t.Errorf("GET after PATCH differs:\n%s\n%s", g.Body, r.Body)
	}
	expectStatus(t, s.patch(tok, `{}`), 200)
	if g := s.get(tok); string(g.Body) != string(r.Body) {
		t.Error("an empty PATCH changed the consumer")
	}
}

func TestPatchBadBodies(t *testing.T) {
	tests := []struct {
		name   string
		ctype  string
		body   string
		status int
		want   string
	}{
		{"malformed JSON", "application/json", `{"name":`, 400, `{"message":"Invalid request: malformed JSON at byte 8"}`},
		{"trailing garbage", "application/json", `{"name":"A"} x`, 400, `{"message":"Invalid request: malformed JSON at byte 14"}`},
		{"wrong type string field", "application/json", `{"name":42}`, 400, `{"message":"Invalid request: name must be a string, got number"}`},
		{"wrong nested type", "application/json", `{"dateOfBirth":{"year":"1980","month":1,"day":1}}`, 400, `{"message":"Invalid request: dateOfBirth.year must be an integer, got string"}`},
		{"fractional year", "application/json", `{"dateOfBirth":{"year":1980.5,"month":1,"day":1}}`, 400, `{"message":"Invalid request: dateOfBirth.year must be an integer, got number 1980.5"}`},
		{"object expected", "application/json", `{"mobile":"+356 7912"}`, 400, `{"message":"Invalid request: mobile must be an object, got string"}`},
		{"boolean expected", "application/json", `{"resetMobileCounter":"yes"}`, 400, `{"message":"Invalid request: resetMobileCounter must be a boolean, got string"}`},
		{"array body", "application/json", `[{"name":"A"}]`, 400, `{"message":"Invalid request: the request body must be a JSON object"}`},
		{"null body", "application/json", `null`, 400, `{"message":"Invalid request: the request body must be a JSON object"}`},
		{"empty body", "application/json", ``, 400, `{"message":"Invalid request: the request body is required"}`},
		{"invalid UTF-8", "application/json", "{\"name\":\"\xff\"}", 400, `{"message":"Invalid request: the request body is not valid UTF-8"}`},
		{"text/plain", "text/plain", `{"name":"A"}`, 415, `{"code":"UNSUPPORTED_MEDIA_TYPE","message":"Content-Type must be application/json"}`},
		{"too large", "application/json", `{"placeOfBirth":"` + strings.Repeat("x", 2<<20) + `"}`, 413, `{"code":"PAYLOAD_TOO_LARGE","message":"The request body is too large"}`},
		{"empty countryCode", "application/json", `{"mobile":{"countryCode":"","number":"79123456"}}`, 400,
			`{"message":"Invalid request","syntaxErrors":{"invalidFields":[{"params":["mobile"],"fieldName":"countryCode","error":"REGEX"},{"params":["mobile"],"fieldName":"countryCode","error":"SIZE"}]}}`},
		{"several rules", "application/json", `{"name":"R2D2","dateOfBirth":{"year":1800,"month":1,"day":1},"address":{"city":"Valletta"}}`, 400,
			`{"message":"Invalid request","syntaxErrors":{"invalidFields":[{"params":[],"fieldName":"name","error":"REGEX"},{"params":["dateOfBirth"],"fieldName":"year","error":"AT_LEAST"},{"params":["address"],"fieldName":"country","error":"REQUIRED"}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			tok := s.login("alice@example.com")
			before := s.get(tok).Body
			r := s.do("PATCH", "/multi/consumers", headers{"api-key", apiKey, "Authorization", "Bearer " + tok, "Content-Type", tt.ctype}, tt.body)
			expect(t, r, tt.status, tt.want)
			if after := s.get(tok).Body; string(after) != string(before) {
				t.Errorf("a rejected PATCH changed the consumer")
			}
		})
	}
}

func TestPatchConflicts(t *testing.T) {
	tests := []struct {
		name  string
		login string
		body  string
		code  string // "" means 200
	}{
		{"email of another consumer", "alice@example.com", `{"email":"bob@example.com"}`, "EMAIL_NOT_UNIQUE"},
		{"email of another consumer, other case", "alice@example.com", `{"email":"Bob@Example.COM"}`, "EMAIL_NOT_UNIQUE"},
		{"disposable domain", "alice@example.com", `{"email":"someone@mailinator.com"}`, "EMAIL_DOMAIN_NOT_ALLOWED"},
		{"disposable domain, other case", "alice@example.com", `{"email":"someone@MAILINATOR.com"}`, "EMAIL_DOMAIN_NOT_ALLOWED"},
		{"unsupported country AF", "alice@example.com", `{"address":{"addressLine1":"1 Main St","city":"Kabul","country":"AF"}}`, "COUNTRY_UNSUPPORTED"},
		{"unsupported country KP", "alice@example.com", `{"address":{"country":"KP"}}`, "COUNTRY_UNSUPPORTED"},
		{"unknown fee group", "alice@example.com", `{"feeGroup":"ABC"}`, "FEE_GROUP_INVALID"},
		{"fee group of another programme", "alice@example.com", `{"feeGroup":"PREMIUM"}`, "FEE_GROUP_INVALID"},
		{"KYC-approved: name", "bob@example.com", `{"name":"Robert"}`, "CONSUMER_VERIFIED"},
		{"KYC-approved: surname", "bob@example.com", `{"surname":"Qxzsurname"}`, "CONSUMER_VERIFIED"},
		{"KYC-approved: email", "bob@example.com", `{"email":"bob.new@example.com"}`, "CONSUMER_VERIFIED"},
		{"KYC-approved: mobile", "bob@example.com", `{"mobile":{"countryCode":"+44","number":"7700900999"}}`, "CONSUMER_VERIFIED"},
		{"KYC-approved: dateOfBirth", "bob@example.com", `{"dateOfBirth":{"year":1985,"month":11,"day":4}}`, "CONSUMER_VERIFIED"},
		{"KYC-approved: address", "bob@example.com", `{"address":{"country":"GB","city":"Leeds"}}`, "CONSUMER_VERIFIED"},
		{"KYC-approved: tag is free", "bob@example.com", `{"tag":"vip","baseCurrency":"EUR","locale":"en-GB"}`, ""},
		{"KYC-approved: unchanged locked values are no change", "bob@example.com", `{"name":"Bob","email":"bob@example.com","mobile":{"countryCode":"+44","number":"7700900123"}}`, ""},
		{"SMS OTP, recent password reset: mobile", "dave@example.com", `{"mobile":{"countryCode":"+49","number":"15100000000"}}`, "MOBILE_CHANGE_NOT_ALLOWED"},
		{"SMS OTP, recent password reset: other fields", "dave@example.com", `{"tag":"ok"}`, ""},
		{"re-sending the current email", "alice@example.com", `{"email":"alice@example.com"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			tok := s.login(tt.login)
			before := s.get(tok).Body
			r := s.patch(tok, tt.body)
			if tt.code == "" {
				expectStatus(t, r, 200)
				return
			}
			expect(t, r, 409, `{"errorCode":"`+tt.code+`"}`)
			if after := s.get(tok).Body; string(after) != string(before) {
				t.Errorf("a 409 changed the consumer:\n%s\n%s", before, after)
			}
		})
	}
}

func TestMobileChangeWindowEnds(t *testing.T) {
	s := newSandbox(t)
	tok := s.login("dave@example.com")
	body := `{"mobile":{"countryCode":"+49","number":"15100000000"}}`
	expect(t, s.patch(tok, body), 409, `{"errorCode":"MOBILE_CHANGE_NOT_ALLOWED"}`)
	s.clock.Advance(24*time.Hour + time.Second)
	tok = s.login("dave@example.com")
	expectStatus(t, s.patch(tok, body), 200)
}

func TestMobileChangeLimit(t *testing.T) {
	s := newSandbox(t)
	tok := s.login("alice@example.com")
	mobile := func(n string) string { return `{"mobile":{"countryCode":"+356","number":"` + n + `"}}` }
	for _, n := range []string{"79000001", "79000002", "79000003"} {
		r := s.patch(tok, mobile(n))
		expectStatus(t, r, 200)
		ru := r.JSON(t)["rootUser"].(map[string]any)
		if ru["mobile"].(map[string]any)["number"] != n || ru["mobileNumberVerified"] != false {
			t.Fatalf("mobile change not applied at once: %s", r.Body)
		}
	}
	expectStatus(t, s.patch(tok, mobile("79000003")), 200)          // same number: not a change
	expectStatus(t, s.patch(tok, `{"mobile":null,"tag":"a"}`), 200) // null: not a change
	expect(t, s.patch(tok, mobile("79000004")), 409, `{"errorCode":"MOBILE_NO_CHANGE_LIMIT_EXCEEDED"}`)
	r := s.patch(tok, `{"mobile":{"countryCode":"+356","number":"79000004"},"resetMobileCounter":true}`)
	expectStatus(t, r, 200)
	// After a reset the count restarts at the change that came with it.
	expectStatus(t, s.patch(tok, mobile("79000005")), 200)
	expectStatus(t, s.patch(tok, mobile("79000006")), 200)
	expect(t, s.patch(tok, mobile("79000007")), 409, `{"errorCode":"MOBILE_NO_CHANGE_LIMIT_EXCEEDED"}`)
	expectStatus(t, s.patch(tok, `{"resetMobileCounter":true}`), 200)
	expectStatus(t, s.patch(tok, mobile("79000007")), 200)
}

func TestMobileChangeLimitIsConfigurable(t *testing.T) {
	s := newSandbox(t, withSettings(func(w *weavr.Settings) { w.MobileChangeLimit = 1 }))
	tok := s.login("alice@example.com")
	expectStatus(t, s.patch(tok, `{"mobile":{"countryCode":"+356","number":"1"}}`), 200)
	expect(t, s.patch(tok, `{"mobile":{"countryCode":"+356","number":"2"}}`), 409, `{"errorCode":"MOBILE_NO_CHANGE_LIMIT_EXCEEDED"}`)
}

// TestBodyLimitIsConfigurable: --max-body-bytes moves Weavr's 413; a body
// at the limit is applied, one byte more is refused and changes nothing.
func TestBodyLimitIsConfigurable(t *testing.T) {
	s := newSandbox(t, sandboxtest.WithConfig(func(c *simulator.Config) { c.MaxBodyBytes = 2048 }))
	tok := s.login("alice@example.com")
	pad := func(n int) string { // a PATCH body of exactly n bytes
		return `{"tag":"` + strings.Repeat("t", n-len(`{"tag":""}`)) + `"}`
	}
	before := s.get(tok).Body
	expect(t, s.patch(tok, pad(2049)), 413, `{"code":"PAYLOAD_TOO_LARGE","message":"The request body is too large"}`)
	if after := s.get(tok).Body; string(after) != string(before) {
		t.Fatalf("a refused PATCH changed the consumer:\n%s\n%s", before, after)
	}
	// The tag is longer than Weavr allows, so the body reaches the rules: a
	// 400 naming the field, not a 413.
	if r := s.patch(tok, pad(2048)); r.Status != 400 || !strings.Contains(string(r.Body), "tag") {
		t.Fatalf("2048 bytes: %d %s", r.Status, r.Body)
	}
}

func TestEmailChangeIsDeferredUntilVerified(t *testing.T) {
	s := newSandbox(t)
	tok := s.login("alice@example.com")
	email := func(r result) string { return r.JSON(t)["rootUser"].(map[string]any)["email"].(string) }
	verify := func(h headers, body string) result {
		return s.do("POST", "/multi/consumers/verification/email/verify", h, body)
	}

	r := s.patch(tok, `{"email":"alice.new@example.com"}`)
	expectStatus(t, r, 200)
	if email(r) != "alice@example.com" {
		t.Fatalf("email changed before verification: %s", r.Body)
	}
	// A retry of the same change is not a second change.
	expectStatus(t, s.patch(tok, `{"email":"alice.new@example.com"}`), 200)

	expect(t, verify(std(tok), `{"email":"alice.new@example.com","verificationCode":"000000"}`), 409, `{"errorCode":"VERIFICATION_CODE_INVALID"}`)
	expect(t, verify(std(tok), `{"email":"other@example.com","verificationCode":"123456"}`), 409, `{"errorCode":"VERIFICATION_CODE_INVALID"}`)
	expect(t, verify(std(tok), `{"email":"alice.new@example.com","verificationCode":"12345"}`), 400,
		`{"message":"Invalid request","syntaxErrors":{"invalidFields":[{"params":[],"fieldName":"verificationCode","error":"REGEX"}]}}`)
	if email(s.get(tok)) != "alice@example.com" {
		t.Fatal("failed verifications applied the email")
	}
	expect(t, verify(std(tok), `{"email":"alice.new@example.com","verificationCode":"123456"}`), 204, "")
	g := s.get(tok)
	if email(g) != "alice.new@example.com" || g.JSON(t)["rootUser"].(map[string]any)["emailVerified"] != true {
		t.Fatalf("email not applied and verified: %s", g.Body)
	}
	// The old address is free again; logins use the new one.
	s.login("alice.new@example.com")

	expect(t, s.patch(tok, `{"email":"alice.third@example.com"}`), 409, `{"errorCode":"TOO_FREQUENT_EMAIL_CHANGES"}`)
	s.clock.Advance(24*time.Hour + time.Second)
	tok = s.login("alice.new@example.com")
	expectStatus(t, s.patch(tok, `{"email":"alice.third@example.com"}`), 200)
}

func TestEmailChangeWindowCountsUnverifiedChanges(t *testing.T) {
	s := newSandbox(t, withSettings(func(w *weavr.Settings) { w.EmailChangeWindow = time.Hour }))
	tok := s.login("alice@example.com")
	expectStatus(t, s.patch(tok, `{"email":"a1@example.com"}`), 200)
	expect(t, s.patch(tok, `{"email":"a2@example.com"}`), 409, `{"errorCode":"TOO_FREQUENT_EMAIL_CHANGES"}`)
	s.clock.Advance(time.Hour)
	tok = s.login("alice@example.com")
	expectStatus(t, s.patch(tok, `{"email":"a2@example.com"}`), 200)
}

func TestVerifyWithoutTokenAndLostRace(t *testing.T) {
	s := newSandbox(t)
	alice, carol := s.login("alice@example.com"), s.login("carol@example.com")
	expectStatus(t, s.patch(alice, `{"email":"shared@example.com"}`), 200)
	expectStatus(t, s.patch(carol, `{"email":"shared@example.com"}`), 200) // both pending: allowed
	// The vendor document secures verify with the api-key only.
	expect(t, s.do("POST", "/multi/consumers/verification/email/verify", std(""), `{"email":"shared@example.com","verificationCode":"123456"}`), 204, "")
	// One of them now owns the address; the other's verification loses.
	r := s.do("POST", "/multi/consumers/verification/email/verify", std(carol), `{"email":"shared@example.com","verificationCode":"123456"}`)
	aliceEmail := s.get(alice).JSON(t)["rootUser"].(map[string]any)["email"]
	if aliceEmail == "shared@example.com" {
		expect(t, r, 409, `{"errorCode":"EMAIL_NOT_UNIQUE"}`)
	} else {
		t.Fatalf("token-less verify did not apply to a pending consumer (alice email %v)", aliceEmail)
	}
	// Verifying the current, unverified email marks it verified.
	s2 := newSandbox(t)
	tok := s2.login("grace@example.com")
	if v := s2.get(tok).JSON(t)["rootUser"].(map[string]any)["emailVerified"]; v != false {
		t.Fatalf("grace's email verified before verify: %v", v)
	}
	expect(t, s2.do("POST", "/multi/consumers/verification/email/verify", std(tok), `{"email":"grace@example.com","verificationCode":"123456"}`), 204, "")
	if s2.get(tok).JSON(t)["rootUser"].(map[string]any)["emailVerified"] != true {
		t.Error("current email not verified")
	}
}

func TestUnknownRoutes(t *testing.T) {
	s := newSandbox(t)
	// raw: the vendor document has nothing to say about paths it lacks.
	r := s.raw("GET", "/multi/nothing", std(""), "")
	expect(t, r, http.StatusNotFound, `{"code":"NOT_FOUND","message":"No such resource"}`)
	if r.Header.Get("request-ref") == "" {
		t.Error("404 without request-ref")
	}
	expect(t, s.raw("DELETE", "/multi/consumers", std(""), ""), http.StatusMethodNotAllowed, `{"code":"METHOD_NOT_ALLOWED","message":"Method not allowed"}`)
	r = s.raw("GET", "/not-a-vendor", nil, "")
	expect(t, r, http.StatusNotFound, `{"sandboxError":{"message":"sandbox: no route GET /not-a-vendor"}}`)
}
