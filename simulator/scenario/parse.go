package scenario

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Keys lists the keys each kind of mapping in a scenario file accepts. It
// is the loader's vocabulary and the JSON Schema's: a test keeps
// scenarios/scenario.schema.json in step with it.
var Keys = map[string][]string{
	"scenario": {"name", "description", "match", "respond", "sequence", "loop", "times", "after", "probability"},
	"match":    {"operation", "method", "path", "target", "headers", "query", "body", "webhook"},
	"cond":     {"equals", "regex", "present"},
	"response": {"error", "status", "headers", "body", "bodyText", "pass", "delay", "fault", "webhook", "copies", "age"},
	"delay":    {"min", "max"},
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// parser compiles the documents of one file, collecting every problem with
// its position instead of stopping at the first.
type parser struct {
	file  string
	vocab *vocab
	errs  ErrorList
}

func (p *parser) fail(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, Error{File: p.file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// fields walks a mapping, rejecting unknown and duplicate keys; fn gets
// each known key's value node.
func (p *parser) fields(n *yaml.Node, kind string, fn func(key string, v *yaml.Node)) bool {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "%s must be a mapping, got %s", kind, nodeKind(n))
		return false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(Keys[kind], k.Value):
			p.fail(k, "unknown key %q in %s (known: %s)", k.Value, kind, strings.Join(Keys[kind], ", "))
		case seen[k.Value]:
			p.fail(k, "key %q given twice", k.Value)
		default:
			seen[k.Value] = true
			fn(k.Value, v)
		}
	}
	return true
}

// entries walks a mapping of free-form keys (headers, body paths).
func (p *parser) entries(n *yaml.Node, what string, fn func(k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "%s must be a mapping, got %s", what, nodeKind(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i], n.Content[i+1])
	}
}

func (p *parser) str(n *yaml.Node, key string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.fail(n, "%s must be a string, got %s", key, nodeKind(n))
		return ""
	}
	return n.Value
}

// isText reports whether n is a scalar that p.str accepts.
func isText(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag != "!!null" }

func (p *parser) integer(n *yaml.Node, key string, min int) int {
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil {
		p.fail(n, "%s must be an integer, got %q", key, n.Value)
		return 0
	}
	if v < min {
		p.fail(n, "%s must be at least %d, got %d", key, min, v)
	}
	return v
}

func (p *parser) boolean(n *yaml.Node, key string) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.fail(n, "%s must be true or false, got %q", key, n.Value)
		return false
	}
	return n.Value == "true"
}

func (p *parser) duration(n *yaml.Node, key string) time.Duration {
	d, err := time.ParseDuration(n.Value)
	switch {
	case n.Kind != yaml.ScalarNode || err != nil:
		p.fail(n, "%s: bad duration %q (use Go durations such as 250ms, 2s, 1m)", key, n.Value)
	case d < 0:
		p.fail(n, "%s: duration must not be negative, got %s", key, n.Value)
	}
	return d
}

func (p *parser) scenario(doc *yaml.Node) *Scenario {
	sc := &Scenario{Source: fmt.Sprintf("%s:%d", p.file, doc.Line), Probability: 1, digest: definitionDigest(doc)}
	var respond, sequence, loop *yaml.Node
	ok := p.fields(doc, "scenario", func(k string, v *yaml.Node) {
		switch k {
		case "name":
			// p.str reports a null or non-scalar name; an empty one is bad too.
			if sc.Name = p.str(v, k); isText(v) && !nameRE.MatchString(sc.Name) {
				p.fail(v, "name %q: use lower-case letters, digits, '.', '-' and '_'", sc.Name)
			}
		case "description":
			if sc.Description = p.str(v, k); isText(v) && sc.Description == "" {
				p.fail(v, "description must not be empty")
			}
		case "match":
			sc.Match = p.match(v)
		case "respond":
			respond = v
			if s := p.step(v, "respond"); s != nil {
				sc.Steps = []*Step{s}
			}
		case "sequence":
			sequence = v
			sc.Sequence = true
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				p.fail(v, "sequence must be a non-empty list of responses")
				return
			}
			for i, item := range v.Content {
				if s := p.step(item, fmt.Sprintf("sequence[%d]", i)); s != nil {
					sc.Steps = append(sc.Steps, s)
				}
			}
		case "loop":
			loop = v
			sc.Loop = p.boolean(v, k)
		case "times":
			sc.Times = p.integer(v, k, 0)
		case "after":
			sc.After = p.integer(v, k, 0)
		case "probability":
			f, err := strconv.ParseFloat(v.Value, 64)
			if v.Kind != yaml.ScalarNode || err != nil || !(f > 0 && f <= 1) { // NaN fails too
				p.fail(v, "probability must be a number in (0, 1], got %q", v.Value)
			}
			sc.Probability = f
		}
	})
	if !ok {
		return nil
	}
	switch {
	case sc.Name == "" && !p.hasKey(doc, "name"):
		p.fail(doc, "scenario needs a name")
	case sc.Description == "" && !p.hasKey(doc, "description"):
		p.fail(doc, "scenario %s needs a description", sc.Name)
	}
	switch {
	case respond == nil && sequence == nil:
		p.fail(doc, "scenario %s needs respond or sequence", sc.Name)
	case respond != nil && sequence != nil:
		p.fail(sequence, "give respond or sequence, not both")
	}
	if loop != nil && sequence == nil {
		p.fail(loop, "loop only applies to a sequence")
	}
	p.checkVendor(sc, doc)
	p.checkKind(sc.Match.Webhook != nil, respond, sequence)
	return sc
}

func (p *parser) hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// checkVendor rejects an error of one vendor answering another vendor's
// operation: the client would get a body shape its vendor never sends.
func (p *parser) checkVendor(sc *Scenario, doc *yaml.Node) {
	vendor, _, _ := strings.Cut(sc.Match.Operation, ".")
	if vendor == "" || vendor == "*" {
		return
	}
	for _, s := range sc.Steps {
		if s.Error != nil && s.Error.Vendor != vendor {
			p.fail(doc, "scenario %s: error %s cannot answer %s operation %s", sc.Name, s.Error.QualifiedName(), vendor, sc.Match.Operation)
		}
	}
}

func (p *parser) match(n *yaml.Node) Match {
	var m Match
	p.fields(n, "match", func(k string, v *yaml.Node) {
		switch k {
		case "operation":
			m.Operation = p.str(v, k)
			if msg := p.vocab.checkOperation(m.Operation); msg != "" {
				p.fail(v, "%s", msg)
			}
		case "method":
			m.Method = strings.ToUpper(p.str(v, k))
			if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}, m.Method) {
				p.fail(v, "method %q is not an HTTP method", v.Value)
			}
		case "path":
			m.Path = p.cond(v, "path", true)
		case "target":
			m.Target = p.cond(v, "target", true)
		case "headers":
			m.Headers = p.conds(v, k, true, http.CanonicalHeaderKey)
		case "query":
			m.Query = p.conds(v, k, true, nil)
		case "body":
			m.Body = p.conds(v, k, false, nil)
		case "webhook":
			m.Webhook = p.webhookCond(v)
		}
	})
	if m.Webhook != nil {
		p.checkWebhookMatch(n)
	}
	return m
}

func (p *parser) conds(n *yaml.Node, what string, textual bool, canon func(string) string) map[string]*Cond {
	out := map[string]*Cond{}
	p.entries(n, what, func(k, v *yaml.Node) {
		name := k.Value
		if canon != nil {
			name = canon(name)
		}
		if name == "" {
			p.fail(k, "%s: empty name", what)
			return
		}
		out[name] = p.cond(v, what+"."+k.Value, textual)
	})
	return out
}

// cond reads a condition: a plain value means equals; a mapping gives one
// of equals, regex or present. A textual condition (path, target, header,
// query) keeps its equals value as the text the wire carries, so `7` and
// "7" both match the header value 7; a body condition keeps the JSON value.
func (p *parser) cond(n *yaml.Node, what string, textual bool) *Cond {
	c := &Cond{}
	equals := func(v *yaml.Node, what string) {
		val, err := yamlValue(v)
		if err != nil {
			p.fail(v, "%s: %v", what, err)
		}
		if textual {
			val = text(val)
		}
		c.Equals = val
	}
	if n.Kind != yaml.MappingNode {
		equals(n, what)
		return c
	}
	set := 0
	p.fields(n, "cond", func(k string, v *yaml.Node) {
		set++
		switch k {
		case "equals":
			equals(v, what+".equals")
		case "regex":
			re, err := regexp.Compile(p.str(v, k))
			if err != nil {
				p.fail(v, "%s: bad regex %q: %v", what, v.Value, err)
			}
			c.Regex = re
		case "present":
			b := p.boolean(v, k)
			c.Present = &b
		}
	})
	if set != 1 {
		p.fail(n, "%s: give exactly one of equals, regex or present", what)
	}
	return c
}

func (p *parser) step(n *yaml.Node, what string) *Step {
	s := &Step{}
	var has = map[string]*yaml.Node{}
	ok := p.fields(n, "response", func(k string, v *yaml.Node) {
		has[k] = v
		switch k {
		case "error":
			name := p.str(v, k)
			if d, found := p.vocab.catalog.Lookup(name); found {
				s.Error = d
			} else if name != "" {
				p.fail(v, "%s: unknown error %q (`sandbox errors` or the README lists the catalog)", what, name)
			}
		case "status":
			if s.Status = p.integer(v, k, 100); s.Status > 599 {
				p.fail(v, "%s: status must be 100-599, got %d", what, s.Status)
			}
		case "headers":
			s.Header = http.Header{}
			p.entries(v, what+".headers", func(hk, hv *yaml.Node) {
				s.Header.Set(hk.Value, p.str(hv, hk.Value))
			})
		case "body":
			val, err := yamlValue(v)
			if err == nil {
				s.Body, err = json.Marshal(val)
			}
			if err != nil {
				p.fail(v, "%s.body: %v", what, err)
			}
		case "bodyText":
			s.Body = []byte(p.str(v, k))
		case "pass":
			s.Pass = p.boolean(v, k)
		case "delay":
			s.DelayMin, s.DelayMax = p.delay(v)
		case "fault":
			s.Fault = Fault(p.str(v, k))
			if !slices.Contains(faults, s.Fault) {
				p.fail(v, "%s: unknown fault %q (known: reset, empty, truncated, malformed, hang)", what, v.Value)
			}
		case "webhook", "copies", "age":
			p.webhookField(s, k, v, what)
		}
	})
	if !ok {
		return nil
	}
	if has["webhook"] != nil {
		p.checkWebhookStep(n, what, s, has)
		return s
	}
	p.checkStep(n, what, s, has)
	p.checkWebhookParams(what, s, has)
	return s
}

// checkStep enforces that a step says exactly one thing to do.
func (p *parser) checkStep(n *yaml.Node, what string, s *Step, has map[string]*yaml.Node) {
	content := has["error"] != nil || has["status"] != nil
	switch {
	case has["error"] != nil && has["status"] != nil:
		p.fail(has["status"], "%s: give error or status, not both", what)
	case has["body"] != nil && has["bodyText"] != nil:
		p.fail(has["bodyText"], "%s: give body or bodyText, not both", what)
	case s.Pass && (content || has["body"] != nil || has["bodyText"] != nil || has["headers"] != nil):
		p.fail(has["pass"], "%s: pass runs the normal behaviour; it cannot be combined with error, status, headers or body", what)
	case (has["body"] != nil || has["bodyText"] != nil || has["headers"] != nil) && !content:
		p.fail(n, "%s: headers and body need an error or a status", what)
	}
	switch s.Fault {
	case FaultReset, FaultEmpty, FaultHang:
		if content || s.Pass {
			p.fail(has["fault"], "%s: fault %s sends no response; drop error, status and pass", what, s.Fault)
		}
	case FaultTruncated, FaultMalformed:
		if r := s.Response(); !s.Pass && (r == nil || len(r.Body) < 2) {
			p.fail(has["fault"], "%s: fault %s needs a body to cut: pass: true (the normal answer), an error with a body, or status and body", what, s.Fault)
		}
	case "":
		if !content && !s.Pass {
			p.fail(n, "%s: say what to answer: error, status, pass: true or fault", what)
		}
	}
}

func (p *parser) delay(n *yaml.Node) (time.Duration, time.Duration) {
	if n.Kind == yaml.ScalarNode {
		d := p.duration(n, "delay")
		return d, d
	}
	var lo, hi time.Duration
	var haveLo, haveHi bool
	p.fields(n, "delay", func(k string, v *yaml.Node) {
		if k == "min" {
			lo, haveLo = p.duration(v, "delay.min"), true
		} else {
			hi, haveHi = p.duration(v, "delay.max"), true
		}
	})
	switch {
	case !haveLo || !haveHi:
		p.fail(n, "delay range needs both min and max")
	case lo > hi:
		p.fail(n, "delay: min %s is above max %s", lo, hi)
	}
	return lo, hi
}

// yamlValue decodes a node into JSON-compatible values: numbers as float64,
// mappings with string keys, so it compares with decoded JSON.
func yamlValue(n *yaml.Node) (any, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!timestamp" {
		return n.Value, nil // a date compares as the text the client sends
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	return normalize(v)
}

func normalize(v any) (any, error) {
	switch t := v.(type) {
	case int:
		return float64(t), nil
	case int64:
		return float64(t), nil
	case uint64:
		return float64(t), nil
	case map[string]any:
		for k, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			t[k] = n
		}
		return t, nil
	case map[any]any:
		return nil, fmt.Errorf("mapping keys must be strings")
	case []any:
		for i, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			t[i] = n
		}
		return t, nil
	case nil, bool, float64, string:
		return t, nil
	case time.Time:
		return t.Format(time.RFC3339), nil
	default:
		return nil, fmt.Errorf("unsupported value %v (%T)", v, v)
	}
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return fmt.Sprintf("%q", n.Value)
}
