package loanpro_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
)

// entity decodes {"d":{…}} into a map, failing on anything else.
func entity(t testing.TB, body []byte) map[string]any {
	t.Helper()
	var v struct {
		D map[string]any `json:"d"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.D == nil {
		t.Fatalf("not an entity response: %v: %s", err, body)
	}
	return v.D
}

func dateOf(t time.Time) string { return fmt.Sprintf("/Date(%d)/", t.Unix()) }

func TestPutPersistsAndStampsLastUpdate(t *testing.T) {
	sb := newSandbox(t)
	sb.clk.Advance(90 * time.Minute)
	w := sb.Do(t, "PUT", base+"/Customers(1)", `{"firstName":"Johnny","birthDate":"1980-07-18 06:30:00"}`, auth()...)
	if w.Status != 200 {
		t.Fatalf("PUT: %d %s", w.Status, w.Body)
	}
	d := entity(t, w.Body)
	if d["lastUpdate"] != dateOf(testNow.Add(90*time.Minute)) {
		t.Errorf("lastUpdate %v, want the clock's time", d["lastUpdate"])
	}
	if d["created"] != "/Date(1493234716)/" {
		t.Errorf("created changed: %v", d["created"])
	}
	g := entity(t, sb.Do(t, "GET", base+"/Customers(id=1)", "", auth()...).Body)
	for k, want := range map[string]any{"firstName": "Johnny", "lastName": "Doe", "birthDate": "/Date(332749800)/", "lastUpdate": d["lastUpdate"]} {
		if g[k] != want {
			t.Errorf("GET after PUT: %s = %v, want %v", k, g[k], want)
		}
	}
}

func TestIgnoreWarningsRetry(t *testing.T) {
	sb := newSandbox(t)
	body := `{"email":"jane.doe@example.com"}`
	if w := sb.Do(t, "PUT", base+"/Customers(1)", body, auth()...); w.Status != 409 || !strings.Contains(string(w.Body), "TransactionWarningException") {
		t.Fatalf("first PUT: %d %s", w.Status, w.Body)
	}
	if g := entity(t, sb.Do(t, "GET", base+"/Customers(1)", "", auth()...).Body); g["email"] != "john.doe@example.com" {
		t.Fatalf("a warned PUT changed the customer: %v", g["email"])
	}
	w := sb.Do(t, "PUT", base+"/Customers(1)", `{"email":"jane.doe@example.com","__ignoreWarnings":true}`, auth()...)
	if w.Status != 200 || entity(t, w.Body)["email"] != "jane.doe@example.com" {
		t.Fatalf("retry with __ignoreWarnings: %d %s", w.Status, w.Body)
	}
	// Now customer 2's own email is shared with customer 1: re-sending it warns.
	w = sb.Do(t, "PUT", base+"/Customers(2)", `{"email":"jane.doe@example.com"}`, auth()...)
	if w.Status != 409 || !strings.Contains(string(w.Body), "(Customer ID 1: John Doe)") {
		t.Fatalf("duplicate seen from the other side: %d %s", w.Status, w.Body)
	}
}

func TestWarningRules(t *testing.T) {
	tests := []struct {
		name, body string
		warn       string // "" = no warning expected
	}{
		{"duplicate email, other case", `{"email":"JANE.DOE@example.com"}`, "already exists in the system (Customer ID 2: Jane Doe)"},
		{"own email is no duplicate", `{"email":"john.doe@example.com"}`, ""},
		{"duplicate ssn same birth date", `{"ssn":"900333444","birthDate":"1975-03-02"}`, "SSN 900333444 with birth date 1975-03-02"},
		{"duplicate ssn other birth date", `{"ssn":"900333444","birthDate":"1975-03-03"}`, ""},
		{"birth date change meets an ssn twin", `{"ssn":"900333444","birthDate":"1975-03-02 23:59:59"}`, "Customer ID 3: Mary Major"},
		{"suspicious domain", `{"email":"x@MAILINATOR.com"}`, "may not be a valid email account"},
		{"suspicious local part", `{"email":"noreply@example.org"}`, "may not be a valid email account"},
		{"suspicious tld", `{"email":"a@b.invalid"}`, "may not be a valid email account"},
		{"clean email", `{"email":"fresh@example.org"}`, ""},
		{"field not sent is not checked", `{"firstName":"Jon"}`, ""},
		{"warnings ignored", `{"email":"jane.doe@example.com","__ignoreWarnings":true}`, ""},
		{"ignoreWarnings false still warns", `{"email":"jane.doe@example.com","__ignoreWarnings":false}`, "Customer ID 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t)
			w := sb.Do(t, "PUT", base+"/Customers(1)", tt.body, auth()...)
			if tt.warn == "" {
				if w.Status != 200 {
					t.Fatalf("want 200, got %d %s", w.Status, w.Body)
				}
				return
			}
			if w.Status != 409 || !strings.Contains(string(w.Body), tt.warn) {
				t.Fatalf("want warning %q, got %d %s", tt.warn, w.Status, w.Body)
			}
		})
	}
}

// TestValidationRules covers every input rule through the real router: the
// status is the validation status and the message names field and value.
func TestValidationRules(t *testing.T) {
	long := strings.Repeat("x", 256)
	tests := []struct {
		name, body string
		mentions   []string // nil: valid
	}{
		{"seed body valid", seedBody, nil},
		{"unknown field", `{"favouriteColour":"blue"}`, []string{"favouriteColour", "no such property"}},
		{"field in another case", `{"FirstName":"X"}`, []string{"FirstName", "case-sensitive"}},
		{"nested object the sandbox does not edit", `{"Employer":{"city":"X"}}`, []string{"Employer", "PrimaryAddress, MailAddress and Phones"}},
		{"property the sandbox does not edit, changed", `{"creditLimit":5}`, []string{"creditLimit", "current value 0"}},
		{"properties the sandbox does not edit, unchanged", `{"creditLimit":0,"active":true,"created":"/Date(1493234716)/","__metadata":{"uri":"x"}}`, nil},
		{"an empty CustomFieldValues, as LoanPro's examples send", `{"CustomFieldValues":{}}`, nil},
		{"nested address needs its __id", `{"PrimaryAddress":{"city":"X"}}`, []string{"PrimaryAddress.__id", "__update"}},
		{"status tenant value", `{"status":"customer.status.lead"}`, nil},
		{"status unknown", `{"status":"Gold"}`, []string{"status", "Gold"}},
		{"status case differs", `{"status":"active"}`, []string{"status", "active"}},
		{"status null", `{"status":null}`, []string{"status", "null"}},
		{"customerType bad", `{"customerType":"individual"}`, []string{"customerType", "individual"}},
		{"customerType company needs companyName", `{"customerType":"customer.type.company"}`, []string{"companyName", "customer.type.company"}},
		{"customerType company with name", `{"customerType":"customer.type.company","companyName":"Example Co"}`, nil},
		{"customerIdType bad", `{"customerIdType":"ssn"}`, []string{"customerIdType", "ssn"}},
		{"customerIdType sin", `{"customerIdType":"customer.idType.sin"}`, nil},
		{"gender bad", `{"gender":"male"}`, []string{"gender", "male"}},
		{"generationCode bad", `{"generationCode":"jr"}`, []string{"generationCode", "jr"}},
		{"generationCode ix", `{"generationCode":"customer.generationCode.ix"}`, nil},
		{"birthDate day first", `{"birthDate":"17-07-1980"}`, []string{"birthDate", "17-07-1980"}},
		{"birthDate impossible", `{"birthDate":"1980-02-30"}`, []string{"birthDate", "1980-02-30"}},
		{"birthDate ISO T form", `{"birthDate":"1980-07-17T00:00:00"}`, []string{"birthDate"}},
		{"birthDate with time", `{"birthDate":"1980-07-17 10:00:00"}`, nil},
		{"birthDate null clears", `{"birthDate":null}`, nil},
		{"birthDate number", `{"birthDate":19800717}`, []string{"birthDate", "number"}},
		{"firstName empty", `{"firstName":""}`, []string{"firstName"}},
		{"firstName null", `{"firstName":null}`, []string{"firstName", "null"}},
		{"firstName number", `{"firstName":5}`, []string{"firstName", "number"}},
		{"firstName too long", `{"firstName":"` + long + `"}`, []string{"firstName", "255"}},
		{"lastName blank", `{"lastName":"  "}`, []string{"lastName"}},
		{"middleName null", `{"middleName":null}`, nil},
		{"middleName object", `{"middleName":{}}`, []string{"middleName", "object"}},
		{"ssn short", `{"ssn":"12345"}`, []string{"ssn", "12345"}},
		{"ssn dashes", `{"ssn":"123-45-6789"}`, []string{"ssn", "123-45-6789"}},
		{"ssn number", `{"ssn":123456789}`, []string{"ssn", "number"}},
		{"ssn cleared", `{"ssn":""}`, nil},
		{"email no at", `{"email":"john.example.com"}`, []string{"email", "john.example.com"}},
		{"email no dot", `{"email":"john@localhost"}`, []string{"email", "john@localhost"}},
		{"email space", `{"email":"jo hn@example.com"}`, []string{"email"}},
		{"email empty", `{"email":""}`, []string{"email"}},
		{"email null", `{"email":null}`, []string{"email", "null"}},
		{"driverLicense array", `{"driverLicense":["x"]}`, []string{"driverLicense", "array"}},
		{"accessUserName bool", `{"accessUserName":true}`, []string{"accessUserName", "boolean"}},
		{"accessPassword number", `{"accessPassword":123}`, []string{"accessPassword", "number"}},
		{"customId number", `{"customId":7}`, []string{"customId", "number"}},
		{"__ignoreWarnings string", `{"__ignoreWarnings":"yes"}`, []string{"__ignoreWarnings", "yes"}},
		{"__update number", `{"__update":1}`, []string{"__update", "number"}},
		{"id matches", `{"id":1,"__id":"1"}`, nil},
		{"id mismatch", `{"id":2}`, []string{"id", "2", "Customers(id=1)"}},
		{"__id mismatch", `{"__id":"7"}`, []string{"__id", "7"}},
		{"id not a number", `{"id":"one"}`, []string{"id", "one"}},
		{"id float", `{"id":1.5}`, []string{"id", "1.5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t)
			w := sb.Do(t, "PUT", base+"/Customers(1)", tt.body, auth()...)
			if tt.mentions == nil {
				if w.Status != 200 {
					t.Fatalf("want 200, got %d %s", w.Status, w.Body)
				}
				return
			}
			var e struct {
				Error struct {
					Message string `json:"message"`
					Type    string `json:"type"`
					Code    int    `json:"code"`
				} `json:"error"`
			}
			if w.Status != 409 || json.Unmarshal(w.Body, &e) != nil || e.Error.Code != 409 || e.Error.Type != "ValidationException" {
				t.Fatalf("want 409 ValidationException, got %d %s", w.Status, w.Body)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(e.Error.Message, m) {
					t.Errorf("message %q does not mention %q", e.Error.Message, m)
				}
			}
			if g := entity(t, sb.Do(t, "GET", base+"/Customers(1)", "", auth()...).Body); g["lastUpdate"] != "/Date(1496956419)/" {
				t.Errorf("a rejected PUT changed the customer")
			}
		})
	}
}

func TestSettings(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*loanpro.Settings)
		method string
		target string
		body   string
		status int
	}{
		{"legacy warning status 500", func(s *loanpro.Settings) { s.WarningStatus = 500 }, "PUT", "/Customers(1)", `{"email":"jane.doe@example.com"}`, 500},
		{"not found 404", func(s *loanpro.Settings) { s.NotFoundStatus = 404 }, "GET", "/Customers(4242)", "", 404},
		{"validation 400", func(s *loanpro.Settings) { s.ValidationStatus = 400 }, "PUT", "/Customers(1)", `{"gender":"x"}`, 400},
		{"validation 400 covers JSON", func(s *loanpro.Settings) { s.ValidationStatus = 400 }, "PUT", "/Customers(1)", `{`, 400},
		{"statuses override accepts", func(s *loanpro.Settings) { s.Statuses = []string{"Open", "Closed"} }, "PUT", "/Customers(1)", `{"status":"Closed"}`, 200},
		{"statuses override rejects", func(s *loanpro.Settings) { s.Statuses = []string{"Open", "Closed"} }, "PUT", "/Customers(1)", `{"status":"Active"}`, 409},
		{"suspicious override", func(s *loanpro.Settings) { s.SuspiciousEmails = []string{"*@example.org"} }, "PUT", "/Customers(1)", `{"email":"a@example.org"}`, 409},
		{"suspicious override replaces", func(s *loanpro.Settings) { s.SuspiciousEmails = []string{"*@example.org"} }, "PUT", "/Customers(1)", `{"email":"a@mailinator.com"}`, 200},
		{"page size", func(s *loanpro.Settings) { s.PageSize = 7 }, "GET", "/Customers?$select=id", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t, sandboxtest.WithSettings(tt.edit))
			w := sb.Do(t, tt.method, base+tt.target, tt.body, auth()...)
			if w.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Status, tt.status, w.Body)
			}
			var e struct {
				Error *struct{ Code int } `json:"error"`
				D     *struct {
					Results []any `json:"results"`
				} `json:"d"`
			}
			_ = json.Unmarshal(w.Body, &e)
			if e.Error != nil && e.Error.Code != tt.status {
				t.Errorf("body code %d != status %d", e.Error.Code, tt.status)
			}
			if tt.name == "page size" && (e.D == nil || len(e.D.Results) != 7) {
				t.Errorf("page size 7 not applied: %s", w.Body)
			}
		})
	}
}

func TestInvalidSettingsFailFast(t *testing.T) {
	for name, edit := range map[string]func(*loanpro.Settings){
		"warning status 200":  func(s *loanpro.Settings) { s.WarningStatus = 200 },
		"negative customers":  func(s *loanpro.Settings) { s.Customers = -1 },
		"page size too big":   func(s *loanpro.Settings) { s.PageSize = 10001 },
		"duplicate statuses":  func(s *loanpro.Settings) { s.Statuses = []string{"A", "A"} },
		"bad suspicious glob": func(s *loanpro.Settings) { s.SuspiciousEmails = []string{"[x"} },
	} {
		t.Run(name, func(t *testing.T) {
			st := loanpro.DefaultSettings()
			edit(&st)
			if _, err := loanpro.New(loanpro.Options{Settings: st, Seed: 1, Fixtures: fixtures.FS}); err == nil {
				t.Fatal("New accepted invalid settings")
			}
		})
	}
}

func TestSessionsAreIsolated(t *testing.T) {
	sb := newSandbox(t)
	w := sb.Do(t, "PUT", base+"/Customers(1)", `{"firstName":"Zed"}`, with(auth(), "X-Sandbox-Session", "a")...)
	if w.Status != 200 {
		t.Fatalf("PUT: %d %s", w.Status, w.Body)
	}
	if g := entity(t, sb.Do(t, "GET", base+"/Customers(1)", "", with(auth(), "X-Sandbox-Session", "b")...).Body); g["firstName"] != "John" {
		t.Fatalf("session b sees session a's write: %v", g["firstName"])
	}
	if g := entity(t, sb.Do(t, "GET", base+"/Customers(1)", "", with(auth(), "X-Sandbox-Session", "a")...).Body); g["firstName"] != "Zed" {
		t.Fatalf("session a lost its write: %v", g["firstName"])
	}
}

// TestConcurrentPuts: 64 PUTs on one customer in parallel must neither
// lose nor tear an update (run with -race).
func TestConcurrentPuts(t *testing.T) {
	sb := newSandbox(t)
	golden := entity(t, sb.Do(t, "GET", base+"/Customers(7)", "", auth()...).Body)
	const n = 64
	var wg sync.WaitGroup
	bodies := make([][]byte, n)
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := sb.Do(t, "PUT", base+"/Customers(7)", fmt.Sprintf(`{"customId":"c%d","middleName":"m%d"}`, i, i), auth()...)
			codes[i], bodies[i] = w.Status, w.Body
		}()
	}
	wg.Wait()
	written := map[string]bool{}
	for i := range n {
		if codes[i] != http.StatusOK {
			t.Fatalf("PUT %d: %d %s", i, codes[i], bodies[i])
		}
		d := entity(t, bodies[i])
		if len(d) != len(golden) {
			t.Errorf("PUT %d: %d properties, want %d", i, len(d), len(golden))
		}
		// Each answer is the record its own write produced: both fields
		// come from the same request, never from two.
		if d["customId"] != fmt.Sprintf("c%d", i) || d["middleName"] != fmt.Sprintf("m%d", i) {
			t.Errorf("PUT %d answered a torn record: customId %v middleName %v", i, d["customId"], d["middleName"])
		}
		for k, v := range golden {
			if k != "customId" && k != "middleName" && k != "lastUpdate" && fmt.Sprint(d[k]) != fmt.Sprint(v) {
				t.Errorf("PUT %d changed %s", i, k)
			}
		}
		written[fmt.Sprint(d["customId"])] = true
	}
	if len(written) != n {
		t.Errorf("%d distinct writes answered, want %d", len(written), n)
	}
	final := entity(t, sb.Do(t, "GET", base+"/Customers(7)", "", auth()...).Body)
	id := strings.TrimPrefix(fmt.Sprint(final["customId"]), "c")
	if !written[fmt.Sprint(final["customId"])] || final["middleName"] != "m"+id {
		t.Errorf("final state customId %v middleName %v is not one whole write", final["customId"], final["middleName"])
	}
}

// TestConcurrentDuplicateEmail: the duplicate check and the write are one
// atomic step, so of many customers racing for one new email only one
// gets it without a warning.
func TestConcurrentDuplicateEmail(t *testing.T) {
	sb := newSandbox(t)
	const n = 32
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = sb.Do(t, "PUT", fmt.Sprintf("%s/Customers(%d)", base, 10+i), `{"email":"race@example.com"}`, auth()...).Status
		}()
	}
	wg.Wait()
	ok, warned := 0, 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case 409:
			warned++
		}
	}
	if ok != 1 || warned != n-1 {
		t.Fatalf("%d succeeded, %d warned; want 1 and %d", ok, warned, n-1)
	}
}

// TestDeterminism: the same seed gives byte-identical data, another seed
// different data.
func TestDeterminism(t *testing.T) {
	all := func(seed int64) string {
		sb := newSandbox(t, sandboxtest.WithConfig(func(c *simulator.Config) { c.Seed = seed }))
		w := sb.Do(t, "GET", base+"/Customers?nopaging=true&$expand=PrimaryAddress,MailAddress,Phones,Employer,CreditScore,References", "", auth()...)
		if w.Status != 200 {
			t.Fatalf("list: %d", w.Status)
		}
		return string(w.Body)
	}
	a, b, c := all(42), all(42), all(43)
	if a != b {
		t.Error("same seed, different data")
	}
	if a == c {
		t.Error("different seeds, same data")
	}
	if zero1, zero2 := all(0), all(0); zero1 != zero2 {
		t.Error("seed 0 is not reproducible")
	}
}
