package weavr_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3high "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// The conformance test reads the request-body schemas of the served
// operations from Weavr's own OpenAPI document and derives, from every
// constraint in them, one valid request and one violating request each:
// the document, not a list of hand-picked cases, is the oracle.

// confOp is one served operation and how to call it.
type confOp struct {
	method, path string // as documented (path is a template)
	opID         string // operationId, or "" to locate the operation by method and path only
	okStatus     int
	// name prefixes the operation's keys in the tables below (default:
	// path; the create is "POST /consumers", beside PATCH's /consumers).
	name string
}

// key is the prefix of the operation's keys in confSamples, confExclusions
// and confKnownGaps.
func (op confOp) key() string {
	if op.name != "" {
		return op.name
	}
	return op.path
}

// target is the path requests are sent to: the template filled with the
// session's subject (passwordCreate's user is the consumer
// newConfSession creates).
func (op confOp) target() string {
	return "/multi" + strings.NewReplacer("{user_id}", ninaID, "{channel}", "SMS").Replace(op.path)
}

// confKinds maps a constraint to the invalidFields error kinds that report
// it (each must be in the document's SyntaxError enum).
var confKinds = map[string][]string{
	"required":  {"REQUIRED"},
	"pattern":   {"REGEX"},
	"format":    {"REGEX"},
	"minLength": {"SIZE"},
	"maxLength": {"SIZE"},
	"enum":      {"IN"},
	"minimum":   {"AT_LEAST", "RANGE"},
	"maximum":   {"AT_MOST", "RANGE"},
}

// confNode is one property of a request body schema.
type confNode struct {
	name   string // the property's own name ("" for the body)
	path   []string
	s      *base.Schema
	parent *confNode
}

func (n *confNode) dotted() string { return strings.Join(n.path, ".") }

// item is the element of an array property, named "[]" in paths.
const item = "[]"

// jsonPath is the property's path as Weavr names it (in messages and
// params): no array elements.
func (n *confNode) jsonPath() []string {
	var out []string
	for _, p := range n.path {
		if p != item {
			out = append(out, p)
		}
	}
	return out
}

func (n *confNode) typ() string {
	if len(n.s.Type) == 0 {
		if n.s.Properties != nil {
			return "object"
		}
		return ""
	}
	return n.s.Type[0]
}

func (n *confNode) children() []*confNode {
	var out []*confNode
	if n.typ() == "array" {
		if n.s.Items == nil || !n.s.Items.IsA() {
			return nil
		}
		return []*confNode{{name: item, path: append(slices.Clone(n.path), item), s: resolve(n.s.Items.A), parent: n}}
	}
	if n.s.Properties == nil {
		return nil
	}
	for name, p := range n.s.Properties.FromOldest() {
		out = append(out, &confNode{name: name, path: append(slices.Clone(n.path), name), s: resolve(p), parent: n})
	}
	return out
}

// resolve is the schema of p. A $ref with sibling keywords (a description
// next to the $ref, as dateOfBirth and address have) reads, in OpenAPI 3.0,
// as the referenced schema: the siblings are ignored.
func resolve(p *base.SchemaProxy) *base.Schema {
	if !p.IsTransformedRefWithSiblings() {
		return p.Schema()
	}
	sem, err := p.BuildTransformedRefSemanticSchema(nil)
	if err != nil || sem == nil {
		return p.Schema()
	}
	for _, m := range sem.AllOf {
		if m.IsReference() {
			return m.Schema()
		}
	}
	return p.Schema()
}

func (n *confNode) walk(fn func(*confNode)) {
	fn(n)
	for _, c := range n.children() {
		c.walk(fn)
	}
}

// confConstraint is one constraint of one property.
type confConstraint struct {
	node *confNode
	kind string // required, type, pattern, format, minLength, maxLength, enum, minimum, maximum
}

func constraintsOf(n *confNode) []confConstraint {
	var out []confConstraint
	add := func(k string) { out = append(out, confConstraint{n, k}) }
	if n.parent != nil && slices.Contains(n.parent.s.Required, n.name) {
		add("required")
	}
	if n.typ() != "" {
		add("type")
	}
	if n.s.Pattern != "" {
		add("pattern")
	}
	if n.s.Format != "" {
		add("format")
	}
	if n.s.MinLength != nil && *n.s.MinLength > 0 {
		add("minLength")
	}
	if n.s.MaxLength != nil {
		add("maxLength")
	}
	if len(n.s.Enum) > 0 {
		add("enum")
	}
	if n.s.Minimum != nil {
		add("minimum")
	}
	if n.s.Maximum != nil {
		add("maximum")
	}
	return out
}

func (c confConstraint) key(op string) string {
	p := c.node.dotted()
	if p == "" {
		p = "(body)"
	}
	return op + " " + p + " " + c.kind
}

// confDoc is the parsed document.
type confDoc struct {
	model *libopenapi.DocumentModel[v3high.Document]
}

func loadConfDoc(t *testing.T) *confDoc {
	t.Helper()
	raw, err := os.ReadFile("openapi/weavr-multi-openapi.yml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		t.Fatal(err)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	return &confDoc{model: m}
}

func (d *confDoc) operation(t *testing.T, op confOp) *v3high.Operation {
	t.Helper()
	item := d.model.Model.Paths.PathItems.GetOrZero(op.path)
	if item == nil {
		t.Fatalf("the document has no path %s", op.path)
	}
	o := item.GetOperations().GetOrZero(strings.ToLower(op.method))
	if o == nil {
		t.Fatalf("the document has no %s %s", op.method, op.path)
	}
	if op.opID != "" && o.OperationId != op.opID {
		t.Fatalf("%s %s is %q, want %q", op.method, op.path, o.OperationId, op.opID)
	}
	return o
}

func (d *confDoc) bodySchema(t *testing.T, op confOp) *confNode {
	t.Helper()
	o := d.operation(t, op)
	if o.RequestBody == nil || o.RequestBody.Content == nil {
		t.Fatalf("%s %s has no request body", op.method, op.path)
	}
	mt := o.RequestBody.Content.GetOrZero("application/json")
	if mt == nil || mt.Schema == nil {
		t.Fatalf("%s %s has no application/json schema", op.method, op.path)
	}
	s := mt.Schema.Schema()
	if s == nil {
		t.Fatalf("%s %s: schema does not resolve: %v", op.method, op.path, mt.Schema.GetBuildError())
	}
	return &confNode{s: s}
}

// errorKinds is the document's enum of SyntaxError.invalidFields[].error.
func (d *confDoc) errorKinds(t *testing.T) []string {
	t.Helper()
	sp := d.model.Model.Components.Schemas.GetOrZero("SyntaxError")
	if sp == nil {
		t.Fatal("no SyntaxError schema")
	}
	items := sp.Schema().Properties.GetOrZero("invalidFields").Schema().Items.A.Schema()
	var out []string
	for _, n := range items.Properties.GetOrZero("error").Schema().Enum {
		out = append(out, n.Value)
	}
	if len(out) == 0 {
		t.Fatal("SyntaxError has no error enum")
	}
	return out
}

// confSession is the sandbox of one operation.
type confSession struct {
	s   *sandbox
	tok string
}

func TestConformance(t *testing.T) {
	doc := loadConfDoc(t)
	kinds := doc.errorKinds(t)
	for c, ks := range confKinds {
		for _, k := range ks {
			if !slices.Contains(kinds, k) {
				t.Errorf("confKinds[%s]: %s is not in the document's invalidFields error enum %v", c, k, kinds)
			}
		}
	}

	seen := map[string]bool{}  // every constraint key of the document
	props := map[string]bool{} // every "op path" of the document
	for _, op := range confOps {
		root := doc.bodySchema(t, op)
		root.walk(func(n *confNode) {
			props[op.key()+" "+n.dotted()] = true
			for _, c := range constraintsOf(n) {
				seen[c.key(op.key())] = true
			}
		})
	}
	for k := range confSamples {
		if !props[k] {
			t.Errorf("confSamples names %q, not a property of the document", k)
		}
	}
	for _, table := range []map[string]string{confExclusions, confKnownGaps} {
		for k := range table {
			if !seen[k] {
				t.Errorf("%q is listed but is not a constraint of the document", k)
			}
		}
	}

	for _, op := range confOps {
		name := op.opID
		if name == "" {
			name = doc.operation(t, op).OperationId
		}
		t.Run(name, func(t *testing.T) {
			root := doc.bodySchema(t, op)
			g := &confGen{t: t, op: op.key()}
			sess := newConfSession(t, op)

			send := func(body string) result {
				return sess.s.do(op.method, op.target(), std(sess.tok), body)
			}

			t.Run("valid", func(t *testing.T) {
				g := &confGen{t: t, op: op.key()}
				b, _ := json.Marshal(g.valid(root, false))
				if r := send(string(b)); r.Status != op.okStatus {
					t.Fatalf("%s: %d %s, want %d", b, r.Status, r.Body, op.okStatus)
				}
			})
			t.Run("valid_all_properties", func(t *testing.T) {
				g := &confGen{t: t, op: op.key()}
				sess := newConfSession(t, op)
				b, _ := json.Marshal(g.valid(root, true))
				if r := sess.s.do(op.method, op.target(), std(sess.tok), string(b)); r.Status != op.okStatus {
					t.Fatalf("%s: %d %s, want %d", b, r.Status, r.Body, op.okStatus)
				}
			})

			var all []confConstraint
			root.walk(func(n *confNode) { all = append(all, constraintsOf(n)...) })
			for _, c := range all {
				key := c.key(op.key())
				if _, ok := confExclusions[key]; ok {
					continue
				}
				sub := strings.ReplaceAll(c.node.dotted(), ".", "_")
				if sub == "" {
					sub = "body"
				}
				t.Run(sub+"/"+c.kind, func(t *testing.T) {
					g := &confGen{t: t, op: g.op}
					body, ok := g.request(root, c)
					if !ok {
						t.Fatalf("%s: no violating value; list it in confExclusions with a reason", key)
					}
					r := send(body)
					problem := confCheck(r, c)
					if gap, ok := confKnownGaps[key]; ok {
						if problem == "" {
							t.Errorf("%s is listed in confKnownGaps (%s) but now conforms: remove it", key, gap)
						}
						return
					}
					if problem != "" {
						t.Errorf("%s -> %d %s: %s", body, r.Status, r.Body, problem)
					}
				})
			}
		})
	}
}

func newConfSession(t *testing.T, op confOp) *confSession {
	t.Helper()
	s := newSandbox(t)
	cs := &confSession{s: s}
	switch op.key() {
	case "/login_with_password", "POST /consumers", "/consumers/verification/email/send": // api-key only; grace's email is unverified
	case "/consumers":
		cs.tok = s.login("alice@example.com")
	case "/passwords/{user_id}/create": // a created consumer has no password yet
		if r := s.create(nina); r.Status != 200 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
	case "/consumers/kyc": // carol's email is verified, her KYC not started
		cs.tok = s.login("carol@example.com")
	case "/access_token", "/passwords/update", "/passwords/validate":
		cs.tok = s.login("alice@example.com")
	case "/passwords/lost_password/start":
	case "/passwords/lost_password/resume": // a reset started
		expectStatus(t, s.do("POST", "/multi/passwords/lost_password/start", std(""), `{"email":"alice@example.com"}`), 204)
	case "/authentication_factors/otp/{channel}/verify": // an enrolment started
		cs.tok = s.login("alice@example.com")
		expectStatus(t, s.do("POST", "/multi/authentication_factors/otp/SMS", std(cs.tok), ""), 204)
	case "/stepup/challenges/otp/{channel}/verify": // enrolled, a challenge issued
		cs.tok = s.enrolled(t)
		expectStatus(t, s.do("POST", "/multi/stepup/challenges/otp/SMS", std(cs.tok), ""), 204)
	default: // verify: the email must have a pending change
		cs.tok = s.login("alice@example.com")
		email := confSamples[op.path+" email"]
		if r := s.patch(cs.tok, `{"email":`+strconv.Quote(email)+`}`); r.Status != 200 {
			t.Fatalf("pending email change: %d %s", r.Status, r.Body)
		}
	}
	return cs
}

// confCheck returns "" when r is the documented 400 for violating c.
func confCheck(r result, c confConstraint) string {
	if r.Status != 400 {
		return fmt.Sprintf("status %d, want 400", r.Status)
	}
	var body struct {
		Message      string `json:"message"`
		SyntaxErrors *struct {
			InvalidFields []struct {
				Params    []string `json:"params"`
				FieldName string   `json:"fieldName"`
				Error     string   `json:"error"`
			} `json:"invalidFields"`
		} `json:"syntaxErrors"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		return "body is not JSON: " + err.Error()
	}
	if c.kind == "type" && body.SyntaxErrors == nil {
		// Weavr's message-only 400 for a body that does not decode.
		if body.Message == "" {
			return "a message-only 400 without a message"
		}
		if p := strings.Join(c.node.jsonPath(), "."); p != "" && !strings.Contains(body.Message, p) {
			return fmt.Sprintf("message does not name %s", p)
		}
		return ""
	}
	if body.SyntaxErrors == nil || len(body.SyntaxErrors.InvalidFields) == 0 {
		return "no syntaxErrors.invalidFields"
	}
	jp := c.node.jsonPath()
	params := jp[:len(jp)-1]
	found := false
	for _, f := range body.SyntaxErrors.InvalidFields {
		if f.FieldName != c.node.name || !slices.Equal(f.Params, params) {
			return fmt.Sprintf("an entry for another field (%s %v): the violation must be the only problem", f.FieldName, f.Params)
		}
		if c.kind == "type" || slices.Contains(confKinds[c.kind], f.Error) {
			found = true
		}
	}
	if !found {
		return fmt.Sprintf("no %v entry for %s", confKinds[c.kind], c.node.name)
	}
	return ""
}
