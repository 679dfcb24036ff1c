// Package control is the sandbox's control API under /__sandbox: sessions,
// scenarios, the journal, the error catalog, each vendor's data and the
// OpenAPI document, plus /metrics and the health probes. It depends on
// narrow interfaces and on the vendor contract, never on a vendor: a
// vendor's collections are served generically at
// /__sandbox/sessions/{s}/{vendor}/{collection}.
package control

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/dashboard"
	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// Prefix is where the control API lives, apart from every vendor path.
const Prefix = "/__sandbox"

// Sessions is what the control API needs of the session registry.
type Sessions interface {
	// Touch returns the session, creating it, without counting a request:
	// a session's requests are its vendor requests, as in its journal.
	Touch(name string) *session.Session
	Lookup(name string) (*session.Session, bool)
	List() []session.Info
	Reset(name string) bool
	Delete(name string) bool
	Len() int
	// MoveClock moves a session's clock (session.Registry.MoveClock).
	MoveClock(name string, f func(st clock.State, base time.Time) (clock.State, error)) (*session.Session, error)
}

// Engine is what the control API needs of the scenario engine.
type Engine interface {
	Set() *scenario.Set
	Operations() []scenario.Operation
	Global() []string
	ActivateGlobal(names ...string) error
	DeactivateGlobal(names ...string)
	CheckTrigger(t scenario.Trigger) (scenario.Trigger, error)
}

// Reloader reloads --scenarios DIR on demand.
type Reloader interface {
	Dir() string
	Reload() error
}

// Deps are everything the control API serves from.
type Deps struct {
	AdminToken string // guards every route but /metrics and the probes
	Clock      clock.Clock
	Sessions   Sessions
	Journal    session.Key[*journal.Journal]
	Scenarios  session.Key[*scenario.State]
	Engine     Engine
	Reloader   Reloader
	Catalog    *apierr.Catalog
	Vendors    []*contract.Vendor
	Metrics    http.Handler
	Draining   func() bool // readiness answers 503 while true
	// State checks the shared state backend (--state; nil in memory):
	// readiness answers 503 while it fails.
	State    func(ctx context.Context) error
	OpenAPI  []byte // this API's document (OpenAPI)
	Webhooks *webhook.Dispatcher
}

// api serves the control routes from its Deps.
type api struct{ Deps }

// Messages of the control API's own errors.
const (
	msgAdminToken     = "sandbox: this control API needs 'Authorization: Bearer <admin token>' (--admin-token)"
	msgNoSession      = "sandbox: no session %q (sessions are created by their first request; GET /__sandbox/sessions lists them)"
	msgNoRecord       = "sandbox: no %s %s %q in session %q"
	msgBadPaging      = "sandbox: %s must be a non-negative integer, got %q"
	msgBodyUnreadable = "sandbox: the request body could not be read: %v"
	msgNoReloadDir    = "sandbox: no --scenarios DIR to reload"
	msgNoDocument     = "sandbox: vendor %s has no document %q"
)

// Mount registers every control route on r, in this one function.
func Mount(r gin.IRouter, d Deps) {
	a := &api{d}
	r.GET("/metrics", gin.WrapH(d.Metrics))
	r.GET(Prefix+"/healthz", a.healthz)
	r.GET(Prefix+"/readyz", a.readyz)
	// The dashboard's files hold no data and no secret: they load without
	// the admin token, which the page then sends on every control call.
	dashboard.Mount(r, Prefix+"/ui")

	g := r.Group(Prefix, a.adminAuth)
	g.GET("/openapi.json", a.openapi)
	g.GET("/operations", a.listOperations)
	g.GET("/errors", a.listErrors)
	g.GET("/vendors", a.listVendors)
	g.GET("/vendors/:vendor/documents/:document", a.getDocument)
	g.GET("/collections", a.listCollections)
	g.GET("/stats", a.stats)

	g.GET("/scenarios", a.listScenarios)
	g.POST("/scenarios/reload", a.reloadNow)
	g.GET("/scenarios/:scenario", a.getScenario)
	g.PUT("/scenarios/:scenario/active", a.activateGlobal)
	g.DELETE("/scenarios/:scenario/active", a.deactivateGlobal)

	g.GET("/sessions", a.listSessions)
	g.GET("/sessions/:session", a.getSession)
	g.DELETE("/sessions/:session", a.deleteSession)
	g.POST("/sessions/:session/reset", a.resetSession)
	g.GET("/sessions/:session/scenarios", a.sessionScenarios)
	g.DELETE("/sessions/:session/scenarios", a.deactivateAll)
	g.PUT("/sessions/:session/scenarios/:scenario", a.activate)
	g.DELETE("/sessions/:session/scenarios/:scenario", a.deactivate)
	g.GET("/sessions/:session/clock", a.getClock)
	g.PUT("/sessions/:session/clock", a.putClock)
	g.POST("/sessions/:session/clock/advance", a.advanceClock)
	g.GET("/sessions/:session/journal", a.getJournal)
	g.DELETE("/sessions/:session/journal", a.clearJournal)
	g.GET("/sessions/:session/journal/count", a.countJournal)
	g.POST("/sessions/:session/journal/verify", a.verifyJournal)
	g.GET("/sessions/:session/triggers", a.listTriggers)
	g.POST("/sessions/:session/triggers", a.armTrigger)
	g.DELETE("/sessions/:session/triggers", a.disarmTriggers)
	g.GET("/sessions/:session/webhooks", a.getWebhooks)
	g.PUT("/sessions/:session/webhooks", a.putWebhooks)
	g.DELETE("/sessions/:session/webhooks", a.deleteWebhooks)
	g.GET("/sessions/:session/webhooks/deliveries", a.listDeliveries)
	g.DELETE("/sessions/:session/webhooks/deliveries", a.clearDeliveries)
	g.POST("/sessions/:session/webhooks/deliveries/verify", a.verifyDeliveries)
	g.GET("/sessions/:session/webhooks/deliveries/:id", a.getDelivery)
	g.POST("/sessions/:session/webhooks/deliveries/:id/redeliver", a.redeliver)
	g.GET("/sessions/:session/:vendor/:collection", a.listRecords)
	g.GET("/sessions/:session/:vendor/:collection/:id", a.getRecord)
	g.POST("/sessions/:session/:vendor/:collection/:id/:action", a.runAction)
}

// adminAuth enforces --admin-token on the control API (health probes and
// /metrics stay open for orchestrators and scrapers). The Bearer scheme is
// case-insensitive (RFC 9110), as on the vendors' routes.
func (a *api) adminAuth(c *gin.Context) {
	if a.AdminToken == "" {
		return
	}
	scheme, tok, ok := strings.Cut(strings.TrimSpace(c.GetHeader("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(a.AdminToken)) != 1 {
		c.Header("WWW-Authenticate", `Bearer realm="sandbox control API"`)
		apierr.WriteSandboxError(c.Writer, http.StatusUnauthorized, msgAdminToken)
		c.Abort()
	}
}

func (a *api) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// readyz answers 503 once shutdown began, so a load balancer stops sending
// new work while in-flight requests finish.
func (a *api) readyz(c *gin.Context) {
	if a.Draining() {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "draining"})
		return
	}
	if a.State != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), time.Second)
		defer cancel()
		if err := a.State(ctx); err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "state unavailable", "error": err.Error()})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "scenarios": a.Engine.Set().Len(), "sessions": a.Sessions.Len()})
}

func (a *api) openapi(c *gin.Context) { c.Data(http.StatusOK, "application/json", a.OpenAPI) }

func (a *api) listOperations(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"operations": a.Engine.Operations()})
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

func (a *api) listErrors(c *gin.Context) {
	out := []errorView{}
	for _, d := range a.Catalog.All() {
		out = append(out, errorView{Name: d.QualifiedName(), Vendor: d.Vendor, Status: d.Status, Headers: d.Header, Body: string(d.Body), Summary: d.Summary})
	}
	c.JSON(http.StatusOK, gin.H{"errors": out})
}

// vendorView is a vendor as the control API lists it.
type vendorView struct {
	Name        string   `json:"name"`
	Title       string   `json:"title"`
	Prefixes    []string `json:"prefixes"`
	Collections []string `json:"collections"`
	Documents   []string `json:"documents"`
}

func (a *api) listVendors(c *gin.Context) {
	out := []vendorView{}
	for _, v := range a.Vendors {
		vv := vendorView{Name: v.Name, Title: v.Title, Prefixes: v.Prefixes, Collections: []string{}, Documents: []string{}}
		for _, col := range v.Data {
			vv.Collections = append(vv.Collections, col.Name)
		}
		for _, d := range v.Documents {
			vv.Documents = append(vv.Documents, d.Name)
		}
		out = append(out, vv)
	}
	c.JSON(http.StatusOK, gin.H{"vendors": out})
}

// getDocument serves one of a vendor's own OpenAPI documents as shipped.
func (a *api) getDocument(c *gin.Context) {
	for _, v := range a.Vendors {
		if v.Name != c.Param("vendor") {
			continue
		}
		for _, d := range v.Documents {
			if d.Name == c.Param("document") {
				c.Data(http.StatusOK, "application/yaml", d.Data)
				return
			}
		}
	}
	apierr.WriteSandboxError(c.Writer, http.StatusNotFound, msgNoDocument, c.Param("vendor"), c.Param("document"))
}

// controlError maps the control API's sentinel errors to statuses in one
// place: an unknown scenario is 404, every other input mistake 400.
func controlError(c *gin.Context, err error) {
	var unknown *scenario.UnknownScenarioError
	status := http.StatusBadRequest
	if errors.As(err, &unknown) {
		status = http.StatusNotFound
	}
	apierr.WriteSandboxError(c.Writer, status, "sandbox: %v", err)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
