package weavr_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/ratelimit"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

const (
	apiKey  = "sandbox-api-key"
	apiKey2 = "sandbox-api-key-2"
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// sandbox is the whole sandbox (sandboxtest) with a fake clock, driven
// in-process; its helpers keep the test bodies short.
type sandbox struct {
	t     testing.TB
	sb    *sandboxtest.Sandbox
	clock *clock.Fake
	// unchecked makes do skip the vendor-document check (Raw): only the
	// fuzz target sets it, while fuzzing, where the check costs most of
	// the throughput.
	unchecked bool
}

// newSandbox starts the sandbox with small data (20 consumers, 5
// customers), a fake clock at t0 and the rate limit off; opts (applied
// after) change that.
func newSandbox(t testing.TB, opts ...sandboxtest.Option) *sandbox {
	t.Helper()
	fc := clock.NewFake(t0)
	base := []sandboxtest.Option{
		sandboxtest.WithConfig(func(c *simulator.Config) { c.Clock = fc }),
		sandboxtest.WithSettings(func(s *weavr.Settings) { s.Consumers, s.RateLimit = 20, nil }),
		sandboxtest.WithSettings(func(s *loanpro.Settings) { s.Customers = 5 }),
	}
	return &sandbox{t: t, sb: sandboxtest.New(t, append(base, opts...)...), clock: fc}
}

// withSettings changes Weavr's settings.
func withSettings(fn func(*weavr.Settings)) sandboxtest.Option {
	return sandboxtest.WithSettings(fn)
}

func withRateLimit(spec string) sandboxtest.Option {
	s, err := ratelimit.ParseSpec(spec)
	if err != nil {
		panic(err)
	}
	return withSettings(func(w *weavr.Settings) { w.RateLimit = s })
}

// result is one answer.
type result = sandboxtest.Result

// headers is a list of name, value pairs.
type headers []string

func std(token string) headers {
	h := headers{"api-key", apiKey, "Content-Type", "application/json"}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	return h
}

// do sends one request; every vendor answer is checked against Weavr's
// OpenAPI documents (sandboxtest.Do), so the whole suite proves the
// contract.
func (s *sandbox) do(method, path string, h headers, body string) result {
	s.t.Helper()
	if s.unchecked {
		return s.raw(method, path, h, body)
	}
	return s.sb.Do(s.t, method, path, body, h...)
}

// raw is do without the vendor-document check, for paths and methods the
// document does not have.
func (s *sandbox) raw(method, path string, h headers, body string) result {
	s.t.Helper()
	return s.sb.Raw(s.t, method, path, body, h...)
}

func (s *sandbox) login(email string) string {
	s.t.Helper()
	r := s.do("POST", "/multi/login_with_password", std(""), `{"email":"`+email+`","password":{"value":"Passw0rd!"}}`)
	if r.Status != http.StatusOK {
		s.t.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	return r.JSON(s.t)["token"].(string)
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
	if r.Status != status {
		t.Fatalf("status %d, want %d (body %s)", r.Status, status, r.Body)
	}
	if body == "" {
		if len(r.Body) != 0 {
			t.Errorf("body %s, want none", r.Body)
		}
		return
	}
	if !jsonEqual(r.Body, []byte(body)) {
		t.Errorf("body\n got  %s\n want %s", r.Body, body)
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
