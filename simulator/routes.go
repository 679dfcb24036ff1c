package simulator

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/control"
	"github.com/sandbox-dev/fintech-sandbox/simulator/reqbody"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// routes derives every route from the vendors' declarations, then mounts
// the control API. The middleware chain of a vendor request is visible
// here: recovery, the vendor's own middleware, then serve (session,
// journal/metrics/log, scenarios, the operation's handler).
func (s *Server) routes() (*gin.Engine, error) {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// Vendors answer a trailing slash with their own 404, never gin's HTML
	// redirect.
	r.RedirectTrailingSlash, r.RedirectFixedPath = false, false
	r.Use(gin.CustomRecovery(func(c *gin.Context, err any) {
		s.cfg.Logger.Error("panic serving request", "path", c.Request.URL.Path, "panic", err)
		apierr.WriteSandboxError(c.Writer, http.StatusInternalServerError, "sandbox: internal error: %v", err)
	}))
	var stateCheck func(context.Context) error
	if s.cfg.State != nil {
		r.Use(s.stateGuard)
		stateCheck = s.cfg.State.Ping
	}
	for _, v := range s.vendors {
		if err := s.vendorRoutes(r, v); err != nil {
			return nil, err
		}
	}
	openapi, err := control.OpenAPI(s.vendors)
	if err != nil {
		return nil, err
	}
	control.Mount(r, control.Deps{
		AdminToken: s.cfg.AdminToken, Clock: s.cfg.Clock,
		Sessions: s.sessions, Journal: s.journalKey, Scenarios: s.scenarioKey,
		Engine: s.engine, Reloader: s.watcher, Catalog: s.catalog, Vendors: s.vendors,
		Metrics: s.metrics.Handler(), Draining: s.draining.Load, OpenAPI: openapi, Webhooks: s.webhooks,
		State: stateCheck,
	})
	r.NoRoute(s.unknownRoute(false))
	r.NoMethod(s.unknownRoute(true))
	return r, nil
}

// vendorRoutes registers one route per distinct method and gin pattern of
// v's operations. A route that several operations share asks the vendor's
// Resolve which one a request is.
func (s *Server) vendorRoutes(r *gin.Engine, v *contract.Vendor) error {
	type route struct{ method, pattern string }
	shared := map[route][]*contract.Operation{}
	var order []route
	for i := range v.Operations {
		op := &v.Operations[i]
		k := route{op.Method, op.GinPattern()}
		if shared[k] == nil {
			order = append(order, k)
		}
		shared[k] = append(shared[k], op)
	}
	g := r.Group("", v.Middleware...)
	for _, k := range order {
		ops := shared[k]
		var h gin.HandlerFunc
		if len(ops) == 1 {
			op := ops[0]
			h = func(c *gin.Context) { s.serve(c, op.ID, op.Target, op.Handler, op.Prefetch) }
		} else {
			byID := map[string]*contract.Operation{}
			for _, op := range ops {
				byID[op.ID] = op
			}
			h = func(c *gin.Context) {
				if op := byID[v.Resolve(c)]; op != nil {
					s.serve(c, op.ID, op.Target, op.Handler, op.Prefetch)
					return
				}
				s.serve(c, v.Unknown.ID, noTarget, func(c *gin.Context) { v.Unknown.Handler(c, false) }, nil)
			}
		}
		if err := register(g, k.method, k.pattern, h); err != nil {
			return fmt.Errorf("vendor %s: %w", v.Name, err)
		}
	}
	return nil
}

// register adds one route, turning gin's panic on a conflicting pattern
// into a startup error.
func register(g *gin.RouterGroup, method, pattern string, h gin.HandlerFunc) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("route %s %s: %v", method, pattern, p)
		}
	}()
	g.Handle(method, pattern, h)
	return nil
}

// prefetch is an operation's contract.Operation.Prefetch.
type prefetch = func(c *gin.Context, s *session.Session, p state.Pipe, b *state.Batch) func(bool)

// serve runs the pipeline of a simulated request: resolve the session,
// record the exchange (journal, metrics, log) around the scenario stage,
// which either answers or runs the vendor handler h. In Redis mode the
// request has a batch (state.Batch): pre's reads go out with the session
// touch, the writes that can wait and the journal entry with one flush.
func (s *Server) serve(c *gin.Context, opID string, target func(*gin.Context) []string, h gin.HandlerFunc, pre prefetch) {
	name := c.GetHeader(session.Header)
	if err := session.CheckName(name); err != nil {
		// Refused before anything is created or journaled: the header is
		// the client's and unauthenticated.
		apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, "sandbox: %s: %v", session.Header, err)
		c.Abort()
		return
	}
	var pf *scenario.Prefetched
	var sess *session.Session
	var b *state.Batch
	if s.cfg.State != nil {
		b = state.NewBatch(s.cfg.State)
		defer b.Close()
		c.Request = c.Request.WithContext(state.WithBatch(c.Request.Context(), b))
		sess, pf = s.sharedSession(c, name, opID, pre, b)
	} else {
		sess = s.sessions.Get(name) // no closure, nothing on the heap: the in-memory path stays as cheap as before
	}
	// The request's keys (session, operation) go in a map the sandbox
	// reuses: gin would allocate one per request on the first c.Set. It
	// is taken back when the request is done, as gin's own context is;
	// a handler that needs them later copies the context (c.Copy).
	keys := s.keys.Get().(map[any]any)
	c.Keys = keys
	defer func() { c.Keys = nil; clear(keys); s.keys.Put(keys) }()
	contract.Bind(c, sess, opID)
	body := reqbody.ReadAhead(c.Request, s.bodyLimit)
	var again func()
	if b != nil && pre != nil {
		again = func() { reqbody.Rewind(c.Request); h(c) }
	}
	s.observe(c, sess, vendorOf(opID), opID, body, b, again, func() string {
		return s.serveScenario(c, sess, opID, body, target, h, pf, b != nil && again != nil)
	})
}

// sharedSession is the session of a request in Redis mode: the scenario
// stage's first read (State.Prefetch) and the operation's own (pre) go
// out with the session's touch, one round trip for all. The scenario
// read is left out for a request naming scenarios, which may be refused
// before that read.
func (s *Server) sharedSession(c *gin.Context, name, opID string, pre prefetch, b *state.Batch) (*session.Session, *scenario.Prefetched) {
	named := len(c.Request.Header.Values(scenario.HeaderScenario)) > 0
	if named && pre == nil {
		return s.sessions.Get(name), nil
	}
	var pf *scenario.Prefetched
	sess := s.sessions.GetWith(name, func(cached *session.Session, p state.Pipe) func(bool) {
		var scen, vend func(bool)
		if !named {
			scen = s.scenarioKey.Of(cached).Prefetch(p, opID, &pf)
		}
		if pre != nil {
			vend = pre(c, cached, p, b)
		}
		return func(current bool) {
			if scen != nil {
				scen(current)
			}
			if vend != nil {
				vend(current)
			}
		}
	})
	return sess, pf
}

func noTarget(*gin.Context) []string { return nil }

// unknownRoute answers a path or method nobody serves: vendor-shaped under a
// vendor's prefix, a sandbox error elsewhere.
func (s *Server) unknownRoute(methodNotAllowed bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := c.Request.URL.Path
		for _, v := range s.vendors {
			if v.Owns(p) {
				for _, m := range v.Middleware {
					m(c)
				}
				s.serve(c, v.Unknown.ID, noTarget, func(c *gin.Context) { v.Unknown.Handler(c, methodNotAllowed) }, nil)
				return
			}
		}
		if methodNotAllowed {
			apierr.WriteSandboxError(c.Writer, http.StatusMethodNotAllowed, "sandbox: method %s not allowed on %s", c.Request.Method, p)
			return
		}
		apierr.WriteSandboxError(c.Writer, http.StatusNotFound, "sandbox: no route %s %s", c.Request.Method, p)
	}
}
