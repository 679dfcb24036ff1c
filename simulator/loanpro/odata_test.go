package loanpro

import (
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"

	"slices"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
)

func testService(t testing.TB, customers int) *Service {
	t.Helper()
	st := DefaultSettings()
	st.Customers = customers
	s, err := New(Options{Settings: st, Seed: 1, Fixtures: fixtures.FS})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParsePath(t *testing.T) {
	s := testService(t, 0)
	tests := []struct {
		in      string
		want    resource
		segment string // expected unknown segment
		badKey  string // expected bad key
	}{
		{in: "/Customers", want: resource{set: "Customers"}},
		{in: "/Customers/", want: resource{set: "Customers"}},
		{in: "/Customers(5)", want: resource{set: "Customers", hasKey: true, key: 5}},
		{in: "/Customers(id=5)", want: resource{set: "Customers", hasKey: true, key: 5}},
		{in: "/Customers(id = 5)", want: resource{set: "Customers", hasKey: true, key: 5}},
		{in: "/Customers(2147483647)", want: resource{set: "Customers", hasKey: true, key: 2147483647}},
		{in: "/Customers(5)/Phones", want: resource{set: "Customers", hasKey: true, key: 5, nav: "Phones"}},
		{in: "/Customers(id=5)/PrimaryAddress/", want: resource{set: "Customers", hasKey: true, key: 5, nav: "PrimaryAddress"}},
		{in: "/", segment: ""},
		{in: "/customers(5)", segment: "customers"},
		{in: "/Loans(5)", segment: "Loans"},
		{in: "/Customers/Phones", segment: "Phones"},
		{in: "/Customers(5)/Nope", segment: "Nope"},
		{in: "/Customers(5)/Phones/1", segment: "1"},
		{in: "/Customers(abc)", badKey: "abc"},
		{in: "/Customers()", badKey: "()"},
		{in: "/Customers(0)", badKey: "0"},
		{in: "/Customers(-1)", badKey: "-1"},
		{in: "/Customers(+1)", badKey: "+1"},
		{in: "/Customers(1.5)", badKey: "1.5"},
		{in: "/Customers(2147483648)", badKey: "2147483648"},
		{in: "/Customers(name=5)", badKey: "name=5"},
		{in: "/Customers(5", badKey: "5"},
		{in: "/Customers(5)x", badKey: "5)x"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, perr := s.parsePath(tt.in)
			switch {
			case tt.segment != "" || (tt.badKey == "" && tt.want.set == ""):
				if perr == nil || perr.segment != tt.segment || perr.keyErr {
					t.Fatalf("got %+v %+v, want unknown segment %q", got, perr, tt.segment)
				}
			case tt.badKey != "":
				if perr == nil || !perr.keyErr {
					t.Fatalf("got %+v %+v, want bad key", got, perr)
				}
			default:
				if perr != nil || got != tt.want {
					t.Fatalf("got %+v %+v, want %+v", got, perr, tt.want)
				}
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	s := testService(t, 0)
	tests := []struct {
		raw  string
		ok   bool
		test func(q query) bool
	}{
		{"", true, func(q query) bool { return !q.hasTop && q.skip == 0 && !q.nopaging && q.proj.sel == nil }},
		{"$top=5&$skip=10", true, func(q query) bool { return q.hasTop && q.top == 5 && q.skip == 10 }},
		{"$top=0", true, func(q query) bool { return q.hasTop && q.top == 0 }},
		{"nopaging=true", true, func(q query) bool { return q.nopaging }},
		{"nopaging=TRUE", true, func(q query) bool { return q.nopaging }},
		{"nopaging=false", true, func(q query) bool { return !q.nopaging }},
		{"$expand=PrimaryAddress,Phones", true, func(q query) bool { return q.proj.expand["PrimaryAddress"] && q.proj.expand["Phones"] }},
		{"$expand=PrimaryAddress, Phones", true, func(q query) bool { return q.proj.expand["Phones"] }},
		{"$select=id,email", true, func(q query) bool { return q.proj.sel["id"] && q.proj.sel["email"] && len(q.proj.sel) == 2 }},
		{"$select=*", true, func(q query) bool { return q.proj.sel == nil }},
		{"$orderby=lastName desc,id", true, func(q query) bool { return len(q.orderBy) == 2 && q.orderBy[0].desc && !q.orderBy[1].desc }},
		{"$format=json&$inlinecount=allpages&_=123&foo=bar", true, nil},
		{"$filter=id eq 1", true, func(q query) bool { return q.filter != nil }},
		{"$top=-1", false, nil},
		{"$top=abc", false, nil},
		{"$top=99999999999", false, nil},
		{"$skip=1.5", false, nil},
		{"$top=1&$top=2", false, nil},
		{"nopaging=yes", false, nil},
		{"$expand=Nope", false, nil},
		{"$expand=", false, nil},
		{"$expand=Documents/Customer", false, nil},
		{"$select=nope", false, nil},
		{"$orderby=nope", false, nil},
		{"$orderby=id sideways", false, nil},
		{"$format=xml", false, nil},
		{"$inlinecount=some", false, nil},
		{"$search=x", false, nil},
		{"$filter=", false, nil},
		{"%zz", false, nil},
		{"a=1;b=2", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			q, qe := s.parseQuery(tt.raw, "")
			if tt.ok != (qe == nil) {
				t.Fatalf("ok=%v, error %+v", qe == nil, qe)
			}
			if qe != nil && qe.message() == "" {
				t.Error("empty message")
			}
			if tt.ok && tt.test != nil && !tt.test(q) {
				t.Errorf("unexpected query %+v", q)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	s := testService(t, 0) // fixtures only: ids 1-5
	w := s.newWorld(state.Scope{})
	tests := []struct {
		filter string
		want   []int // nil: a parse error is expected
	}{
		{"lastName eq 'Doe'", []int{1, 2}},
		{"lastName ne 'Doe'", []int{3, 4, 5}},
		{"id eq 3", []int{3}},
		{"id gt 3", []int{4, 5}},
		{"id ge 3 and id lt 5", []int{3, 4}},
		{"id le 1 or id eq 5", []int{1, 5}},
		{"not (id le 4)", []int{5}},
		{"(lastName eq 'Doe' or lastName eq 'Roe') and status eq 'Active'", []int{1, 2}},
		{"lastName eq 'Doe' and firstName eq 'Jane'", []int{2}},
		{"middleName eq null", []int{2, 3, 4, 5}},
		{"middleName ne null", []int{1}},
		{"ssn eq null", []int{5}},
		{"middleName ne 'H.'", []int{2, 3, 4, 5}},
		{"active eq true", []int{1, 2, 3, 4, 5}},
		{"active eq 0", []int{}},
		{"birthDate eq datetime'1980-07-17'", []int{1}},
		{"birthDate lt datetime'1980-01-01T00:00:00'", []int{3}},
		{"birthDate eq '1984-02-11'", []int{2}},
		{"customerType eq 'customer.type.company'", []int{4}},
		{"substringof('Ma', lastName)", []int{3}},
		{"startswith(email, 'jane')", []int{2}},
		{"endswith(email, '.net') eq true", []int{4}},
		{"endswith(email, '.com') eq false", []int{3, 4}},
		{"firstName eq 'O''Brien'", []int{}},
		{"lastName eq 5", nil},
		{"id eq 'x'", nil},
		{"id gt null", nil},
		{"nope eq 1", nil},
		{"id eq", nil},
		{"id", nil},
		{"id eq 1 and", nil},
		{"(id eq 1", nil},
		{"id eq 1)", nil},
		{"lastName eq 'Doe", nil},
		{"lastName like 'D%'", nil},
		{"tolower(lastName) eq 'doe'", nil},
		{"birthDate eq datetime'17-07-1980'", nil},
		{"substringof(lastName, 'x')", nil},
		{"startswith(id, '1')", nil},
		{"id eq 1 ; drop", nil},
		{"id eq 99999999999999999999", nil},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			p, err := s.parseFilter(tt.filter)
			if tt.want == nil {
				if err == nil {
					t.Fatal("want a parse error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []int{}
			w.customers.Range(func(c Customer) bool {
				if p(&c) {
					got = append(got, c.ID)
				}
				return true
			})
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFilterDepthLimit(t *testing.T) {
	s := testService(t, 0)
	deep := ""
	for range 1000 {
		deep += "("
	}
	if _, err := s.parseFilter(deep + "id eq 1"); err == nil {
		t.Fatal("deep nesting accepted")
	}
	nots := ""
	for range 1000 {
		nots += "not "
	}
	if _, err := s.parseFilter(nots + "id eq 1"); err == nil {
		t.Fatal("deep not chain accepted")
	}
}

func TestPage(t *testing.T) {
	tests := []struct {
		q                      query
		n                      int
		from, to, wantPageSize int
	}{
		{query{}, 120, 0, 50, 50},
		{query{skip: 100}, 120, 100, 120, 50},
		{query{skip: 500}, 120, 120, 120, 50},
		{query{top: 5, hasTop: true, skip: 10}, 120, 10, 15, 5},
		{query{nopaging: true}, 120, 0, 120, 120},
		{query{nopaging: true, skip: 20}, 120, 20, 120, 100},
		{query{nopaging: true, top: 3, hasTop: true}, 120, 0, 3, 3},
	}
	for _, tt := range tests {
		from, to, ps := tt.q.page(tt.n, 50)
		if from != tt.from || to != tt.to || ps != tt.wantPageSize {
			t.Errorf("%+v: got %d %d %d, want %d %d %d", tt.q, from, to, ps, tt.from, tt.to, tt.wantPageSize)
		}
	}
}

// FuzzRequestParsing: no path, query or filter makes the parsers panic.
func FuzzRequestParsing(f *testing.F) {
	s := testService(f, 0)
	for _, seed := range []string{"/Customers(5)", "/Customers(id=5)/Phones", "$filter=id eq 1 and (lastName eq 'x' or not id gt 3)",
		"$filter=substringof('a', email) eq true", "$top=5&$skip=1&nopaging=true", "(((", "datetime'", "'", "$orderby=id desc"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		_, _ = s.parsePath(in)
		_, _ = s.parseQuery(in, "")
		if p, err := s.parseFilter(in); err == nil {
			c := Customer{}
			_ = p(&c)
		}
	})
}
