package weavr_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/ratelimit"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
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
	// events records what Weavr publishes (injected as its Publisher) and
	// the sessions requests ran in, for the control actions.
	events *recorder
	// unchecked makes do skip the vendor-document check (Raw): only the
	// fuzz target sets it, while fuzzing, where the check costs most of
	// the throughput.
	unchecked bool
}

// newSandbox starts the sandbox with small data (20 consumers, 5
// customers), a fake clock at t0, the rate limit off and a recording
// Publisher for Weavr's events; opts (applied after) change that.
func newSandbox(t testing.TB, opts ...sandboxtest.Option) *sandbox {
	t.Helper()
	fc := clock.NewFake(t0)
	rec := &recorder{sessions: map[string]*session.Session{}}
	base := []sandboxtest.Option{
		sandboxtest.WithConfig(func(c *simulator.Config) {
			c.Clock = fc
			for i, p := range c.Vendors {
				if p.Name() == weavr.Vendor {
					c.Vendors[i] = recordingPlugin{Plugin: p, rec: rec}
				}
			}
		}),
		sandboxtest.WithSettings(func(s *weavr.Settings) { s.Consumers, s.RateLimit = 20, nil }),
		sandboxtest.WithSettings(func(s *loanpro.Settings) { s.Customers = 5 }),
	}
	return &sandbox{t: t, sb: sandboxtest.New(t, append(base, opts...)...), clock: fc, events: rec}
}

// recorder is the Publisher injected into Weavr (Env.Events, passed to
// weavr.Options.Events): it keeps every event with its session, then hands
// it to the sandbox's own Publisher, which delivers it. It also
// keeps the session of every Weavr request, so tests can run the
// collection's actions (contract.Action.Do takes a *session.Session).
type recorder struct {
	next contract.Publisher // the sandbox's own (its webhook dispatcher): every event goes on to it

	mu       sync.Mutex
	events   []recorded
	sessions map[string]*session.Session
}

type recorded struct {
	session string
	ev      contract.Event
}

func (r *recorder) Publish(s *session.Session, ev contract.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, recorded{s.Name(), ev})
	if r.next != nil {
		r.next.Publish(s, ev)
	}
}

// of is the events published in the named session, in order.
func (r *recorder) of(name string) []contract.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []contract.Event
	for _, e := range r.events {
		if e.session == name {
			out = append(out, e.ev)
		}
	}
	return out
}

func (r *recorder) saw(s *session.Session) {
	r.mu.Lock()
	r.sessions[s.Name()] = s
	r.mu.Unlock()
}

// recordingPlugin is Weavr built with the recorder as its Publisher and
// every handler noting its request's session.
type recordingPlugin struct {
	contract.Plugin
	rec *recorder
}

func (p recordingPlugin) SetGenerated(n int) {
	if g, ok := p.Plugin.(contract.Generator); ok {
		g.SetGenerated(n)
	}
}

func (p recordingPlugin) Build(env contract.Env) (*contract.Vendor, error) {
	p.rec.next, env.Events = env.Events, p.rec
	v, err := p.Plugin.Build(env)
	if err != nil {
		return nil, err
	}
	for i := range v.Operations {
		h := v.Operations[i].Handler
		v.Operations[i].Handler = func(c *gin.Context) { p.rec.saw(contract.SessionOf(c)); h(c) }
	}
	return v, nil
}

// session is the named session (session.Default for requests naming
// none), made by a request if no request ran in it yet.
func (s *sandbox) session(name string) *session.Session {
	s.t.Helper()
	s.events.mu.Lock()
	sess := s.events.sessions[name]
	s.events.mu.Unlock()
	if sess == nil {
		s.do("GET", "/multi/consumers/kyc", headers{"api-key", apiKey, session.Header, name}, "")
		s.events.mu.Lock()
		sess = s.events.sessions[name]
		s.events.mu.Unlock()
	}
	if sess == nil {
		s.t.Fatalf("no session %s", name)
	}
	return sess
}

// act runs a control action of the consumers collection, as the control
// API's POST /__sandbox/sessions/{s}/weavr/consumers/{id}/{action} does.
func (s *sandbox) act(sessionName, id, action, body string) (any, error) {
	s.t.Helper()
	for _, v := range s.sb.Server.Vendors() {
		if v.Name != weavr.Vendor {
			continue
		}
		for _, col := range v.Data {
			for _, a := range col.Actions {
				if col.Name == "consumers" && a.Name == action {
					return a.Do(s.session(sessionName), id, []byte(body))
				}
			}
		}
	}
	s.t.Fatalf("no consumers action %s", action)
	return nil, nil
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
