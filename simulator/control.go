package simulator

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// ControlPrefix is where the control API lives, apart from every vendor path.
const ControlPrefix = "/__sandbox"

// Messages of the control API's own errors.
const (
	msgAdminToken     = "sandbox: this control API needs 'Authorization: Bearer <admin token>' (--admin-token)"
	msgNoSession      = "sandbox: no session %q (sessions are created by their first request; GET /__sandbox/sessions lists them)"
	msgNoConsumer     = "sandbox: no Weavr consumer %q in session %q"
	msgNoCustomer     = "sandbox: no LoanPro customer %q in session %q"
	msgBadPaging      = "sandbox: %s must be a non-negative integer, got %q"
	msgBodyUnreadable = "sandbox: the request body could not be read: %v"
	msgNoReloadDir    = "sandbox: no --scenarios DIR to reload"
)

// controlRoutes lists every route of the control API.
func (s *Server) controlRoutes(r *gin.Engine) {
	r.GET("/metrics", gin.WrapH(s.metrics.Handler()))
	r.GET(ControlPrefix+"/healthz", s.healthz)
	r.GET(ControlPrefix+"/readyz", s.readyz)

	g := r.Group(ControlPrefix, s.adminAuth)
	g.GET("/openapi.json", s.openapi)
	g.GET("/operations", s.listOperations)
	g.GET("/errors", s.listErrors)

	g.GET("/scenarios", s.listScenarios)
	g.POST("/scenarios/reload", s.reloadNow)
	g.GET("/scenarios/:scenario", s.getScenario)
	g.PUT("/scenarios/:scenario/active", s.activateGlobal)
	g.DELETE("/scenarios/:scenario/active", s.deactivateGlobal)

	g.GET("/sessions", s.listSessions)
	g.GET("/sessions/:session", s.getSession)
	g.DELETE("/sessions/:session", s.deleteSession)
	g.POST("/sessions/:session/reset", s.resetSession)
	g.GET("/sessions/:session/scenarios", s.sessionScenarios)
	g.DELETE("/sessions/:session/scenarios", s.deactivateAll)
	g.PUT("/sessions/:session/scenarios/:scenario", s.activate)
	g.DELETE("/sessions/:session/scenarios/:scenario", s.deactivate)
	g.GET("/sessions/:session/journal", s.getJournal)
	g.DELETE("/sessions/:session/journal", s.clearJournal)
	g.GET("/sessions/:session/journal/count", s.countJournal)
	g.POST("/sessions/:session/journal/verify", s.verifyJournal)
	g.GET("/sessions/:session/weavr/consumers", s.listConsumers)
	g.GET("/sessions/:session/weavr/consumers/:id", s.getConsumer)
	g.GET("/sessions/:session/loanpro/customers", s.listCustomers)
	g.GET("/sessions/:session/loanpro/customers/:id", s.getCustomer)
}

// adminAuth enforces --admin-token on the control API (health probes and
// /metrics stay open for orchestrators and scrapers).
func (s *Server) adminAuth(c *gin.Context) {
	if s.cfg.AdminToken == "" {
		return
	}
	tok, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.cfg.AdminToken)) != 1 {
		c.Header("WWW-Authenticate", `Bearer realm="sandbox control API"`)
		apierr.WriteSandboxError(c.Writer, http.StatusUnauthorized, msgAdminToken)
		c.Abort()
	}
}

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// readyz answers 503 once shutdown began, so a load balancer stops sending
// new work while in-flight requests finish.
func (s *Server) readyz(c *gin.Context) {
	if s.draining.Load() {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "draining"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "scenarios": s.engine.Set().Len(), "sessions": s.sessions.Len()})
}

func (s *Server) listOperations(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"operations": s.engine.Operations()})
}

// errorView is a catalog error as the control API shows it.
type errorView struct {
	Name    string      `json:"name"`
	Vendor  string      `json:"vendor"`
	Status  int         `json:"status"`
	Headers http.Header `json:"headers,omitempty"`
	Body    string      `json:"body,omitempty"`
	Summary string      `json:"summary"`
}

func (s *Server) listErrors(c *gin.Context) {
	out := []errorView{}
	for _, d := range s.catalog.All() {
		out = append(out, errorView{Name: d.QualifiedName(), Vendor: d.Vendor, Status: d.Status, Headers: d.Header, Body: string(d.Body), Summary: d.Summary})
	}
	c.JSON(http.StatusOK, gin.H{"errors": out})
}

// scenarioView is a scenario as the control API shows it.
type scenarioView struct {
	Name           string  `json:"name"`
	Description    string  `json:"description"`
	Operation      string  `json:"operation"`
	Source         string  `json:"source"`
	Steps          int     `json:"steps"`
	Times          int     `json:"times,omitempty"`
	After          int     `json:"after,omitempty"`
	Probability    float64 `json:"probability"`
	ActiveGlobally bool    `json:"activeGlobally"`
}

func (s *Server) view(sc *scenario.Scenario, global []string) scenarioView {
	op := sc.Match.Operation
	if op == "" {
		op = "*"
	}
	v := scenarioView{Name: sc.Name, Description: sc.Description, Operation: op, Source: sc.Source, Steps: len(sc.Steps),
		Times: sc.Times, After: sc.After, Probability: sc.Probability}
	for _, g := range global {
		v.ActiveGlobally = v.ActiveGlobally || g == sc.Name
	}
	return v
}

func (s *Server) listScenarios(c *gin.Context) {
	global := s.engine.Global()
	out := []scenarioView{}
	for _, sc := range s.engine.Set().All() {
		out = append(out, s.view(sc, global))
	}
	c.JSON(http.StatusOK, gin.H{"scenarios": out, "activeGlobally": nonNil(global)})
}

func (s *Server) getScenario(c *gin.Context) {
	sc, ok := s.engine.Set().Lookup(c.Param("scenario"))
	if !ok {
		s.controlError(c, &scenario.UnknownScenarioError{Name: c.Param("scenario")})
		return
	}
	c.JSON(http.StatusOK, s.view(sc, s.engine.Global()))
}

func (s *Server) activateGlobal(c *gin.Context) {
	if err := s.engine.ActivateGlobal(c.Param("scenario")); err != nil {
		s.controlError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"activeGlobally": s.engine.Global()})
}

func (s *Server) deactivateGlobal(c *gin.Context) {
	s.engine.DeactivateGlobal(c.Param("scenario"))
	c.JSON(http.StatusOK, gin.H{"activeGlobally": nonNil(s.engine.Global())})
}

func (s *Server) reloadNow(c *gin.Context) {
	if s.cfg.ScenarioDir == "" {
		apierr.WriteSandboxError(c.Writer, http.StatusConflict, msgNoReloadDir)
		return
	}
	if err := s.reloadScenarios(); err != nil {
		apierr.WriteSandboxError(c.Writer, http.StatusUnprocessableEntity, "sandbox: reload failed, previous scenarios kept:\n%v", err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"scenarios": s.engine.Set().Len()})
}

// sessionView is a session with its journal and scenario summary.
type sessionView struct {
	session.Info
	Journal   journalSummary `json:"journal"`
	Scenarios []string       `json:"activeScenarios"`
}

type journalSummary struct {
	Entries  int    `json:"entries"`
	Capacity int    `json:"capacity"`
	Dropped  uint64 `json:"dropped"`
}

func (s *Server) sessionView(sess *session.Session) sessionView {
	j := journalOf(sess)
	return sessionView{Info: sess.Info(), Journal: journalSummary{Entries: j.Len(), Capacity: j.Capacity(), Dropped: j.Dropped()},
		Scenarios: nonNil(scenariosOf(sess).Active())}
}

func (s *Server) listSessions(c *gin.Context) {
	out := []sessionView{}
	for _, info := range s.sessions.List() {
		if sess, ok := s.sessions.Lookup(info.Name); ok {
			out = append(out, s.sessionView(sess))
		}
	}
	c.JSON(http.StatusOK, gin.H{"sessions": out})
}

// existing finds the session of the path or answers 404.
func (s *Server) existing(c *gin.Context) (*session.Session, bool) {
	sess, ok := s.sessions.Lookup(c.Param("session"))
	if !ok {
		apierr.WriteSandboxError(c.Writer, http.StatusNotFound, msgNoSession, c.Param("session"))
	}
	return sess, ok
}

func (s *Server) getSession(c *gin.Context) {
	if sess, ok := s.existing(c); ok {
		c.JSON(http.StatusOK, s.sessionView(sess))
	}
}

func (s *Server) deleteSession(c *gin.Context) {
	if !s.sessions.Delete(c.Param("session")) {
		apierr.WriteSandboxError(c.Writer, http.StatusNotFound, msgNoSession, c.Param("session"))
		return
	}
	c.Status(http.StatusNoContent)
}

// resetSession returns a session to the seed: data, tokens, rate-limit
// windows, scenario activations and counters, and journal. Resetting a
// session that does not exist yet creates it fresh (the same outcome).
func (s *Server) resetSession(c *gin.Context) {
	name := c.Param("session")
	if !s.sessions.Reset(name) {
		s.sessions.Get(name)
	}
	sess, _ := s.sessions.Lookup(name)
	c.JSON(http.StatusOK, s.sessionView(sess))
}

func (s *Server) sessionScenarios(c *gin.Context) {
	st := scenariosOf(s.sessions.Get(c.Param("session")))
	c.JSON(http.StatusOK, gin.H{"active": nonNil(st.Active()), "counters": st.Counters()})
}

func (s *Server) activate(c *gin.Context) {
	st := scenariosOf(s.sessions.Get(c.Param("session")))
	if err := st.Activate(c.Param("scenario")); err != nil {
		s.controlError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"active": st.Active(), "counters": st.Counters()})
}

func (s *Server) deactivate(c *gin.Context) {
	st := scenariosOf(s.sessions.Get(c.Param("session")))
	st.Deactivate(c.Param("scenario"))
	c.JSON(http.StatusOK, gin.H{"active": nonNil(st.Active()), "counters": st.Counters()})
}

func (s *Server) deactivateAll(c *gin.Context) {
	st := scenariosOf(s.sessions.Get(c.Param("session")))
	st.Deactivate()
	c.JSON(http.StatusOK, gin.H{"active": nonNil(st.Active()), "counters": st.Counters()})
}

// journalQuery finds the session's journal and parses the filter of the
// query string, answering 404 or 400 itself.
func (s *Server) journalQuery(c *gin.Context) (*journal.Journal, journal.Filter, bool) {
	sess, ok := s.existing(c)
	if !ok {
		return nil, journal.Filter{}, false
	}
	f, err := journal.ParseFilter(c.Request.URL.Query(), s.cfg.Clock.Now())
	if err != nil {
		s.controlError(c, err)
		return nil, journal.Filter{}, false
	}
	return journalOf(sess), f, true
}

func (s *Server) getJournal(c *gin.Context) {
	if j, f, ok := s.journalQuery(c); ok {
		entries := j.Entries(f)
		for i := range entries {
			entries[i] = maskEntry(entries[i])
		}
		c.JSON(http.StatusOK, gin.H{"entries": entries, "dropped": j.Dropped(), "capacity": j.Capacity()})
	}
}

func (s *Server) clearJournal(c *gin.Context) {
	if sess, ok := s.existing(c); ok {
		journalOf(sess).Clear()
		c.Status(http.StatusNoContent)
	}
}

func (s *Server) countJournal(c *gin.Context) {
	if j, f, ok := s.journalQuery(c); ok {
		c.JSON(http.StatusOK, gin.H{"count": j.Count(f), "dropped": j.Dropped()})
	}
}

// verifyJournal answers whether the session's journal holds exactly / at
// least / at most N matching requests: 200 when it does, 417 Expectation
// Failed when not (so `curl -f` fails a CI step), both with the verdict.
// A session that served nothing yet verifies against an empty journal.
func (s *Server) verifyJournal(c *gin.Context) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20))
	if err != nil {
		apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgBodyUnreadable, err)
		return
	}
	x, err := journal.ParseExpectation(body, s.cfg.Clock.Now())
	if err != nil {
		s.controlError(c, err)
		return
	}
	v := journal.New(1).Verify(x)
	if sess, ok := s.sessions.Lookup(c.Param("session")); ok {
		v = journalOf(sess).Verify(x)
	}
	status := http.StatusOK
	if !v.OK {
		status = http.StatusExpectationFailed
	}
	c.JSON(status, v)
}

// paging reads offset and limit (default 50, at most 1000).
func paging(c *gin.Context) (offset, limit int, ok bool) {
	offset, limit = 0, 50
	for name, dst := range map[string]*int{"offset": &offset, "limit": &limit} {
		if v := c.Query(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgBadPaging, name, v)
				return 0, 0, false
			}
			*dst = n
		}
	}
	return offset, min(limit, 1000), true
}

func (s *Server) listConsumers(c *gin.Context) {
	offset, limit, ok := paging(c)
	if !ok {
		return
	}
	sess := s.sessions.Get(c.Param("session"))
	page, total := s.vendors.weavr.Consumers(sess.State(weavr.Vendor), c.Query("email"), offset, limit)
	c.JSON(http.StatusOK, gin.H{"consumers": page, "total": total, "offset": offset, "limit": limit})
}

func (s *Server) getConsumer(c *gin.Context) {
	sess := s.sessions.Get(c.Param("session"))
	v, ok := s.vendors.weavr.Consumer(sess.State(weavr.Vendor), c.Param("id"))
	if !ok {
		apierr.WriteSandboxError(c.Writer, http.StatusNotFound, msgNoConsumer, c.Param("id"), sess.Name())
		return
	}
	c.JSON(http.StatusOK, v)
}

func (s *Server) listCustomers(c *gin.Context) {
	offset, limit, ok := paging(c)
	if !ok {
		return
	}
	sess := s.sessions.Get(c.Param("session"))
	page, total := s.vendors.loanpro.Customers(sess.State(loanpro.Vendor), c.Query("q"), offset, limit)
	token, tenant := s.vendors.loanpro.Credentials()
	c.JSON(http.StatusOK, gin.H{"customers": page, "total": total, "offset": offset, "limit": limit,
		"credentials": gin.H{"Authorization": "Bearer " + token, "Autopal-Instance-Id": tenant}})
}

func (s *Server) getCustomer(c *gin.Context) {
	sess := s.sessions.Get(c.Param("session"))
	id, err := strconv.Atoi(c.Param("id"))
	v, ok := s.vendors.loanpro.Customer(sess.State(loanpro.Vendor), id)
	if err != nil || !ok {
		apierr.WriteSandboxError(c.Writer, http.StatusNotFound, msgNoCustomer, c.Param("id"), sess.Name())
		return
	}
	c.JSON(http.StatusOK, v)
}

// controlError maps the control API's sentinel errors to statuses in one
// place: an unknown scenario is 404, every other input mistake 400.
func (s *Server) controlError(c *gin.Context, err error) {
	var unknown *scenario.UnknownScenarioError
	status := http.StatusBadRequest
	if errors.As(err, &unknown) {
		status = http.StatusNotFound
	}
	apierr.WriteSandboxError(c.Writer, status, "sandbox: %v", err)
}

func journalOf(sess *session.Session) *journal.Journal {
	return sess.State(journalState).(*journal.Journal)
}

func scenariosOf(sess *session.Session) *scenario.State {
	return sess.State(scenarioState).(*scenario.State)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
