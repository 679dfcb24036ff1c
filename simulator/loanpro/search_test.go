package loanpro_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const searchURL = "/api/public/api/1/Customers/Autopal.Search()"

// searchAnswer is the search's answer: d.results and d.summary.
type searchAnswer struct {
	D struct {
		Results []map[string]any `json:"results"`
		Summary struct {
			Start        int                       `json:"start"`
			PageSize     int                       `json:"pageSize"`
			Total        int                       `json:"total"`
			Aggregations map[string]map[string]any `json:"aggregations"`
		} `json:"summary"`
	} `json:"d"`
}

func (a *searchAnswer) ids() []int {
	out := []int{}
	for _, r := range a.D.Results {
		out = append(out, int(r["id"].(float64)))
	}
	return out
}

func search(t *testing.T, sb *sandbox, query, body string) (searchAnswer, []byte) {
	t.Helper()
	w := sb.Do(t, "POST", searchURL+query, body, auth()...)
	if w.Status != 200 {
		t.Fatalf("search %s %s: %d %s", query, body, w.Status, w.Body)
	}
	var a searchAnswer
	if err := json.Unmarshal(w.Body, &a); err != nil {
		t.Fatalf("%v: %s", err, w.Body)
	}
	return a, w.Body
}

// row is one customer as the OData list shows it, the oracle the
// search's answers are computed from.
type row struct {
	ID                                          int
	FirstName, LastName, Email, Status, City    string
	Zipcode, State, PrimaryPhone, CompanyName   string
	CreditLimit, MCID                           int
	BirthDate                                   *time.Time
	hasEmail, hasCity, hasPhone, hasCompanyName bool
}

// everyone reads every customer of the session through GET Customers.
func everyone(t *testing.T, sb *sandbox) []row {
	t.Helper()
	w := sb.Do(t, "GET", base+"/Customers?nopaging=true&$expand=PrimaryAddress,Phones", "", auth()...)
	if w.Status != 200 {
		t.Fatalf("list: %d %s", w.Status, w.Body)
	}
	var l struct {
		D struct {
			Results []map[string]any `json:"results"`
		} `json:"d"`
	}
	if err := json.Unmarshal(w.Body, &l); err != nil {
		t.Fatal(err)
	}
	var out []row
	for _, m := range l.D.Results {
		s := func(k string) (string, bool) { v, ok := m[k].(string); return v, ok }
		r := row{ID: int(m["id"].(float64)), CreditLimit: int(m["creditLimit"].(float64)), MCID: int(m["mcId"].(float64))}
		r.FirstName, _ = s("firstName")
		r.LastName, _ = s("lastName")
		r.Status, _ = s("status")
		r.Email, r.hasEmail = s("email")
		r.CompanyName, r.hasCompanyName = s("companyName")
		if b, ok := s("birthDate"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(b, "/Date("), ")/"), 10, 64)
			d := time.Unix(n, 0).UTC()
			r.BirthDate = &d
		}
		if a, ok := m["PrimaryAddress"].(map[string]any); ok {
			r.City, r.Zipcode, r.State, r.hasCity = a["city"].(string), a["zipcode"].(string), a["state"].(string), true
		}
		for _, p := range m["Phones"].(map[string]any)["results"].([]any) {
			if p := p.(map[string]any); p["isPrimary"].(float64) == 1 {
				r.PrimaryPhone, r.hasPhone = p["phone"].(string), true
			}
		}
		out = append(out, r)
	}
	if len(out) < 55 {
		t.Fatalf("only %d customers", len(out))
	}
	return out
}

func idsWhere(rows []row, f func(r row) bool) []int {
	out := []int{}
	for _, r := range rows {
		if f(r) {
			out = append(out, r.ID)
		}
	}
	return out
}

func contains(s, sub string) bool { return strings.Contains(strings.ToLower(s), sub) }

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestSearchConstructs: each construct of the supported subset, with the
// exact ids expected, in order (computed from the fixtures or, over the
// generated customers, from the OData list of the same session).
func TestSearchConstructs(t *testing.T) {
	sb := newSandbox(t)
	all := everyone(t, sb)
	upTo5 := `{"range":{"id":{"lte":5}}}`
	first := func(n int, ids []int) []int { return ids[:min(n, len(ids))] }
	tests := []struct {
		name, query, body string
		want              []int
		total             int // -1: len(want)
	}{
		{"match_all $top=3", "?$top=3&$start=0&$orderby=id%20asc", `{"query":{"match_all":{}}}`, []int{1, 2, 3}, len(all)},
		{"empty body object is everyone", "?$top=2", `{}`, []int{1, 2}, len(all)},
		{"default page of 25", "", `{"query":{"match_all":{"boost":1}}}`, first(25, idsWhere(all, func(row) bool { return true })), len(all)},

		{"bool filter and should", "", `{"query":{"bool":{"filter":[` + upTo5 + `],"should":[{"match":{"lastName":"doe"}},{"match":{"status":"Lead"}}],"minimum_should_match":1}}}`, []int{1, 2, 5}, -1},
		{"bool minimum_should_match 2", "", `{"query":{"bool":{"filter":` + upTo5 + `,"should":[{"match":{"lastName":"roe"}},{"match":{"status":"lead"}},{"match":{"firstName":"Richard"}}],"minimum_should_match":2}}}`, []int{5}, -1},
		{"bool minimum_should_match 100%", "", `{"query":{"bool":{"filter":` + upTo5 + `,"should":[{"match":{"lastName":"doe"}},{"match":{"firstName":"jane"}}],"minimum_should_match":"100%"}}}`, []int{2}, -1},
		{"bool minimum_should_match -1", "", `{"query":{"bool":{"filter":` + upTo5 + `,"should":[{"match":{"lastName":"doe"}},{"match":{"firstName":"jane"}}],"minimum_should_match":"-1"}}}`, []int{1, 2}, -1},
		{"bool must makes should optional", "", `{"query":{"bool":{"must":{"range":{"id":{"lte":3}}},"should":[{"match":{"lastName":"major"}}]}}}`, []int{1, 2, 3}, -1},
		{"bool of only should needs one", "", `{"query":{"bool":{"should":[{"terms":{"id":[2,4]}},{"match":{"email":{"query":"mary.major@example.org","operator":"and"}}}]}}}`, []int{2, 3, 4}, -1},
		{"bool must and filter", "", `{"query":{"bool":{"must":[{"match":{"lastName":"Roe"}}],"filter":[{"terms":{"status":["lead"]}}]}}}`,
			idsWhere(all, func(r row) bool { return strings.EqualFold(r.LastName, "roe") && r.Status == "Lead" }), -1},
		{"empty bool is everyone", "?$top=1", `{"query":{"bool":{}}}`, []int{1}, len(all)},

		{"match or", "", `{"query":{"match":{"firstName":"john MARY"}}}`,
			idsWhere(all, func(r row) bool {
				return strings.EqualFold(r.FirstName, "john") || strings.EqualFold(r.FirstName, "mary")
			}), -1},
		{"match and over email words", "", `{"query":{"match":{"email":{"query":"example net","operator":"and"}}}}`,
			idsWhere(all, func(r row) bool { return r.hasEmail && strings.HasSuffix(r.Email, "@example.net") }), -1},
		{"match a number", "", `{"query":{"match":{"id":4}}}`, []int{4}, -1},
		{"match a date is its day", "", `{"query":{"match":{"birthDate":"1980-07-17"}}}`,
			idsWhere(all, func(r row) bool { return r.BirthDate != nil && r.BirthDate.Equal(day("1980-07-17")) }), -1},
		{"match a derived field", "", `{"query":{"match":{"city":"springfield"}}}`,
			idsWhere(all, func(r row) bool { return r.hasCity && strings.EqualFold(r.City, "springfield") }), -1},

		{"query_string *doe* over lastName,email", "", `{"query":{"bool":{"must":[{"bool":{"should":[{"query_string":{"query":"*doe*","fields":["lastName","email"],"default_operator":"AND"}}]}}]}}}`,
			idsWhere(all, func(r row) bool { return contains(r.LastName, "doe") || contains(r.Email, "doe") }), -1},
		{"query_string AND over every text field", "", `{"query":{"query_string":{"query":"jo* spring?ield","default_operator":"and"}}}`,
			idsWhere(all, func(r row) bool {
				return strings.HasPrefix(strings.ToLower(r.FirstName), "jo") && strings.EqualFold(r.City, "springfield")
			}), -1},
		{"query_string OR of plain words", "", `{"query":{"query_string":{"query":"Major Roe","fields":["lastName^2"]}}}`,
			idsWhere(all, func(r row) bool { return r.LastName == "Major" || r.LastName == "Roe" }), -1},
		{"query_string phone", "", `{"query":{"query_string":{"query":"2175550142","fields":["primaryPhone","customerName"]}}}`, []int{1}, -1},
		{"query_string company name", "", `{"query":{"query_string":{"query":"widgets","fields":["customerName"]}}}`, []int{4}, -1},

		{"range on a date", "", `{"query":{"range":{"birthDate":{"gte":"1975-01-01","lte":"1984-02-11"}}}}`,
			idsWhere(all, func(r row) bool {
				return r.BirthDate != nil && !r.BirthDate.Before(day("1975-01-01")) && !r.BirthDate.After(day("1984-02-11"))
			}), -1},
		{"range on a date with its format", "", `{"query":{"range":{"birthDate":{"gte":"1975-01-01 00:00:00","lte":"1984-02-11","format":"yyyy-MM-dd HH:mm:ss||yyyy-MM-dd"}}}}`,
			idsWhere(all, func(r row) bool {
				return r.BirthDate != nil && !r.BirthDate.Before(day("1975-01-01")) && !r.BirthDate.After(day("1984-02-11"))
			}), -1},
		{"range on a number", "", `{"query":{"range":{"creditLimit":{"gt":0}}}}`, idsWhere(all, func(r row) bool { return r.CreditLimit > 0 }), -1},
		{"range gt lt", "", `{"query":{"range":{"id":{"gt":"2","lt":5}}}}`, []int{3, 4}, -1},

		{"terms on strings", "", `{"query":{"terms":{"status":["Inactive","Lead"]}}}`,
			idsWhere(all, func(r row) bool { return r.Status == "Inactive" || r.Status == "Lead" }), -1},
		{"terms on ids", "", `{"query":{"terms":{"id":[3,1,99999]}}}`, []int{1, 3}, -1},
		{"terms on a derived field", "", `{"query":{"terms":{"zipcode":["82501"]}}}`, idsWhere(all, func(r row) bool { return r.Zipcode == "82501" }), -1},

		{"sort desc then id", "", `{"query":` + upTo5 + `,"sort":[{"lastName":"desc"},"id"]}`, []int{4, 5, 3, 1, 2}, -1},
		{"sort missing last", "", `{"query":` + upTo5 + `,"sort":{"birthDate":{"order":"asc"}}}`, []int{3, 1, 2, 4, 5}, -1},
		{"sort missing last desc", "", `{"query":` + upTo5 + `,"sort":[{"birthDate":"desc"}]}`, []int{2, 1, 3, 4, 5}, -1},
		{"$orderby wins over sort", "?$orderby=id%20desc", `{"query":` + upTo5 + `,"sort":["lastName"]}`, []int{5, 4, 3, 2, 1}, -1},
		{"$orderby two keys", "?$orderby=lastName%20asc,id%20desc", `{"query":` + upTo5 + `}`, []int{2, 1, 3, 5, 4}, -1},
		{"size", "", `{"query":` + upTo5 + `,"size":2}`, []int{1, 2}, 5},
		{"$top wins over size", "?$top=3", `{"query":` + upTo5 + `,"size":1}`, []int{1, 2, 3}, 5},
		{"$start pages", "?$start=3", `{"query":` + upTo5 + `,"size":10}`, []int{4, 5}, 5},
		{"$start pages a sorted answer", "?$start=1&$top=2", `{"query":` + upTo5 + `,"sort":[{"id":"desc"}]}`, []int{4, 3}, 5},
		{"$start past the end", "?$start=100", `{"query":` + upTo5 + `}`, []int{}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := search(t, sb, tt.query, tt.body)
			total := tt.total
			if total < 0 {
				total = len(tt.want)
			}
			if total == 0 {
				t.Fatal("vacuous case: nothing is expected to match")
			}
			want := tt.want
			if len(want) > 25 && !strings.Contains(tt.query, "$top") {
				want = want[:25]
			}
			if got := a.ids(); !slices.Equal(got, want) {
				t.Errorf("ids %v, want %v", got, want)
			}
			if a.D.Summary.Total != total {
				t.Errorf("total %d, want %d", a.D.Summary.Total, total)
			}
		})
	}
}

// TestSearchFidelity: the fidelity acceptance sample's three checks.
func TestSearchFidelity(t *testing.T) {
	sb := newSandbox(t)
	a, body := search(t, sb, "?$top=3&$start=0&$orderby=id%20asc", `{"query":{"match_all":{}}}`)
	if !slices.Equal(a.ids(), []int{1, 2, 3}) || a.D.Summary.Total != 55 {
		t.Errorf("match_all: ids %v total %d", a.ids(), a.D.Summary.Total)
	}
	if !strings.HasSuffix(string(body), `],"summary":{"start":0,"pageSize":3,"total":55}}}`) {
		t.Errorf("summary not in the reference's shape: %s", body[max(len(body)-80, 0):])
	}
	a, _ = search(t, sb, "", `{"query":{"bool":{"must":[{"bool":{"should":[{"query_string":{"query":"*doe*","fields":["lastName","email"],"default_operator":"AND"}}]}}]}}}`)
	if len(a.D.Results) == 0 || a.D.Results[0]["id"] != 1.0 || a.D.Results[0]["firstName"] != "John" || a.D.Results[0]["lastName"] != "Doe" {
		t.Errorf("query_string *doe*: %v", a.ids())
	}
	w := sb.Do(t, "POST", searchURL, `{"query":{"geo_shape":{"x":{}}}}`, auth()...)
	if w.Status != 409 || !strings.Contains(errMessage(t, w.Body), "geo_shape") {
		t.Errorf("geo_shape: %d %s", w.Status, w.Body)
	}
}

// TestSearchHitsAreCustomers: a hit is the customer entity, exactly as
// GET Customers(id) renders it, and the search sees the session's edits.
func TestSearchHitsAreCustomers(t *testing.T) {
	sb := newSandbox(t)
	for _, id := range []int{1, 4, 6} {
		a, _ := search(t, sb, "", fmt.Sprintf(`{"query":{"terms":{"id":[%d]}}}`, id))
		got, _ := json.Marshal(a.D.Results[0])
		want, _ := json.Marshal(entity(t, sb.Do(t, "GET", fmt.Sprintf("%s/Customers(%d)", base, id), "", auth()...).Body))
		if string(got) != string(want) {
			t.Errorf("hit %d differs from GET Customers(%d):\n got %s\nwant %s", id, id, got, want)
		}
	}
	if w := sb.Do(t, "PUT", base+"/Customers(6)", `{"lastName":"Zyzzyva"}`, auth()...); w.Status != 200 {
		t.Fatalf("PUT: %d %s", w.Status, w.Body)
	}
	a, _ := search(t, sb, "", `{"query":{"match":{"lastName":"zyzzyva"}}}`)
	if !slices.Equal(a.ids(), []int{6}) {
		t.Errorf("edited customer: ids %v", a.ids())
	}
	other := sb.Do(t, "POST", searchURL, `{"query":{"match":{"lastName":"zyzzyva"}}}`, append(auth(), "X-Sandbox-Session", "other")...)
	if other.Status != 200 || !strings.Contains(string(other.Body), `"total":0`) {
		t.Errorf("another session sees the edit: %d %s", other.Status, other.Body)
	}
}

// TestSearchAggregations: avg and sum over every match (not only the
// page), computed here from the OData list.
func TestSearchAggregations(t *testing.T) {
	sb := newSandbox(t)
	all := everyone(t, sb)
	var sumLimit, sumMC, sumID int
	for _, r := range all {
		sumLimit += r.CreditLimit
		sumMC += r.MCID
		sumID += r.ID
	}
	num := func(x any) float64 {
		f, ok := x.(float64)
		if !ok {
			t.Fatalf("value %v is not a number", x)
		}
		return f
	}
	a, body := search(t, sb, "?$top=1", `{"query":{"match_all":{}},"aggs":{"avgLimit":{"avg":{"field":"creditLimit"}},"sumLimit":{"sum":{"field":"creditLimit"}},"sumMc":{"sum":{"field":"mcId"}},"avgId":{"avg":{"field":"id"}}}}`)
	ag := a.D.Summary.Aggregations
	if len(a.D.Results) != 1 || a.D.Summary.Total != len(all) {
		t.Errorf("page %d total %d", len(a.D.Results), a.D.Summary.Total)
	}
	for name, want := range map[string]float64{
		"avgLimit": float64(sumLimit) / float64(len(all)), "sumLimit": float64(sumLimit),
		"sumMc": float64(sumMC), "avgId": float64(sumID) / float64(len(all)),
	} {
		if got := num(ag[name]["value"]); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if !strings.Contains(string(body), `"summary":{"start":0,"pageSize":1,"total":`+strconv.Itoa(len(all))+`,"aggregations":{"avgId":{"value":`) {
		t.Errorf("aggregations not in d.summary: %s", body[strings.Index(string(body), `"summary"`):])
	}

	// Over the fixtures only: ids 1..5, customer 4's credit limit 25000.
	a, _ = search(t, sb, "", `{"query":{"range":{"id":{"lte":5}}},"size":0,"aggregations":{"s":{"sum":{"field":"creditLimit"}},"a":{"avg":{"field":"id"}},"l":{"avg":{"field":"creditLimit"}}}}`)
	if len(a.D.Results) != 0 || a.D.Summary.Total != 5 || a.D.Summary.PageSize != 0 {
		t.Errorf("size 0: %d results, total %d, pageSize %d", len(a.D.Results), a.D.Summary.Total, a.D.Summary.PageSize)
	}
	for name, want := range map[string]float64{"s": 25000, "a": 3, "l": 5000} {
		if got := num(a.D.Summary.Aggregations[name]["value"]); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}

	// Nothing matches: the sum is 0, the average null.
	_, body = search(t, sb, "", `{"query":{"terms":{"id":[999999]}},"aggs":{"a":{"avg":{"field":"creditLimit"}},"s":{"sum":{"field":"creditLimit"}}}}`)
	if !strings.Contains(string(body), `"total":0,"aggregations":{"a":{"value":null},"s":{"value":0}}`) {
		t.Errorf("empty aggregations: %s", body)
	}
	// Without aggs the summary has no aggregations.
	if _, body = search(t, sb, "", `{"query":{"match_all":{}}}`); strings.Contains(string(body), "aggregations") {
		t.Errorf("aggregations without aggs: %s", body)
	}
}

func errMessage(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Error struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    int    `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("not a LoanPro error: %v: %s", err, body)
	}
	return e.Error.Type + ": " + e.Error.Message
}

// TestSearchErrors: unsupported constructs, unknown fields, bad options
// and malformed bodies are LoanPro-shaped errors naming what was wrong;
// the headers are checked first, as on every LoanPro request.
func TestSearchErrors(t *testing.T) {
	sb := newSandbox(t)
	const iq, ip, un = "InvalidQueryOptionException: ", "InvalidPayloadException: ", "UnauthorizedException: "
	tests := []struct {
		name, method, query, body string
		headers                   []string
		status                    int
		want                      string // the start of "type: message"
		mentions                  string
	}{
		{"geo_shape", "POST", "", `{"query":{"geo_shape":{"x":{}}}}`, auth(), 409, iq + "Unsupported search construct 'geo_shape' at query.geo_shape", "match_all, bool, match, query_string, range and terms"},
		{"nested unsupported", "POST", "", `{"query":{"bool":{"must":[{"match_all":{}},{"fuzzy":{"lastName":"doe"}}]}}}`, auth(), 409, iq + "Unsupported search construct 'fuzzy' at query.bool.must[1].fuzzy", ""},
		{"must_not", "POST", "", `{"query":{"bool":{"must_not":{"match_all":{}}}}}`, auth(), 409, iq + "Unsupported search construct 'must_not' at query.bool", supportedBoolText},
		{"unknown field", "POST", "", `{"query":{"match":{"nope":"x"}}}`, auth(), 409, iq + "Unknown search field 'nope' at query.match", "lastName"},
		{"unknown query_string field", "POST", "", `{"query":{"query_string":{"query":"x","fields":["lastname"]}}}`, auth(), 409, iq + "Unknown search field 'lastname' at query.query_string.fields", ""},
		{"password not searchable", "POST", "", `{"query":{"terms":{"accessPassword":["x"]}}}`, auth(), 409, iq + "Unknown search field 'accessPassword'", ""},
		{"unknown sort field", "POST", "", `{"sort":[{"nope":"asc"}]}`, auth(), 409, iq + "Unknown search field 'nope' at sort[0]", ""},
		{"bad sort order", "POST", "", `{"sort":{"id":"up"}}`, auth(), 409, iq + "Invalid search query at sort.id: sort order 'up' must be asc or desc", ""},
		{"top-level from", "POST", "", `{"from":10}`, auth(), 409, iq + "Unsupported search construct 'from' at the top level", "query, sort, size and aggs"},
		{"aggs max", "POST", "", `{"aggs":{"m":{"max":{"field":"id"}}}}`, auth(), 409, iq + "Unsupported search construct 'max' at aggs.m.max", "avg and sum"},
		{"avg of a string", "POST", "", `{"aggs":{"m":{"avg":{"field":"lastName"}}}}`, auth(), 409, iq + "Invalid search query at aggs.m.avg.field: avg needs a numeric field, 'lastName' is string", ""},
		{"sub-aggregation", "POST", "", `{"aggs":{"m":{"sum":{"field":"id"},"aggs":{}}}}`, auth(), 409, iq + "Invalid search query at aggs.m: expected one aggregation, got 2", ""},
		{"two fields in match", "POST", "", `{"query":{"match":{"firstName":"a","lastName":"b"}}}`, auth(), 409, iq + "Invalid search query at query.match: expected one field, got 2 (firstName, lastName)", ""},
		{"two clauses", "POST", "", `{"query":{"match_all":{},"terms":{"id":[1]}}}`, auth(), 409, iq + "Invalid search query at query: expected one query clause, got 2", ""},
		{"clause not an object", "POST", "", `{"query":"doe"}`, auth(), 409, iq + "Invalid search query at query: expected an object with one query clause, got \"doe\"", ""},
		{"date math", "POST", "", `{"query":{"range":{"created":{"gte":"now-1d"}}}}`, auth(), 409, iq + "Unsupported search construct 'now-1d' at query.range.created.gte", ""},
		{"bad date", "POST", "", `{"query":{"range":{"birthDate":{"gte":"17/07/1980"}}}}`, auth(), 409, iq + "Invalid search query at query.range.birthDate.gte: expected a date", ""},
		{"range format the sandbox does not read", "POST", "", `{"query":{"range":{"birthDate":{"gte":"17/07/1980","format":"dd/MM/yyyy"}}}}`, auth(), 409, iq + "Unsupported search construct 'dd/MM/yyyy' at query.range.birthDate.format", "yyyy-MM-dd HH:mm:ss"},
		{"range format applied", "POST", "", `{"query":{"range":{"birthDate":{"gte":"1980-07-17 00:00:00","format":"yyyy-MM-dd"}}}}`, auth(), 409, iq + "Invalid search query at query.range.birthDate.gte: expected a date", ""},
		{"range format on a number", "POST", "", `{"query":{"range":{"id":{"gte":1,"format":"yyyy-MM-dd"}}}}`, auth(), 409, iq + "Invalid search query at query.range.id.format: a format applies to dates, 'id' is integer.", ""},
		{"range time_zone", "POST", "", `{"query":{"range":{"birthDate":{"gte":"1980-01-01","time_zone":"+01:00"}}}}`, auth(), 409, iq + "Unsupported search construct 'time_zone'", ""},
		{"terms not a list", "POST", "", `{"query":{"terms":{"status":"Active"}}}`, auth(), 409, iq + "Invalid search query at query.terms.status: expected an array of values", ""},
		{"terms number on int field", "POST", "", `{"query":{"terms":{"id":["one"]}}}`, auth(), 409, iq + "Invalid search query at query.terms.id[0]: expected an integer", ""},
		{"query_string operator", "POST", "", `{"query":{"query_string":{"query":"john AND doe"}}}`, auth(), 409, iq + "Unsupported search construct 'AND' at query.query_string.query", ""},
		{"query_string field:value", "POST", "", `{"query":{"query_string":{"query":"lastName:doe"}}}`, auth(), 409, iq + "Unsupported search construct 'lastName:doe'", ""},
		{"query_string without query", "POST", "", `{"query":{"query_string":{"fields":["email"]}}}`, auth(), 409, iq + "Invalid search query at query.query_string: missing query", ""},
		{"minimum_should_match combination", "POST", "", `{"query":{"bool":{"should":[{"match_all":{}}],"minimum_should_match":"3<90%"}}}`, auth(), 409, iq + "Invalid search query at query.bool.minimum_should_match: '3<90%' is not an integer or a percentage", ""},
		{"bad size", "POST", "", `{"size":-1}`, auth(), 409, iq + "Invalid search query at size: expected a non-negative integer, got -1", ""},
		{"aggs and aggregations", "POST", "", `{"aggs":{},"aggregations":{}}`, auth(), 409, iq + "Invalid search query at aggregations: give aggs or aggregations, not both", ""},
		{"$skip", "POST", "?$skip=1", `{}`, auth(), 409, iq + "Unsupported query option '$skip' for Autopal.Search(): expected $top, $start or $orderby.", ""},
		{"bad $top", "POST", "?$top=-1", `{}`, auth(), 409, iq + "Invalid value '-1' for query option '$top': expected a non-negative integer.", ""},
		{"bad $orderby field", "POST", "?$orderby=nope%20asc", `{}`, auth(), 409, iq + "Invalid value 'nope asc' for query option '$orderby': 'nope' is not a search field.", ""},
		{"bad $orderby direction", "POST", "?$orderby=id%20up", `{}`, auth(), 409, iq + "Invalid value 'id up' for query option '$orderby': sort direction 'up' must be asc or desc.", ""},
		{"repeated $start", "POST", "?$start=1&$start=2", `{}`, auth(), 409, iq + "Invalid value '1,2' for query option '$start': the option is given more than once.", ""},

		{"malformed body", "POST", "", `{"query":`, auth(), 409, ip + "The request body is not valid JSON: unexpected EOF.", ""},
		{"trailing data", "POST", "", `{"query":{"match_all":{}}} x`, auth(), 409, ip + "The request body is not valid JSON", ""},
		{"array body", "POST", "", `[1]`, auth(), 409, ip + "The request body must be a JSON object, got an array.", ""},
		{"empty body", "POST", "", ``, auth(), 409, ip + "The request body is empty: send a JSON object.", ""},
		{"bad utf-8", "POST", "", "{\"query\":{\"match\":{\"lastName\":\"\xff\"}}}", auth(), 409, ip + "The request body is not valid JSON: malformed UTF-8 characters.", ""},

		{"no Authorization", "POST", "", `{}`, auth("Authorization"), 401, un + "Missing Authorization header", ""},
		{"no Bearer", "POST", "", `{}`, with(auth(), "Authorization", token), 401, un + "Authorization header must use the Bearer scheme", ""},
		{"bad token", "POST", "", `{}`, with(auth(), "Authorization", "Bearer nope"), 401, un + "Invalid API token.", ""},
		{"no instance", "POST", "", `{}`, auth("Autopal-Instance-Id"), 401, un + "Missing Autopal-Instance-Id header", ""},
		{"wrong instance", "POST", "", `{}`, with(auth(), "Autopal-Instance-Id", "1"), 401, un + "Invalid Autopal-Instance-Id '1' for this token.", ""},
		{"auth before the body", "POST", "", `{"query":`, auth("Authorization"), 401, un, ""},
		{"GET is 405", "GET", "", ``, auth(), 405, "MethodNotAllowedException: The HTTP method GET is not allowed on 'Customers/Autopal.Search()'.", ""},
		{"405 after auth", "DELETE", "", ``, auth("Authorization"), 401, un, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := sb.Do(t, tt.method, searchURL+tt.query, tt.body, tt.headers...)
			if w.Status != tt.status {
				t.Errorf("status %d, want %d: %s", w.Status, tt.status, w.Body)
			}
			var e struct {
				Error struct {
					Code int `json:"code"`
				} `json:"error"`
			}
			if json.Unmarshal(w.Body, &e); e.Error.Code != w.Status {
				t.Errorf("body code %d != status %d", e.Error.Code, w.Status)
			}
			msg := errMessage(t, w.Body)
			if !strings.HasPrefix(msg, tt.want) || !strings.Contains(msg, tt.mentions) {
				t.Errorf("error %q\nwant it to start with %q and mention %q", msg, tt.want, tt.mentions)
			}
			if tt.status == 405 && w.Header.Get("Allow") != "POST" {
				t.Errorf("Allow %q, want POST", w.Header.Get("Allow"))
			}
		})
	}
}

const supportedBoolText = "must, should, filter and minimum_should_match"

// TestSearchScenarios: the shipped scenarios of the search's documented
// errors, named by header, answer the catalog's error.
func TestSearchScenarios(t *testing.T) {
	sb := newSandbox(t)
	for _, tt := range []struct {
		name   string
		status int
		typ    string
	}{
		{"loanpro-search-unauthorized", 401, "UnauthorizedException"},
		{"loanpro-search-invalid-query", 409, "InvalidQueryOptionException"},
		{"loanpro-search-invalid-payload", 409, "InvalidPayloadException"},
		{"loanpro-search-server-error", 500, "InternalServerErrorException"},
		{"loanpro-search-timeout", 500, "TimeoutException"},
		{"loanpro-search-rate-limited", 429, "RateLimitException"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := sb.Raw(t, "POST", searchURL, `{"query":{"match_all":{}}}`, append(auth(), "X-Sandbox-Scenario", tt.name)...)
			if w.Status != tt.status || !strings.HasPrefix(errMessage(t, w.Body), tt.typ+": ") || w.Header.Get("X-Sandbox-Scenario") != tt.name {
				t.Errorf("got %d %s (scenario %q)", w.Status, w.Body, w.Header.Get("X-Sandbox-Scenario"))
			}
		})
	}
}
