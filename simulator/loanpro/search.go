package loanpro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/jsonenc"
	"github.com/sandbox-dev/fintech-sandbox/simulator/reqbody"
)

// Customer search, POST /api/public/api/1/Customers/Autopal.Search() (not
// under odata.svc): an Elasticsearch-style body over the session's
// customers, paged by the $top/$start/$orderby query options. The sandbox
// implements the reference's subset and answers anything else with a
// 409 (the validation status) naming the construct, never an empty 200:
//
//   - query: match_all; bool with must, should, filter (an object or an
//     array) and minimum_should_match (n, -n, "n", "n%", "-n%"); match
//     (a field's words, operator or/and); query_string (terms with * and ?
//     wildcards over fields or every text field, default_operator OR/AND);
//     range (gt, gte, lt, lte on numbers, dates as YYYY-MM-DD or
//     YYYY-MM-DD hh:mm:ss, and strings); terms (whole values,
//     case-insensitive for strings).
//   - sort: "field", {"field":"desc"} or {"field":{"order":"desc"}}, or an
//     array of them; missing values sort last; ties by id.
//   - size: the page size; aggs (or aggregations): avg and sum of a
//     numeric field over every match, answered in d.summary.aggregations
//     as {"name":{"value":X}}.
//
// There is no relevance scoring: without an order, hits come by id. The
// URL options win over the body when both are given ($top over size,
// $orderby over sort): they are LoanPro's documented paging and ordering,
// the body's are the OpenSearch compatibility layer (the reference is
// silent on the precedence).
const searchPath = apiBase + "Customers/Autopal.Search()"

// searchPageSize is the page size without $top or size: 25, the summary's
// pageSize in the reference's search answer.
const searchPageSize = 25

const (
	msgSearchOption      = "Unsupported query option '%s' for Autopal.Search(): expected $top, $start or $orderby."
	msgSearchUnsupported = "Unsupported search construct '%s' at %s: the sandbox's Autopal.Search() supports %s."
	msgSearchField       = "Unknown search field '%s' at %s: expected one of %s."
	msgSearchInvalid     = "Invalid search query at %s: %s."
)

// Lists of what is supported, for the messages.
const (
	supportedQueries  = "match_all, bool, match, query_string, range and terms"
	supportedTopLevel = "query, sort, size and aggs"
	supportedBool     = "must, should, filter and minimum_should_match"
	supportedAggs     = "avg and sum"
)

// searchErr is a rejected search: an unsupported query option answers
// INVALID_QUERY like every query option; the body's faults too (it is the
// query), except JSON that does not parse, INVALID_PAYLOAD.
type searchErr struct {
	msg     string
	payload bool
}

func searchFail(format string, args ...any) *searchErr {
	return &searchErr{msg: fmt.Sprintf(format, args...)}
}

func sqUnsupported(construct, at, supported string) *searchErr {
	return searchFail(msgSearchUnsupported, clip(construct), at, supported)
}

// searchField is one field a search can name: a scalar property of
// Entity.Customer or a derived one (customerName, the primary address's
// city, zipcode and state, primaryPhone).
type searchField struct {
	name string
	kind kind
	get  func(*Customer) value
}

// derivedSearchFields are the reference's searchable fields that are not
// scalar properties of Entity.Customer.
func derivedSearchFields() []searchField {
	addr := func(f func(*Address) string) func(*Customer) value {
		return func(c *Customer) value {
			if !c.PrimaryAddress.Available {
				return value{null: true}
			}
			return str(f(&c.PrimaryAddress))
		}
	}
	return []searchField{
		{"customerName", kString, func(c *Customer) value { return str(c.displayName()) }},
		{"city", kString, addr(func(a *Address) string { return a.City })},
		{"zipcode", kString, addr(func(a *Address) string { return a.Zipcode })},
		{"state", kString, addr(func(a *Address) string { return a.State })},
		{"primaryPhone", kString, func(c *Customer) value {
			for _, p := range c.Phones {
				if p.IsPrimary {
					return str(p.Phone)
				}
			}
			return value{null: true}
		}},
	}
}

// notSearchable are properties a search cannot name: LoanPro never
// returns the portal password.
var notSearchable = map[string]bool{"accessPassword": true}

func (s *Service) searchField(name string) (searchField, bool) {
	if f := s.fieldByName[name]; f != nil && !notSearchable[name] {
		return searchField{f.name, f.kind, f.get}, true
	}
	for _, f := range derivedSearchFields() {
		if f.name == name {
			return f, true
		}
	}
	return searchField{}, false
}

// searchFields lists every searchable field, scalar properties first.
func (s *Service) searchFields() []searchField {
	var out []searchField
	for i := range s.fields {
		if f := &s.fields[i]; !notSearchable[f.name] {
			out = append(out, searchField{f.name, f.kind, f.get})
		}
	}
	return append(out, derivedSearchFields()...)
}

func (s *Service) searchFieldNames() string {
	var names []string
	for _, f := range s.searchFields() {
		names = append(names, f.name)
	}
	return strings.Join(names, ", ")
}

// searchRequest is a parsed search: the query, the order, the page and the
// aggregations.
type searchRequest struct {
	match       pred // nil: every customer
	order       []searchOrder
	start, size int
	aggs        []searchAgg
	hasAggs     bool
}

type searchOrder struct {
	field searchField
	desc  bool
}

type searchAgg struct {
	name, op string // op: avg or sum
	field    searchField
	sum      int64
	count    int
}

// Search serves POST Customers/Autopal.Search(): the headers, the query
// options, the body, then the session's customers (fixtures and generated
// ones, with the session's edits).
func (s *Service) Search(c *gin.Context) {
	if resp := s.authorize(c.Request); resp != nil {
		apierr.Write(c.Writer, resp)
		return
	}
	opts, serr := s.searchOptions(c.Request.URL.RawQuery)
	if serr != nil {
		apierr.Write(c.Writer, s.errs.invalidQuery.with("%s", serr.msg))
		return
	}
	body, tooLarge, err := reqbody.Read(c.Request, s.maxBody)
	switch {
	case tooLarge:
		apierr.Write(c.Writer, s.errs.payloadTooLarge.with(msgBodyTooLarge, s.maxBody))
		return
	case err != nil:
		apierr.Write(c.Writer, s.errs.invalidPayload.with(msgBodyUnreadable))
		return
	}
	req, serr := s.parseSearch(body, opts)
	if serr != nil {
		e := &s.errs.invalidQuery
		if serr.payload {
			e = &s.errs.invalidPayload
		}
		apierr.Write(c.Writer, e.with("%s", serr.msg))
		return
	}
	w := s.world(c)
	if w == nil {
		apierr.Write(c.Writer, s.errs.serverError.def.Response())
		return
	}
	s.write(c, http.StatusOK, s.runSearch(w, req))
}

// searchMethodNotAllowed answers another method on the search path: 405,
// Allow: POST, after the headers check every LoanPro request gets.
func (s *Service) searchMethodNotAllowed(c *gin.Context) {
	if resp := s.authorize(c.Request); resp != nil {
		apierr.Write(c.Writer, resp)
		return
	}
	p := strings.TrimPrefix(c.Request.URL.Path, apiBase)
	resp := s.errs.methodNotAllowed.with(msgMethodNotAllowed, clip(c.Request.Method), clip(p))
	apierr.Write(c.Writer, resp.SetHeader("Allow", http.MethodPost))
}

// searchOpts are the URL's query options.
type searchOpts struct {
	top, start int
	hasTop     bool
	order      []searchOrder
}

func (s *Service) searchOptions(raw string) (searchOpts, *searchErr) {
	var o searchOpts
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return o, searchFail(msgQueryMalformed, err.Error())
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !strings.HasPrefix(k, "$") {
			continue // cache busters and the like, ignored as by any web server
		}
		if len(vals[k]) > 1 {
			return o, searchFail(msgQueryValue, clip(strings.Join(vals[k], ",")), k, "the option is given more than once")
		}
		v := vals[k][0]
		bad := func(reason string) *searchErr { return searchFail(msgQueryValue, clip(v), k, reason) }
		switch k {
		case "$top", "$start":
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
			if err != nil || n < 0 {
				return o, bad("expected a non-negative integer")
			}
			if k == "$top" {
				o.top, o.hasTop = int(n), true
			} else {
				o.start = int(n)
			}
		case "$orderby":
			for _, item := range splitList(v) {
				name, dir, _ := strings.Cut(item, " ")
				f, ok := s.searchField(name)
				if !ok {
					return o, bad(fmt.Sprintf("'%s' is not a search field", clip(name)))
				}
				switch dir = strings.ToLower(strings.TrimSpace(dir)); dir {
				case "", "asc", "desc":
				default:
					return o, bad(fmt.Sprintf("sort direction '%s' must be asc or desc", clip(dir)))
				}
				o.order = append(o.order, searchOrder{field: f, desc: dir == "desc"})
			}
		default:
			return o, searchFail(msgSearchOption, clip(k))
		}
	}
	return o, nil
}

// decodeSearchBody decodes the body as one JSON object, numbers kept
// exact. An empty body is refused like on a PUT (send {} for every
// customer).
func decodeSearchBody(b []byte) (map[string]any, *searchErr) {
	payload := func(format string, args ...any) *searchErr {
		return &searchErr{msg: fmt.Sprintf(format, args...), payload: true}
	}
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return nil, payload(msgBodyEmpty)
	case !utf8.Valid(b):
		return nil, payload(msgBodyUTF8)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, payload(msgBodyMalformed, strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, payload(msgBodyMalformed, "invalid data after the top-level value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, payload(msgBodyNotObject, sqJSONType(v))
	}
	return obj, nil
}

// sqJSONType names the JSON type of a decoded value, for messages.
func sqJSONType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}

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
	name, body, serr := sqSingle(v, at, "field")
	if serr != nil {
		return nil, serr
	}
	f, serr := s.sqField(name, at)
	if serr != nil {
		return nil, serr
	}
	at += "." + name
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
		have := sqWords(x.s)
		for _, w := range want {
			found := slices.Contains(have, w)
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

// sqPoint reads a number or date for an exact match on f as the half-open
// interval [lo, hi) of its values: a date without a time is its whole day.
func sqPoint(f searchField, v any, at string) (int64, int64, *searchErr) {
	if f.kind == kDate {
		t, dateOnly, serr := searchDate(v, at)
		if serr != nil {
			return 0, 0, serr
		}
		if dateOnly {
			return t, t + 86400, nil
		}
		return t, t + 1, nil
	}
	n, serr := searchInt(v, at)
	return n, n + 1, serr
}

func searchInt(v any, at string) (int64, *searchErr) {
	var txt string
	switch x := v.(type) {
	case json.Number:
		txt = string(x)
	case string:
		txt = strings.TrimSpace(x)
	case bool:
		return int64(flag(x)), nil
	}
	n, err := strconv.ParseInt(txt, 10, 64)
	if err != nil {
		return 0, searchFail(msgSearchInvalid, at, "expected an integer, got "+sqJSONText(v))
	}
	return n, nil
}

var searchDateLayouts = []string{time.DateOnly, time.DateTime, "2006-01-02T15:04:05", time.RFC3339}

// searchDate reads YYYY-MM-DD, YYYY-MM-DD hh:mm:ss (UTC, as LoanPro takes
// dates) or RFC 3339, as unix seconds.
func searchDate(v any, at string) (secs int64, dateOnly bool, serr *searchErr) {
	s, ok := v.(string)
	if ok {
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "now") || strings.Contains(s, "||") {
			return 0, false, sqUnsupported(s, at, "dates as YYYY-MM-DD or YYYY-MM-DD hh:mm:ss (no date math)")
		}
		for i, layout := range searchDateLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t.Unix(), i == 0, nil
			}
		}
	}
	return 0, false, searchFail(msgSearchInvalid, at, "expected a date as YYYY-MM-DD or YYYY-MM-DD hh:mm:ss, got "+sqJSONText(v))
}

func (s *Service) searchRange(v any, at string) (pred, *searchErr) {
	name, body, serr := sqSingle(v, at, "field")
	if serr != nil {
		return nil, serr
	}
	f, serr := s.sqField(name, at)
	if serr != nil {
		return nil, serr
	}
	at += "." + name
	m, ok := body.(map[string]any)
	if !ok {
		return nil, searchFail(msgSearchInvalid, at, "expected an object with gt, gte, lt or lte, got "+sqJSONText(body))
	}
	type bound struct {
		op  string
		num float64
		s   string
	}
	var bounds []bound
	for _, k := range sqKeys(m) {
		x := m[k]
		switch k {
		case "gt", "gte", "lt", "lte":
			b := bound{op: k}
			switch f.kind {
			case kDate:
				t, _, serr := searchDate(x, at+"."+k)
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
		case "format", "boost":
			// The sandbox reads its own date forms whatever the format says.
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

// runSearch visits the session's customers and renders the answer.
// Without an order, customers come by id and only the page is copied.
func (s *Service) runSearch(w *World, r *searchRequest) []byte {
	var hits []Customer
	total := 0
	from, to := r.start, r.start+r.size
	w.customers.Range(func(c Customer) bool {
		if r.match != nil && !r.match(&c) {
			return true
		}
		for i := range r.aggs {
			a := &r.aggs[i]
			if x := a.field.get(&c); !x.null {
				a.sum += x.n
				a.count++
			}
		}
		if r.order != nil || (total >= from && total < to) {
			hits = append(hits, c)
		}
		total++
		return true
	})
	if r.order != nil {
		slices.SortStableFunc(hits, func(a, b Customer) int {
			for _, o := range r.order {
				x, y := o.field.get(&a), o.field.get(&b)
				switch {
				case x.null && y.null:
					continue
				case x.null: // missing values last, either direction
					return 1
				case y.null:
					return -1
				}
				c := compare(o.field.kind, x, y)
				if o.desc {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
			return a.ID - b.ID
		})
		lo := min(from, len(hits))
		hits = hits[lo : lo+min(r.size, len(hits)-lo)]
	}
	return s.searchBody(hits, r, total)
}

// searchBody renders {"d":{"results":[…],"summary":{"start","pageSize",
// "total"[,"aggregations"]}}}.
func (s *Service) searchBody(hits []Customer, r *searchRequest, total int) []byte {
	buf := make([]byte, 0, 2048*len(hits)+128)
	buf = append(buf, `{"d":{"results":[`...)
	for i := range hits {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = s.appendCustomer(buf, &hits[i], projection{})
	}
	buf = append(buf, `],"summary":{"start":`...)
	buf = strconv.AppendInt(buf, int64(r.start), 10)
	buf = append(buf, `,"pageSize":`...)
	buf = strconv.AppendInt(buf, int64(r.size), 10)
	buf = append(buf, `,"total":`...)
	buf = strconv.AppendInt(buf, int64(total), 10)
	if r.hasAggs {
		buf = append(buf, `,"aggregations":{`...)
		for i, a := range r.aggs {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = jsonenc.String(buf, a.name)
			buf = append(buf, `:{"value":`...)
			switch {
			case a.op == "sum":
				buf = strconv.AppendInt(buf, a.sum, 10)
			case a.count == 0:
				buf = append(buf, "null"...) // Elasticsearch: the avg of nothing is null
			default:
				buf = strconv.AppendFloat(buf, float64(a.sum)/float64(a.count), 'f', -1, 64)
			}
			buf = append(buf, '}')
		}
		buf = append(buf, '}')
	}
	return append(buf, `}}}`...)
}

// noSearchTarget: a search addresses no one customer.
func noSearchTarget(*gin.Context) []string { return nil }
