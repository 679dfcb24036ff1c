package simulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// Sandbox credentials of the embedded fixtures.
const (
	apiKey     = "sandbox-api-key"
	lpToken    = "sandbox-token"
	lpTenant   = "5200000"
	lpCustomer = "/api/public/api/1/odata.svc/Customers(1)"
)

// sandbox is the shared harness (sandboxtest) over small data with a fake
// clock and the Weavr rate limit off.
type sandbox struct {
	t     *testing.T
	sb    *sandboxtest.Sandbox
	srv   *simulator.Server
	clock *clock.Fake
}

func newSandbox(t *testing.T, mutate ...func(*simulator.Config)) *sandbox {
	t.Helper()
	fc := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	sb := sandboxtest.New(t, sandboxtest.WithData(10), sandboxtest.WithSettings(func(w *weavr.Settings) { w.RateLimit = nil }),
		sandboxtest.WithConfig(func(c *simulator.Config) {
			c.Clock = fc
			for _, m := range mutate {
				m(c)
			}
		}))
	return &sandbox{t: t, sb: sb, srv: sb.Server, clock: fc}
}

// weavrSettings and loanproSettings reach one vendor's settings in a Config.
func weavrSettings(c *simulator.Config) *weavr.Settings {
	return contract.SettingsOf[weavr.Settings](c.Vendors)
}

func loanproSettings(c *simulator.Config) *loanpro.Settings {
	return contract.SettingsOf[loanpro.Settings](c.Vendors)
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func of(r sandboxtest.Result) result { return result{status: r.Status, header: r.Header, body: r.Body} }

// do sends a request through the router; vendor answers are checked
// against the vendor's OpenAPI documents.
func (s *sandbox) do(method, path, body string, h ...string) result {
	s.t.Helper()
	return of(s.sb.Do(s.t, method, path, body, h...))
}

// raw sends a request through the router without the vendor-document
// check (for paths and answers the document does not have).
func (s *sandbox) raw(method, path, body string, h ...string) result {
	s.t.Helper()
	return of(s.sb.Raw(s.t, method, path, body, h...))
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

func lpHeaders(extra ...string) []string {
	return append([]string{"Authorization", "Bearer " + lpToken, "Autopal-Instance-Id", lpTenant, "Content-Type", "application/json"}, extra...)
}

// live is the sandbox's real listener, for faults that act on the
// connection itself.
func (s *sandbox) live() *sandboxtest.Sandbox { return s.sb }

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
