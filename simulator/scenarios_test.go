package simulator_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/internal/syncbuf"
	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
)

// newConsumer is a valid ConsumerCreateRequest of the fixture programme.
const newConsumer = `{"profileId":"110546000000000001","rootUser":{"name":"Nina","surname":"Webb","email":"nina.webb@example.com",` +
	`"mobile":{"countryCode":"+356","number":"79990001"},"dateOfBirth":{"year":1991,"month":5,"day":6},` +
	`"address":{"addressLine1":"2 Main St","city":"Valletta","postCode":"VLT1000","country":"MT"}},` +
	`"ipAddress":"192.0.2.44","acceptedTerms":true,"baseCurrency":"EUR"}`

// call sends a representative request of an operation.
func (s *sandbox) call(op string, h ...string) result {
	s.t.Helper()
	switch op {
	case "weavr.loginWithPassword":
		return s.do("POST", "/multi/login_with_password", `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`, s.weavr("", h...)...)
	case "weavr.consumerGet":
		return s.do("GET", "/multi/consumers", "", s.weavr("alice@example.com", h...)...)
	case "weavr.consumerUpdate", "weavr.*", "*":
		return s.do("PATCH", "/multi/consumers", `{"tag":"x"}`, s.weavr("alice@example.com", h...)...)
	case "weavr.consumerRootUserEmailVerify":
		return s.do("POST", "/multi/consumers/verification/email/verify", `{"email":"alice@example.com","verificationCode":"123456"}`, s.weavr("alice@example.com", h...)...)
	case "weavr.consumerCreate":
		return s.do("POST", "/multi/consumers", newConsumer, s.weavr("", h...)...)
	case "weavr.consumerRootUserEmailVerificationCodeSend":
		return s.do("POST", "/multi/consumers/verification/email/send", `{"email":"alice@example.com"}`, s.weavr("alice@example.com", h...)...)
	case "weavr.passwordCreate":
		return s.do("POST", "/multi/passwords/110546000000000101/create", `{"password":{"value":"Passw0rd!"}}`, s.weavr("", h...)...)
	case "weavr.consumerKycStart":
		return s.do("POST", "/multi/consumers/kyc", `{}`, s.weavr("alice@example.com", h...)...)
	case "weavr.consumerKycGet":
		return s.do("GET", "/multi/consumers/kyc", "", s.weavr("alice@example.com", h...)...)
	case "weavr.logout":
		return s.do("POST", "/multi/logout", "", s.weavr("alice@example.com", h...)...)
	case "weavr.userIdentities":
		return s.do("GET", "/multi/identities", "", s.weavr("alice@example.com", h...)...)
	case "weavr.requestAccessToken":
		return s.do("POST", "/multi/access_token", `{"identity":{"type":"CONSUMER","id":"110546000000000001"}}`, s.weavr("alice@example.com", h...)...)
	case "weavr.authFactorsGet":
		return s.do("GET", "/multi/authentication_factors", "", s.weavr("alice@example.com", h...)...)
	case "weavr.enrolDeviceUsingOtpStepOne":
		return s.do("POST", "/multi/authentication_factors/otp/SMS", "", s.weavr("alice@example.com", h...)...)
	case "weavr.enrolDeviceUsingOtpStepTwo":
		return s.do("POST", "/multi/authentication_factors/otp/SMS/verify", `{"verificationCode":"123456"}`, s.weavr("alice@example.com", h...)...)
	case "weavr.stepupSCAChallenge":
		return s.do("POST", "/multi/stepup/challenges/otp/SMS", "", s.weavr("alice@example.com", h...)...)
	case "weavr.stepupSCAVerify":
		return s.do("POST", "/multi/stepup/challenges/otp/SMS/verify", `{"verificationCode":"123456"}`, s.weavr("alice@example.com", h...)...)
	case "weavr.passwordUpdate":
		return s.do("POST", "/multi/passwords/update", `{"oldPassword":{"value":"Passw0rd!"},"newPassword":{"value":"N3w-Passw0rd!"}}`, s.weavr("alice@example.com", h...)...)
	case "weavr.passwordValidate":
		return s.do("POST", "/multi/passwords/validate", `{"password":{"value":"N3w-Passw0rd!"}}`, s.weavr("", h...)...)
	case "weavr.lostPasswordInitiate":
		return s.do("POST", "/multi/passwords/lost_password/start", `{"email":"alice@example.com"}`, s.weavr("", h...)...)
	case "weavr.lostPasswordResume":
		return s.do("POST", "/multi/passwords/lost_password/resume", `{"email":"alice@example.com","nonce":"123456","newPassword":{"value":"N3w-Passw0rd!"}}`, s.weavr("", h...)...)
	case "weavr.simulateConsumerVerify":
		return s.do("POST", "/simulate/api/consumers/1/verify", "", h...)
	case "loanpro.customerUpdate":
		return s.do("PUT", lpCustomer, `{"firstName":"J"}`, lpHeaders(h...)...)
	case "loanpro.customerGet", "loanpro.*":
		return s.do("GET", lpCustomer, "", lpHeaders(h...)...)
	case "loanpro.customerList":
		return s.do("GET", "/api/public/api/1/odata.svc/Customers", "", lpHeaders(h...)...)
	case "loanpro.customerSearch":
		return s.do("POST", "/api/public/api/1/Customers/Autopal.Search()", `{"query":{"match_all":{}}}`, lpHeaders(h...)...)
	case "loanpro.unknown":
		return s.do("GET", "/api/public/api/1/odata.svc/Nope", "", lpHeaders(h...)...)
	}
	s.t.Fatalf("no request for operation %s", op)
	return result{}
}

// TestEveryShippedErrorScenario: each shipped scenario that answers a
// catalog error, named by header, answers exactly the catalog's status,
// headers and body (Weavr bodies checked against the vendor document).
func TestEveryShippedErrorScenario(t *testing.T) {
	s := newSandbox(t)
	covered := map[string]bool{}
	n := 0
	for _, sc := range s.srv.Scenarios().Set().All() {
		step := sc.Steps[0]
		if sc.Sequence || sc.After > 0 || sc.Probability < 1 || step.Error == nil || step.Fault != "" || step.DelayMax > 0 {
			continue
		}
		n++
		t.Run(sc.Name, func(t *testing.T) {
			s.t = t
			r := s.call(sc.Match.Operation, "X-Sandbox-Scenario", sc.Name)
			def := step.Error
			if r.status != def.Status || !bytes.Equal(r.body, def.Body) {
				t.Fatalf("got %d %s, want %d %s", r.status, r.body, def.Status, def.Body)
			}
			for k := range def.Header {
				if r.header.Get(k) != def.Header.Get(k) {
					t.Errorf("header %s = %q, want %q", k, r.header.Get(k), def.Header.Get(k))
				}
			}
			if got := r.header.Get("X-Sandbox-Scenario"); got != sc.Name {
				t.Errorf("X-Sandbox-Scenario = %q", got)
			}
			covered[sc.Match.Operation+" "+def.Name] = true
		})
	}
	s.t = t
	// Every documented error of both headline endpoints has its scenario.
	for _, id := range []string{"weavr.consumerUpdate", "loanpro.customerUpdate"} {
		op, _ := s.srv.Scenarios().Operation(id)
		for _, e := range op.Errors {
			if !covered[id+" "+e] {
				t.Errorf("no shipped scenario answers %s with %s", id, e)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d error scenarios shipped", n)
	}
}

func TestPrefer(t *testing.T) {
	s := newSandbox(t)
	for _, code := range []string{"FEE_GROUP_INVALID", "COUNTRY_INVALID", "CONSUMER_VERIFIED", "EMAIL_NOT_UNIQUE", "MOBILE_OR_COUNTRY_CODE_INVALID",
		"COUNTRY_UNSUPPORTED", "MOBILE_NO_CHANGE_LIMIT_EXCEEDED", "TOO_FREQUENT_EMAIL_CHANGES", "EMAIL_DOMAIN_NOT_ALLOWED", "MOBILE_CHANGE_NOT_ALLOWED", "TERMINATION_DATE_IN_PAST"} {
		t.Run(code, func(t *testing.T) {
			s.t = t
			r := s.call("weavr.consumerUpdate", "Prefer", "code=409, example="+code)
			if r.status != 409 || string(r.body) != `{"errorCode":"`+code+`"}` {
				t.Errorf("got %d %s", r.status, r.body)
			}
		})
	}
	s.t = t
	tests := []struct {
		name, op, prefer string
		status           int
		body, header     string
	}{
		{"weavr 429 carries its headers", "weavr.consumerUpdate", "code=429", 429, "", "X-Ratelimit-Reset"},
		{"weavr 400", "weavr.consumerUpdate", "code=400", 400, `{"message":"Invalid request","syntaxErrors":{"invalidFields":[{"params":[],"fieldName":"name","error":"REGEX"}]}}`, ""},
		{"weavr login 403 is the refusal", "weavr.loginWithPassword", "code=403", 403, "", ""},
		{"loanpro 429 with Retry-After", "loanpro.customerUpdate", "code=429", 429, "", "Retry-After"},
		{"loanpro 409 picks the warning by example", "loanpro.customerUpdate", "code=409; example=TRANSACTION_WARNING", 409, "", ""},
		{"2xx asks for the normal answer", "weavr.consumerUpdate", "code=200", 200, "", ""},
		{"weavr step-up verify 409 by example", "weavr.stepupSCAVerify", "code=409, example=VERIFICATION_CODE_EXPIRED", 409, `{"errorCode":"VERIFICATION_CODE_EXPIRED"}`, ""},
		{"weavr enrolment 409: the first documented", "weavr.enrolDeviceUsingOtpStepOne", "code=409", 409, `{"errorCode":"CHANNEL_NOT_SUPPORTED"}`, ""},
		{"weavr access token 403 has no body", "weavr.requestAccessToken", "code=403", 403, "", ""},
		{"weavr lost password resume 410", "weavr.lostPasswordResume", "code=410", 410, `{"errorCode":"TOKEN_EXPIRED"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			r := s.call(tt.op, "Prefer", tt.prefer)
			if r.status != tt.status || (tt.body != "" && string(r.body) != tt.body) || (tt.header != "" && r.header.Get(tt.header) == "") {
				t.Errorf("got %d %v %s", r.status, r.header, r.body)
			}
		})
	}
	t.Run("undocumented status is a sandbox error", func(t *testing.T) {
		s.t = t
		r := s.call("weavr.consumerUpdate", "Prefer", "code=418")
		want := `{"sandboxError":{"message":"sandbox: Prefer: operation weavr.consumerUpdate documents no 418 response; it documents: 400 BAD_REQUEST, 401 UNAUTHORIZED, 403 INSUFFICIENT_PERMISSIONS, 409 FEE_GROUP_INVALID, 409 COUNTRY_INVALID, 409 CONSUMER_VERIFIED, 409 EMAIL_NOT_UNIQUE, 409 MOBILE_OR_COUNTRY_CODE_INVALID, 409 COUNTRY_UNSUPPORTED, 409 MOBILE_NO_CHANGE_LIMIT_EXCEEDED, 409 TOO_FREQUENT_EMAIL_CHANGES, 409 EMAIL_DOMAIN_NOT_ALLOWED, 409 MOBILE_CHANGE_NOT_ALLOWED, 409 TERMINATION_DATE_IN_PAST, 429 TOO_MANY_REQUESTS, 500 INTERNAL_SERVER_ERROR, 503 SERVICE_UNAVAILABLE, 502 DEFAULT, 415 UNSUPPORTED_MEDIA_TYPE, 413 PAYLOAD_TOO_LARGE"}}`
		if r.status != 400 || string(r.body) != want || r.header.Get("X-Sandbox-Error") != "true" {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
	t.Run("unknown scenario name is a sandbox error", func(t *testing.T) {
		s.t = t
		r := s.call("loanpro.customerGet", "X-Sandbox-Scenario", "nope")
		if r.status != 400 || !strings.Contains(string(r.body), `unknown scenario \"nope\"`) || r.header.Get("X-Sandbox-Error") != "true" {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
}

// TestFlows plays the shipped flows, by header or activated at startup,
// and checks each answer in turn.
func TestFlows(t *testing.T) {
	tests := []struct {
		name     string
		active   bool // --scenario instead of the header
		op       string
		statuses []int
	}{
		{"weavr-flaky-then-succeeds", false, "weavr.consumerUpdate", []int{503, 503, 200, 200}},
		{"weavr-rate-limited-then-recovers", false, "weavr.consumerUpdate", []int{429, 429, 429, 200}},
		{"loanpro-rate-limited-then-recovers", false, "loanpro.customerUpdate", []int{429, 429, 200}},
		{"loanpro-flaky-then-succeeds", true, "loanpro.customerUpdate", []int{500, 500, 200, 200}},
		{"weavr-login-locked-after-three", true, "weavr.loginWithPassword", []int{200, 200, 200, 423, 423}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t, func(c *simulator.Config) {
				if tt.active {
					c.Scenarios = []string{tt.name}
				}
			})
			var h []string
			if !tt.active {
				h = []string{"X-Sandbox-Scenario", tt.name}
			}
			var got []int
			for range tt.statuses {
				got = append(got, s.call(tt.op, h...).status)
			}
			if !slices.Equal(got, tt.statuses) {
				t.Errorf("statuses %v, want %v", got, tt.statuses)
			}
		})
	}
	t.Run("active scenarios use their conditions", func(t *testing.T) {
		s := newSandbox(t, func(c *simulator.Config) { c.Scenarios = []string{"weavr-email-taken", "loanpro-customer-500"} })
		h := s.weavr("alice@example.com")
		if r := s.do("PATCH", "/multi/consumers", `{"email":"someone@taken.example"}`, h...); r.status != 409 || string(r.body) != `{"errorCode":"EMAIL_NOT_UNIQUE"}` {
			t.Errorf("taken email: %d %s", r.status, r.body)
		}
		if r := s.do("PATCH", "/multi/consumers", `{"tag":"fine"}`, h...); r.status != 200 {
			t.Errorf("other body: %d %s", r.status, r.body)
		}
		if r := s.do("GET", "/api/public/api/1/odata.svc/Customers(3)", "", lpHeaders()...); r.status != 500 {
			t.Errorf("customer 3: %d %s", r.status, r.body)
		}
		if r := s.do("GET", lpCustomer, "", lpHeaders()...); r.status != 200 {
			t.Errorf("customer 1: %d %s", r.status, r.body)
		}
	})
	t.Run("probability is seeded", func(t *testing.T) {
		run := func() []int {
			s := newSandbox(t, func(c *simulator.Config) { c.Scenarios = []string{"weavr-intermittent-500"} })
			h := s.weavr("alice@example.com")
			var failed []int
			for i := range 100 {
				if r := s.do("GET", "/multi/consumers", "", h...); r.status == 500 {
					failed = append(failed, i)
				}
			}
			return failed
		}
		a, b := run(), run()
		if !slices.Equal(a, b) || len(a) < 8 || len(a) > 35 {
			t.Errorf("500s at %v and %v: want the same ~20 of 100 in both runs", a, b)
		}
	})
	t.Run("counters are per session", func(t *testing.T) {
		s := newSandbox(t)
		for _, sess := range []string{"a", "b"} {
			r := s.call("weavr.consumerUpdate", "X-Sandbox-Scenario", "weavr-flaky-then-succeeds", "X-Sandbox-Session", sess)
			if r.status != 503 {
				t.Errorf("session %s first call: %d", sess, r.status)
			}
		}
	})
}

func TestDelays(t *testing.T) {
	s := newSandbox(t)
	r := s.call("weavr.consumerUpdate", "X-Sandbox-Scenario", "weavr-slow")
	if r.status != 200 || !strings.Contains(string(r.body), `"tag":"x"`) || r.header.Get("X-Sandbox-Scenario") != "weavr-slow" {
		t.Errorf("slow pass-through: %d %s", r.status, r.body)
	}
	if got := s.clock.Slept(); !slices.Equal(got, []time.Duration{2 * time.Second}) {
		t.Errorf("slept %v, want [2s]", got)
	}
	s.call("loanpro.customerGet", "X-Sandbox-Scenario", "weavr-slow-jitter") // another vendor: no effect
	s.call("weavr.consumerGet", "X-Sandbox-Scenario", "weavr-slow-jitter")
	got := s.clock.Slept()
	if len(got) != 2 || got[1] < 100*time.Millisecond || got[1] > 1500*time.Millisecond {
		t.Errorf("slept %v, want a second delay in [100ms, 1.5s]", got)
	}
}

// TestFaults drives the connection faults over a real listener.
func TestFaults(t *testing.T) {
	s := newSandbox(t)
	ts := s.live()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	h := s.weavr("alice@example.com")
	patch := func(name string) (*http.Response, []byte, error) {
		return send(t, c, "PATCH", ts.URL+"/multi/consumers", `{"tag":"x"}`, append(h, "X-Sandbox-Scenario", name)...)
	}
	if _, _, err := patch("weavr-connection-reset"); err == nil || !strings.Contains(err.Error(), "reset") {
		t.Errorf("reset: err = %v", err)
	}
	if _, _, err := patch("weavr-empty-reply"); err == nil || !errors.Is(err, io.EOF) {
		t.Errorf("empty: err = %v", err)
	}
	resp, body, err := patch("weavr-truncated-body")
	if !errors.Is(err, io.ErrUnexpectedEOF) || resp.StatusCode != 200 || resp.ContentLength <= int64(len(body)) || len(body) == 0 {
		t.Errorf("truncated: err = %v, body %q", err, body)
	}
	resp, body, err = send(t, c, "GET", ts.URL+"/multi/consumers", "", append(h, "X-Sandbox-Scenario", "weavr-malformed-body")...)
	if err != nil || resp.StatusCode != 200 || resp.ContentLength != int64(len(body)) || !bytes.HasPrefix(body, []byte(`{"`)) || json.Valid(body) {
		t.Errorf("malformed: err = %v, body %q", err, body)
	}
	quick := &http.Client{Timeout: 200 * time.Millisecond}
	if _, _, err := send(t, quick, "GET", ts.URL+lpCustomer, "", lpHeaders("X-Sandbox-Scenario", "loanpro-hang")...); err == nil || !strings.Contains(err.Error(), "Client.Timeout") {
		t.Errorf("hang: err = %v", err)
	}
	// The sandbox still serves normally afterwards.
	if resp, _, err := send(t, c, "GET", ts.URL+lpCustomer, "", lpHeaders()...); err != nil || resp.StatusCode != 200 {
		t.Errorf("after faults: %v", err)
	}
}

// TestTimesExactUnderConcurrency: 64 parallel requests against times: 10
// give exactly 10 hits (meant for -race).
func TestTimesExactUnderConcurrency(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "ten.yaml", "name: ten-503s\ndescription: ten 503s\nmatch: {operation: loanpro.customerGet}\ntimes: 10\nrespond: {error: loanpro.SERVER_ERROR}\n")
	s := newSandbox(t, func(c *simulator.Config) { c.ScenarioDir, c.Scenarios = dir, []string{"ten-503s"} })
	var wg sync.WaitGroup
	var mu sync.Mutex
	count := map[int]int{}
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.do("GET", lpCustomer, "", lpHeaders()...)
			mu.Lock()
			count[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if count[500] != 10 || count[200] != 54 {
		t.Errorf("statuses %v, want exactly 10 × 500 and 54 × 200", count)
	}
}

func writeFile(t *testing.T, dir, name, data string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

type syncBuffer = syncbuf.Buffer

// TestScenarioDirOverridesAndReloads: --scenarios DIR replaces a shipped
// scenario by name, adds new ones, reloads on change, and keeps the last
// good set when an edit is invalid.
func TestScenarioDirOverridesAndReloads(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "mine.yaml", "name: weavr-email-not-unique\ndescription: overridden\nmatch: {operation: weavr.consumerUpdate}\nrespond: {status: 418, body: {mine: 1}}\n")
	logs := &syncBuffer{}
	s := newSandbox(t, func(c *simulator.Config) {
		c.ScenarioDir, c.ScenarioReload = dir, 5*time.Millisecond
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	// sandboxtest runs the server's background work (watcher, janitor).

	h := s.weavr("alice@example.com", "X-Sandbox-Scenario", "weavr-email-not-unique")
	if r := s.do("PATCH", "/multi/consumers", `{}`, h...); r.status != 418 || string(r.body) != `{"mine":1}` {
		t.Fatalf("override: %d %s", r.status, r.body)
	}
	writeFile(t, dir, "mine.yaml", "name: weavr-email-not-unique\ndescription: overridden\nmatch: {operation: weavr.consumerUpdate}\nrespond: {status: 418, body: {mine: 2}}\n")
	eventually(t, func() bool { return string(s.do("PATCH", "/multi/consumers", `{}`, h...).body) == `{"mine":2}` })

	writeFile(t, dir, "mine.yaml", "name: weavr-email-not-unique\ndescription: broken\nrespond: {eror: x}\n")
	eventually(t, func() bool { return strings.Contains(logs.String(), "scenario reload failed") })
	if !strings.Contains(logs.String(), `mine.yaml:3:11: unknown key \"eror\" in response`) {
		t.Errorf("log lacks the position of the mistake:\n%s", logs.String())
	}
	if r := s.do("PATCH", "/multi/consumers", `{}`, h...); string(r.body) != `{"mine":2}` {
		t.Errorf("after a bad edit: %d %s, want the last good scenario", r.status, r.body)
	}
	if r := s.do("POST", "/__sandbox/scenarios/reload", ""); r.status != 422 || !strings.Contains(string(r.body), `mine.yaml:3:11: unknown key`) {
		t.Errorf("reload through the control API: %d %s", r.status, r.body)
	}
	writeFile(t, dir, "mine.yaml", "name: mine-too\ndescription: d\nrespond: {status: 418}\n")
	if r := s.do("POST", "/__sandbox/scenarios/reload", ""); r.status != 200 {
		t.Errorf("reload of a good edit: %d %s", r.status, r.body)
	}
	if r := s.do("PATCH", "/multi/consumers", `{}`, h...); r.status != 409 {
		t.Errorf("the shipped scenario is back once the override is gone: %d %s", r.status, r.body)
	}
}

func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestScenarioConfigFailsFast(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "bad.yaml", "name: x\ndescription: d\nmatch: {operation: weavr.nope}\nrespond: {pass: true}\n")
	tests := []struct {
		name string
		cfg  func(*simulator.Config)
		want string
		list bool // a file error: an ErrorList with positions
	}{
		{"bad file", func(c *simulator.Config) { c.ScenarioDir = dir }, "bad.yaml:3:20: unknown operation \"weavr.nope\"", true},
		{"missing dir", func(c *simulator.Config) { c.ScenarioDir = filepath.Join(dir, "none") }, "not a readable directory", false},
		{"unknown active", func(c *simulator.Config) { c.Scenarios = []string{"ghost"} }, `unknown scenario "ghost"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := simulator.DefaultConfig()
			weavrSettings(&cfg).Consumers, loanproSettings(&cfg).Customers = 1, 1
			tt.cfg(&cfg)
			_, err := simulator.New(cfg)
			var el scenario.ErrorList
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
			if errors.As(err, &el) != tt.list || (tt.list && (len(el) != 1 || !strings.HasPrefix(el[0].Error(), filepath.Join(dir, tt.want)))) {
				t.Errorf("err = %#v: want an ErrorList %v with the one error %q…", err, tt.list, tt.want)
			}
		})
	}
}
