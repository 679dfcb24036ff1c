package loanpro

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

func (s *Service) searchRange(v any, at string) (pred, *searchErr) {
	f, body, at, serr := s.sqOneField(v, at)
	if serr != nil {
		return nil, serr
	}
	m, ok := body.(map[string]any)
	if !ok {
		return nil, searchFail(msgSearchInvalid, at, "expected an object with gt, gte, lt or lte, got "+sqJSONText(body))
	}
	type bound struct {
		op  string
		num float64
		s   string
	}
	layouts := searchDateLayouts
	if format, ok := m["format"]; ok {
		if layouts, serr = searchDateFormat(f, format, at+".format"); serr != nil {
			return nil, serr
		}
	}
	var bounds []bound
	for _, k := range sqKeys(m) {
		x := m[k]
		switch k {
		case "gt", "gte", "lt", "lte":
			b := bound{op: k}
			switch f.kind {
			case kDate:
				t, _, serr := searchDateIn(x, at+"."+k, layouts)
				if serr != nil {
					return nil, serr
				}
				b.num = float64(t)
			case kInt:
				n, isNum := x.(json.Number)
				if str, isStr := x.(string); isStr {
					n, isNum = json.Number(strings.TrimSpace(str)), true
				}
				fl, err := strconv.ParseFloat(string(n), 64)
				if !isNum || err != nil {
					return nil, searchFail(msgSearchInvalid, at+"."+k, "expected a number, got "+sqJSONText(x))
				}
				b.num = fl
			default:
				str, isStr := x.(string)
				if !isStr {
					return nil, searchFail(msgSearchInvalid, at+"."+k, "expected a string, got "+sqJSONText(x))
				}
				b.s = str
			}
			bounds = append(bounds, b)
		case "format", "boost": // format: read above; boost: no scoring
		default:
			return nil, sqUnsupported(k, at, "gt, gte, lt, lte and format")
		}
	}
	return func(c *Customer) bool {
		x := f.get(c)
		if x.null {
			return false
		}
		for _, b := range bounds {
			var r int
			if f.kind == kString {
				r = strings.Compare(x.s, b.s)
			} else {
				r = sqCmpFloat(float64(x.n), b.num)
			}
			switch {
			case b.op == "gt" && r <= 0, b.op == "gte" && r < 0, b.op == "lt" && r >= 0, b.op == "lte" && r > 0:
				return false
			}
		}
		return true
	}, nil
}

func sqCmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *Service) searchTerms(v any, at string) (pred, *searchErr) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, searchFail(msgSearchInvalid, at, "expected an object with one field, got "+sqJSONText(v))
	}
	delete(m, "boost")
	name, body, serr := sqSingle(m, at, "field")
	if serr != nil {
		return nil, serr
	}
	f, serr := s.sqField(name, at)
	if serr != nil {
		return nil, serr
	}
	at += "." + name
	list, ok := body.([]any)
	if !ok {
		return nil, searchFail(msgSearchInvalid, at, "expected an array of values, got "+sqJSONText(body))
	}
	var strs []string
	type span struct{ lo, hi int64 }
	var spans []span
	for i, x := range list {
		p := at + "[" + strconv.Itoa(i) + "]"
		if f.kind == kString {
			var txt string
			switch y := x.(type) {
			case string:
				txt = y
			case json.Number:
				txt = string(y)
			default:
				return nil, searchFail(msgSearchInvalid, p, "expected a string, got "+sqJSONText(x))
			}
			strs = append(strs, strings.ToLower(txt))
			continue
		}
		lo, hi, serr := sqPoint(f, x, p)
		if serr != nil {
			return nil, serr
		}
		spans = append(spans, span{lo, hi})
	}
	return func(c *Customer) bool {
		x := f.get(c)
		if x.null {
			return false
		}
		if f.kind == kString {
			return slices.Contains(strs, strings.ToLower(x.s))
		}
		for _, sp := range spans {
			if x.n >= sp.lo && x.n < sp.hi {
				return true
			}
		}
		return false
	}, nil
}

// searchQueryString compiles query_string: whitespace-separated terms,
// each a word or a pattern with * and ? wildcards, combined by
// default_operator (OR unless AND), each matching in any of the fields.
// Lucene's operators, phrases, field:value, groups, fuzziness and boosts
// are answered as unsupported rather than misread.
func (s *Service) searchQueryString(v any, at string) (pred, *searchErr) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, searchFail(msgSearchInvalid, at, "expected an object with query, got "+sqJSONText(v))
	}
	var qtext string
	hasQuery, and := false, false
	var fields []searchField
	for _, k := range sqKeys(m) {
		x := m[k]
		switch k {
		case "query":
			q, isStr := x.(string)
			if !isStr {
				return nil, searchFail(msgSearchInvalid, at+".query", "expected a string, got "+sqJSONText(x))
			}
			qtext, hasQuery = q, true
		case "fields", "default_field":
			list, isList := x.([]any)
			if !isList {
				list = []any{x}
			}
			for i, y := range list {
				name, isStr := y.(string)
				if !isStr {
					return nil, searchFail(msgSearchInvalid, fmt.Sprintf("%s.%s[%d]", at, k, i), "expected a field name, got "+sqJSONText(y))
				}
				name, _, _ = strings.Cut(name, "^") // boosts do not change a match
				if name == "*" {
					fields = append(fields, s.sqTextFields()...)
					continue
				}
				f, serr := s.sqField(name, at+"."+k)
				if serr != nil {
					return nil, serr
				}
				fields = append(fields, f)
			}
		case "default_operator":
			op, _ := x.(string)
			switch strings.ToUpper(op) {
			case "AND":
				and = true
			case "OR":
			default:
				return nil, searchFail(msgSearchInvalid, at+".default_operator", "expected AND or OR, got "+sqJSONText(x))
			}
		case "analyze_wildcard", "boost", "lenient":
		default:
			return nil, sqUnsupported(k, at, "query, fields, default_field and default_operator")
		}
	}
	if !hasQuery {
		return nil, searchFail(msgSearchInvalid, at, "missing query")
	}
	if fields == nil {
		fields = s.sqTextFields()
	}
	terms := strings.Fields(qtext)
	for _, t := range terms {
		if t == "AND" || t == "OR" || t == "NOT" || t == "&&" || t == "||" {
			return nil, sqUnsupported(t, at+".query", "terms with * and ? wildcards, combined by default_operator")
		}
		if i := strings.IndexAny(t, `:()"~^[]{}/\!`); i >= 0 || strings.HasPrefix(t, "+") || strings.HasPrefix(t, "-") {
			return nil, sqUnsupported(t, at+".query", "terms with * and ? wildcards, combined by default_operator (no operators, phrases, field:value, groups, ranges, fuzziness or boosts)")
		}
	}
	matchers := make([]func(kind, value) bool, len(terms))
	for i, t := range terms {
		matchers[i] = sqTermMatcher(strings.ToLower(t))
	}
	return func(c *Customer) bool {
		if len(matchers) == 0 {
			return false
		}
		for _, m := range matchers {
			hit := false
			for _, f := range fields {
				if x := f.get(c); !x.null && m(f.kind, x) {
					hit = true
					break
				}
			}
			if hit && !and {
				return true
			}
			if !hit && and {
				return false
			}
		}
		return and
	}, nil
}

// sqTextFields are the fields query_string searches without fields: every
// string field, as "*" in Elasticsearch reaches every text field.
func (s *Service) sqTextFields() []searchField {
	var out []searchField
	for _, f := range s.searchFields() {
		if f.kind == kString {
			out = append(out, f)
		}
	}
	return out
}

// sqTermMatcher matches one lower-case query_string term against a value: a
// pattern matches the whole value or one of its words; a plain term
// matches when each of its words is a word of the value (or it is the
// whole value).
func sqTermMatcher(term string) func(kind, value) bool {
	if strings.ContainsAny(term, "*?") {
		return func(k kind, v value) bool {
			t := strings.ToLower(sqText(k, v))
			if sqGlob(term, t) {
				return true
			}
			for _, w := range sqWords(t) {
				if sqGlob(term, w) {
					return true
				}
			}
			return false
		}
	}
	want := sqWords(term)
	return func(k kind, v value) bool {
		t := strings.ToLower(sqText(k, v))
		if t == term {
			return true
		}
		if len(want) == 0 {
			return false
		}
		have := sqWords(t)
		for _, w := range want {
			if !slices.Contains(have, w) {
				return false
			}
		}
		return true
	}
}

// sqGlob matches s against a pattern of * (any run) and ? (one character).
func sqGlob(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// searchSort reads sort: one item or an array of "field",
// {"field":"asc|desc"} and {"field":{"order":"asc|desc"}}.
func (s *Service) searchSort(v any) ([]searchOrder, *searchErr) {
	items, isList := v.([]any)
	if !isList {
		items = []any{v}
	}
	var out []searchOrder
	for i, it := range items {
		at := "sort"
		if isList {
			at += "[" + strconv.Itoa(i) + "]"
		}
		name, dir := "", "asc"
		switch x := it.(type) {
		case string:
			name = x
		case map[string]any:
			k, body, serr := sqSingle(x, at, "field")
			if serr != nil {
				return nil, serr
			}
			name = k
			switch y := body.(type) {
			case string:
				dir = y
			case map[string]any:
				for _, kk := range sqKeys(y) {
					if kk != "order" {
						return nil, sqUnsupported(kk, at+"."+k, "order")
					}
					dir, _ = y[kk].(string)
				}
			default:
				return nil, searchFail(msgSearchInvalid, at+"."+k, "expected asc, desc or {\"order\":…}, got "+sqJSONText(body))
			}
		default:
			return nil, searchFail(msgSearchInvalid, at, "expected a field name or an object, got "+sqJSONText(it))
		}
		f, serr := s.sqField(name, at)
		if serr != nil {
			return nil, serr
		}
		switch dir = strings.ToLower(dir); dir {
		case "asc", "desc":
		default:
			return nil, searchFail(msgSearchInvalid, at+"."+name, fmt.Sprintf("sort order '%s' must be asc or desc", clip(dir)))
		}
		out = append(out, searchOrder{field: f, desc: dir == "desc"})
	}
	return out, nil
}

// searchAggs reads {"name":{"avg":{"field":"creditLimit"}}, …}.
func (s *Service) searchAggs(v any, at string) ([]searchAgg, *searchErr) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, searchFail(msgSearchInvalid, at, "expected an object of named aggregations, got "+sqJSONText(v))
	}
	var out []searchAgg
	for _, name := range sqKeys(m) {
		p := at + "." + name
		op, body, serr := sqSingle(m[name], p, "aggregation")
		if serr != nil {
			return nil, serr
		}
		p += "." + op
		if op != "avg" && op != "sum" {
			return nil, sqUnsupported(op, p, supportedAggs)
		}
		bm, ok := body.(map[string]any)
		if !ok {
			return nil, searchFail(msgSearchInvalid, p, "expected {\"field\":…}, got "+sqJSONText(body))
		}
		var f searchField
		hasField := false
		for _, k := range sqKeys(bm) {
			if k != "field" {
				return nil, sqUnsupported(k, p, "field")
			}
			fname, isStr := bm[k].(string)
			if !isStr {
				return nil, searchFail(msgSearchInvalid, p+".field", "expected a field name, got "+sqJSONText(bm[k]))
			}
			if f, serr = s.sqField(fname, p+".field"); serr != nil {
				return nil, serr
			}
			if f.kind != kInt {
				return nil, searchFail(msgSearchInvalid, p+".field", fmt.Sprintf("%s needs a numeric field, '%s' is %s", op, f.name, f.kind))
			}
			hasField = true
		}
		if !hasField {
			return nil, searchFail(msgSearchInvalid, p, "missing field")
		}
		out = append(out, searchAgg{name: name, op: op, field: f})
	}
	return out, nil
}
