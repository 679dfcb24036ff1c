package weavr_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The conformance test's generator: from one property's schema, a valid
// value and a value breaking one constraint, and the whole request built
// around it.

// confGen builds request values for one operation.
type confGen struct {
	t  *testing.T
	op string
}

// stringOK reports whether s satisfies the string constraints of n.
func stringOK(n *confNode, s string) bool {
	l := int64(utf8.RuneCountInString(s))
	if n.s.MinLength != nil && l < *n.s.MinLength || n.s.MaxLength != nil && l > *n.s.MaxLength {
		return false
	}
	if n.s.Pattern != "" && !regexp.MustCompile(n.s.Pattern).MatchString(s) {
		return false
	}
	if vs := n.enumValues(); len(vs) > 0 && !slices.Contains(vs, s) {
		return false
	}
	return true
}

func (n *confNode) enumValues() []string {
	var out []string
	for _, e := range n.s.Enum {
		out = append(out, e.Value)
	}
	return out
}

// valid is a valid value for n: objects with their required properties
// (all properties when full), leaves from confSamples or generated.
func (g *confGen) valid(n *confNode, full bool) any {
	switch n.typ() {
	case "object":
		m := map[string]any{}
		for _, c := range n.children() {
			if full || slices.Contains(n.s.Required, c.name) {
				m[c.name] = g.valid(c, full)
			}
		}
		return m
	case "integer", "number":
		v := 1.0
		if n.s.Minimum != nil {
			v = *n.s.Minimum
		} else if n.s.Maximum != nil && *n.s.Maximum < v {
			v = *n.s.Maximum
		}
		return int64(v)
	case "boolean":
		return true
	case "string":
		return g.validString(n)
	case "array":
		return []any{g.valid(n.children()[0], full)}
	}
	g.t.Fatalf("%s %s: no generator for type %q", g.op, n.dotted(), n.typ())
	return nil
}

func (g *confGen) validString(n *confNode) string {
	if s, ok := confSamples[g.op+" "+n.dotted()]; ok {
		if !stringOK(n, s) {
			g.t.Fatalf("sample %q of %s %s breaks the document's constraints", s, g.op, n.dotted())
		}
		return s
	}
	if n.s.Format != "" && n.s.Format != "password" {
		g.t.Fatalf("%s %s: format %q needs a sample in confSamples", g.op, n.dotted(), n.s.Format)
	}
	if vs := n.enumValues(); len(vs) > 0 {
		return vs[0]
	}
	minLen := 1
	if n.s.MinLength != nil {
		minLen = int(*n.s.MinLength)
	}
	for _, c := range []string{"a", "A", "1", "+1", "x1"} {
		s := c
		for utf8.RuneCountInString(s) < minLen {
			s += c[len(c)-1:]
		}
		if stringOK(n, s) {
			return s
		}
	}
	g.t.Fatalf("%s %s: cannot generate a value for pattern %q: add one to confSamples", g.op, n.dotted(), n.s.Pattern)
	return ""
}

// violating is a value of n breaking constraint kind (ok false: none).
func (g *confGen) violating(n *confNode, kind string) (any, bool) {
	switch kind {
	case "type":
		switch n.typ() {
		case "string":
			return 42, true
		case "integer", "number", "boolean":
			return "1", true
		case "object", "array":
			return "x", true
		}
	case "pattern":
		re := regexp.MustCompile(n.s.Pattern)
		l := 1
		if n.s.MinLength != nil && *n.s.MinLength > 1 {
			l = int(*n.s.MinLength)
		}
		for _, c := range []string{"!", "0", "a", "A", "~", " ", "-"} {
			if s := strings.Repeat(c, l); !re.MatchString(s) && (n.s.MaxLength == nil || int64(l) <= *n.s.MaxLength) {
				return s, true
			}
		}
	case "format":
		s, ok := confBadFormats[n.s.Format]
		return s, ok
	case "minLength":
		s := []rune(g.validString(n))
		return string(s[:*n.s.MinLength-1]), true
	case "maxLength":
		s := g.validString(n)
		want := int(*n.s.MaxLength) + 1
		// Prefer a padding that keeps the pattern, so only the length is wrong.
		var first string
		for _, pad := range []string{s[len(s)-1:], "a", "A", "1", " "} {
			v := s
			for utf8.RuneCountInString(v) < want {
				v += pad
			}
			v = string([]rune(v)[:want])
			if first == "" {
				first = v
			}
			if n.s.Pattern == "" || regexp.MustCompile(n.s.Pattern).MatchString(v) {
				return v, true
			}
		}
		return first, true
	case "enum":
		return "NOT_A_DOCUMENTED_VALUE", true
	case "minimum":
		return int64(*n.s.Minimum) - 1, true
	case "maximum":
		return int64(*n.s.Maximum) + 1, true
	}
	return nil, false
}

// request is the minimal valid body with the ancestors of c's property
// present and c's constraint broken (for required: the property dropped).
func (g *confGen) request(root *confNode, c confConstraint) (string, bool) {
	if c.node == root {
		v, ok := g.violating(root, c.kind)
		b, _ := json.Marshal(v)
		return string(b), ok
	}
	body := g.valid(root, false).(map[string]any)
	cur := body
	var chain []*confNode
	for n := c.node; n.parent != nil; n = n.parent {
		chain = append([]*confNode{n}, chain...)
	}
	var array map[string]any // the object holding the array whose element is c's node
	for i, n := range chain[:len(chain)-1] {
		if n.name == item { // entered with its array
			continue
		}
		if n.typ() == "array" {
			array = cur
			if i+1 < len(chain)-1 { // into an element's property
				elem := g.valid(chain[i+1], false).(map[string]any)
				cur[n.name] = []any{elem}
				cur = elem
			}
			continue
		}
		next, ok := cur[n.name].(map[string]any)
		if !ok {
			next = g.valid(n, false).(map[string]any)
			cur[n.name] = next
		}
		cur = next
	}
	if c.node.name == item {
		v, ok := g.violating(c.node, c.kind)
		if !ok {
			return "", false
		}
		array[c.node.parent.name] = []any{v}
		b, err := json.Marshal(body)
		if err != nil {
			g.t.Fatal(err)
		}
		return string(b), true
	}
	if c.kind == "required" {
		delete(cur, c.node.name)
	} else {
		v, ok := g.violating(c.node, c.kind)
		if !ok {
			return "", false
		}
		cur[c.node.name] = v
	}
	b, err := json.Marshal(body)
	if err != nil {
		g.t.Fatal(err)
	}
	return string(b), true
}
