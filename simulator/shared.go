package simulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/control"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// fingerprint digests what the seeded base of every vendor is made of:
// the seed, every fixture file and each vendor's settings. Replicas
// sharing one Redis must agree on it (state.Redis.Fingerprint), since the
// base stays in each replica's memory and only the overlays are shared.
func fingerprint(cfg Config) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "seed %d\n", cfg.Seed)
	err := fs.WalkDir(cfg.Fixtures, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(cfg.Fixtures, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "fixture %s %d\n", p, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("fixtures: %w", err)
	}
	for _, p := range cfg.Vendors {
		fmt.Fprintf(h, "vendor %s %+v\n", p.Name(), p.Settings())
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// claimState checks, at startup, that the shared backend holds this
// sandbox's world (or none yet).
func claimState(ctx context.Context, cfg Config) error {
	fp, err := fingerprint(cfg)
	if err != nil {
		return err
	}
	return cfg.State.Fingerprint(ctx, fp, fmt.Sprintf("seed %d, fixtures and settings digest %s", cfg.Seed, fp[:12]))
}

// stateGuard answers a sandbox 503 instead of a vendor answer while the
// shared state backend cannot be reached: before the handler when the
// backend is known to be down (so nothing is half-written), and when a
// component meets the failure mid-request (state.Abort). It is the first
// link of the chain after recovery; in the in-memory mode it is not
// installed.
func (s *Server) stateGuard(c *gin.Context) {
	rd := s.cfg.State
	if rd.FailFast() && s.guarded(c.Request.URL.Path) {
		writeUnavailable(c, rd.Addr(), rd.LastError())
		return
	}
	defer func() {
		if v := recover(); v != nil {
			u := state.Recovered(v)
			if u == nil {
				panic(v)
			}
			s.cfg.Logger.Warn("shared state unavailable", "path", c.Request.URL.Path, "err", u.Err)
			if !c.Writer.Written() {
				writeUnavailable(c, u.Addr, u.Err.Error())
			}
			c.Abort()
		}
	}()
	c.Next()
}

// guarded reports whether path needs the shared state: vendor routes and
// the control API's sessions (readiness, metrics and the catalog do not).
func (s *Server) guarded(path string) bool {
	if strings.HasPrefix(path, control.Prefix+"/") {
		return strings.HasPrefix(path, control.Prefix+"/sessions") || strings.HasPrefix(path, control.Prefix+"/scenarios")
	}
	return true
}

func writeUnavailable(c *gin.Context, addr, why string) {
	c.Header("Retry-After", "1")
	apierr.WriteSandboxError(c.Writer, http.StatusServiceUnavailable,
		"sandbox: shared state unavailable (redis at %s: %s); this is the sandbox, not the vendor: retry once Redis is back (GET /__sandbox/readyz)", addr, why)
	c.Abort()
}
