package weavr_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// with returns nina with the JSON value at a dotted path replaced (nil
// deletes it), so each case states only what it breaks.
func with(t *testing.T, path string, v any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(nina), &m); err != nil {
		t.Fatal(err)
	}
	keys := strings.Split(path, ".")
	cur := m
	for _, k := range keys[:len(keys)-1] {
		cur = cur[k].(map[string]any)
	}
	if v == nil {
		delete(cur, keys[len(keys)-1])
	} else {
		cur[keys[len(keys)-1]] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// invalidBody is the 400 BadRequestError listing fields, given as
// triples: dotted params, fieldName, error.
func invalidBody(fields ...string) string {
	var parts []string
	for i := 0; i+2 < len(fields); i += 3 {
		params := "[]"
		if fields[i] != "" {
			params = `["` + strings.ReplaceAll(fields[i], ".", `","`) + `"]`
		}
		parts = append(parts, fmt.Sprintf(`{"params":%s,"fieldName":%q,"error":%q}`, params, fields[i+1], fields[i+2]))
	}
	return `{"message":"Invalid request","syntaxErrors":{"invalidFields":[` + strings.Join(parts, ",") + `]}}`
}

func TestCreateConsumerBadRequests(t *testing.T) {
	s := newSandbox(t)
	tests := []struct {
		name, body, want string
	}{
		{"empty object", `{}`, invalidBody("", "profileId", "REQUIRED", "", "rootUser", "REQUIRED", "", "ipAddress", "REQUIRED")},
		{"rootUser empty", with(t, "rootUser", map[string]any{}), invalidBody("rootUser", "name", "REQUIRED", "rootUser", "surname", "REQUIRED",
			"rootUser", "email", "REQUIRED", "rootUser", "mobile", "REQUIRED", "rootUser", "dateOfBirth", "REQUIRED", "rootUser", "address", "REQUIRED")},
		{"profileId not digits", with(t, "profileId", "p1"), invalidBody("", "profileId", "REGEX")},
		{"name over 50", with(t, "rootUser.name", strings.Repeat("n", 51)), invalidBody("rootUser", "name", "SIZE")},
		{"name with digits is fine on create", with(t, "rootUser.name", "R2D2"), ""},
		{"email format", with(t, "rootUser.email", "nina@"), invalidBody("rootUser", "email", "REGEX")},
		{"mobile parts", with(t, "rootUser.mobile", map[string]any{"countryCode": "356"}), invalidBody("rootUser.mobile", "countryCode", "REGEX", "rootUser.mobile", "number", "REQUIRED")},
		{"date bounds", with(t, "rootUser.dateOfBirth.month", 13), invalidBody("rootUser.dateOfBirth", "month", "AT_MOST")},
		{"address without country", with(t, "rootUser.address.country", nil), invalidBody("rootUser.address", "country", "REQUIRED")},
		{"occupation enum", with(t, "rootUser.occupation", "PILOT"), invalidBody("rootUser", "occupation", "IN")},
		{"ipAddress short", with(t, "ipAddress", "1.2"), invalidBody("", "ipAddress", "SIZE")},
		{"baseCurrency lower", with(t, "baseCurrency", "eur"), invalidBody("", "baseCurrency", "REGEX")},
		{"sourceOfFunds enum", with(t, "sourceOfFunds", "LOTTERY"), invalidBody("", "sourceOfFunds", "IN")},
		{"wrong type names its path", with(t, "rootUser.mobile.number", 7), `{"message":"Invalid request: rootUser.mobile.number must be a string, got number"}`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			body := strings.Replace(tt.body, "nina.webb@", fmt.Sprintf("nina.webb.%d@", i), 1)
			r := s.create(body)
			if tt.want == "" {
				expectStatus(t, r, 200)
				return
			}
			expect(t, r, 400, tt.want)
		})
	}
	s.t = t
	expect(t, s.do("POST", "/multi/consumers", headers{"Content-Type", "application/json"}, nina), 400, invalidBody("", "api-key", "REQUIRED"))
	expect(t, s.do("POST", "/multi/consumers", headers{"api-key", "nope"}, nina), 401, "")
}

func TestCreateConsumerConflicts(t *testing.T) {
	tests := []struct {
		name, body, code string
	}{
		{"profile of another programme", with(t, "profileId", "110546000000000002"), "PROFILE_NOT_FOUND"},
		{"unknown profile", with(t, "profileId", "1"), "PROFILE_NOT_FOUND"},
		{"email of a fixture", with(t, "rootUser.email", "bob@example.com"), "ROOT_EMAIL_NOT_UNIQUE"},
		{"email of a fixture, other case", with(t, "rootUser.email", "Bob@Example.com"), "ROOT_EMAIL_NOT_UNIQUE"},
		{"email of another programme's consumer", with(t, "rootUser.email", "frank@example.com"), "ROOT_EMAIL_NOT_UNIQUE"},
		{"currency outside the programme's", with(t, "baseCurrency", "JPY"), "CURRENCY_UNSUPPORTED"},
		{"fee group", with(t, "feeGroup", "PREMIUM"), "FEE_GROUP_INVALID"},
		{"unsupported country", with(t, "rootUser.address.country", "KP"), "COUNTRY_UNSUPPORTED"},
		{"disposable email", with(t, "rootUser.email", "nina@mailinator.com"), "EMAIL_DOMAIN_NOT_ALLOWED"},
	}
	s := newSandbox(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			expect(t, s.create(tt.body), 409, `{"errorCode":"`+tt.code+`"}`)
		})
	}
	s.t = t
	// A generated consumer's email (found by the store's Locate, not an index).
	gen := s.consumers(session.Default, "")[25]
	expect(t, s.create(with(t, "rootUser.email", strings.ToUpper(gen.Email))), 409, `{"errorCode":"ROOT_EMAIL_NOT_UNIQUE"}`)

	// Nothing was created by a refused create; a created consumer's email
	// is taken for every rule, PATCH included.
	expectStatus(t, s.create(nina), 200)
	expect(t, s.create(with(t, "rootUser.name", "Other")), 409, `{"errorCode":"ROOT_EMAIL_NOT_UNIQUE"}`)
	expect(t, s.patch(s.login("alice@example.com"), `{"email":"NINA.webb@example.com"}`), 409, `{"errorCode":"EMAIL_NOT_UNIQUE"}`)
	if got := s.consumers(session.Default, "nina"); len(got) != 1 || got[0].ID != ninaID || got[0].Password != "" || got[0].KYC.Status != "NOT_STARTED" {
		t.Errorf("control API lists %+v", got)
	}
}

// consumers lists a session's consumers through the collection's List
// (as the control API does), filtered by email.
func (s *sandbox) consumers(sessionName, q string) []weavr.SandboxConsumer {
	s.t.Helper()
	for _, v := range s.sb.Server.Vendors() {
		if v.Name == weavr.Vendor {
			page, _ := v.Data[0].List(s.session(sessionName), q, 0, 1000)
			return page.([]weavr.SandboxConsumer)
		}
	}
	s.t.Fatal("no weavr")
	return nil
}

// TestCreateConsumerIdempotencyRef: the same idempotency-ref with the same
// payload answers the first create's consumer and creates no other; a
// different payload under the same reference is a new request.
func TestCreateConsumerIdempotencyRef(t *testing.T) {
	s := newSandbox(t)
	h := append(std(""), "idempotency-ref", "ref-1")
	first := s.do("POST", "/multi/consumers", h, nina)
	expectStatus(t, first, 200)
	s.clock.Advance(time.Minute)
	again := s.do("POST", "/multi/consumers", h, nina)
	expect(t, again, 200, string(first.Body))
	expect(t, s.do("POST", "/multi/consumers", h, with(t, "rootUser.name", "Nora")), 409, `{"errorCode":"ROOT_EMAIL_NOT_UNIQUE"}`)
	expect(t, s.do("POST", "/multi/consumers", std(""), nina), 409, `{"errorCode":"ROOT_EMAIL_NOT_UNIQUE"}`)
	if got := s.consumers(session.Default, "webb"); len(got) != 1 {
		t.Errorf("%d consumers created", len(got))
	}
}

// TestConcurrentCreatesWithOneEmail: 32 creates at once with one email
// (in varying case); exactly one is created. Run with -race.
func TestConcurrentCreatesWithOneEmail(t *testing.T) {
	const n = 32
	s := newSandbox(t)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			email := "racer@example.com"
			if i%2 == 1 {
				email = "RACER@example.com"
			}
			statuses[i] = s.create(with(t, "rootUser.email", email)).Status
		})
	}
	wg.Wait()
	ok := 0
	for _, st := range statuses {
		switch st {
		case 200:
			ok++
		case 409:
		default:
			t.Errorf("status %d", st)
		}
	}
	if ok != 1 {
		t.Fatalf("%d creates succeeded, want 1", ok)
	}
	if got := s.consumers(session.Default, "racer@"); len(got) != 1 {
		t.Fatalf("%d consumers with the email", len(got))
	}
}

// TestCreatedConsumersBelongToTheirSession: a consumer created in one
// session does not exist in another, which may create its own with the
// same email (and the same id: ids count per session).
func TestCreatedConsumersBelongToTheirSession(t *testing.T) {
	s := newSandbox(t)
	a, b := headers{session.Header, "a"}, headers{session.Header, "b"}
	expectStatus(t, s.do("POST", "/multi/consumers", append(std(""), a...), nina), 200)
	expectStatus(t, s.do("POST", "/multi/passwords/"+ninaID+"/create", append(std(""), a...), `{"password":{"value":"Pa55word!"}}`), 200)
	expect(t, s.do("POST", "/multi/passwords/"+ninaID+"/create", append(std(""), b...), `{"password":{"value":"Pa55word!"}}`), 409, `{"errorCode":"UNRESOLVED_IDENTITY"}`)
	expect(t, s.do("POST", "/multi/login_with_password", append(std(""), b...), `{"email":"nina.webb@example.com","password":{"value":"Pa55word!"}}`), 403, "")
	expect(t, s.do("POST", "/simulate/api/consumers/"+ninaID+"/verify", append(headers{"programme-key", apiKey}, b...), ""), 404, `{"message":"Consumer not found"}`)
	if got := s.consumers("b", "nina"); len(got) != 0 {
		t.Fatalf("session b lists %+v", got)
	}
	expectStatus(t, s.do("POST", "/multi/consumers", append(std(""), b...), nina), 200)
	if got := s.consumers("default", "nina"); len(got) != 0 {
		t.Fatalf("the default session lists %+v", got)
	}
}
