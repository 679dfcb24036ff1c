package weavr_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/internal/oascheck"
	"github.com/sandbox-dev/fintech-sandbox/simulator/ratelimit"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

const (
	apiKey  = "sandbox-api-key"
	apiKey2 = "sandbox-api-key-2"
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// vendorDoc loads Weavr's OpenAPI document once per test binary (it takes
// over a second); nil when shared/vendor is absent.
var vendorDoc = sync.OnceValues(oascheck.LoadWeavr)

// sandbox is the real router with a fake clock, driven through httptest.
type sandbox struct {
	t     *testing.T
	h     http.Handler
	clock *clock.Fake
	// unchecked skips the vendor-document check (for undocumented paths).
	unchecked bool
}

// newSandbox builds the sandbox with small data, rate limit off unless
// mutate says otherwise.
func newSandbox(t *testing.T, mutate ...func(*simulator.Config)) *sandbox {
	t.Helper()
	cfg := simulator.DefaultConfig()
	fc := clock.NewFake(t0)
	cfg.Clock = fc
	cfg.Weavr.Consumers = 20
	cfg.Weavr.RateLimit = nil
	cfg.LoanPro.Customers = 5
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &sandbox{t: t, h: srv, clock: fc}
}

func withRateLimit(spec string) func(*simulator.Config) {
	return func(c *simulator.Config) {
		s, err := ratelimit.ParseSpec(spec)
		if err != nil {
			panic(err)
		}
		c.Weavr.RateLimit = s
	}
}

// result is one response.
type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// headers is a list of name, value pairs.
type headers []string

func std(token string) headers {
	h := headers{"api-key", apiKey, "Content-Type", "application/json"}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	return h
}

// do sends one request; every response under /multi is checked against
// Weavr's OpenAPI document, so the whole suite proves the contract.
func (s *sandbox) do(method, path string, h headers, body string) result {
	s.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	res := result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if strings.HasPrefix(path, "/multi/") && !s.unchecked {
		oascheck.Report(s.t, vendorDoc, method, path, res.status, res.header, res.body)
	}
	return res
}

func (s *sandbox) login(email string) string {
	s.t.Helper()
	r := s.do("POST", "/multi/login_with_password", std(""), `{"email":"`+email+`","password":{"value":"Passw0rd!"}}`)
	if r.status != http.StatusOK {
		s.t.Fatalf("login %s: %d %s", email, r.status, r.body)
	}
	return r.json(s.t)["token"].(string)
}

func (s *sandbox) patch(token, body string) result {
	s.t.Helper()
	return s.do("PATCH", "/multi/consumers", std(token), body)
}

func (s *sandbox) get(token string) result {
	s.t.Helper()
	return s.do("GET", "/multi/consumers", std(token), "")
}

// expect checks status and, when body is not "", the exact JSON body.
func expect(t *testing.T, r result, status int, body string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d (body %s)", r.status, status, r.body)
	}
	if body == "" {
		if len(r.body) != 0 {
			t.Errorf("body %s, want none", r.body)
		}
		return
	}
	if !jsonEqual(r.body, []byte(body)) {
		t.Errorf("body\n got  %s\n want %s", r.body, body)
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// golden compares body with testdata/name.golden.json (rewritten with -update).
func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		t.Fatalf("body is not JSON: %s", body)
	}
	pretty.WriteByte('\n')
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s missing: run go test -update", path)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s differs:\n got  %s\n want %s", path, pretty.Bytes(), want)
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
