package simulator_test

import (
	"encoding/json"
	"flag"
	"fmt"
	iofs "io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"gopkg.in/yaml.v3"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
	"github.com/sandbox-dev/fintech-sandbox/scenarios"
	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// acme is a minimal third vendor declared through the contract alone: one
// collection of widgets, a read and a write, its own error shape.
type acme struct {
	key  session.Key[*acmeWorld]
	defs map[string]*apierr.Def
}

type acmeWorld struct {
	mu      sync.Mutex
	widgets map[string]string // id → name
}

type acmePlugin struct {
	settings struct {
		Widgets   int
		RateLimit string // same bare name as Weavr's --rate-limit alias
	}
}

func newAcme() *acmePlugin {
	p := &acmePlugin{}
	p.settings.Widgets = 2
	return p
}

func (p *acmePlugin) Name() string  { return "acme" }
func (p *acmePlugin) Settings() any { return &p.settings }
func (p *acmePlugin) Flags(fs *flag.FlagSet) {
	fs.IntVar(&p.settings.Widgets, "widgets", p.settings.Widgets, "acme widgets")
	fs.StringVar(&p.settings.RateLimit, "rate-limit", "", "acme rate limit")
}

func (p *acmePlugin) Build(env contract.Env) (*contract.Vendor, error) {
	a := &acme{key: session.NewKey[*acmeWorld]("acme"), defs: map[string]*apierr.Def{}}
	// Its fixture file is its own: acme.yaml beside weavr.yaml and
	// loanpro.yaml (the embedded set takes *.yaml), id → name.
	named := map[string]string{}
	if b, err := iofs.ReadFile(env.Fixtures, "acme.yaml"); err == nil {
		if err := yaml.Unmarshal(b, &named); err != nil {
			return nil, fmt.Errorf("acme.yaml: %w", err)
		}
	}
	defs := []apierr.Def{
		{Vendor: "acme", Name: "NO_SUCH_WIDGET", Status: 404, Body: []byte(`{"acmeError":"no such widget"}`), Summary: "unknown widget id"},
		{Vendor: "acme", Name: "OVERLOADED", Status: 503, Body: []byte(`{"acmeError":"overloaded"}`), Summary: "scenarios only"},
		{Vendor: "acme", Name: "NOT_FOUND", Status: 404, Body: []byte(`{"acmeError":"no route"}`), Summary: "unknown path"},
		{Vendor: "acme", Name: "METHOD_NOT_ALLOWED", Status: 405, Body: []byte(`{"acmeError":"bad method"}`), Summary: "wrong method"},
	}
	for i := range defs {
		a.defs[defs[i].Name] = &defs[i]
	}
	n := p.settings.Widgets
	id := func(c *gin.Context) []string { return []string{c.Param("id")} }
	return &contract.Vendor{
		Name: "acme", Title: "Acme", Prefixes: []string{"/acme"},
		Middleware: []gin.HandlerFunc{func(c *gin.Context) { c.Header("Acme-Trace", "t1") }},
		Operations: []contract.Operation{
			{ID: "acme.widgetGet", Method: "GET", Path: "/acme/widgets/{id}", Summary: "get a widget", Errors: []string{"NO_SUCH_WIDGET", "OVERLOADED"}, Target: id, Handler: a.get},
			{ID: "acme.widgetPut", Method: "PUT", Path: "/acme/widgets/{id}", Summary: "rename a widget", Errors: []string{"NO_SUCH_WIDGET", "OVERLOADED"}, Target: id, Handler: a.put},
		},
		Unknown: contract.Unknown{ID: "acme.unknown", Errors: []string{"NOT_FOUND", "METHOD_NOT_ALLOWED"}, Handler: func(c *gin.Context, m bool) {
			if m {
				apierr.Write(c.Writer, a.defs["METHOD_NOT_ALLOWED"].Response())
				return
			}
			apierr.Write(c.Writer, a.defs["NOT_FOUND"].Response())
		}},
		Errors: defs,
		World: a.key.Factory(func() *acmeWorld {
			w := &acmeWorld{widgets: map[string]string{}}
			for i := range n {
				w.widgets["w"+string(rune('1'+i))] = "widget"
			}
			for id, name := range named {
				w.widgets[id] = name
			}
			return w
		}),
		Data: []contract.Collection{{Name: "widgets", Item: "widget", Search: "name",
			List: func(s *session.Session, q string, offset, limit int) (any, int) {
				w := a.key.Of(s)
				w.mu.Lock()
				defer w.mu.Unlock()
				out := []string{}
				for id, name := range w.widgets {
					if strings.Contains(name, q) {
						out = append(out, id)
					}
				}
				return out, len(out)
			},
			Get: func(s *session.Session, id string) (any, bool) {
				w := a.key.Of(s)
				w.mu.Lock()
				defer w.mu.Unlock()
				name, ok := w.widgets[id]
				return map[string]string{"id": id, "name": name}, ok
			}}},
	}, nil
}

func (a *acme) get(c *gin.Context) {
	w := a.key.Of(contract.SessionOf(c))
	w.mu.Lock()
	name, ok := w.widgets[c.Param("id")]
	w.mu.Unlock()
	if !ok {
		apierr.Write(c.Writer, a.defs["NO_SUCH_WIDGET"].Response())
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "name": name, "operation": contract.OperationOf(c)})
}

func (a *acme) put(c *gin.Context) {
	var body struct{ Name string }
	if err := json.NewDecoder(c.Request.Body).Decode(&body); err != nil {
		apierr.Write(c.Writer, a.defs["NO_SUCH_WIDGET"].Response())
		return
	}
	w := a.key.Of(contract.SessionOf(c))
	w.mu.Lock()
	w.widgets[c.Param("id")] = body.Name
	w.mu.Unlock()
	c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "name": body.Name})
}

// TestThirdVendorThroughTheContractAlone registers acme beside Weavr and
// LoanPro without editing any neutral code, and shows it gets routes,
// vendor-shaped unknown routes, scenarios by header and Prefer, sessions,
// the journal, metrics, the control API's data browser and documents.
func TestThirdVendorThroughTheContractAlone(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "acme.yaml"), []byte(`name: acme-overloaded
description: widget w2 is overloaded
match: {operation: acme.widgetGet, target: w2}
respond: {error: acme.OVERLOADED}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newSandbox(t, func(c *simulator.Config) {
		c.Vendors = append(c.Vendors, newAcme())
		c.ScenarioDir = dir
	})

	r := s.raw("GET", "/acme/widgets/w1", "")
	if r.status != 200 || string(r.body) != `{"id":"w1","name":"widget","operation":"acme.widgetGet"}` || r.header.Get("Acme-Trace") != "t1" {
		t.Errorf("route: %d %s %v", r.status, r.body, r.header)
	}
	for _, tt := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/acme/nothing", 404, `{"acmeError":"no route"}`},
		{"GET", "/acme/widgets/w1/", 404, `{"acmeError":"no route"}`},
		{"DELETE", "/acme/widgets/w1", 405, `{"acmeError":"bad method"}`},
		{"GET", "/acme/widgets/w9", 404, `{"acmeError":"no such widget"}`},
	} {
		if r := s.raw(tt.method, tt.path, ""); r.status != tt.status || string(r.body) != tt.body || r.header.Get("Acme-Trace") != "t1" {
			t.Errorf("%s %s: %d %s (%v), want %d %s", tt.method, tt.path, r.status, r.body, r.header, tt.status, tt.body)
		}
	}

	// Scenarios: named on the request, activated for a session (matching
	// the target the vendor extracts), and Prefer.
	if r := s.raw("GET", "/acme/widgets/w1", "", "X-Sandbox-Scenario", "acme-overloaded"); r.status != 503 || string(r.body) != `{"acmeError":"overloaded"}` {
		t.Errorf("X-Sandbox-Scenario: %d %s", r.status, r.body)
	}
	if r := s.raw("PUT", "/__sandbox/sessions/t/scenarios/acme-overloaded", ""); r.status != 200 {
		t.Fatalf("activate: %d %s", r.status, r.body)
	}
	if r := s.raw("GET", "/acme/widgets/w1", "", "X-Sandbox-Session", "t"); r.status != 200 {
		t.Errorf("the scenario for target w2 answered w1: %d %s", r.status, r.body)
	}
	if r := s.raw("GET", "/acme/widgets/w2", "", "X-Sandbox-Session", "t"); r.status != 503 || string(r.body) != `{"acmeError":"overloaded"}` {
		t.Errorf("the scenario for target w2: %d %s", r.status, r.body)
	}
	if r := s.raw("GET", "/acme/widgets/w1", "", "Prefer", "code=503"); r.status != 503 || string(r.body) != `{"acmeError":"overloaded"}` {
		t.Errorf("Prefer: %d %s", r.status, r.body)
	}

	// Sessions: a write in one session is not seen in another.
	if r := s.raw("PUT", "/acme/widgets/w1", `{"name":"renamed"}`, "X-Sandbox-Session", "a"); r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	if r := s.raw("GET", "/acme/widgets/w1", "", "X-Sandbox-Session", "a"); !strings.Contains(string(r.body), `"renamed"`) {
		t.Errorf("session a: %s", r.body)
	}
	if r := s.raw("GET", "/acme/widgets/w1", "", "X-Sandbox-Session", "b"); !strings.Contains(string(r.body), `"widget"`) {
		t.Errorf("session b saw session a's write: %s", r.body)
	}

	// The journal, the metrics, the control API.
	if r := s.raw("GET", "/__sandbox/sessions/a/journal/count?vendor=acme&operation=acme.widgetPut", ""); string(r.body) != `{"count":1,"dropped":0}` {
		t.Errorf("journal: %s", r.body)
	}
	m := s.raw("GET", "/metrics", "")
	for _, want := range []string{
		`sandbox_requests_total{operation="acme.widgetGet",scenario="acme-overloaded",status="503",vendor="acme"} 2`,
		`sandbox_requests_total{operation="acme.unknown",scenario="",status="405",vendor="acme"} 1`,
	} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if r := s.raw("GET", "/__sandbox/sessions/a/acme/widgets?name=renamed", ""); string(r.body) != `{"limit":50,"offset":0,"total":1,"widgets":["w1"]}` {
		t.Errorf("data list: %s", r.body)
	}
	if r := s.raw("GET", "/__sandbox/sessions/a/acme/widgets/w1", ""); string(r.body) != `{"id":"w1","name":"renamed"}` {
		t.Errorf("data get: %s", r.body)
	}
	if r := s.raw("GET", "/__sandbox/sessions/a/acme/widgets/w9", ""); r.status != 404 || string(r.body) != `{"sandboxError":{"message":"sandbox: no Acme widget \"w9\" in session \"a\""}}` {
		t.Errorf("data get unknown: %d %s", r.status, r.body)
	}
	for path, want := range map[string]string{
		"/__sandbox/operations":   `"acme.widgetPut"`,
		"/__sandbox/errors":       `"acme.OVERLOADED"`,
		"/__sandbox/openapi.json": `"/acme/widgets/{id}"`,
		"/__sandbox/vendors":      `{"name":"acme","title":"Acme","prefixes":["/acme"],"collections":["widgets"],"documents":[]}`,
	} {
		if r := s.raw("GET", path, ""); r.status != 200 || !strings.Contains(string(r.body), want) {
			t.Errorf("%s lacks %s: %d %.300s", path, want, r.status, r.body)
		}
	}
}

// TestThirdVendorGetsFlagsSchemaAndFixtures: what else a vendor used to
// need edits elsewhere for follows from the vendor list too. Its flags are
// namespaced (acme's rate-limit is --acme-rate-limit, beside Weavr's
// un-prefixed --rate-limit alias, no "flag redefined"), the scenario schema
// names its operations and errors, and its fixture file is read from the
// fixtures folder like the others'.
func TestThirdVendorGetsFlagsSchemaAndFixtures(t *testing.T) {
	cfg := simulator.DefaultConfig()
	a := newAcme()
	cfg.Vendors = append(cfg.Vendors, a)

	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	for _, p := range cfg.Vendors {
		if err := contract.RegisterFlags(fs, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := fs.Parse([]string{"--acme-rate-limit=7/1m", "--acme-widgets=3", "--rate-limit=off"}); err != nil {
		t.Fatal(err)
	}
	if a.settings.RateLimit != "7/1m" || a.settings.Widgets != 3 {
		t.Errorf("acme settings = %+v", a.settings)
	}
	if w := weavrSettings(&cfg); w.RateLimit != nil {
		t.Errorf("--rate-limit=off did not reach Weavr: %v", w.RateLimit)
	}

	vocab, err := simulator.Vocabulary(cfg)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := scenario.Schema(scenarios.Schema, vocab)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"acme.widgetGet"`, `"acme.widgetPut"`, `"acme.OVERLOADED"`, `"weavr.consumerUpdate"`} {
		if !strings.Contains(string(schema), want) {
			t.Errorf("the derived scenario schema lacks %s", want)
		}
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "acme.yaml"), []byte("w7: gizmo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newSandbox(t, func(c *simulator.Config) {
		c.Vendors = append(c.Vendors, newAcme())
		c.Fixtures = fixtures.Dir(dir)
	})
	if r := s.raw("GET", "/acme/widgets/w7", ""); r.status != 200 || string(r.body) != `{"id":"w7","name":"gizmo","operation":"acme.widgetGet"}` {
		t.Errorf("fixture widget: %d %s", r.status, r.body)
	}
	// Weavr's and LoanPro's fixtures still come from the embedded set.
	if r := s.raw("GET", "/__sandbox/sessions/default/loanpro/customers/3", ""); r.status != 200 || !strings.Contains(string(r.body), "Major") {
		t.Errorf("embedded LoanPro fixture: %d %.200s", r.status, r.body)
	}
}

// TestVendorDeclarationsAreCheckedAtStartup: a vendor that declares
// itself wrongly stops the sandbox from starting, with the reason.
func TestVendorDeclarationsAreCheckedAtStartup(t *testing.T) {
	tests := []struct {
		name string
		edit func(*contract.Vendor)
		want string
	}{
		{"no prefix", func(v *contract.Vendor) { v.Prefixes = nil }, "declares no path prefix"},
		{"operation outside the prefix", func(v *contract.Vendor) { v.Operations[0].Path = "/other/{id}" }, "is under none of the prefixes"},
		{"operation of another vendor", func(v *contract.Vendor) { v.Operations[0].ID = "weavr.widgetGet" }, "must be named acme.<operation>"},
		{"shared route without Resolve", func(v *contract.Vendor) { v.Operations[1].Method = "GET" }, "no Resolve tells them apart"},
		{"error filed elsewhere", func(v *contract.Vendor) { v.Errors[0].Vendor = "weavr" }, `is filed under "weavr"`},
		{"renamed", func(v *contract.Vendor) {
			v.Name, v.Unknown.ID, v.Operations, v.Errors = "acme2", "acme2.unknown", nil, nil
		}, `vendor acme built as "acme2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := simulator.DefaultConfig()
			cfg.Vendors = append(cfg.Vendors, &editedPlugin{acmePlugin: newAcme(), edit: tt.edit})
			if _, err := simulator.New(cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestAVendorListedTwiceIsRefused(t *testing.T) {
	cfg := simulator.DefaultConfig()
	cfg.Vendors = append(cfg.Vendors, simulator.Plugins()[0])
	if _, err := simulator.New(cfg); err == nil || !strings.Contains(err.Error(), "vendor weavr listed twice") {
		t.Errorf("err = %v", err)
	}
}

// editedPlugin builds acme, then breaks its declaration.
type editedPlugin struct {
	*acmePlugin
	edit func(*contract.Vendor)
}

func (p *editedPlugin) Build(env contract.Env) (*contract.Vendor, error) {
	v, err := p.acmePlugin.Build(env)
	if err == nil {
		p.edit(v)
	}
	return v, err
}
