// Package simulator assembles the sandbox: it seeds each vendor, builds the
// error catalog and the session registry, and returns one http.Handler (gin
// inside) that serves every simulated route. cmd/sandbox and tests both use
// New, so the whole sandbox runs in httptest too.
package simulator

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

func init() {
	// gin's mode is process-wide; the sandbox never wants debug output.
	gin.SetMode(gin.ReleaseMode)
}

// Config is everything the sandbox needs, as plain values. cmd/sandbox fills
// it from flags; tests fill it directly. Zero values take the defaults of
// DefaultConfig.
type Config struct {
	Seed     int64 // gofakeit seed: same seed, same data
	Fixtures fs.FS // replaces the embedded fixtures when set
	Clock    clock.Clock
	Logger   *slog.Logger

	Weavr   weavr.Settings
	LoanPro loanpro.Settings

	// ScenarioDir holds scenario files loaded over the embedded catalog
	// (--scenarios); it is polled every ScenarioReload for changes.
	ScenarioDir    string
	ScenarioReload time.Duration
	// Scenarios are active for all traffic from startup (--scenario).
	Scenarios []string
}

// DefaultConfig returns the configuration `go run ./cmd/sandbox` uses.
func DefaultConfig() Config {
	return Config{
		Seed:           1,
		Weavr:          weavr.DefaultSettings(),
		LoanPro:        loanpro.DefaultSettings(),
		ScenarioReload: time.Second,
	}
}

func (c *Config) fill() {
	if c.Fixtures == nil {
		c.Fixtures = fixtures.FS
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Server is the assembled sandbox.
type Server struct {
	cfg      Config
	router   *gin.Engine
	catalog  *apierr.Catalog
	sessions *session.Registry
	vendors  vendors
	vocab    scenario.Vocabulary
	engine   *scenario.Engine

	bodyLimit      int64 // bytes of a body the scenario stage may read
	reloadFailures atomic.Int64
}

// New builds the sandbox from cfg, failing fast on invalid fixtures or
// settings. The Server is an http.Handler serving every route.
func New(cfg Config) (*Server, error) {
	cfg.fill()
	start := time.Now()
	v, err := buildVendors(cfg)
	if err != nil {
		return nil, err
	}
	vocab, err := v.vocabulary()
	if err != nil {
		return nil, err
	}
	engine, err := newEngine(cfg, vocab)
	if err != nil {
		return nil, err
	}
	factories := append(v.factories(), session.Factory{Vendor: scenarioState, New: func() any { return engine.NewState() }})
	s := &Server{
		cfg:       cfg,
		catalog:   vocab.Catalog,
		sessions:  session.NewRegistry(cfg.Clock, factories...),
		vendors:   v,
		vocab:     vocab,
		engine:    engine,
		bodyLimit: max(cfg.Weavr.MaxBodyBytes, 1<<20) + 1,
	}
	s.router = s.routes()
	cfg.Logger.Debug("sandbox built", "took", time.Since(start))
	return s, nil
}

// Run does the sandbox's background work until ctx ends: reloading
// --scenarios DIR when its files change.
func (s *Server) Run(ctx context.Context) {
	s.watchScenarios(ctx)
}

// Scenarios is the scenario engine (catalog, activation, counters).
func (s *Server) Scenarios() *scenario.Engine { return s.engine }

// ServeHTTP serves every sandbox route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}

// Catalog is the error catalog of every vendor.
func (s *Server) Catalog() *apierr.Catalog { return s.catalog }

// LoanProCredentials are the sandbox tenant's bearer token and instance id.
func (s *Server) LoanProCredentials() (token, tenant string) { return s.vendors.loanpro.Credentials() }

// WeavrProgrammes lists the Weavr programmes (api-keys) clients can use.
func (s *Server) WeavrProgrammes() []weavr.Programme { return s.vendors.weavr.Programmes() }
