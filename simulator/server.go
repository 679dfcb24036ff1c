// Package simulator assembles the sandbox: it builds each vendor of the
// vendor list through the contract, derives the error catalog, the scenario
// vocabulary and the routes from their declarations, and returns one
// http.Handler (gin inside) that serves every simulated route and the
// control API. cmd/sandbox and tests both use New, so the whole sandbox
// runs in httptest too.
package simulator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
	"github.com/sandbox-dev/fintech-sandbox/scenarios"
	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
	"github.com/sandbox-dev/fintech-sandbox/simulator/metrics"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// Config is everything the sandbox needs, as plain values. cmd/sandbox fills
// it from flags; tests fill it directly. Zero values take the defaults of
// DefaultConfig.
type Config struct {
	Seed     int64 // gofakeit seed: same seed, same data
	Fixtures fs.FS // replaces the embedded fixtures when set
	Clock    clock.Clock
	Logger   *slog.Logger

	// Vendors are the simulated APIs with their settings (Plugins by
	// default); contract.SettingsOf reaches one vendor's settings.
	Vendors []contract.Plugin
	// MaxBodyBytes is the largest request body any vendor accepts; larger
	// is a 413 in the vendor's error shape (--max-body-bytes).
	MaxBodyBytes int64

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
	// JournalMemory bounds every journal together, in estimated bytes: past
	// it the sandbox's oldest entries are evicted (--journal-memory).
	JournalMemory int64
	// MaxSessions caps the live sessions: past it the least recently used
	// one other than default is evicted (--max-sessions; 0: no cap).
	MaxSessions int
	// SessionIdleTTL expires sessions idle this long (0: never).
	SessionIdleTTL time.Duration
	// Registry receives the Prometheus metrics; nil means a fresh one
	// (never the global default registry).
	Registry *prometheus.Registry

	// WebhookURL receives every session's webhooks unless the session
	// sets its own (--webhook-url); "" records them without delivering.
	WebhookURL string
	// WebhookSchedule is the retry rule (zero: the vendor's, 10s ×6, 5
	// retries; --webhook-backoff, --webhook-factor, --webhook-retries).
	WebhookSchedule webhook.Schedule
	// WebhookTimeout bounds each delivery attempt (--webhook-timeout).
	WebhookTimeout time.Duration
	// WebhookUnordered lets a session's later events overtake an earlier
	// one's retries (--webhook-order none); by default they arrive in
	// order.
	WebhookUnordered bool
	// HTTPClient sends the webhooks; nil is a client that follows no
	// redirects.
	HTTPClient *http.Client

	// State is the shared state backend (--state redis://…): every
	// session, overlay, token, rate-limit window, scenario counter, journal
	// and webhook delivery lives there, so replicas on one Redis are one
	// sandbox. nil keeps everything in process (the default). The caller
	// opens and closes it.
	State *state.Redis
}

// DefaultConfig returns the configuration `go run ./cmd/sandbox` uses.
func DefaultConfig() Config {
	return Config{
		Seed:            1,
		Vendors:         Plugins(),
		MaxBodyBytes:    1 << 20,
		ScenarioReload:  time.Second,
		JournalCapacity: journal.DefaultCapacity,
		JournalMemory:   DefaultJournalMemory,
		MaxSessions:     DefaultMaxSessions,
		SessionIdleTTL:  time.Hour,
		WebhookSchedule: webhook.DefaultSchedule(),
		WebhookTimeout:  webhook.DefaultTimeout,
	}
}

// Defaults of the memory bounds: a sandbox shared by many pipelines stays
// within a few hundred MB whatever they do (README, Robustness).
const (
	DefaultJournalMemory = 64 << 20
	DefaultMaxSessions   = 10_000
)

func (c *Config) fill() error {
	if c.Fixtures == nil {
		c.Fixtures = fixtures.FS
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Vendors == nil {
		c.Vendors = Plugins()
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.JournalCapacity == 0 {
		c.JournalCapacity = journal.DefaultCapacity
	}
	switch {
	case c.MaxBodyBytes < 1024:
		return fmt.Errorf("max body bytes must be >= 1024, got %d", c.MaxBodyBytes)
	case c.JournalCapacity < 1:
		return fmt.Errorf("journal capacity: want at least 1, got %d", c.JournalCapacity)
	case c.SessionIdleTTL < 0:
		return fmt.Errorf("session TTL must not be negative, got %s", c.SessionIdleTTL)
	case c.JournalMemory < 0 || c.MaxSessions < 0:
		return fmt.Errorf("journal memory and max sessions must not be negative, got %d and %d", c.JournalMemory, c.MaxSessions)
	}
	return nil
}

// Server is the assembled sandbox.
type Server struct {
	cfg      Config
	router   *gin.Engine
	vendors  []*contract.Vendor
	catalog  *apierr.Catalog
	sessions *session.Registry
	engine   *scenario.Engine
	watcher  *scenario.Watcher
	metrics  *metrics.Metrics
	webhooks *webhook.Dispatcher
	draining atomic.Bool

	journalKey  session.Key[*journal.Journal]
	scenarioKey session.Key[*scenario.State]
	bodyLimit   int64     // bytes of a request body the sandbox reads ahead
	keys        sync.Pool // of map[any]any: the gin keys of a request (serve)
}

// New builds the sandbox from cfg, failing fast on invalid fixtures,
// settings or vendor declarations. The Server is an http.Handler serving
// every route.
func New(cfg Config) (*Server, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	start := time.Now()
	s := &Server{cfg: cfg, bodyLimit: cfg.MaxBodyBytes + 1, keys: sync.Pool{New: func() any { return make(map[any]any, 4) }},
		journalKey: session.NewKey[*journal.Journal]("journal"), scenarioKey: session.NewKey[*scenario.State]("scenario")}
	if cfg.State != nil {
		if err := claimState(context.Background(), cfg); err != nil {
			return nil, err
		}
	}
	budget := journal.NewBudget(cfg.JournalMemory)
	mopts := metrics.Options{Registry: cfg.Registry, ActiveSessions: func() int { return s.sessions.Len() },
		SessionsEvicted: func() uint64 { return s.sessions.Evicted() }, JournalMemory: budget.Used}
	if cfg.State != nil {
		mopts.StateRoundTrips, mopts.StateHealthy = cfg.State.RoundTrips, cfg.State.Healthy
	}
	s.metrics = metrics.New(mopts)
	var err error
	s.webhooks, err = webhook.New(webhook.Options{Clock: cfg.Clock, Logger: cfg.Logger, Client: cfg.HTTPClient, URL: cfg.WebhookURL,
		Schedule: cfg.WebhookSchedule, Timeout: cfg.WebhookTimeout, Unordered: cfg.WebhookUnordered, Observer: s.metrics, Faults: s.webhookFault, State: cfg.State})
	if err != nil {
		return nil, err
	}
	vs, vocab, err := build(cfg, s.webhooks.Publisher)
	if err != nil {
		return nil, err
	}
	s.vendors, s.catalog = vs, vocab.Catalog
	for _, v := range vs {
		s.webhooks.Register(v.Name, v.Webhooks)
	}
	s.watcher, s.engine, err = scenario.NewWatcher(scenarioCatalog(vocab, cfg.ScenarioDir),
		scenario.Options{Active: cfg.Scenarios, Seed: cfg.Seed, Sleep: cfg.Clock.Sleep, State: cfg.State}, cfg.Logger, s.metrics.ScenarioReloadFailed)
	if err != nil {
		return nil, err
	}
	factories := []session.Factory{
		s.scenarioKey.ScopedFactory(s.engine.NewStateIn),
		s.journalKey.ScopedFactory(func(sc state.Scope) *journal.Journal { return journal.NewIn(sc, cfg.JournalCapacity, budget) }),
		s.webhooks.Factory(),
	}
	for _, v := range vs {
		factories = append(factories, v.World)
	}
	s.sessions = session.NewRegistry(cfg.Clock, factories...).Limit(cfg.MaxSessions)
	s.sessions.OnClockMove(s.webhooks.ClockMoved)
	if cfg.State != nil {
		if s.sessions, err = s.sessions.Shared(cfg.State); err != nil {
			return nil, err
		}
	}
	if s.router, err = s.routes(); err != nil {
		return nil, err
	}
	cfg.Logger.Debug("sandbox built", "took", time.Since(start))
	return s, nil
}

// build builds every vendor at once (each is deterministic on its own, so
// startup takes the longest, not the sum) and derives the vocabulary;
// events gives each vendor its webhook publisher.
func build(cfg Config, events func(vendor string) contract.Publisher) ([]*contract.Vendor, scenario.Vocabulary, error) {
	vs := make([]*contract.Vendor, len(cfg.Vendors))
	errs := make([]error, len(cfg.Vendors))
	var wg sync.WaitGroup
	for i, p := range cfg.Vendors {
		env := contract.Env{Seed: cfg.Seed, Fixtures: cfg.Fixtures, Clock: cfg.Clock, Logger: cfg.Logger, MaxBodyBytes: cfg.MaxBodyBytes,
			Events: events(p.Name()), State: cfg.State}
		wg.Go(func() {
			v, err := p.Build(env)
			if err == nil {
				if err = v.Validate(); err == nil && v.Name != p.Name() {
					err = fmt.Errorf("vendor %s built as %q", p.Name(), v.Name)
				}
			}
			vs[i], errs[i] = v, err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, scenario.Vocabulary{}, err
	}
	vocab, err := vocabulary(vs)
	return vs, vocab, err
}

// vocabulary is what scenario files may name: every vendor's operations
// and documented errors.
func vocabulary(vs []*contract.Vendor) (scenario.Vocabulary, error) {
	var defs [][]apierr.Def
	var ops []scenario.Operation
	var events []scenario.Event
	seen := map[string]bool{}
	for _, v := range vs {
		if seen[v.Name] {
			return scenario.Vocabulary{}, fmt.Errorf("vendor %s listed twice", v.Name)
		}
		seen[v.Name] = true
		defs = append(defs, v.Errors)
		for _, op := range v.All() {
			ops = append(ops, scenario.Operation{ID: op.ID, Vendor: v.Name, Method: op.Method, Path: op.Path, Summary: op.Summary, Errors: op.Errors})
		}
		if v.Webhooks != nil {
			for _, e := range v.Webhooks.Events {
				events = append(events, scenario.Event{Vendor: v.Name, Path: e.Path, Summary: e.Summary})
			}
		}
	}
	catalog, err := apierr.NewCatalog(defs...)
	if err != nil {
		return scenario.Vocabulary{}, err
	}
	return scenario.Vocabulary{Operations: ops, Catalog: catalog, Events: events}, nil
}

// Vocabulary builds what scenario files may name (operations and errors)
// for cfg's vendors, without serving: `sandbox validate` uses it.
func Vocabulary(cfg Config) (scenario.Vocabulary, error) {
	if err := cfg.fill(); err != nil {
		return scenario.Vocabulary{}, err
	}
	_, vocab, err := build(cfg, func(string) contract.Publisher { return contract.Discard })
	return vocab, err
}

// scenarioCatalog is the embedded scenario catalog with dir's files over it.
func scenarioCatalog(vocab scenario.Vocabulary, dir string) scenario.Catalog {
	return scenario.Catalog{Vocabulary: vocab, Base: []scenario.Layer{{Name: "scenarios", FS: scenarios.FS}}, Dir: dir}
}

// LoadScenarios reads the embedded catalog and, when dir is set, the
// scenario files of dir over it (same name replaces).
func LoadScenarios(vocab scenario.Vocabulary, dir string) (*scenario.Set, error) {
	return scenarioCatalog(vocab, dir).Load()
}

// Run does the sandbox's background work until ctx ends: reloading
// --scenarios DIR when its files change and expiring idle sessions.
func (s *Server) Run(ctx context.Context) {
	if s.cfg.State != nil {
		go s.cfg.State.Run(ctx, 200*time.Millisecond)
	}
	go s.webhooks.Run(ctx)
	go s.sessions.RunJanitor(ctx, s.cfg.SessionIdleTTL, min(s.cfg.SessionIdleTTL/4, time.Minute))
	s.watcher.Run(ctx, s.cfg.ScenarioReload)
}

// Drain marks the sandbox as shutting down: /__sandbox/readyz answers 503
// while in-flight requests finish.
func (s *Server) Drain() { s.draining.Store(true) }

// DrainWebhooks attempts every pending webhook delivery now, retrying
// without backoff, until ctx ends; it logs and counts the deliveries
// still undelivered then. Call it once requests have stopped.
func (s *Server) DrainWebhooks(ctx context.Context) int { return s.webhooks.Drain(ctx) }

// Webhooks is the webhook dispatcher (deliveries, receiver URLs).
func (s *Server) Webhooks() *webhook.Dispatcher { return s.webhooks }

// Scenarios is the scenario engine (catalog, activation, counters).
func (s *Server) Scenarios() *scenario.Engine { return s.engine }

// Watcher reloads --scenarios DIR (tests drive its checks directly).
func (s *Server) Watcher() *scenario.Watcher { return s.watcher }

// Vendors are the built vendors' declarations (banner, documents, tests).
func (s *Server) Vendors() []*contract.Vendor { return s.vendors }

// Route is one registered method and gin path.
type Route struct{ Method, Path string }

// Routes lists the registered routes (for documentation checks).
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.router.Routes() {
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	return out
}

// ServeHTTP serves every sandbox route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}

// Catalog is the error catalog of every vendor.
func (s *Server) Catalog() *apierr.Catalog { return s.catalog }
