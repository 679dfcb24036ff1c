package loanpro

import (
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"

	"encoding/json"
	"math"
	"strings"
	"testing"
)

// FuzzParsePath: parsePath never panics, and its answer is consistent: a
// resource is the Customers set with a positive int32 key when it has one
// and a known navigation property only under a key; an error is either a
// bad key or an unknown segment.
func FuzzParsePath(f *testing.F) {
	s := testService(f, 0)
	for _, seed := range []string{"/Customers", "/Customers/", "/Customers(5)", "/Customers(id=5)", "/Customers(id = 5)",
		"/Customers(2147483647)", "/Customers(5)/Phones", "/Customers(id=5)/PrimaryAddress/", "/", "", "/customers(5)",
		"/Loans(5)", "/Customers/Phones", "/Customers(5)/Nope", "/Customers(5)/Phones/1", "/Customers(abc)", "/Customers()",
		"/Customers(0)", "/Customers(-1)", "/Customers(+1)", "/Customers(1.5)", "/Customers(2147483648)", "/Customers(name=5)",
		"/Customers(5", "/Customers(5)x", "/Customers((5))", "/Customers(id==5)", "//Customers", "/Customers(\xff)", "Customers(1)//"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		r, perr := s.parsePath(p)
		if perr != nil {
			if r != (resource{}) {
				t.Fatalf("%q: error %+v with a resource %+v", p, perr, r)
			}
			if perr.keyErr && perr.segment != "" {
				t.Fatalf("%q: both a bad key and an unknown segment: %+v", p, perr)
			}
			return
		}
		if r.set != entitySet {
			t.Fatalf("%q: set %q", p, r.set)
		}
		if r.hasKey != (r.key != 0) || r.key < 0 || r.key > math.MaxInt32 {
			t.Fatalf("%q: key %d (hasKey %v)", p, r.key, r.hasKey)
		}
		if r.nav != "" && (!r.hasKey || s.navIndex(r.nav) < 0) {
			t.Fatalf("%q: navigation %q (hasKey %v)", p, r.nav, r.hasKey)
		}
	})
}

// FuzzParseQuery: parseQuery never panics; an accepted query has
// non-negative paging and known $orderby fields, and running it over the
// seeded customers (filter, sort, page) renders a valid LoanPro list whose
// page is no larger than its pageSize. The raw input is also compiled as a
// $filter and evaluated over every customer.
func FuzzParseQuery(f *testing.F) {
	s := testService(f, 20)
	w := s.newWorld(state.Scope{})
	n := 0
	w.customers.Range(func(Customer) bool { n++; return true })
	for _, seed := range []string{"", "$top=5&$skip=1", "$top=-1", "$top=1&$top=2", "nopaging=true", "nopaging=TRUE&$top=3",
		"$expand=PrimaryAddress,Phones", "$expand=Nope", "$select=id,firstName,Phones", "$select=*", "$select=", "$orderby=lastName desc,id",
		"$orderby=id sideways", "$format=json&$inlinecount=allpages", "$format=xml", "$unknown=1", "cachebuster=1", "%zz", "a=%",
		"$filter=id eq 1 and (lastName eq 'x' or not id gt 3)", "$filter=substringof('a', email) eq true",
		"$filter=startswith(firstName,'J') or endswith(lastName,'e') eq false", "$filter=birthDate lt datetime'1980-01-01T00:00:00'",
		"$filter=email eq null", "$filter=middleName ne null and active eq true", "$filter=id eq 99999999999999999999",
		"$filter=(((", "$filter='", "$filter=datetime'", "$filter=id eq -", "id eq 1", "not not id eq 1", "substringof('x', id)"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, qe := s.parseQuery(raw, "")
		if qe != nil {
			if qe.message() == "" {
				t.Fatalf("%q: empty error message", raw)
			}
		} else {
			if q.top < 0 || q.skip < 0 || (!q.hasTop && q.top != 0) {
				t.Fatalf("%q: top %d (hasTop %v) skip %d", raw, q.top, q.hasTop, q.skip)
			}
			for _, k := range q.orderBy {
				if s.fieldByName[k.field.name] != k.field {
					t.Fatalf("%q: unknown order field %q", raw, k.field.name)
				}
			}
			var list struct {
				D struct {
					Results []json.RawMessage
					Summary struct{ Start, PageSize, Total int }
				}
			}
			body := s.list(w, &q)
			if err := json.Unmarshal(body, &list); err != nil {
				t.Fatalf("%q: list body is not JSON: %v\n%s", raw, err, body)
			}
			if sum := list.D.Summary; len(list.D.Results) > sum.PageSize || sum.Start != q.skip || sum.Total > n {
				t.Fatalf("%q: %d results, summary %+v", raw, len(list.D.Results), sum)
			}
		}
		filter := raw
		if v, ok := strings.CutPrefix(raw, "$filter="); ok {
			filter = v
		}
		if p, err := s.parseFilter(filter); err == nil {
			w.customers.Range(func(c Customer) bool { _ = p(&c); return true })
			_ = p(&Customer{})
		} else if err.Error() == "" {
			t.Fatalf("%q: empty filter error", filter)
		}
	})
}
