package scenario

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Request is what the engine sees of a request. Target is resolved, and
// Body parsed, only when a scenario's conditions need them.
type Request struct {
	Operation string
	HTTP      *http.Request
	Body      []byte          // the request body (nil when none)
	Target    func() []string // ids (and emails) of the addressed consumer/customer
	// Prefetched is the session's scenario state for Operation as
	// State.Prefetch read it beside the session's touch (nil: Decide
	// reads it itself).
	Prefetched *Prefetched
}

// Decision is what a scenario answers for one request.
type Decision struct {
	Scenario string // the scenario's name, or "prefer:…" for a Prefer header
	Step     *Step
	Delay    time.Duration
}

// Problem is a mistake in the request's own sandbox headers (an unknown
// scenario name, a Prefer the operation cannot honour). It is answered as
// a sandbox error, never as a vendor error.
type Problem struct {
	Status  int
	Message string
}

// Decide finds what answers req in session st: first a trigger armed for
// the session (Arm), then scenarios named by X-Sandbox-Scenario (checked
// only against the operation, method and path), then a Prefer header,
// then the session's and the global active scenarios (all their
// conditions). nil, nil means the vendor answers normally. A request naming
// an unknown scenario gets its Problem and fires no trigger; otherwise an
// armed trigger wins over the request's own headers, as the operator who
// armed it expects.
func (e *Engine) Decide(st *State, req *Request) (*Decision, *Problem) {
	set := e.Set()
	named := headerList(req.HTTP.Header, HeaderScenario)
	in := &input{req: req, raw: req.Body}
	scs := make([]*Scenario, len(named))
	for i, name := range named {
		sc, ok := set.Lookup(name)
		if !ok {
			return nil, &Problem{Status: http.StatusBadRequest, Message: (&UnknownScenarioError{Name: name}).Error()}
		}
		scs[i] = sc
	}
	var v view
	if pf := req.Prefetched; pf != nil && pf.st == st && pf.op == req.Operation {
		v = pf.v
	} else {
		v = st.begin(req.Operation)
	}
	if v.trigger != nil {
		return v.trigger, nil
	}
	for _, sc := range scs {
		if sc.Match.route(req) {
			if d := st.play(sc); d != nil {
				return d, nil
			}
		}
	}
	if d, p := e.prefer(req); d != nil || p != nil {
		return d, p
	}
	own := v.own
	for i, list := range [2][]string{own, v.global} {
		for _, name := range list {
			if slices.Contains(named, name) || (i == 1 && slices.Contains(own, name)) {
				continue // tried above, or already tried as the session's own
			}
			sc, ok := set.Lookup(name)
			if ok && sc.Match.route(req) && sc.Match.conditions(in) {
				if d := st.play(sc); d != nil {
					return d, nil
				}
			}
		}
	}
	return nil, nil
}

func (st *State) play(sc *Scenario) *Decision {
	step, delay, ok := st.fire(sc)
	if !ok {
		return nil
	}
	return &Decision{Scenario: sc.Name, Step: step, Delay: delay}
}

// prefer honours Prism's "Prefer: code=409, example=EMAIL_NOT_UNIQUE": the
// operation's documented error of that status (the named one when example
// is given). A 2xx code asks for the normal answer.
func (e *Engine) prefer(req *Request) (*Decision, *Problem) {
	prefs := map[string]string{}
	for _, part := range headerList(req.HTTP.Header, HeaderPrefer) {
		for _, kv := range strings.Split(part, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
			prefs[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	codeText, example := prefs["code"], prefs["example"]
	if codeText == "" && example == "" {
		return nil, nil
	}
	bad := func(format string, args ...any) (*Decision, *Problem) {
		return nil, &Problem{Status: http.StatusBadRequest, Message: "Prefer: " + fmt.Sprintf(format, args...)}
	}
	code := 0
	if codeText != "" {
		var err error
		if code, err = strconv.Atoi(codeText); err != nil || code < 100 || code > 599 {
			return bad("code must be an HTTP status, got %q", codeText)
		}
		if code < 300 && example == "" {
			return nil, nil
		}
	}
	op, ok := e.vocab.ops[req.Operation]
	if !ok {
		return bad("no documented responses for this route")
	}
	var statuses []string
	for _, name := range op.Errors {
		def, ok := e.vocab.catalog.Lookup(op.Vendor + "." + name)
		if !ok {
			continue
		}
		if (code == 0 || def.Status == code) && (example == "" || strings.EqualFold(example, name)) {
			return &Decision{Scenario: "prefer:" + def.QualifiedName(), Step: &Step{Error: def}}, nil
		}
		statuses = append(statuses, fmt.Sprintf("%d %s", def.Status, name))
	}
	if example != "" {
		return bad("operation %s documents no %s error with code %s; it documents: %s", op.ID, example, codeText, strings.Join(statuses, ", "))
	}
	return bad("operation %s documents no %d response; it documents: %s", op.ID, code, strings.Join(statuses, ", "))
}

// input caches what conditions read of a request or a webhook event (one
// goroutine: the caller's own). req is nil for a webhook event.
type input struct {
	req    *Request
	raw    []byte // the JSON body
	parsed bool
	body   any
	bodyOK bool
}

func (in *input) json() (any, bool) {
	if !in.parsed {
		in.bodyOK = json.Unmarshal(in.raw, &in.body) == nil
	}
	in.parsed = true
	return in.body, in.bodyOK
}

// route checks the operation, method and path conditions. A webhook
// scenario never applies to a request, even named or active.
func (m *Match) route(req *Request) bool {
	switch {
	case m.Webhook != nil:
		return false
	case !opMatches(m.Operation, req.Operation):
		return false
	case m.Method != "" && m.Method != req.HTTP.Method:
		return false
	case m.Path != nil && !m.Path.test(req.HTTP.URL.Path, true):
		return false
	}
	return true
}

func opMatches(pattern, id string) bool {
	if pattern == "" || pattern == "*" {
		return true
	}
	if vendor, ok := strings.CutSuffix(pattern, ".*"); ok {
		return strings.HasPrefix(id, vendor+".")
	}
	return pattern == id
}

// conditions checks headers, query, target and body.
func (m *Match) conditions(in *input) bool {
	r := in.req.HTTP
	for name, c := range m.Headers {
		vs := r.Header.Values(name)
		if !c.test(strings.Join(vs, ", "), len(vs) > 0) {
			return false
		}
	}
	if len(m.Query) > 0 {
		q := r.URL.Query()
		for name, c := range m.Query {
			if !c.test(q.Get(name), q.Has(name)) {
				return false
			}
		}
	}
	if c := m.Target; c != nil {
		var ids []string
		if in.req.Target != nil {
			ids = in.req.Target()
		}
		if c.Present != nil {
			if (len(ids) > 0) != *c.Present {
				return false
			}
		} else if !slices.ContainsFunc(ids, func(id string) bool { return c.test(id, true) }) {
			return false
		}
	}
	return m.bodyHolds(in)
}

// bodyHolds checks the body conditions (of a request or a webhook event):
// a body that is not JSON has no field.
func (m *Match) bodyHolds(in *input) bool {
	if len(m.Body) == 0 {
		return true
	}
	doc, ok := in.json()
	for path, c := range m.Body {
		var v any
		found := false
		if ok {
			v, found = lookup(doc, path)
		}
		if !c.test(v, found) {
			return false
		}
	}
	return true
}

// test checks a value: the text of a path, target, header or query (whose
// Equals the parser stored as text), or a JSON value of the body.
func (c *Cond) test(v any, present bool) bool {
	switch {
	case c.Present != nil:
		return present == *c.Present
	case !present:
		return false
	case c.Regex != nil:
		return c.Regex.MatchString(text(v))
	default:
		return reflect.DeepEqual(c.Equals, v)
	}
}

// text renders a value the way it appears on the wire.
func text(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case nil:
		return ""
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}

// lookup follows a dotted path ("address.country", "phones.0.number").
func lookup(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			cur = t[i]
		default:
			return nil, false
		}
	}
	return cur, true
}
