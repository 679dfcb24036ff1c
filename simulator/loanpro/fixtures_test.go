package loanpro

import (
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"

	"encoding/json"
	"io/fs"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
)

func shippedYAML(t *testing.T) string {
	t.Helper()
	b, err := fs.ReadFile(fixtures.FS, fixtureName)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFixtureErrorsPointAtTheLine(t *testing.T) {
	yml := shippedYAML(t)
	lineOf := func(s, sub string) int { return strings.Count(s[:strings.Index(s, sub)], "\n") + 1 }
	tests := []struct {
		name   string
		mutate func(string) (string, string) // returns the YAML and the text whose line is expected
		want   string
	}{
		{"unknown top-level key", func(y string) (string, string) {
			return strings.Replace(y, "statuses:", "statusses:", 1), "statusses:"
		}, "statusses"},
		{"unknown customer key", func(y string) (string, string) {
			return strings.Replace(y, "    mcId: 87351", "    mcID: 87351", 1), "mcID: 87351"
		}, "mcID"},
		{"wrong type", func(y string) (string, string) {
			return strings.Replace(y, "  - id: 3\n", "  - id: three\n", 1), "id: three"
		}, "three"},
		{"bad gender", func(y string) (string, string) {
			return strings.Replace(y, "gender: customer.gender.female\n    email: mary", "gender: female\n    email: mary", 1), "gender: female"
		}, "gender"},
		{"bad status", func(y string) (string, string) {
			return strings.Replace(y, "status: Lead\n", "status: Sleeping\n", 1), "status: Sleeping"
		}, "Sleeping"},
		{"bad ssn", func(y string) (string, string) {
			return strings.Replace(y, `ssn: "900333444"`, `ssn: "900-33-3444"`, 1), `ssn: "900-33-3444"`
		}, "ssn"},
		{"bad email", func(y string) (string, string) {
			return strings.Replace(y, "email: richard.roe@example.com", "email: richard", 1), "email: richard"
		}, "email"},
		{"duplicate id", func(y string) (string, string) {
			return strings.Replace(y, "  - id: 5\n", "  - id: 4\n", 1), "  - id: 4\n    mcId: 87354"
		}, "used twice"},
		{"company without companyName", func(y string) (string, string) {
			return strings.Replace(y, "    companyName: Example Widgets LLC\n", "", 1), "  - id: 4"
		}, "companyName"},
		{"state not a LoanPro geo.state", func(y string) (string, string) {
			return strings.Replace(y, "      state: WA\n", "      state: XX\n", 1), "    primaryAddress:\n      address1: 5 Harbor"
		}, "geo.state"},
		{"phone type not a customer.phoneType name", func(y string) (string, string) {
			return strings.Replace(y, `{phone: "2175550187", type: office}`, `{phone: "2175550187", type: work}`, 1), "    phones:\n      - {phone: \"2175550142\""
		}, "type 'work': want one of cell, cellSmartPhone, fax, home, office, other"},
		{"missing token", func(y string) (string, string) {
			return strings.Replace(y, "token: sandbox-token", "token: \"\"", 1), "credentials:"
		}, "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y, at := tt.mutate(yml)
			if y == yml {
				t.Fatal("mutation did not apply")
			}
			_, err := New(Options{Settings: DefaultSettings(), Fixtures: fstest.MapFS{fixtureName: {Data: []byte(y)}}})
			if err == nil {
				t.Fatal("invalid fixtures accepted")
			}
			wantPrefix := "loanpro.yaml:" + itoa(lineOf(y, at)) + ":"
			if !strings.HasPrefix(err.Error(), wantPrefix) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want prefix %q mentioning %q", err, wantPrefix, tt.want)
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestMissingFixtures(t *testing.T) {
	if _, err := New(Options{Settings: DefaultSettings(), Fixtures: fstest.MapFS{}}); err == nil {
		t.Fatal("no loanpro.yaml accepted")
	}
	if _, err := New(Options{Settings: DefaultSettings()}); err == nil {
		t.Fatal("nil fixtures accepted")
	}
}

func TestShippedFixtures(t *testing.T) {
	s := testService(t, 0)
	if tok, ten := s.Credentials(); tok != "sandbox-token" || ten != "5200000" {
		t.Errorf("credentials %q %q", tok, ten)
	}
	w := s.newWorld(state.Scope{})
	john, ok := w.customers.Get(1)
	if !ok || john.FirstName != "John" || john.MiddleName.s != "H." || john.BirthDate.t.Unix() != 332640000 ||
		john.Status != "Active" || john.CustomerType != typeIndividual || !john.AccessUserName.ok || john.AccessUserName.s != "johndoe" {
		t.Errorf("customer 1 is not the seed page's John H. Doe: %+v", john)
	}
	if w.customers.Len() != 5 {
		t.Errorf("%d fixture customers, want 5", w.customers.Len())
	}
	for _, st := range []string{"Active", "Inactive", "Lead", "customer.status.active", "customer.status.lead"} {
		if !strings.Contains(strings.Join(s.Statuses(), "|"), st) {
			t.Errorf("status %q missing from the default list", st)
		}
	}
}

// TestGeneratedDataIsFictitious: SSNs only in the never-issued 900-999
// area and unique, emails on RFC 2606 domains, ids right after fixtures.
func TestGeneratedDataIsFictitious(t *testing.T) {
	s := testService(t, 2000)
	w := s.newWorld(state.Scope{})
	email := regexp.MustCompile(`^[a-z]+\.[a-z]+\.\d+@example\.(com|net|org)$`)
	phone := regexp.MustCompile(`^[2-9]\d\d55501\d\d$`)
	ssns := map[string]bool{}
	want := 1
	w.customers.Range(func(c Customer) bool {
		if c.ID != want {
			t.Fatalf("id %d, want %d", c.ID, want)
		}
		want++
		if c.ID <= 5 {
			return true
		}
		if !c.SSN.ok || len(c.SSN.s) != 9 || c.SSN.s[0] != '9' || ssns[c.SSN.s] {
			t.Errorf("customer %d: ssn %q", c.ID, c.SSN.s)
		}
		ssns[c.SSN.s] = true
		if !email.MatchString(c.Email.s) {
			t.Errorf("customer %d: email %q", c.ID, c.Email.s)
		}
		for _, p := range c.Phones {
			if !phone.MatchString(p.Phone) {
				t.Errorf("customer %d: phone %q", c.ID, p.Phone)
			}
		}
		if !c.BirthDate.ok || c.Created.After(c.LastUpdate) || c.FirstName == "" || c.LastName == "" {
			t.Errorf("customer %d: incomplete %+v", c.ID, c)
		}
		return true
	})
	if want != 2006 {
		t.Errorf("%d customers, want 2005", want-1)
	}
}

// TestGeneratedCustomersAreMadeOnDemand: a large data set makes nothing
// at startup; a read by id, email or SSN makes only its candidates.
func TestGeneratedCustomersAreMadeOnDemand(t *testing.T) {
	s := testService(t, 100_000)
	if s.base.Made() != 0 {
		t.Fatalf("startup made %d customers", s.base.Made())
	}
	w := s.newWorld(state.Scope{})
	c, ok := w.customers.Get(76_543)
	if !ok || c.ID != 76_543 || !c.Email.ok || !c.SSN.ok {
		t.Fatalf("Get(76543) = %+v %v", c, ok)
	}
	for _, idx := range []struct{ name, key string }{{indexEmail, strings.ToLower(c.Email.s)}, {indexSSN, c.SSN.s}} {
		if got := w.customers.Lookup(idx.name, idx.key); len(got) != 1 || got[0].ID != c.ID {
			t.Errorf("Lookup(%s, %s) = %d records", idx.name, idx.key, len(got))
		}
	}
	if got := w.customers.Lookup(indexEmail, "x.y.100006@example.com"); len(got) != 0 { // beyond the last id
		t.Errorf("an id beyond the data set was found: %+v", got)
	}
	if s.base.Made() != 1 {
		t.Errorf("%d customers made, want 1", s.base.Made())
	}
}

// TestSeedSSNIsABijection: every position has its own SSN and the inverse
// finds the position back, for any seed.
func TestSeedSSNIsABijection(t *testing.T) {
	for _, seed := range []int64{0, 1, -7, math.MaxInt64} {
		seen := map[string]bool{}
		for _, i := range []int{0, 1, 2, 99, 100, 9899, 9900, 48271, maxCustomers - 1, ssnSpace - 1} {
			ssn := seedSSN(seed, i)
			if len(ssn) != 9 || ssn[0] != '9' || ssn[3:5] == "00" || ssn[5:] == "0000" || seen[ssn] {
				t.Errorf("seed %d position %d: ssn %s", seed, i, ssn)
			}
			seen[ssn] = true
			if back, ok := seedSSNPos(seed, ssn); !ok || back != i {
				t.Errorf("seed %d: seedSSNPos(%s) = %d %v, want %d", seed, ssn, back, ok, i)
			}
		}
	}
	for _, bad := range []string{"", "12345678", "899010001", "900000001", "901010000", "90101000x"} {
		if _, ok := seedSSNPos(1, bad); ok {
			t.Errorf("seedSSNPos(%q) accepted", bad)
		}
	}
}

func TestErrorCatalog(t *testing.T) {
	s := testService(t, 0)
	names := map[string]bool{}
	for _, d := range s.Errors() {
		if d.Vendor != Vendor || d.Name == "" || names[d.Name] || d.Summary == "" {
			t.Errorf("bad def %+v", d)
		}
		names[d.Name] = true
		var b errorBody
		if err := json.Unmarshal(d.Body, &b); err != nil || b.Error.Code != d.Status || b.Error.Message == "" || !strings.HasSuffix(b.Error.Type, "Exception") {
			t.Errorf("%s: default body %s", d.Name, d.Body)
		}
	}
	for _, n := range []string{"UNAUTHORIZED", "NOT_FOUND", "ENTITY_NOT_FOUND", "TRANSACTION_WARNING", "VALIDATION", "SERVER_ERROR", "RATE_LIMITED"} {
		if !names[n] {
			t.Errorf("%s missing", n)
		}
	}
	for _, d := range s.Errors() {
		if d.Name == "RATE_LIMITED" && (d.Status != http.StatusTooManyRequests || d.Header.Get("Retry-After") == "") {
			t.Errorf("RATE_LIMITED: %+v", d)
		}
		if d.Name == "TRANSACTION_WARNING" && !strings.Contains(string(d.Body), `"warnings":[`) {
			t.Errorf("TRANSACTION_WARNING default body lacks warnings: %s", d.Body)
		}
	}
	// Errors hands out copies: changing one must not change the catalog.
	for _, d := range s.Errors() {
		if d.Header != nil {
			d.Header.Set("Retry-After", "1")
		}
	}
	for _, d := range s.Errors() {
		if d.Name == "RATE_LIMITED" && d.Header.Get("Retry-After") == "1" {
			t.Error("Errors exposes the catalog's headers")
		}
	}
}

func TestWarningStatusFollowsSettings(t *testing.T) {
	st := DefaultSettings()
	st.WarningStatus = 500
	s, err := New(Options{Settings: st, Fixtures: fixtures.FS})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range s.Errors() {
		if d.Name == "TRANSACTION_WARNING" && (d.Status != 500 || !strings.Contains(string(d.Body), `"code":500`)) {
			t.Errorf("legacy warning def: %d %s", d.Status, d.Body)
		}
	}
}
