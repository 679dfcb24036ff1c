package simulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/scenarios"
	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// scenarioState is the session-state key of a session's scenario state.
const scenarioState = "scenario"

// ScenarioKey is the gin context key holding the name of the scenario that
// answered a request (unset when the vendor answered normally).
const ScenarioKey = "sandbox.scenario"

// Vocabulary builds what scenario files may name (operations and errors)
// for cfg's vendors, without serving: `sandbox validate` uses it.
func Vocabulary(cfg Config) (scenario.Vocabulary, error) {
	cfg.fill()
	v, err := buildVendors(cfg)
	if err != nil {
		return scenario.Vocabulary{}, err
	}
	return v.vocabulary()
}

func (v vendors) vocabulary() (scenario.Vocabulary, error) {
	catalog, err := apierr.NewCatalog(v.errors()...)
	if err != nil {
		return scenario.Vocabulary{}, err
	}
	return scenario.Vocabulary{Operations: append(v.weavr.Operations(), v.loanpro.Operations()...), Catalog: catalog}, nil
}

// LoadScenarios reads the embedded catalog and, when dir is set, the
// scenario files of dir over it (same name replaces).
func LoadScenarios(vocab scenario.Vocabulary, dir string) (*scenario.Set, error) {
	layers := []scenario.Layer{{Name: "scenarios", FS: scenarios.FS}}
	if dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("--scenarios %s: not a readable directory", dir)
		}
		layers = append(layers, scenario.Layer{Name: dir, FS: os.DirFS(dir)})
	}
	return scenario.LoadFS(vocab, layers...)
}

// newEngine builds the scenario engine over the vendors' vocabulary.
func newEngine(cfg Config, vocab scenario.Vocabulary) (*scenario.Engine, error) {
	set, err := LoadScenarios(vocab, cfg.ScenarioDir)
	if err != nil {
		return nil, err
	}
	return scenario.NewEngine(scenario.Options{Vocabulary: vocab, Set: set, Active: cfg.Scenarios, Seed: cfg.Seed, Sleep: cfg.Clock.Sleep})
}

// serveScenario runs the scenario stage of a simulated route: it answers
// when a scenario (or a Prefer header) applies, and otherwise lets h run.
func (s *Server) serveScenario(c *gin.Context, sess *session.Session, opID string, body []byte, target func(*gin.Context) []string, h gin.HandlerFunc) {
	st := scenariosOf(sess)
	req := &scenario.Request{Operation: opID, HTTP: c.Request, Body: body, Target: func() []string { return target(c) }}
	d, p := s.engine.Decide(st, req)
	if p != nil {
		apierr.WriteSandboxError(c.Writer, p.Status, "sandbox: %s", p.Message)
		c.Abort()
		return
	}
	if d == nil {
		h(c)
		return
	}
	c.Set(ScenarioKey, d.Scenario)
	s.engine.Serve(c.Writer, c.Request, d, func(w http.ResponseWriter) {
		if w != http.ResponseWriter(c.Writer) {
			orig := c.Writer
			c.Writer = &ginWriter{ResponseWriter: orig, w: w}
			defer func() { c.Writer = orig }()
		}
		h(c)
	})
	c.Abort()
}

// watchScenarios polls --scenarios DIR and swaps in the new catalog when a
// file changes; an invalid edit is logged and the last good set stays.
func (s *Server) watchScenarios(ctx context.Context) {
	if s.cfg.ScenarioDir == "" {
		return
	}
	clock.Every(ctx, s.cfg.ScenarioReload, func() { _ = s.reload(false) })
}

// reloadScenarios reloads --scenarios DIR now (the control API's reload);
// it returns the error that kept the previous catalog active.
func (s *Server) reloadScenarios() error { return s.reload(true) }

// reload loads --scenarios DIR when its files changed since the active set
// was loaded and then stayed the same for one more check, so that a file
// caught in the middle of a save is never loaded (always when force: the
// control API's reload loads what is there). Reloads are serialised.
func (s *Server) reload(force bool) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	fp := fingerprint(s.cfg.ScenarioDir)
	if !force {
		switch fp {
		case s.scenarioPrint:
			s.settlingPrint = ""
			return nil
		case s.settlingPrint: // unchanged since the last check: settled
		default:
			s.settlingPrint = fp
			return nil
		}
	}
	s.scenarioPrint, s.settlingPrint = fp, ""
	set, err := LoadScenarios(s.vocab, s.cfg.ScenarioDir)
	if err != nil {
		s.metrics.ScenarioReloadFailed()
		var el scenario.ErrorList
		if errors.As(err, &el) {
			for _, e := range el {
				s.cfg.Logger.Error("scenario reload failed; keeping the previous scenarios", "error", e.Error())
			}
		} else {
			s.cfg.Logger.Error("scenario reload failed; keeping the previous scenarios", "error", err)
		}
		return err
	}
	s.engine.Replace(set)
	s.cfg.Logger.Info("scenarios reloaded", "dir", s.cfg.ScenarioDir, "scenarios", set.Len())
	return nil
}

// fingerprint summarises the scenario files of dir: names and a hash of
// their contents (modification times can be too coarse to see an edit).
func fingerprint(dir string) string {
	if dir == "" {
		return ""
	}
	h := sha256.New()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if ext := filepath.Ext(p); err != nil || d.IsDir() || (ext != ".yaml" && ext != ".yml") {
			return nil
		}
		data, _ := os.ReadFile(p)
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(data))
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}
