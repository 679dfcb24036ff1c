package loanpro_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testNow is the fake clock's time: PUTs stamp lastUpdate with it.
var testNow = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

const (
	base  = "/api/public/api/1/odata.svc"
	token = "sandbox-token"
	inst  = "5200000"
)

// newSandbox builds the real router with small counts and a fake clock.
func newSandbox(t testing.TB, edit func(*simulator.Config)) (http.Handler, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(testNow)
	cfg := simulator.DefaultConfig()
	cfg.Clock = clk
	cfg.LoanPro.Customers = 50
	cfg.Weavr.Consumers = 10
	if edit != nil {
		edit(&cfg)
	}
	h, err := simulator.New(cfg)
	if err != nil {
		t.Fatalf("simulator.New: %v", err)
	}
	return h, clk
}

// auth are the headers of an authorised LoanPro request.
func auth() map[string]string {
	return map[string]string{"Authorization": "Bearer " + token, "Autopal-Instance-Id": inst, "Content-Type": "application/json"}
}

func do(h http.Handler, method, target, body string, headers map[string]string) *httptest.ResponseRecorder {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
	}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

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

func without(h map[string]string, keys ...string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// with sets header k, replacing any spelling of it.
func with(h map[string]string, k, v string) map[string]string {
	out := without(h)
	for old := range out {
		if strings.EqualFold(old, k) {
			delete(out, old)
		}
	}
	out[k] = v
	return out
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
		headers                    map[string]string
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

		{"err_auth_missing", "GET", base + "/Customers(1)", "", without(auth(), "Authorization"), 401},
		{"err_auth_scheme", "GET", base + "/Customers(1)", "", with(auth(), "Authorization", token), 401},
		{"err_auth_token", "GET", base + "/Customers(1)", "", with(auth(), "Authorization", "Bearer nope"), 401},
		{"err_instance_missing", "PUT", base + "/Customers(1)", `{}`, without(auth(), "Autopal-Instance-Id"), 401},
		{"err_instance_wrong", "GET", base + "/Customers(1)", "", with(auth(), "autopal-instance-id", "1"), 401},
		{"err_segment", "GET", base + "/Loans(1)", "", auth(), 404},
		{"err_unknown_route", "GET", "/api/public/api/1/Customers/Autopal.Search()", "", auth(), 404},
		{"err_method", "DELETE", base + "/Customers(1)", "", auth(), 405},
		{"err_put_collection", "PUT", base + "/Customers", `{}`, auth(), 405},
		{"err_entity_not_found", "GET", base + "/Customers(99999999)", "", auth(), 409},
		{"err_entity_not_found_put", "PUT", base + "/Customers(99999999)", `{"firstName":"X"}`, auth(), 409},
		{"err_invalid_key", "GET", base + "/Customers(abc)", "", auth(), 409},
		{"err_query_top", "GET", base + "/Customers?$top=-1", "", auth(), 409},
		{"err_query_option", "GET", base + "/Customers?$search=doe", "", auth(), 409},
		{"err_query_filter", "GET", base + "/Customers?$filter=lastName%20eq%205", "", auth(), 409},
		{"err_query_expand", "GET", base + "/Customers(1)?$expand=Addresses", "", auth(), 409},
		{"err_payload_malformed", "PUT", base + "/Customers(1)", `{"firstName":`, auth(), 409},
		{"err_payload_array", "PUT", base + "/Customers(1)", `[1]`, auth(), 409},
		{"err_payload_empty", "PUT", base + "/Customers(1)", ``, auth(), 409},
		{"err_validation_gender", "PUT", base + "/Customers(1)", `{"gender":"male"}`, auth(), 409},
		{"err_validation_type", "PUT", base + "/Customers(1)", `{"firstName":5}`, auth(), 409},
		{"err_validation_id_mismatch", "PUT", base + "/Customers(1)", `{"id":2}`, auth(), 409},
		{"warning_email", "PUT", base + "/Customers(1)", `{"email":"Jane.Doe@example.com"}`, auth(), 409},
		{"warning_ssn", "PUT", base + "/Customers(1)", `{"ssn":"900333444","birthDate":"1975-03-02"}`, auth(), 409},
		{"warning_suspicious", "PUT", base + "/Customers(1)", `{"email":"john@mailinator.com"}`, auth(), 409},
		{"warning_all", "PUT", base + "/Customers(5)", `{"email":"jane.doe@example.com","ssn":"900333444","birthDate":"1975-03-02 08:00:00"}`, auth(), 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newSandbox(t, nil)
			w := do(h, tt.method, tt.target, tt.body, tt.headers)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			if w.Header().Get("X-Sandbox-Error") != "" {
				t.Errorf("a LoanPro route answered with a sandbox error: %s", w.Body)
			}
			var e struct {
				Error *struct {
					Code int `json:"code"`
				} `json:"error"`
			}
			if json.Unmarshal(w.Body.Bytes(), &e) == nil && e.Error != nil && e.Error.Code != w.Code {
				t.Errorf("body code %d != status %d", e.Error.Code, w.Code)
			}
			golden(t, tt.name, w.Body.Bytes())
		})
	}
}

// TestHeaderSpellings: clients spell the tenant header -Id, -ID or lower
// case; all must work over the wire, and "bearer" is a valid scheme
// spelling.
func TestHeaderSpellings(t *testing.T) {
	h, _ := newSandbox(t, nil)
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, name := range []string{"Autopal-Instance-Id", "Autopal-Instance-ID", "autopal-instance-id", "AUTOPAL-INSTANCE-ID"} {
		t.Run(name, func(t *testing.T) {
			r, err := http.NewRequest("GET", srv.URL+base+"/Customers(1)", nil)
			if err != nil {
				t.Fatal(err)
			}
			r.Header[name] = []string{inst} // sent verbatim, not canonicalised
			r.Header["authorization"] = []string{"bearer " + token}
			resp, err := srv.Client().Do(r)
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
