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
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/metrics"
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

	// AdminToken, when set, guards the control API (--admin-token).
	AdminToken string
	// JournalCapacity bounds each session's journal (oldest dropped).
	JournalCapacity int
	// SessionIdleTTL expires sessions idle this long (0: never).
	SessionIdleTTL time.Duration
	// Registry receives the Prometheus metrics; nil means a fresh one
	// (never the global default registry).
	Registry *prometheus.Registry
}

// DefaultConfig returns the configuration `go run ./cmd/sandbox` uses.
func DefaultConfig() Config {
	return Config{
		Seed:            1,
		Weavr:           weavr.DefaultSettings(),
		LoanPro:         loanpro.DefaultSettings(),
		ScenarioReload:  time.Second,
		JournalCapacity: journal.DefaultCapacity,
		SessionIdleTTL:  time.Hour,
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

	metrics  *metrics.Metrics
	draining atomic.Bool

	bodyLimit int64 // bytes of a request body the sandbox reads ahead
	// scenarioPrint fingerprints the --scenarios files the active set came
	// from, settlingPrint a change seen once and not loaded yet; reloadMu
	// serialises reloads and guards both.
	reloadMu      sync.Mutex
	scenarioPrint string
	settlingPrint string
	openapiJSON   []byte
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
	print := fingerprint(cfg.ScenarioDir) // before loading: an edit in between is seen later
	engine, err := newEngine(cfg, vocab)
	if err != nil {
		return nil, err
	}
	factories := append(v.factories(),
		session.Factory{Vendor: scenarioState, New: func() any { return engine.NewState() }},
		session.Factory{Vendor: journalState, New: func() any { return journal.New(cfg.JournalCapacity) }})
	s := &Server{
		cfg:       cfg,
		catalog:   vocab.Catalog,
		sessions:  session.NewRegistry(cfg.Clock, factories...),
		vendors:   v,
		vocab:     vocab,
		engine:    engine,
		bodyLimit: max(cfg.Weavr.MaxBodyBytes, cfg.LoanPro.MaxBodyBytes, 1<<20) + 1,

		scenarioPrint: print,
	}
	if s.openapiJSON, err = controlAPIJSON(); err != nil {
		return nil, err
	}
	s.metrics = metrics.New(metrics.Options{Registry: cfg.Registry, ActiveSessions: s.sessions.Len})
	s.router = s.routes()
	cfg.Logger.Debug("sandbox built", "took", time.Since(start))
	return s, nil
}

// Run does the sandbox's background work until ctx ends: reloading
// --scenarios DIR when its files change and expiring idle sessions.
func (s *Server) Run(ctx context.Context) {
	go s.sessions.RunJanitor(ctx, s.cfg.SessionIdleTTL, min(s.cfg.SessionIdleTTL/4, time.Minute))
	s.watchScenarios(ctx)
}

// Drain marks the sandbox as shutting down: /__sandbox/readyz answers 503
// while in-flight requests finish.
func (s *Server) Drain() { s.draining.Store(true) }

// Scenarios is the scenario engine (catalog, activation, counters).
func (s *Server) Scenarios() *scenario.Engine { return s.engine }

// Routes lists the registered routes (for documentation checks).
func (s *Server) Routes() gin.RoutesInfo { return s.router.Routes() }

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
