package simulator

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/reqbody"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// serveScenario runs the scenario stage of a simulated route: it answers
// when a scenario (or a Prefer header) applies, and otherwise lets h run.
// It returns the name of the scenario that answered ("" when the vendor
// answered normally).
//
// When the vendor answers and mayDefer (Redis mode, an operation with a
// Prefetch: at most one write), the handler's commit may wait for the
// request's flush: it can run again, its answer not sent yet.
func (s *Server) serveScenario(c *gin.Context, sess *session.Session, opID string, body []byte, target func(*gin.Context) []string, h gin.HandlerFunc, pf *scenario.Prefetched, mayDefer bool) string {
	st := s.scenarioKey.Of(sess)
	req := &scenario.Request{Operation: opID, HTTP: c.Request, Body: body, Target: func() []string { return target(c) }, Prefetched: pf}
	d, p := s.engine.Decide(st, req)
	if p != nil {
		apierr.WriteSandboxError(c.Writer, p.Status, "sandbox: %s", p.Message)
		c.Abort()
		return ""
	}
	if d == nil {
		if mayDefer && reqbody.Rewindable(c.Request) {
			state.BatchOf(c.Request.Context()).AllowDefer()
		}
		h(c)
		return ""
	}
	s.engine.Serve(c.Writer, c.Request, d, func(w http.ResponseWriter) {
		if w != http.ResponseWriter(c.Writer) {
			orig := c.Writer
			c.Writer = &ginWriter{ResponseWriter: orig, w: w}
			defer func() { c.Writer = orig }()
		}
		h(c)
	})
	c.Abort()
	return d.Scenario
}

// webhookFault asks the scenario engine whether a webhook scenario active
// in the event's session (or for all traffic) alters its delivery.
func (s *Server) webhookFault(sess *session.Session, vendor string, ev contract.Event) *webhook.Fault {
	req := &scenario.WebhookRequest{Vendor: vendor, Path: ev.Path, Body: ev.Body}
	if ev.Cause != nil {
		req.Named = scenario.RequestedScenarios(ev.Cause.Header)
	}
	d := s.engine.DecideWebhook(s.scenarioKey.Of(sess), req)
	if d == nil {
		return nil
	}
	s.metrics.ScenarioHit(d.Scenario)
	return &webhook.Fault{Scenario: d.Scenario, Kind: d.Fault, Delay: d.Delay, Copies: d.Copies, Age: d.Age}
}
