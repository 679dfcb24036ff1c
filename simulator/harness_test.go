package simulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/internal/oascheck"
)

// Sandbox credentials of the embedded fixtures.
const (
	apiKey     = "sandbox-api-key"
	lpToken    = "sandbox-token"
	lpTenant   = "5200000"
	lpCustomer = "/api/public/api/1/odata.svc/Customers(1)"
)

var weavrDoc = sync.OnceValues(oascheck.LoadWeavr)

// sandbox is the real router over small data with a fake clock.
type sandbox struct {
	t     *testing.T
	srv   *simulator.Server
	clock *clock.Fake
}

func newSandbox(t *testing.T, mutate ...func(*simulator.Config)) *sandbox {
	t.Helper()
	cfg := simulator.DefaultConfig()
	fc := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	cfg.Clock = fc
	cfg.Weavr.Consumers, cfg.LoanPro.Customers = 10, 10
	cfg.Weavr.RateLimit = nil
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &sandbox{t: t, srv: srv, clock: fc}
}

type result struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request through the router; Weavr /multi answers are checked
// against the vendor's OpenAPI document.
func (s *sandbox) do(method, path, body string, h ...string) result {
	s.t.Helper()
	res := s.raw(method, path, body, h...)
	if strings.HasPrefix(path, "/multi/") && res.header.Get("X-Sandbox-Error") == "" {
		checkWeavr(s.t, method, path, res)
	}
	return res
}

// raw sends a request through the router without the vendor-document
// check (for paths the document does not have).
func (s *sandbox) raw(method, path, body string, h ...string) result {
	s.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Add(h[i], h[i+1])
	}
	rec := httptest.NewRecorder()
	s.srv.ServeHTTP(rec, req)
	return result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func checkWeavr(t *testing.T, method, path string, res result) {
	t.Helper()
	oascheck.Report(t, weavrDoc, method, path, res.status, res.header, res.body)
}

// weavr returns headers for a Weavr call, logged in as email unless "".
func (s *sandbox) weavr(email string, extra ...string) []string {
	s.t.Helper()
	h := []string{"api-key", apiKey, "Content-Type", "application/json"}
	if email != "" {
		login := h
		for i := 0; i+1 < len(extra); i += 2 {
			if extra[i] == "X-Sandbox-Session" {
				login = append(login[:len(login):len(login)], extra[i], extra[i+1])
			}
		}
		r := s.do("POST", "/multi/login_with_password", `{"email":"`+email+`","password":{"value":"Passw0rd!"}}`, login...)
		if r.status != http.StatusOK {
			s.t.Fatalf("login %s: %d %s", email, r.status, r.body)
		}
		var m map[string]any
		_ = json.Unmarshal(r.body, &m)
		h = append(h, "Authorization", "Bearer "+m["token"].(string))
	}
	return append(h, extra...)
}

func loanpro(extra ...string) []string {
	return append([]string{"Authorization", "Bearer " + lpToken, "Autopal-Instance-Id", lpTenant, "Content-Type", "application/json"}, extra...)
}

// live starts the sandbox on a real listener, for faults that act on the
// connection itself.
func (s *sandbox) live() *httptest.Server {
	ts := httptest.NewServer(s.srv)
	s.t.Cleanup(ts.Close)
	return ts
}

func send(t *testing.T, c *http.Client, method, url, body string, h ...string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Add(h[i], h[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}
