package simulator

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/reqbody"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// OperationKey is the gin context key holding the request's operation id
// (e.g. "weavr.consumerUpdate"): the name scenarios, metrics and the
// journal use for a route.
const OperationKey = "sandbox.operation"

// operation names a request's operation; most routes have a fixed one,
// OData routes resolve it from the path.
type operation func(*gin.Context) string

func op(name string) operation { return func(*gin.Context) string { return name } }

// routes lists every route the sandbox serves.
func (s *Server) routes() *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// Vendors answer a trailing slash with their own 404, never gin's HTML
	// redirect.
	r.RedirectTrailingSlash, r.RedirectFixedPath = false, false
	r.Use(gin.CustomRecovery(func(c *gin.Context, err any) {
		s.cfg.Logger.Error("panic serving request", "path", c.Request.URL.Path, "panic", err)
		apierr.WriteSandboxError(c.Writer, http.StatusInternalServerError, "sandbox: internal error: %v", err)
	}))

	// Weavr Multi API and Weavr's sandbox simulator.
	w := s.vendors.weavr
	wg := r.Group("", w.RequestRef)
	s.handle(wg, http.MethodPost, "/multi/login_with_password", op(weavr.OpLogin), w.Target, w.Login)
	s.handle(wg, http.MethodGet, "/multi/consumers", op(weavr.OpConsumerGet), w.Target, w.GetConsumer)
	s.handle(wg, http.MethodPatch, "/multi/consumers", op(weavr.OpConsumerUpdate), w.Target, w.UpdateConsumer)
	s.handle(wg, http.MethodPost, "/multi/consumers/verification/email/verify", op(weavr.OpEmailVerify), w.Target, w.VerifyEmail)
	s.handle(wg, http.MethodPost, "/simulate/api/consumers/:id/verify", op(weavr.OpSimulateVerify), w.Target, w.SimulateVerify)

	// LoanPro LMS API (OData): the entity path is parsed by the vendor.
	lp := s.vendors.loanpro
	s.handle(r, http.MethodGet, loanproBase+"/odata.svc/*path", lp.ReadOperation, lp.Target, lp.Read)
	s.handle(r, http.MethodPut, loanproBase+"/odata.svc/*path", lp.WriteOperation, lp.Target, lp.Write)

	s.controlRoutes(r)

	r.NoRoute(s.unknownRoute(false))
	r.NoMethod(s.unknownRoute(true))
	return r
}

// loanproBase is the LoanPro API prefix.
const loanproBase = "/api/public/api/1"

// handle registers one simulated route: the request's session and
// operation are resolved, then the scenario stage decides whether a
// scenario answers or the vendor handler runs.
func (s *Server) handle(g gin.IRoutes, method, path string, opFn operation, target func(*gin.Context) []string, h gin.HandlerFunc) {
	g.Handle(method, path, func(c *gin.Context) { s.serve(c, opFn(c), target, h) })
}

// serve runs the pipeline of a simulated request: resolve the session,
// record the exchange (journal, metrics, log) around the scenario stage,
// which either answers or runs the vendor handler h.
func (s *Server) serve(c *gin.Context, opID string, target func(*gin.Context) []string, h gin.HandlerFunc) {
	sess := s.sessions.Get(c.GetHeader(session.Header))
	c.Set(session.ContextKey, sess)
	c.Set(OperationKey, opID)
	body := reqbody.ReadAhead(c.Request, s.bodyLimit)
	s.observe(c, sess, vendorOf(opID), opID, body, func() { s.serveScenario(c, sess, opID, body, target, h) })
}

func noTarget(*gin.Context) []string { return nil }

// unknownRoute answers a path or method nobody serves: vendor-shaped under a
// vendor's prefix, a sandbox error elsewhere.
func (s *Server) unknownRoute(methodNotAllowed bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := c.Request.URL.Path
		switch {
		case strings.HasPrefix(p, "/multi/") || strings.HasPrefix(p, "/simulate/"):
			s.vendors.weavr.RequestRef(c)
			s.serve(c, weavr.OpUnknown, noTarget, func(c *gin.Context) { s.vendors.weavr.UnknownRoute(c, methodNotAllowed) })
		case strings.HasPrefix(p, loanproBase+"/"):
			s.serve(c, loanpro.OpUnknown, noTarget, func(c *gin.Context) { s.vendors.loanpro.UnknownRoute(c, methodNotAllowed) })
		case methodNotAllowed:
			apierr.WriteSandboxError(c.Writer, http.StatusMethodNotAllowed, "sandbox: method %s not allowed on %s", c.Request.Method, p)
		default:
			apierr.WriteSandboxError(c.Writer, http.StatusNotFound, "sandbox: no route %s %s", c.Request.Method, p)
		}
	}
}
