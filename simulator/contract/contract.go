// Package contract is the one declared interface between the sandbox's
// neutral machinery and a simulated vendor API. A vendor is a Plugin: it
// owns its settings and flags and builds a Vendor, which declares
// everything the sandbox derives from it: the routes, the vendor-shaped
// answer to unknown routes under its prefixes, the scenario vocabulary and
// schema, the Prefer codes, the error catalog, the control API's operation
// list, data browser and OpenAPI document, and each session's world.
//
// Neutral packages (store, session, scenario, journal, metrics, control)
// never import a vendor; vendors never import each other. Adding a vendor
// is a package implementing Plugin and one line in the vendor list.
package contract

import (
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// Plugin is a vendor before it is built: its settings (a pointer to the
// vendor's own settings struct, holding its documented defaults), its
// command-line flags over them, and the constructor.
type Plugin interface {
	// Name is the vendor's name: the prefix of its operation ids and
	// catalog names ("weavr" in weavr.consumerUpdate).
	Name() string
	// Settings is a pointer to the vendor's settings; SettingsOf finds it
	// by type.
	Settings() any
	// Flags registers the vendor's flags on fs, writing into Settings.
	Flags(fs *flag.FlagSet)
	// Build validates the settings and builds the vendor.
	Build(env Env) (*Vendor, error)
}

// Generator is a Plugin whose records are generated beside its fixtures;
// tests set the count of every vendor at once (sandboxtest.WithData).
type Generator interface {
	SetGenerated(n int)
}

// SplitList reads a comma-separated flag or environment value, trimming
// spaces and dropping empty items ("a, ,b" is a and b): the one reading of
// list flags, the sandbox's and every vendor's.
func SplitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Env is what the sandbox hands every vendor it builds.
type Env struct {
	Seed         int64 // faker seed: same seed, same data
	Fixtures     fs.FS // holds the vendor's fixture file
	Clock        clock.Clock
	Logger       *slog.Logger
	MaxBodyBytes int64 // largest request body a vendor accepts (--max-body-bytes)
	// Events takes the webhooks the vendor sends; it is never nil (the
	// sandbox hands Discard when nothing delivers).
	Events Publisher
	// State is the shared state backend (--state), nil in the in-memory
	// mode: a vendor's world factory (session.Key.ScopedFactory) then
	// keeps its mutable state under the session's Scope.
	State *state.Redis
}

// SettingsOf returns the settings of type T among plugins (nil if no
// plugin has them): the typed way for tests and tools to change one
// vendor's settings without the sandbox knowing the vendor.
func SettingsOf[T any](plugins []Plugin) *T {
	for _, p := range plugins {
		if s, ok := p.Settings().(*T); ok {
			return s
		}
	}
	return nil
}

// Vendor is a built vendor: the declaration the sandbox derives its routes,
// scenarios, catalog, control API and sessions from.
type Vendor struct {
	Name  string // as Plugin.Name
	Title string // for people: "Weavr"
	// Prefixes are the paths this vendor owns ("/multi"): a path under
	// one that no operation serves gets Unknown's vendor-shaped answer.
	Prefixes []string
	// Middleware runs before every request under Prefixes, unknown routes
	// included (e.g. Weavr's request-ref header on every answer).
	Middleware []gin.HandlerFunc
	// Operations are the served operations, the single source of truth of
	// routes and of what scenarios may name.
	Operations []Operation
	// Resolve names the operation of a request on a Route that several
	// operations share (OData paths are parsed by the vendor); it may
	// return Unknown.ID. Needed only when operations share a Route.
	Resolve func(c *gin.Context) string
	// Unknown answers paths and methods under Prefixes that no operation
	// serves (and what Resolve names Unknown.ID).
	Unknown Unknown
	// Errors is every documented error, each defined once.
	Errors []apierr.Def
	// World makes a session's state (its fork of the seeded data).
	World session.Factory
	// Data are the collections the control API browses per session.
	Data []Collection
	// Documents are the vendor's own OpenAPI documents: served by the
	// control API and used by tests as the oracle of every answer.
	Documents []Document
	// Banner lists what a user needs at startup (credentials, logins),
	// given the sandbox's base URL.
	Banner func(baseURL string) []Line
	// Webhooks declares the events the vendor sends and how it signs
	// them; nil when it sends none.
	Webhooks *Webhooks
}

// Operation is one served vendor operation.
type Operation struct {
	ID      string // vendor-qualified: "weavr.consumerUpdate"
	Method  string // as documented: PATCH
	Path    string // as documented, OpenAPI template: /multi/consumers, /x/{id}
	Summary string
	// Errors are the unqualified catalog names the operation documents,
	// in the order `Prefer: code=N` picks among errors of one status.
	Errors []string
	// Route is the gin pattern serving the operation when Path is not one
	// (an OData key inside a segment); empty means Path itself.
	Route string
	// Target names what the request addresses (a consumer id, a customer
	// key) for scenarios matching on `target`; nil names nothing. It must
	// not change state.
	Target func(c *gin.Context) []string
	// Handler answers the request when no scenario does.
	Handler gin.HandlerFunc
	// Prefetch, in Redis mode, queues on p the reads Handler is about to
	// make (its token, the record it names) for the session s the
	// replica holds: they go out in the round trip of the session touch,
	// and the callback keeps the replies in the request's batch b when s
	// was current (the handler's GetCtx, UpdateCtx and the like take them
	// from there). An operation with a Prefetch makes at most one write
	// (one Update): its commit may then wait for the request's last round
	// trip, sent with the journal entry, and if another replica's write
	// overtook it the handler runs again (state.Batch). nil: no prefetch.
	Prefetch func(c *gin.Context, s *session.Session, p state.Pipe, b *state.Batch) func(current bool)
}

// GinPattern is the gin route of the operation: Route, or Path with each
// {param} written :param.
func (o *Operation) GinPattern() string {
	if o.Route != "" {
		return o.Route
	}
	var b strings.Builder
	for i, seg := range strings.Split(o.Path, "/") {
		if i > 0 {
			b.WriteByte('/')
		}
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			seg = ":" + seg[1:len(seg)-1]
		}
		b.WriteString(seg)
	}
	return b.String()
}

// Unknown is the operation of requests under a vendor's prefixes that no
// operation serves.
type Unknown struct {
	ID      string // "weavr.unknown"
	Summary string
	Errors  []string
	// Handler answers; methodNotAllowed tells a known path with another
	// method (405) from an unknown path (404).
	Handler func(c *gin.Context, methodNotAllowed bool)
}

// Collection is one kind of record the control API lists and shows per
// session, at /__sandbox/sessions/{s}/{vendor}/{collection}[/{id}].
type Collection struct {
	Name string // URL segment: "consumers"
	Item string // one record, for messages: "consumer"
	// Search is the query parameter filtering the list ("email"), with
	// what it matches described for the OpenAPI document.
	Search, SearchHelp string
	// List returns the page [offset, offset+limit) of the session's
	// records matching q ("" = all) and the count of every match.
	List func(s *session.Session, q string, offset, limit int) (page any, total int)
	// Get returns one record by id.
	Get func(s *session.Session, id string) (any, bool)
	// Extra are fields added to every list answer (e.g. the credentials
	// the records need).
	Extra map[string]any
	// Summary describes the collection for the OpenAPI document.
	Summary string
	// Actions are the back-office operations on one record that the
	// vendor's API does not offer (approve or reject KYC, deactivate).
	Actions []Action
}

// Action is a control-API operation on one record of a collection, at
// POST /__sandbox/sessions/{s}/{vendor}/{collection}/{id}/{action}: what
// the vendor's own staff or systems do (Weavr's compliance team rejecting
// a KYC, an admin deactivating a consumer), so tests can drive the events
// that follow.
type Action struct {
	Name    string // URL segment: "deactivate"
	Summary string
	// Example is a request body, for the OpenAPI document ("" = none).
	Example string
	// Do applies the action to the record id of the session; body is the
	// raw request body. It returns the answer (200 JSON; nil = 204) or an
	// *ActionError.
	Do func(s *session.Session, id string, body []byte) (any, error)
}

// ActionError is an action's refusal, answered in the sandbox's own error
// shape with Status (404 unknown record, 400 bad body, 409 wrong state).
type ActionError struct {
	Status int
	Msg    string
}

func (e *ActionError) Error() string { return e.Msg }

// Webhooks is what a vendor declares of the webhooks it sends: the events
// (scenario files may name their paths) and its signing rule. The
// sandbox's webhook machinery records, schedules, retries and delivers
// them; the vendor only builds bodies and signs.
type Webhooks struct {
	Events []EventType
	// Sign sets the vendor's delivery headers for one attempt of an
	// event: callRef identifies the call (the same on every attempt and
	// duplicate), published is the publication time the receiver sees,
	// secret the event's signing key.
	Sign func(h http.Header, callRef string, body []byte, published time.Time, secret string)
}

// EventType is one documented event.
type EventType struct {
	Path    string // under the webhook URL: "/consumers/kyc/watch"
	Summary string
}

// Event is one webhook as a vendor publishes it.
type Event struct {
	Path string // the event type's path: "/consumers/kyc/watch"
	Body []byte // JSON, exactly as sent
	// Secret is the key the vendor signs the event with (Weavr: the
	// programme's API key).
	Secret string
	// Subject is what the event is about (a consumer id), for filters.
	Subject string
	// Cause is the vendor request whose handling published the event (nil
	// for a control-API action): the scenarios it names in
	// X-Sandbox-Scenario apply to the event's delivery too.
	Cause *http.Request
}

// Publisher takes the events of one vendor. Publish records the event in
// the session and schedules its delivery; it never waits for delivery.
type Publisher interface {
	Publish(s *session.Session, ev Event)
}

// Discard is a Publisher that drops every event (a vendor built outside
// a sandbox, in unit tests).
var Discard Publisher = discard{}

type discard struct{}

func (discard) Publish(*session.Session, Event) {}

// Document is one of the vendor's own OpenAPI documents.
type Document struct {
	Name string // file name, e.g. weavr-multi-openapi.yml
	// Server is the document's server URL that Prefix of the sandbox
	// stands for (https://sandbox.weavr.io/multi for /multi); empty when
	// the document describes no sandbox route (webhooks).
	Server, Prefix string
	Data           []byte
}

// Line is one line of the startup banner.
type Line struct {
	Msg   string
	Attrs []any // slog key-value pairs
}

// Validate checks a Vendor's declaration once, at startup.
func (v *Vendor) Validate() error {
	switch {
	case v.Name == "" || strings.ContainsAny(v.Name, "./ *"):
		return fmt.Errorf("contract: vendor name %q: want a plain word", v.Name)
	case len(v.Prefixes) == 0:
		return fmt.Errorf("contract: vendor %s declares no path prefix", v.Name)
	case v.Unknown.ID != v.Name+".unknown" || v.Unknown.Handler == nil:
		return fmt.Errorf("contract: vendor %s: Unknown must be %s.unknown with a handler", v.Name, v.Name)
	}
	for _, p := range v.Prefixes {
		if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
			return fmt.Errorf("contract: vendor %s: prefix %q must start and not end with /", v.Name, p)
		}
	}
	seen := map[string]bool{v.Unknown.ID: true}
	routes := map[string]int{}
	for i := range v.Operations {
		op := &v.Operations[i]
		switch {
		case !strings.HasPrefix(op.ID, v.Name+"."):
			return fmt.Errorf("contract: operation %q of vendor %s must be named %s.<operation>", op.ID, v.Name, v.Name)
		case seen[op.ID]:
			return fmt.Errorf("contract: operation %s declared twice", op.ID)
		case op.Handler == nil || op.Method == "" || op.Path == "":
			return fmt.Errorf("contract: operation %s needs a method, a path and a handler", op.ID)
		case !v.Owns(op.GinPattern()):
			return fmt.Errorf("contract: operation %s: %s is under none of the prefixes %v", op.ID, op.GinPattern(), v.Prefixes)
		}
		seen[op.ID] = true
		routes[op.Method+" "+op.GinPattern()]++
	}
	for r, n := range routes {
		if n > 1 && v.Resolve == nil {
			return fmt.Errorf("contract: vendor %s: %d operations share %s but no Resolve tells them apart", v.Name, n, r)
		}
	}
	for _, d := range v.Errors {
		if d.Vendor != v.Name {
			return fmt.Errorf("contract: error %s of vendor %s is filed under %q", d.Name, v.Name, d.Vendor)
		}
	}
	return nil
}

// Owns reports whether a request path is under one of the vendor's
// prefixes: its own 404 and 405 answer there, the sandbox's elsewhere.
func (v *Vendor) Owns(path string) bool {
	for _, p := range v.Prefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// All lists the vendor's operations with Unknown last, as scenario
// vocabulary entries see them (Unknown has no method, path or handler).
func (v *Vendor) All() []Operation {
	out := append([]Operation(nil), v.Operations...)
	return append(out, Operation{ID: v.Unknown.ID, Summary: v.Unknown.Summary, Errors: v.Unknown.Errors})
}

// ctxKey types the gin context keys the sandbox sets for vendor handlers.
type ctxKey int

const (
	sessionKey ctxKey = iota
	operationKey
)

// Bind records the request's session and operation on c for the vendor's
// handlers (SessionOf, OperationOf); the sandbox calls it before any.
func Bind(c *gin.Context, s *session.Session, operation string) {
	c.Set(sessionKey, s)
	c.Set(operationKey, operation)
}

// SessionOf is the request's session (nil outside a sandbox request).
func SessionOf(c *gin.Context) *session.Session {
	v, _ := c.Get(sessionKey)
	s, _ := v.(*session.Session)
	return s
}

// OperationOf is the request's operation id ("" outside a sandbox request).
func OperationOf(c *gin.Context) string {
	v, _ := c.Get(operationKey)
	s, _ := v.(string)
	return s
}

// Keeper is a response writer that can keep a body it is handed instead
// of copying it (the sandbox's journal).
type Keeper interface {
	// Keep is told, before body is written, that the writer may keep it:
	// the caller will not modify it again.
	Keep(body []byte)
}

// Data writes a whole answer, as c.Data does, with a body the caller
// hands over: it must not be modified afterwards (a freshly appended
// buffer, never a pooled one). The journal then keeps those bytes instead
// of a copy of them.
func Data(c *gin.Context, status int, contentType string, body []byte) {
	if k, ok := c.Writer.(Keeper); ok {
		k.Keep(body)
	}
	c.Data(status, contentType, body)
}

// Now is the time of the request's session: its own clock, which a test
// can move (the control API's /clock), so tokens, codes and the dates a
// vendor stamps follow it; fallback's time outside a sandbox request.
func Now(c *gin.Context, fallback clock.Clock) time.Time {
	if s := SessionOf(c); s != nil {
		return s.Clock().Now()
	}
	return fallback.Now()
}
