package loanpro_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testNow is the fake clock's time: PUTs stamp lastUpdate with it.
var testNow = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

const (
	base  = "/api/public/api/1/odata.svc"
	token = "sandbox-token"
	inst  = "5200000"
)

// sandbox is the whole sandbox in-process (sandboxtest) with its fake
// clock.
type sandbox struct {
	*sandboxtest.Sandbox
	clk *clock.Fake
}

// newSandbox builds the real sandbox with small counts (50 customers, 10
// consumers) and a fake clock; opts apply after those, so a test can
// change any of them.
func newSandbox(t testing.TB, opts ...sandboxtest.Option) *sandbox {
	t.Helper()
	clk := clock.NewFake(testNow)
	defaults := []sandboxtest.Option{
		sandboxtest.WithConfig(func(c *simulator.Config) { c.Clock = clk }),
		sandboxtest.WithSettings(func(s *loanpro.Settings) { s.Customers = 50 }),
		sandboxtest.WithSettings(func(s *weavr.Settings) { s.Consumers = 10 }),
	}
	return &sandbox{Sandbox: sandboxtest.New(t, append(defaults, opts...)...), clk: clk}
}

// authHeaders are the headers of an authorised LoanPro request.
var authHeaders = [...]string{"Authorization", "Bearer " + token, "Autopal-Instance-Id", inst, "Content-Type", "application/json"}

// auth are the headers of an authorised LoanPro request as Do's name,
// value pairs, leaving out the named ones.
func auth(except ...string) []string {
	var out []string
	for i := 0; i < len(authHeaders); i += 2 {
		if !slices.ContainsFunc(except, func(k string) bool { return strings.EqualFold(k, authHeaders[i]) }) {
			out = append(out, authHeaders[i], authHeaders[i+1])
		}
	}
	return out
}

// with sets header k on h, replacing any spelling of it (Do's header
// pairs have Set semantics: a later pair replaces an earlier one).
func with(h []string, k, v string) []string { return append(slices.Clone(h), k, v) }

// indent normalises a JSON document's formatting.
func indent(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, bytes.TrimSpace(b), "", "  "); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, b)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// golden compares body with testdata/NAME.golden.json (rewritten with
// -update), after normalising indentation.
func golden(t testing.TB, name string, body []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	got := indent(t, body)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(indent(t, want), got) {
		t.Errorf("%s: body differs from golden file\n got: %s\nwant: %s", name, got, want)
	}
}

// seedBody is the seed page's example request.
const seedBody = `{"status":"Active","customerType":"customer.type.individual","customerIdType":"customer.idType.ssn",
"birthDate":"1980-07-17","firstName":"John","middleName":"H.","lastName":"Doe","ssn":"123456789","driverLicense":"AL3730",
"email":"john.h.doe@example.net","accessUserName":"johndoe","accessPassword":"password123!",
"generationCode":"customer.generationCode.none","gender":"customer.gender.male","customId":"ABC123","__ignoreWarnings":true}`

// TestGolden asserts whole response bodies of every route, error and
// warning against testdata/*.golden.json.
func TestGolden(t *testing.T) {
	tests := []struct {
		name, method, target, body string
		headers                    []string
		status                     int
	}{
		{"get", "GET", base + "/Customers(1)", "", auth(), 200},
		{"get_expand", "GET", base + "/Customers(1)?$expand=PrimaryAddress,MailAddress,Phones,Employer,CreditScore,References,Loans", "", auth(), 200},
		{"get_expand_empty_customer", "GET", base + "/Customers(id=5)?$expand=PrimaryAddress,Phones,Employer", "", auth(), 200},
		{"get_generated", "GET", base + "/Customers(6)", "", auth(), 200},
		{"get_select", "GET", base + "/Customers(2)?$select=id,firstName,email,Phones", "", auth(), 200},
		{"get_nav_phones", "GET", base + "/Customers(1)/Phones", "", auth(), 200},
		{"get_nav_address", "GET", base + "/Customers(1)/PrimaryAddress", "", auth(), 200},
		{"put_seed", "PUT", base + "/Customers(1)", seedBody, auth(), 200},
		{"put_sdk_fields", "PUT", base + "/Customers(id=2)?$expand=Phones", `{"__update":true,"__id":2,"id":"2","firstName":"Janet","middleName":null}`, auth(), 200},
		{"list_top_skip", "GET", base + "/Customers?$top=2&$skip=1", "", auth(), 200},
		{"list_filter", "GET", base + "/Customers?$filter=lastName%20eq%20'Doe'&$select=id,firstName,lastName", "", auth(), 200},
		{"list_filter_and_orderby", "GET", base + "/Customers?$filter=status%20eq%20'Active'%20and%20id%20le%2010&$orderby=lastName%20desc&$select=id,lastName,status", "", auth(), 200},
		{"list_nopaging_select", "GET", base + "/Customers?nopaging=true&$select=id&$filter=id%20gt%2040", "", auth(), 200},

		{"err_auth_missing", "GET", base + "/Customers(1)", "", auth("Authorization"), 401},
		{"err_auth_scheme", "GET", base + "/Customers(1)", "", with(auth(), "Authorization", token), 401},
		{"err_auth_token", "GET", base + "/Customers(1)", "", with(auth(), "Authorization", "Bearer nope"), 401},
		{"err_instance_missing", "PUT", base + "/Customers(1)", `{}`, auth("Autopal-Instance-Id"), 401},
		{"err_instance_wrong", "GET", base + "/Customers(1)", "", with(auth(), "autopal-instance-id", "1"), 401},
		{"err_segment", "GET", base + "/Loans(1)", "", auth(), 404},
		{"err_unknown_route", "GET", "/api/public/api/1/Loans/Autopal.Search()", "", auth(), 404},
		{"err_method", "DELETE", base + "/Customers(1)", "", auth(), 405},
		{"err_put_collection", "PUT", base + "/Customers", `{}`, auth(), 405},
		{"err_entity_not_found", "GET", base + "/Customers(99999999)", "", auth(), 409},
		{"err_entity_not_found_put", "PUT", base + "/Customers(99999999)", `{"firstName":"X"}`, auth(), 409},
		{"err_invalid_key", "GET", base + "/Customers(abc)", "", auth(), 409},
		{"err_query_top", "GET", base + "/Customers?$top=-1", "", auth(), 409},
		{"err_query_option", "GET", base + "/Customers?$search=doe", "", auth(), 409},
		{"err_query_filter", "GET", base + "/Customers?$filter=lastName%20eq%205", "", auth(), 409},
		{"err_query_expand", "GET", base + "/Customers(1)?$expand=Addresses", "", auth(), 409},
		{"err_query_nav_option", "GET", base + "/Customers(1)/Phones?$top=1", "", auth(), 409},
		{"err_payload_malformed", "PUT", base + "/Customers(1)", `{"firstName":`, auth(), 409},
		{"err_payload_array", "PUT", base + "/Customers(1)", `[1]`, auth(), 409},
		{"err_payload_empty", "PUT", base + "/Customers(1)", ``, auth(), 409},
		{"err_validation_gender", "PUT", base + "/Customers(1)", `{"gender":"male"}`, auth(), 409},
		{"err_validation_type", "PUT", base + "/Customers(1)", `{"firstName":5}`, auth(), 409},
		{"err_validation_id_mismatch", "PUT", base + "/Customers(1)", `{"id":2}`, auth(), 409},
		{"err_validation_unknown_field", "PUT", base + "/Customers(1)", `{"fristName":"Jon"}`, auth(), 409},
		{"err_validation_not_editable", "PUT", base + "/Customers(4)", `{"creditLimit":30000}`, auth(), 409},
		{"err_validation_nested_not_edited", "PUT", base + "/Customers(1)", `{"Employer":{"title":"Owner"}}`, auth(), 409},
		{"warning_email", "PUT", base + "/Customers(1)", `{"email":"Jane.Doe@example.com"}`, auth(), 409},
		{"warning_ssn", "PUT", base + "/Customers(1)", `{"ssn":"900333444","birthDate":"1975-03-02"}`, auth(), 409},
		{"warning_suspicious", "PUT", base + "/Customers(1)", `{"email":"john@mailinator.com"}`, auth(), 409},
		{"warning_phone", "PUT", base + "/Customers(2)", `{"Phones":{"results":[{"phone":"217-555-0142"}]}}`, auth(), 409},
		{"warning_address", "PUT", base + "/Customers(1)", `{"PrimaryAddress":{"address1":"77 Cedar Court","address2":"Apt 4B","city":"Riverton","state":"geo.state.WY","zipcode":"82501","__update":true,"__id":1}}`, auth(), 409},
		{"warning_all", "PUT", base + "/Customers(5)", `{"email":"jane.doe@example.com","ssn":"900333444","birthDate":"1975-03-02 08:00:00"}`, auth(), 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t)
			w := sb.Do(t, tt.method, tt.target, tt.body, tt.headers...)
			if w.Status != tt.status {
				t.Errorf("status %d, want %d: %s", w.Status, tt.status, w.Body)
			}
			if ct := w.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			if w.Header.Get("X-Sandbox-Error") != "" {
				t.Errorf("a LoanPro route answered with a sandbox error: %s", w.Body)
			}
			var e struct {
				Error *struct {
					Code int `json:"code"`
				} `json:"error"`
			}
			if json.Unmarshal(w.Body, &e) == nil && e.Error != nil && e.Error.Code != w.Status {
				t.Errorf("body code %d != status %d", e.Error.Code, w.Status)
			}
			golden(t, tt.name, w.Body)
		})
	}
}

// TestHeaderSpellings: clients spell the tenant header -Id, -ID or lower
// case; all must work over the wire, and "bearer" is a valid scheme
// spelling. The requests go to the sandbox's listener, not through Do,
// whose header pairs are canonicalised.
func TestHeaderSpellings(t *testing.T) {
	sb := newSandbox(t)
	for _, name := range []string{"Autopal-Instance-Id", "Autopal-Instance-ID", "autopal-instance-id", "AUTOPAL-INSTANCE-ID"} {
		t.Run(name, func(t *testing.T) {
			r, err := http.NewRequest("GET", sb.URL+base+"/Customers(1)", nil)
			if err != nil {
				t.Fatal(err)
			}
			r.Header[name] = []string{inst} // sent verbatim, not canonicalised
			r.Header["authorization"] = []string{"bearer " + token}
			resp, err := sb.Client().Do(r)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
	}
}
