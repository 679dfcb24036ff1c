package loanpro

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// entitySet is the only OData entity set the sandbox serves.
const entitySet = "Customers"

// resource is a parsed OData resource path below odata.svc: an entity set,
// an optional key and an optional navigation property, e.g.
// "/Customers(id=5)/Phones".
type resource struct {
	set    string
	hasKey bool
	key    int
	nav    string
}

// pathError says which part of a resource path is wrong: an unknown segment
// (LoanPro: "Resource not found for the segment '…'") or a bad key.
type pathError struct {
	segment string // the unknown segment, when !keyErr
	keyErr  bool   // the key is not a positive int32
	badKey  string // the rejected key, when keyErr
}

// parsePath parses the gin wildcard "path" of an OData route. LoanPro
// accepts both key forms, Customers(5) and Customers(id=5); ids are int32.
func (s *Service) parsePath(p string) (resource, *pathError) {
	p = strings.TrimPrefix(p, "/")
	p = strings.TrimSuffix(p, "/")
	first, rest, more := strings.Cut(p, "/")
	name, keyPart, hasParen := strings.Cut(first, "(")
	if name != entitySet {
		return resource{}, &pathError{segment: name}
	}
	r := resource{set: name}
	if hasParen {
		inner, ok := strings.CutSuffix(keyPart, ")")
		if !ok {
			return resource{}, &pathError{keyErr: true, badKey: keyPart}
		}
		key, ok := parseKey(inner)
		if !ok {
			return resource{}, &pathError{keyErr: true, badKey: inner}
		}
		r.hasKey, r.key = true, key
	}
	// The segments after the first, cut rather than split: every
	// request parses its path, and a split allocated a slice each time.
	second, third, many := strings.Cut(rest, "/")
	switch {
	case !more:
		return r, nil
	case !many && r.hasKey && s.navIndex(second) >= 0:
		r.nav = second
		return r, nil
	case !many:
		return resource{}, &pathError{segment: second}
	default:
		third, _, _ = strings.Cut(third, "/")
		return resource{}, &pathError{segment: third}
	}
}

// parseKey reads "5" or "id=5" (spaces around '=' tolerated).
func parseKey(inner string) (int, bool) {
	inner = strings.TrimSpace(inner)
	if k, v, ok := strings.Cut(inner, "="); ok {
		if strings.TrimSpace(k) != "id" {
			return 0, false
		}
		inner = strings.TrimSpace(v)
	}
	if inner == "" || inner[0] == '+' {
		return 0, false
	}
	n, err := strconv.ParseInt(inner, 10, 32)
	if err != nil || n < 1 {
		return 0, false
	}
	return int(n), true
}

func (s *Service) navIndex(name string) int {
	return slices.IndexFunc(s.navs, func(n navProp) bool { return n.name == name })
}

// query holds the OData system query options of a request.
type query struct {
	proj     projection
	filter   pred
	orderBy  []orderKey
	top      int
	hasTop   bool
	skip     int
	nopaging bool
}

type orderKey struct {
	field *scalarField
	desc  bool
}

// queryError names the option and the value that were rejected.
type queryError struct {
	option, value, reason string
	nav                   string // the sub-resource an unsupported option was given to
	unsupported           bool
	malformed             bool
}

func (e *queryError) message() string {
	switch {
	case e.malformed:
		return fmt.Sprintf(msgQueryMalformed, e.reason)
	case e.unsupported && e.nav != "":
		return fmt.Sprintf(msgQueryNavOption, clip(e.option), e.nav, strings.Join(navOptions, " and "))
	case e.unsupported:
		return fmt.Sprintf(msgQueryOption, clip(e.option))
	}
	return fmt.Sprintf(msgQueryValue, clip(e.value), e.option, e.reason)
}

// parseQuery reads the query options LoanPro documents for Customers:
// $expand, $top, $skip, $filter, nopaging=true, plus $select, $orderby,
// $format=json and $inlinecount (accepted; the summary is always sent).
// Unknown $-options are rejected; other parameters (cache busters) are
// ignored like on any web server. For a navigation property's
// sub-resource (nav, "" for Customers and Customers(id)) only navOptions
// are taken.
func (s *Service) parseQuery(raw, nav string) (query, *queryError) {
	var q query // q.proj.expand is made by the first $expand (a nil map reads as empty)
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return q, &queryError{malformed: true, reason: err.Error()}
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic: the first bad option in name order is reported
	for _, k := range keys {
		if !strings.HasPrefix(k, "$") && k != "nopaging" {
			continue
		}
		if len(vals[k]) > 1 {
			return q, &queryError{option: k, value: strings.Join(vals[k], ","), reason: "the option is given more than once"}
		}
		if nav != "" && !slices.Contains(navOptions, k) {
			return q, &queryError{option: k, nav: nav, unsupported: true}
		}
		if qe := s.applyOption(&q, k, vals[k][0]); qe != nil {
			return q, qe
		}
	}
	return q, nil
}

func (s *Service) applyOption(q *query, k, v string) *queryError {
	bad := func(reason string) *queryError { return &queryError{option: k, value: v, reason: reason} }
	switch k {
	case "$top", "$skip":
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil || n < 0 {
			return bad("expected a non-negative integer")
		}
		if k == "$top" {
			q.top, q.hasTop = int(n), true
		} else {
			q.skip = int(n)
		}
	case "nopaging":
		switch strings.ToLower(v) {
		case "true":
			q.nopaging = true
		case "false":
		default:
			return bad("expected true or false")
		}
	case "$expand":
		for _, name := range splitList(v) {
			if s.navIndex(name) < 0 {
				return bad(fmt.Sprintf("'%s' is not a navigation property of Entity.Customer (expected %s)", name, s.navNames()))
			}
			if q.proj.expand == nil {
				q.proj.expand = map[string]bool{}
			}
			q.proj.expand[name] = true
		}
	case "$select":
		q.proj.sel = map[string]bool{}
		for _, name := range splitList(v) {
			if name == "*" {
				q.proj.sel = nil
				return nil
			}
			if s.fieldByName[name] == nil && s.navIndex(name) < 0 {
				return bad(fmt.Sprintf("'%s' is not a property of Entity.Customer", name))
			}
			q.proj.sel[name] = true
		}
	case "$filter":
		p, err := s.parseFilter(v)
		if err != nil {
			return bad(err.Error())
		}
		q.filter = p
	case "$orderby":
		for _, item := range splitList(v) {
			name, dir, _ := strings.Cut(item, " ")
			f := s.fieldByName[name]
			if f == nil {
				return bad(fmt.Sprintf("'%s' is not a property of Entity.Customer", name))
			}
			dir = strings.TrimSpace(dir)
			if dir != "" && dir != "asc" && dir != "desc" {
				return bad(fmt.Sprintf("sort direction '%s' must be asc or desc", dir))
			}
			q.orderBy = append(q.orderBy, orderKey{field: f, desc: dir == "desc"})
		}
	case "$format":
		if !strings.EqualFold(v, "json") {
			return bad("the sandbox answers JSON only")
		}
	case "$inlinecount":
		if v != "allpages" && v != "none" {
			return bad("expected allpages or none")
		}
	default:
		return &queryError{option: k, unsupported: true}
	}
	return nil
}

// navOptions are the query options a navigation property's sub-resource
// (Customers(id)/Phones) takes: the sandbox answers the whole nested
// entity or collection, so an option that would shape it ($select, $top,
// $filter, …) is refused rather than ignored.
var navOptions = []string{"$format", "nopaging"}

// splitList splits a comma-separated option value, trimming spaces; an
// empty item is kept so that it is reported as invalid.
func splitList(v string) []string {
	parts := strings.Split(v, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func (s *Service) navNames() string {
	names := make([]string, len(s.navs))
	for i, n := range s.navs {
		names[i] = n.name
	}
	return strings.Join(names, ", ")
}

// page applies $skip, $top and the default page size to n results and
// returns the slice bounds and the summary's pageSize. LoanPro pages at 50
// unless nopaging=true.
func (q *query) page(n, defaultSize int) (from, to, pageSize int) {
	pageSize = defaultSize
	switch {
	case q.hasTop:
		pageSize = q.top
	case q.nopaging:
		pageSize = max(n-q.skip, 0)
	}
	from = min(q.skip, n)
	to = from + min(pageSize, n-from)
	return from, to, pageSize
}
