package loanpro

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// parseSearch reads the body: query, sort, size, aggs.
func (s *Service) parseSearch(body []byte, o searchOpts) (*searchRequest, *searchErr) {
	obj, serr := decodeSearchBody(body)
	if serr != nil {
		return nil, serr
	}
	r := &searchRequest{start: o.start, size: searchPageSize}
	if _, ok := obj["aggs"]; ok {
		if _, both := obj["aggregations"]; both {
			return nil, searchFail(msgSearchInvalid, "aggregations", "give aggs or aggregations, not both")
		}
	}
	for _, k := range sqKeys(obj) {
		v := obj[k]
		switch k {
		case "query":
			if r.match, serr = s.searchQuery(v, "query", 0); serr != nil {
				return nil, serr
			}
		case "sort":
			if r.order, serr = s.searchSort(v); serr != nil {
				return nil, serr
			}
		case "size":
			n, ok := sqNonNegInt(v)
			if !ok {
				return nil, searchFail(msgSearchInvalid, "size", "expected a non-negative integer, got "+sqJSONText(v))
			}
			r.size = n
		case "aggs", "aggregations":
			if r.aggs, serr = s.searchAggs(v, k); serr != nil {
				return nil, serr
			}
			r.hasAggs = true
		default:
			return nil, sqUnsupported(k, "the top level", supportedTopLevel)
		}
	}
	if o.hasTop {
		r.size = o.top
	}
	if o.order != nil {
		r.order = o.order
	}
	return r, nil
}

func sqKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sqJSONText renders a decoded value for a message.
func sqJSONText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return sqJSONType(v)
	}
	return clip(string(b))
}

func sqNonNegInt(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 32)
	return int(i), err == nil && i >= 0
}

// sqSingle reads {"name": body}, the shape of every query clause and of a
// field-keyed construct such as {"lastName": "doe"}.
func sqSingle(v any, at, what string) (string, any, *searchErr) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", nil, searchFail(msgSearchInvalid, at, fmt.Sprintf("expected an object with one %s, got %s", what, sqJSONText(v)))
	}
	if len(m) != 1 {
		keys := sqKeys(m)
		return "", nil, searchFail(msgSearchInvalid, at, fmt.Sprintf("expected one %s, got %d (%s)", what, len(m), clip(strings.Join(keys, ", "))))
	}
	for k, x := range m {
		return k, x, nil
	}
	panic("unreachable")
}

// searchQuery compiles one query clause at path at.
func (s *Service) searchQuery(v any, at string, depth int) (pred, *searchErr) {
	if depth > maxFilterDepth {
		return nil, searchFail(msgSearchInvalid, at, "the query is nested too deeply")
	}
	name, body, serr := sqSingle(v, at, "query clause")
	if serr != nil {
		return nil, serr
	}
	at += "." + name
	switch name {
	case "match_all":
		m, ok := body.(map[string]any)
		if !ok {
			return nil, searchFail(msgSearchInvalid, at, "expected an object such as {}")
		}
		for k := range m {
			if k != "boost" {
				return nil, sqUnsupported(k, at, "an empty object or boost")
			}
		}
		return func(*Customer) bool { return true }, nil
	case "bool":
		return s.searchBool(body, at, depth)
	case "match":
		return s.searchMatch(body, at)
	case "query_string":
		return s.searchQueryString(body, at)
	case "range":
		return s.searchRange(body, at)
	case "terms":
		return s.searchTerms(body, at)
	}
	return nil, sqUnsupported(name, at, supportedQueries)
}

// sqField resolves a field name at path at.
func (s *Service) sqField(name, at string) (searchField, *searchErr) {
	f, ok := s.searchField(name)
	if !ok {
		return f, searchFail(msgSearchField, clip(name), at, s.searchFieldNames())
	}
	return f, nil
}

func (s *Service) searchBool(v any, at string, depth int) (pred, *searchErr) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, searchFail(msgSearchInvalid, at, "expected an object with "+supportedBool)
	}
	var must, should []pred
	msm, hasMSM := any(nil), false
	for _, k := range sqKeys(m) {
		x := m[k]
		switch k {
		case "must", "filter", "should":
			clauses, isList := x.([]any)
			if !isList {
				clauses = []any{x}
			}
			for i, cl := range clauses {
				p := at + "." + k
				if isList {
					p += "[" + strconv.Itoa(i) + "]"
				}
				f, serr := s.searchQuery(cl, p, depth+1)
				if serr != nil {
					return nil, serr
				}
				if k == "should" {
					should = append(should, f)
				} else {
					must = append(must, f)
				}
			}
		case "minimum_should_match":
			msm, hasMSM = x, true
		case "boost":
		default:
			return nil, sqUnsupported(k, at, supportedBool)
		}
	}
	need := 0
	if len(should) > 0 && len(must) == 0 {
		need = 1 // Elasticsearch: a bool of only should clauses needs one
	}
	if hasMSM {
		n, serr := sqMinimumShouldMatch(msm, len(should), at+".minimum_should_match")
		if serr != nil {
			return nil, serr
		}
		need = n
	}
	return func(c *Customer) bool {
		for _, f := range must {
			if !f(c) {
				return false
			}
		}
		if need == 0 {
			return true
		}
		n := 0
		for _, f := range should {
			if f(c) {
				if n++; n >= need {
					return true
				}
			}
		}
		return false
	}, nil
}

// sqMinimumShouldMatch reads n, -n, "n", "-n", "n%" or "-n%" for
// nShould should clauses (Elasticsearch rounds percentages down; a
// negative value is how many may be missing).
func sqMinimumShouldMatch(v any, nShould int, at string) (int, *searchErr) {
	var txt string
	switch x := v.(type) {
	case json.Number:
		txt = string(x)
	case string:
		txt = strings.TrimSpace(x)
	default:
		return 0, searchFail(msgSearchInvalid, at, "expected an integer or a percentage, got "+sqJSONText(v))
	}
	pct := strings.HasSuffix(txt, "%")
	n, err := strconv.Atoi(strings.TrimSuffix(txt, "%"))
	if err != nil {
		return 0, searchFail(msgSearchInvalid, at, fmt.Sprintf("'%s' is not an integer or a percentage (combinations such as 3<90%% are not supported)", clip(txt)))
	}
	if pct {
		n = int(math.Trunc(float64(nShould) * float64(n) / 100))
	}
	if n < 0 {
		n = max(nShould+n, 0)
	}
	return n, nil
}

// sqWords splits text into lower-case words: runs of letters and digits.
func sqWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// sqText is a value as a search sees it: dates as YYYY-MM-DD.
func sqText(k kind, v value) string {
	switch k {
	case kInt:
		return strconv.FormatInt(v.n, 10)
	case kDate:
		return time.Unix(v.n, 0).UTC().Format(time.DateOnly)
	}
	return v.s
}

func (s *Service) searchMatch(v any, at string) (pred, *searchErr) {
	f, body, at, serr := s.sqOneField(v, at)
	if serr != nil {
		return nil, serr
	}
	operator := "or"
	q := body
	if m, ok := body.(map[string]any); ok {
		q = nil
		for _, k := range sqKeys(m) {
			switch k {
			case "query":
				q = m[k]
			case "operator":
				op, _ := m[k].(string)
				if op = strings.ToLower(op); op != "or" && op != "and" {
					return nil, searchFail(msgSearchInvalid, at+".operator", "expected or or and, got "+sqJSONText(m[k]))
				}
				operator = op
			case "boost":
			default:
				return nil, sqUnsupported(k, at, "query, operator and boost")
			}
		}
		if q == nil {
			return nil, searchFail(msgSearchInvalid, at, "missing query")
		}
	}
	var qtext string
	switch x := q.(type) {
	case string:
		qtext = x
	case json.Number:
		qtext = string(x)
	case bool:
		qtext = strconv.FormatBool(x)
	default:
		return nil, searchFail(msgSearchInvalid, at, "expected a string or a number to match, got "+sqJSONText(q))
	}
	if f.kind != kString {
		// Numbers and dates match their whole value.
		lo, hi, serr := sqPoint(f, q, at)
		if serr != nil {
			return nil, serr
		}
		return func(c *Customer) bool {
			x := f.get(c)
			return !x.null && x.n >= lo && x.n < hi
		}, nil
	}
	want := sqWords(qtext)
	return func(c *Customer) bool {
		x := f.get(c)
		if x.null || len(want) == 0 {
			return false
		}
		for _, w := range want {
			found := sqHasWord(x.s, w)
			if found && operator == "or" {
				return true
			}
			if !found && operator == "and" {
				return false
			}
		}
		return operator == "and"
	}, nil
}

// sqOneField reads the {"field": body} object of match, range and terms:
// the field (known and searchable), its body, and the path of the body.
func (s *Service) sqOneField(v any, at string) (searchField, any, string, *searchErr) {
	name, body, serr := sqSingle(v, at, "field")
	if serr != nil {
		return searchField{}, nil, "", serr
	}
	f, serr := s.sqField(name, at)
	if serr != nil {
		return searchField{}, nil, "", serr
	}
	return f, body, at + "." + name, nil
}
