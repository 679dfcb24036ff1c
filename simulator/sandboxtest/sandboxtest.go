// Package sandboxtest runs the whole sandbox in-process for Go tests: New
// starts it on a free loopback port, gives its base URL and a small client
// for the control API, and stops it when the test ends, so a Go integrator
// embeds the sandbox in `go test` with no container.
//
//	sb := sandboxtest.New(t, sandboxtest.WithScenarios("weavr-flaky-then-succeeds"))
//	s := sb.SessionFor(t)                   // an isolated world for this test
//	req.Header.Set(session.Header, s.Name)  // X-Sandbox-Session
//
// Do sends a request straight to the handler (no network) and checks every
// vendor answer against the vendor's own OpenAPI documents: the harness of
// the sandbox's own tests too.
package sandboxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/control"
	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// Option adjusts the sandbox's configuration.
type Option func(*simulator.Config)

// WithConfig applies any change to the configuration.
func WithConfig(fn func(*simulator.Config)) Option { return Option(fn) }

// WithScenarios activates scenarios for all traffic (like --scenario).
func WithScenarios(names ...string) Option {
	return func(c *simulator.Config) { c.Scenarios = append(c.Scenarios, names...) }
}

// WithData sets how many records every vendor generates beside its
// fixtures (default 100: fast to start, enough to page through).
func WithData(n int) Option {
	return func(c *simulator.Config) {
		for _, p := range c.Vendors {
			if g, ok := p.(contract.Generator); ok {
				g.SetGenerated(n)
			}
		}
	}
}

// WithSettings changes the settings of the vendor whose settings type is
// T, e.g. WithSettings(func(s *weavr.Settings) { s.RateLimit = nil }).
// It panics when no vendor has settings of type T (a test's mistake).
func WithSettings[T any](fn func(*T)) Option {
	return func(c *simulator.Config) {
		s := contract.SettingsOf[T](c.Vendors)
		if s == nil {
			panic(fmt.Sprintf("sandboxtest: no vendor has settings of type %T", s))
		}
		fn(s)
	}
}

// WithState keeps the sandbox's mutable state in the shared backend rd
// (like --state): two sandboxes given Redis handles with the same URL and
// prefix are two replicas of one sandbox.
func WithState(rd *state.Redis) Option { return func(c *simulator.Config) { c.State = rd } }

// WithWebhookSchedule sets the webhook retry rule (--webhook-backoff,
// --webhook-factor, --webhook-retries). Weavr retries after 10 s, then
// 1 min, 6 min…, longer than a test waits (Receiver.Wait gives up after
// 10 s): a test of retries sets a fast schedule, e.g. {First: 10ms,
// Factor: 2, Retries: 5}.
func WithWebhookSchedule(s webhook.Schedule) Option {
	return func(c *simulator.Config) { c.WebhookSchedule = s }
}

// WithMemory keeps the sandbox's state in process even when the test run
// asks for Redis (SANDBOX_TEST_STATE=redis): for tests of the in-memory
// mode's own bounds (the journal memory budget, the session cap's
// eviction order).
func WithMemory() Option { return func(c *simulator.Config) { c.State = nil } }

// EnvState set to "redis" runs every sandbox New starts on a real Redis
// (statetest: SANDBOX_TEST_REDIS or a redis-server of the test binary's
// own), each with a key prefix of its own: how .ci/run runs the behaviour
// suites a second time against the shared state backend.
const EnvState = "SANDBOX_TEST_STATE"

// Sandbox is a running in-process sandbox.
type Sandbox struct {
	URL    string            // base URL, e.g. http://127.0.0.1:41234
	Server *simulator.Server // the handler, for direct inspection
	client *http.Client
	token  string
	stop   func()
}

// Config is the configuration Start begins from: the defaults, with 100
// generated records per vendor.
func Config() simulator.Config {
	cfg := simulator.DefaultConfig()
	WithData(100)(&cfg)
	return cfg
}

// Start runs a sandbox until the returned stop function is called. Most
// tests want New, which stops it at test end.
func Start(opts ...Option) (*Sandbox, func(), error) {
	if gin.Mode() == gin.DebugMode {
		gin.SetMode(gin.TestMode) // no route listing per sandbox in test output
	}
	cfg := Config()
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := simulator.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	ts := httptest.NewServer(srv)
	ctx, cancel := context.WithCancel(context.Background())
	go srv.Run(ctx)
	sb := &Sandbox{URL: ts.URL, Server: srv, client: ts.Client(), token: cfg.AdminToken}
	sb.stop = func() { cancel(); ts.Close() }
	return sb, sb.stop, nil
}

// New starts a sandbox for the test and stops it when the test ends.
func New(t testing.TB, opts ...Option) *Sandbox {
	t.Helper()
	switch v := os.Getenv(EnvState); v {
	case "", "memory":
	case "redis":
		opts = append([]Option{WithState(statetest.Open(t))}, opts...)
	default:
		t.Fatalf("sandboxtest: %s=%q: want redis or memory", EnvState, v)
	}
	sb, stop, err := Start(opts...)
	if err != nil {
		t.Fatalf("sandboxtest: %v", err)
	}
	t.Cleanup(stop)
	return sb
}

// Base is the base URL of a vendor's first path prefix, e.g.
// Base("weavr") is …/multi ("" for a vendor the sandbox does not serve).
func (sb *Sandbox) Base(vendor string) string {
	for _, v := range sb.Server.Vendors() {
		if v.Name == vendor {
			return sb.URL + v.Prefixes[0]
		}
	}
	return ""
}

// Client is an HTTP client for the sandbox's listener.
func (sb *Sandbox) Client() *http.Client { return sb.client }

// Session returns a control client for the named session. The session
// itself is created by its first request (or by Activate).
func (sb *Sandbox) Session(name string) *Session { return &Session{Name: name, sb: sb} }

// SessionFor returns a control client for a session named after the test:
// t.Name() with every character a session name cannot hold (a subtest's
// "/", spaces) written "_", cut to session.MaxNameLength.
func (sb *Sandbox) SessionFor(t testing.TB) *Session {
	b := []byte(t.Name())
	for i, c := range b {
		if session.CheckName(string(c)) != nil {
			b[i] = '_'
		}
	}
	return sb.Session(string(b[:min(len(b), session.MaxNameLength)]))
}

// Session controls one session: its scenarios, journal and lifecycle.
// Send `X-Sandbox-Session: <Name>` (Header) on vendor requests to use it.
type Session struct {
	Name string
	sb   *Sandbox
}

// Header is the header that puts a vendor request in this session.
func (s *Session) Header() http.Header { return http.Header{session.Header: {s.Name}} }

// Activate activates scenarios for this session.
func (s *Session) Activate(scenarios ...string) error {
	for _, n := range scenarios {
		if err := s.sb.call(http.MethodPut, s.path("/scenarios/"+url.PathEscape(n)), nil, http.StatusOK, nil); err != nil {
			return err
		}
	}
	return nil
}

// Deactivate deactivates scenarios of this session (all when none named).
func (s *Session) Deactivate(scenarios ...string) error {
	if len(scenarios) == 0 {
		return s.sb.call(http.MethodDelete, s.path("/scenarios"), nil, http.StatusOK, nil)
	}
	for _, n := range scenarios {
		if err := s.sb.call(http.MethodDelete, s.path("/scenarios/"+url.PathEscape(n)), nil, http.StatusOK, nil); err != nil {
			return err
		}
	}
	return nil
}

// Counters returns what each scenario did in this session.
func (s *Session) Counters() ([]scenario.Counter, error) {
	var out struct{ Counters []scenario.Counter }
	err := s.sb.call(http.MethodGet, s.path("/scenarios"), nil, http.StatusOK, &out)
	return out.Counters, err
}

// Reset returns the session to the seed.
func (s *Session) Reset() error {
	return s.sb.call(http.MethodPost, s.path("/reset"), nil, http.StatusOK, nil)
}

// Delete deletes the session.
func (s *Session) Delete() error {
	return s.sb.call(http.MethodDelete, s.path(""), nil, http.StatusNoContent, nil)
}

// Journal lists the session's requests matching filter (operation,
// status, since, … as in the control API), oldest first.
func (s *Session) Journal(filter url.Values) ([]journal.Entry, error) {
	var out struct{ Entries []journal.Entry }
	err := s.sb.call(http.MethodGet, s.path("/journal?"+filter.Encode()), nil, http.StatusOK, &out)
	return out.Entries, err
}

// Count counts the session's requests matching filter.
func (s *Session) Count(filter url.Values) (int, error) {
	var out struct{ Count int }
	err := s.sb.call(http.MethodGet, s.path("/journal/count?"+filter.Encode()), nil, http.StatusOK, &out)
	return out.Count, err
}

// Verify checks an expectation such as {"operation":
// "weavr.consumerUpdate", "status": 409, "exactly": 1}; the Verdict's
// Message explains a failure in words a test can print.
func (s *Session) Verify(expectation map[string]any) (journal.Verdict, error) {
	var v journal.Verdict
	err := s.sb.call(http.MethodPost, s.path("/journal/verify"), expectation, 0, &v)
	return v, err
}

func (s *Session) path(rest string) string { return "/sessions/" + url.PathEscape(s.Name) + rest }

// call sends one control request; want 0 accepts 200 and 417 (verify).
func (sb *Sandbox) call(method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, sb.URL+control.Prefix+path, rd)
	if err != nil {
		return err
	}
	if sb.token != "" {
		req.Header.Set("Authorization", "Bearer "+sb.token)
	}
	resp, err := sb.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	ok := resp.StatusCode == want || (want == 0 && (resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusExpectationFailed))
	if !ok {
		return fmt.Errorf("sandboxtest: %s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil && len(b) > 0 {
		return json.Unmarshal(b, out)
	}
	return nil
}
