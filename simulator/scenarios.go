package simulator

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// ctxKey types the gin context keys the sandbox keeps for itself.
type ctxKey int

// scenarioKey holds the name of the scenario that answered a request
// (unset when the vendor answered normally).
const scenarioKey ctxKey = 0

// serveScenario runs the scenario stage of a simulated route: it answers
// when a scenario (or a Prefer header) applies, and otherwise lets h run.
func (s *Server) serveScenario(c *gin.Context, sess *session.Session, opID string, body []byte, target func(*gin.Context) []string, h gin.HandlerFunc) {
	st := s.scenarioKey.Of(sess)
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
	c.Set(scenarioKey, d.Scenario)
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
