package loanpro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/jsonenc"
	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
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
//     YYYY-MM-DD hh:mm:ss, and strings; a date format, when given, is
//     applied, and one the sandbox does not read is refused); terms
//     (whole values, case-insensitive for strings).
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
	body, ok := s.readBody(c)
	if !ok {
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
	s.write(c, http.StatusOK, s.runSearch(w, req, searchKey(body, c.Request.URL.RawQuery)))
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

// runSearch visits the session's customers and renders the answer.
// Without an order, customers come by id and only the page is copied. key
// (searchKey) finds the same query's matches in the session's cache while
// its customers are unchanged.
func (s *Service) runSearch(w *World, r *searchRequest, key string) []byte {
	var out []byte
	w.customers.Read(func(version uint64, rd store.Reader[int, Customer]) { out = s.searchAt(w, rd, version, r, key) })
	return out
}

// searchAt is runSearch over the customers as rd holds them, at version:
// in Redis mode the version is the table's in Redis, which every
// replica's write moves, so the cache holds across replicas too.
func (s *Service) searchAt(w *World, rd store.Reader[int, Customer], version uint64, r *searchRequest, key string) []byte {
	if e, ok := w.searches().get(key, version); ok && len(e.aggs) == len(r.aggs) {
		if hits, ok := pageOf(rd, e.ids, r); ok {
			for i := range r.aggs {
				r.aggs[i].sum, r.aggs[i].count = e.aggs[i].sum, e.aggs[i].count
			}
			return s.searchBody(hits, r, len(e.ids))
		}
	}
	var ids []int // every match, for the cache
	var hits []Customer
	if r.order == nil {
		// At most a page is kept: room for a usual one up front, rather
		// than growing a slice of 1 KB records from one.
		hits = make([]Customer, 0, min(r.size, 64))
	}
	total := 0
	from, to := r.start, r.start+r.size
	// The predicates and aggregations see each customer by pointer, as
	// the table holds it (RangeRef): a search reads a few fields of every
	// customer of the session, and copying each (about 1 KB) was most of
	// its time.
	rd.RangeRef(func(rec *Customer) bool {
		if r.match != nil && !r.match(rec) {
			return true
		}
		for i := range r.aggs {
			a := &r.aggs[i]
			if x := a.field.get(rec); !x.null {
				a.sum += x.n
				a.count++
			}
		}
		if r.order != nil || (total >= from && total < to) {
			hits = append(hits, *rec)
		}
		if r.order == nil {
			ids = append(ids, rec.ID)
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
		ids = make([]int, len(hits))
		for i := range hits {
			ids[i] = hits[i].ID
		}
		lo := min(from, len(hits))
		hits = hits[lo : lo+min(r.size, len(hits)-lo)]
	}
	if ids == nil {
		ids = []int{} // no match is a result too
	}
	w.searches().put(searchEntry{key: key, version: version, ids: ids, aggs: append([]searchAgg(nil), r.aggs...)})
	return s.searchBody(hits, r, total)
}

// pageOf is the page of r out of a cached result's ids; false when one of
// them is gone (never, at the same version: then the search runs again).
func pageOf(rd store.Reader[int, Customer], ids []int, r *searchRequest) ([]Customer, bool) {
	lo := min(r.start, len(ids))
	page := ids[lo : lo+min(r.size, len(ids)-lo)]
	hits := make([]Customer, 0, len(page))
	for _, id := range page {
		c, ok := rd.Get(id)
		if !ok {
			return nil, false
		}
		hits = append(hits, c)
	}
	return hits, true
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
