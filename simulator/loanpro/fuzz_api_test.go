package loanpro_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// fuzzSandbox is the real router over small data, built once per fuzz
// target (each fuzz worker process builds its own).
func fuzzSandbox(f *testing.F) *sandbox {
	f.Helper()
	return newSandbox(f, sandboxtest.WithData(5), sandboxtest.WithSettings(func(s *weavr.Settings) { s.RateLimit = nil }))
}

// errorShape checks LoanPro's error envelope: {"error":{"message","type",
// "code"}} with the HTTP status as code, a …Exception type, and warnings
// on (and only on) a TransactionWarningException.
func errorShape(t *testing.T, status int, body []byte) {
	t.Helper()
	var e struct {
		Error *struct {
			Message string
			Type    string
			Code    int
		}
		Warnings []string
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error == nil {
		t.Fatalf("%d body is not LoanPro's error envelope: %q", status, body)
	}
	if e.Error.Message == "" || !strings.HasSuffix(e.Error.Type, "Exception") || e.Error.Code != status {
		t.Fatalf("%d error envelope incomplete: %s", status, body)
	}
	if (e.Error.Type == "TransactionWarningException") != (len(e.Warnings) > 0) {
		t.Fatalf("warnings do not match the type: %s", body)
	}
}

// entityShape checks a success body: a JSON object with a "d" object.
func entityShape(t *testing.T, body []byte) {
	t.Helper()
	var m struct{ D map[string]json.RawMessage }
	if err := json.Unmarshal(body, &m); err != nil || m.D == nil {
		t.Fatalf("200 body without a d object: %q", body)
	}
}

// FuzzCustomerUpdate sends arbitrary bodies to PUT Customers(id) through
// the real router, for one of the five fixture customers. Every input
// starts from the seed (the session is reset), so a failure replays from
// its corpus file alone.
//
// Invariants: no panic; the status is 200 or 409 (the default validation,
// warning and not-found status; never a 5xx); a 409 is LoanPro's error
// envelope and leaves the customer exactly as it was; a 200 is the entity
// GET returns afterwards.
func FuzzCustomerUpdate(f *testing.F) {
	sb := fuzzSandbox(f)
	seeds := []string{
		`{}`,
		seedBody,
		`{"firstName":"Johnny","customId":"ABC123"}`,
		`{"email":"jane.doe@example.com"}`,
		`{"email":"jane.doe@example.com","__ignoreWarnings":true}`,
		`{"ssn":"900333444","birthDate":"1975-03-02"}`,
		`{"email":"richard@mailinator.com"}`,
		`{"id":1,"__id":"1","__update":true,"lastName":"Roe"}`,
		`{"id":2}`,
		`{"id":"x"}`,
		`{"customerType":"customer.type.company"}`,
		`{"customerType":"customer.type.company","companyName":"Acme"}`,
		`{"firstName":"","lastName":null}`,
		`{"middleName":null,"ssn":"","birthDate":null}`,
		`{"birthDate":"1980-07-17 10:11:12"}`,
		`{"birthDate":"17-07-1980"}`,
		`{"gender":"male"}`,
		`{"status":"customer.status.lead"}`,
		`{"ssn":"12345"}`,
		`{"email":"a@b"}`,
		`{"firstName":42}`,
		`{"firstName":` + strconv.Quote(strings.Repeat("x", 300)) + `}`,
		`{"firstName":"A","firstName":"B"}`,
		`{"FirstName":"X"}`,
		"{\"firstName\":\"\xff\"}",
		`{"firstName":`,
		`{"firstName":"Jo`,
		`[1,2]`,
		`null`,
		`"x"`,
		``,
		`   `,
		strings.Repeat("[", 10001),
		`{"__ignoreWarnings":"yes"}`,
		`{"fristName":"Jon"}`,
		`{"creditLimit":0,"active":true,"lastUpdate":"/Date(1496956419)/","__metadata":{}}`,
		`{"creditLimit":5,"customerId":"x"}`,
		`{"Employer":{"__deferred":{"uri":"Customers(id=1)/Employer"}},"CustomFieldValues":{},"Notes":{"results":[]}}`,
		`{"Employer":{"title":"x"}}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, id uint8, body string) {
		path := base + "/Customers(" + strconv.Itoa(int(id)%5+1) + ")"
		putKeepsInvariants(t, sb, path, body)
	})
}

// putKeepsInvariants PUTs body to path in a freshly reset session: a 200
// answers the entity a GET then returns, a 409 is LoanPro's error shape and
// changed nothing, and no other status is ever answered.
func putKeepsInvariants(t *testing.T, sb *sandbox, path, body string) {
	t.Helper()
	if r := sb.Do(t, "POST", "/__sandbox/sessions/default/reset", ""); r.Status != http.StatusOK {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	before := sb.Do(t, "GET", path, "", auth()...)
	if before.Status != http.StatusOK {
		t.Fatalf("GET before: %d %s", before.Status, before.Body)
	}
	r := sb.Do(t, "PUT", path, body, auth()...)
	after := sb.Do(t, "GET", path, "", auth()...)
	switch r.Status {
	case http.StatusOK:
		entityShape(t, r.Body)
		if !bytes.Equal(r.Body, after.Body) {
			t.Fatalf("200 body differs from the entity GET returns:\n%s\n%s", r.Body, after.Body)
		}
	case http.StatusConflict:
		errorShape(t, r.Status, r.Body)
		if !bytes.Equal(before.Body, after.Body) {
			t.Fatalf("a rejected PUT changed the customer:\nbefore %s\nafter  %s", before.Body, after.Body)
		}
	default:
		t.Fatalf("status %d for body %q: %s", r.Status, body, r.Body)
	}
}

// FuzzODataRead sends GET odata.svc/<path>?<query> with arbitrary path and
// query through the real router.
//
// Invariants: no panic; the status is 200, 404 or 409 (never a 5xx); a 200
// is a JSON object with a d object, anything else LoanPro's error envelope.
func FuzzODataRead(f *testing.F) {
	sb := fuzzSandbox(f)
	seeds := [][2]string{
		{"Customers(1)", ""},
		{"Customers(id=1)", "$expand=PrimaryAddress,Phones&$select=id,firstName,Phones"},
		{"Customers(id = 5)/Phones", ""},
		{"Customers(1)/Nope", ""},
		{"Customers", "$top=5&$skip=1"},
		{"Customers", "nopaging=true&$orderby=lastName desc,id"},
		{"Customers", "$filter=lastName%20eq%20'Doe'%20and%20(id%20gt%201%20or%20not%20active%20eq%200)"},
		{"Customers", "$filter=substringof('a',%20email)%20eq%20true"},
		{"Customers", "$filter=birthDate%20lt%20datetime'1980-01-01T00:00:00'"},
		{"Customers", "$filter=" + strings.Repeat("(", 100) + "id%20eq%201" + strings.Repeat(")", 100)},
		{"Customers", "$top=-1"},
		{"Customers", "$top=1&$top=2"},
		{"Customers", "%zz"},
		{"Customers", "$format=xml&$inlinecount=allpages"},
		{"Customers", "$unknown=1&cachebuster=2"},
		{"Customers(abc)", ""},
		{"Customers(2147483648)", ""},
		{"Customers(99999999)", ""},
		{"Customers(5", ""},
		{"Loans(1)", ""},
		{"", ""},
		{"Customers/", ""},
		{"Customers(1)/Phones/1", ""},
		{"Customers(\xff)", "$filter=firstName eq '\xff'"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, path, query string) {
		// The path and query go into the URL as they are (Do takes a
		// request target, which most fuzzed strings are not), straight
		// to the handler.
		req := httptest.NewRequest("GET", base+"/", nil)
		req.URL.Path = base + "/" + path
		req.URL.RawQuery = query
		for h := auth(); len(h) > 0; h = h[2:] {
			req.Header.Set(h[0], h[1])
		}
		r := sb.Send(req)
		switch r.Status {
		case http.StatusOK:
			entityShape(t, r.Body)
		case http.StatusNotFound, http.StatusConflict:
			errorShape(t, r.Status, r.Body)
		default:
			t.Fatalf("GET %q ? %q: status %d: %s", path, query, r.Status, r.Body)
		}
	})
}
