package control_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
)

// The routes the dashboard added to the control API, tested through the
// whole sandbox: triggers, the journal's cursor, stats and the vendors'
// collection details.

const (
	lpCustomer = "/api/public/api/1/odata.svc/Customers(1)"
	weavrKey   = "sandbox-api-key"
)

func lpHeaders(session string) []string {
	return []string{"Authorization", "Bearer sandbox-token", "Autopal-Instance-Id", "5200000", "X-Sandbox-Session", session}
}

// login logs alice in to Weavr in session and returns the headers of her
// calls.
func login(t *testing.T, sb *sandboxtest.Sandbox, session string) []string {
	t.Helper()
	h := []string{"api-key", weavrKey, "Content-Type", "application/json", "X-Sandbox-Session", session}
	r := sb.Do(t, "POST", "/multi/login_with_password", `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`, h...)
	tok, _ := r.JSON(t)["token"].(string)
	if r.Status != 200 || tok == "" {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	return append(h, "Authorization", "Bearer "+tok)
}

func sandboxError(msg string) string {
	b, _ := json.Marshal(map[string]any{"sandboxError": map[string]string{"message": msg}})
	return string(b)
}

// wantBody fails unless r is status with exactly body; a sandbox error
// must also say so in X-Sandbox-Error.
func wantBody(t *testing.T, what string, r sandboxtest.Result, status int, body string) {
	t.Helper()
	if r.Status != status || string(r.Body) != body {
		t.Errorf("%s: %d %s\nwant %d %s", what, r.Status, r.Body, status, body)
	}
	if strings.HasPrefix(body, `{"sandboxError"`) && r.Header.Get("X-Sandbox-Error") != "true" {
		t.Errorf("%s: no X-Sandbox-Error header", what)
	}
}

func TestTriggerRefusals(t *testing.T) {
	sb := sandboxtest.New(t)
	const shape = `sandbox: want {"error":"weavr.EMAIL_NOT_UNIQUE","operation":"weavr.consumerUpdate"} (operation optional: every operation of the error's vendor): `
	for _, tc := range []struct {
		name, session, body, msg string
	}{
		{"a name no session can have", strings.Repeat("n", 129), `{"error":"weavr.EMAIL_NOT_UNIQUE"}`,
			`sandbox: session name "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"… is 129 bytes long: the most is 128`},
		{"not JSON", "t", `{`, shape + "unexpected EOF"},
		{"a misspelt key", "t", `{"eror":"weavr.EMAIL_NOT_UNIQUE"}`, shape + `json: unknown field "eror"`},
		{"two values", "t", `{"error":"weavr.EMAIL_NOT_UNIQUE"} {}`, shape + "more than one JSON value"},
		{"no error", "t", `{"operation":"weavr.consumerUpdate"}`,
			"sandbox: error is missing: name a catalog error such as weavr.EMAIL_NOT_UNIQUE (GET /__sandbox/errors lists them)"},
		{"an unknown error", "t", `{"error":"weavr.NOPE"}`, `sandbox: unknown error "weavr.NOPE" (GET /__sandbox/errors lists the catalog)`},
		{"an unknown vendor", "t", `{"error":"weavr.EMAIL_NOT_UNIQUE","operation":"acme.*"}`, `sandbox: unknown vendor "acme" in operation "acme.*"`},
		{"another vendor's operation", "t", `{"error":"weavr.EMAIL_NOT_UNIQUE","operation":"loanpro.customerGet"}`,
			"sandbox: error weavr.EMAIL_NOT_UNIQUE cannot answer operation loanpro.customerGet: name a weavr operation or weavr.*"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sb.Do(t, "POST", "/__sandbox/sessions/"+tc.session+"/triggers", tc.body)
			wantBody(t, "POST triggers", r, http.StatusBadRequest, sandboxError(tc.msg))
			if r := sb.Do(t, "GET", "/__sandbox/sessions/"+tc.session, ""); r.Status != http.StatusNotFound {
				t.Errorf("a refused trigger created the session: %d %s", r.Status, r.Body)
			}
		})
	}
}

// TestTriggerAnswersOnce: an armed error answers the session's next
// matching request once, named trigger:<error> on the answer and in the
// journal; other sessions and operations pass it by.
func TestTriggerAnswersOnce(t *testing.T) {
	sb := sandboxtest.New(t)
	wantBody(t, "GET triggers of no session", sb.Do(t, "GET", "/__sandbox/sessions/tr/triggers", ""), 404,
		sandboxError(`sandbox: no session "tr" (sessions are created by their first request; GET /__sandbox/sessions lists them)`))
	wantBody(t, "arm for PATCH", sb.Do(t, "POST", "/__sandbox/sessions/tr/triggers", `{"error":"weavr.EMAIL_NOT_UNIQUE","operation":"weavr.consumerUpdate"}`), 200,
		`{"armed":[{"error":"weavr.EMAIL_NOT_UNIQUE","operation":"weavr.consumerUpdate"}]}`)
	wantBody(t, "arm for LoanPro", sb.Do(t, "POST", "/__sandbox/sessions/tr/triggers", `{"error":"loanpro.SERVER_ERROR"}`), 200,
		`{"armed":[{"error":"weavr.EMAIL_NOT_UNIQUE","operation":"weavr.consumerUpdate"},{"error":"loanpro.SERVER_ERROR","operation":"loanpro.*"}]}`)

	// Another session is untouched; the login is not the armed operation.
	if r := sb.Do(t, "GET", lpCustomer, "", lpHeaders("other")...); r.Status != 200 {
		t.Fatalf("another session: %d %s", r.Status, r.Body)
	}
	h := login(t, sb, "tr")
	r := sb.Do(t, "PATCH", "/multi/consumers", `{"tag":"t"}`, h...)
	wantBody(t, "the armed PATCH", r, 409, `{"errorCode":"EMAIL_NOT_UNIQUE"}`)
	if got := r.Header.Get("X-Sandbox-Scenario"); got != "trigger:weavr.EMAIL_NOT_UNIQUE" {
		t.Errorf("X-Sandbox-Scenario %q", got)
	}
	wantBody(t, "the next PATCH", sb.Do(t, "PATCH", "/multi/consumers", `{"tag":"t"}`, h...), 200,
		string(sb.Do(t, "GET", "/multi/consumers", "", h...).Body))
	r = sb.Do(t, "GET", lpCustomer, "", lpHeaders("tr")...)
	wantBody(t, "the armed LoanPro GET", r, 500,
		`{"error":{"message":"An internal server error occurred. Please try again later.","type":"InternalServerErrorException","code":500}}`)
	if r := sb.Do(t, "GET", lpCustomer, "", lpHeaders("tr")...); r.Status != 200 {
		t.Errorf("the trigger fired twice: %d %s", r.Status, r.Body)
	}
	wantBody(t, "spent", sb.Do(t, "GET", "/__sandbox/sessions/tr/triggers", ""), 200, `{"armed":[]}`)
	wantBody(t, "journal", sb.Do(t, "GET", "/__sandbox/sessions/tr/journal/count?scenario=trigger:weavr.EMAIL_NOT_UNIQUE", ""), 200,
		`{"count":1,"dropped":0}`)

	// Disarm, and the bound.
	sb.Do(t, "POST", "/__sandbox/sessions/tr/triggers", `{"error":"weavr.EMAIL_NOT_UNIQUE"}`)
	wantBody(t, "disarm", sb.Do(t, "DELETE", "/__sandbox/sessions/tr/triggers", ""), 200, `{"armed":[]}`)
	for i := range 100 {
		if r := sb.Do(t, "POST", "/__sandbox/sessions/tr/triggers", `{"error":"weavr.EMAIL_NOT_UNIQUE"}`); r.Status != 200 {
			t.Fatalf("arm %d: %d %s", i, r.Status, r.Body)
		}
	}
	wantBody(t, "arm past the bound", sb.Do(t, "POST", "/__sandbox/sessions/tr/triggers", `{"error":"weavr.EMAIL_NOT_UNIQUE"}`), 409,
		sandboxError("sandbox: 100 triggers are armed in this session already: let requests fire them or clear them (DELETE …/triggers)"))
}

// TestJournalCursor: ?after=SEQ answers only newer entries, and lastSeq
// tells a poller its session's journal was replaced.
func TestJournalCursor(t *testing.T) {
	sb := sandboxtest.New(t)
	for range 3 {
		sb.Do(t, "GET", lpCustomer, "", lpHeaders("cur")...)
	}
	var j struct {
		Entries []struct{ Seq uint64 }
		LastSeq uint64
	}
	for _, tc := range []struct {
		query string
		seqs  []uint64
	}{
		{"", []uint64{1, 2, 3}},
		{"?after=1", []uint64{2, 3}},
		{"?after=3", nil},
		{"?after=1&limit=1", []uint64{3}},
		{"?after=0", []uint64{1, 2, 3}},
	} {
		r := sb.Do(t, "GET", "/__sandbox/sessions/cur/journal"+tc.query, "")
		j.Entries = nil
		if err := json.Unmarshal(r.Body, &j); err != nil || r.Status != 200 {
			t.Fatalf("%s: %d %s", tc.query, r.Status, r.Body)
		}
		var got []uint64
		for _, e := range j.Entries {
			got = append(got, e.Seq)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.seqs) || j.LastSeq != 3 {
			t.Errorf("journal%s: seqs %v lastSeq %d, want %v and 3", tc.query, got, j.LastSeq, tc.seqs)
		}
	}
	sb.Do(t, "POST", "/__sandbox/sessions/cur/reset", "")
	wantBody(t, "after a reset", sb.Do(t, "GET", "/__sandbox/sessions/cur/journal?after=3", ""), 200,
		`{"capacity":1000,"dropped":0,"entries":[],"lastSeq":0}`)
	wantBody(t, "a bad cursor", sb.Do(t, "GET", "/__sandbox/sessions/cur/journal?after=-2", ""), 400,
		sandboxError(`sandbox: invalid after "-2": want the seq of an entry already seen, a whole number >= 0`))
}

// TestSessionRequestsAreVendorRequests: a session's requests (the count
// the dashboard shows beside it) are its vendor requests, the same as its
// journal's entries: steering it through the control API (creating it by
// a reset, arming a trigger, toggling a scenario, setting its webhook
// receiver, running a record action) counts none.
func TestSessionRequestsAreVendorRequests(t *testing.T) {
	t0 := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	sb := sandboxtest.New(t, sandboxtest.WithConfig(func(c *simulator.Config) { c.Clock = clock.NewFake(t0) }))
	view := func(requests, entries int, scenarios string) string {
		return fmt.Sprintf(`{"name":"cnt","created":"2024-05-06T07:08:09Z","lastUsed":"2024-05-06T07:08:09Z","requests":%d,`+
			`"journal":{"entries":%d,"capacity":1000,"dropped":0},"activeScenarios":%s}`, requests, entries, scenarios)
	}
	wantBody(t, "a reset creates it", sb.Do(t, "POST", "/__sandbox/sessions/cnt/reset", ""), 200, view(0, 0, "[]"))
	for _, call := range []struct{ method, path, body string }{
		{"POST", "/__sandbox/sessions/cnt/triggers", `{"error":"loanpro.SERVER_ERROR"}`},
		{"PUT", "/__sandbox/sessions/cnt/scenarios/loanpro-slow", ""},
		{"DELETE", "/__sandbox/sessions/cnt/scenarios/loanpro-slow", ""},
		{"PUT", "/__sandbox/sessions/cnt/scenarios/loanpro-not-found", ""},
		{"PUT", "/__sandbox/sessions/cnt/webhooks", `{"url":"http://127.0.0.1:9/hooks"}`},
		{"POST", "/__sandbox/sessions/cnt/weavr/consumers/nope/actions/deactivate", `{}`},
	} {
		if r := sb.Do(t, call.method, call.path, call.body); r.Status >= 500 {
			t.Fatalf("%s %s: %d %s", call.method, call.path, r.Status, r.Body)
		}
	}
	wantBody(t, "after control calls only", sb.Do(t, "GET", "/__sandbox/sessions/cnt", ""), 200, view(0, 0, `["loanpro-not-found"]`))

	wantBody(t, "the triggered GET", sb.Do(t, "GET", lpCustomer, "", lpHeaders("cnt")...), 500,
		`{"error":{"message":"An internal server error occurred. Please try again later.","type":"InternalServerErrorException","code":500}}`)
	if r := sb.Do(t, "GET", lpCustomer, "", lpHeaders("cnt")...); r.Status != 200 {
		t.Fatalf("GET: %d %s", r.Status, r.Body)
	}
	if r := sb.Do(t, "GET", "/api/public/api/1/nowhere", "", lpHeaders("cnt")...); r.Status != 404 {
		t.Fatalf("an unknown LoanPro path: %d %s", r.Status, r.Body)
	}
	sb.Do(t, "POST", "/__sandbox/sessions/cnt/triggers", `{"error":"loanpro.SERVER_ERROR"}`)
	wantBody(t, "one session", sb.Do(t, "GET", "/__sandbox/sessions/cnt", ""), 200, view(3, 3, `["loanpro-not-found"]`))
	wantBody(t, "its journal agrees", sb.Do(t, "GET", "/__sandbox/sessions/cnt/journal/count", ""), 200, `{"count":3,"dropped":0}`)
	wantBody(t, "the session list", sb.Do(t, "GET", "/__sandbox/sessions", ""), 200, `{"sessions":[`+view(3, 3, `["loanpro-not-found"]`)+
		`,{"name":"default","created":"2024-05-06T07:08:09Z","lastUsed":"2024-05-06T07:08:09Z","requests":0,"journal":{"entries":0,"capacity":1000,"dropped":0},"activeScenarios":[]}]}`)
}

// TestStats: each vendor's totals by status class, from the metrics; a
// connection fault (no status) counts as an error.
func TestStats(t *testing.T) {
	sb := sandboxtest.New(t)
	wantBody(t, "no traffic", sb.Do(t, "GET", "/__sandbox/stats", ""), 200,
		`{"vendors":[{"vendor":"weavr","requests":0,"errors":0,"byStatusClass":{}},{"vendor":"loanpro","requests":0,"errors":0,"byStatusClass":{}}]}`)
	sb.Do(t, "GET", lpCustomer, "", lpHeaders("s")...)
	sb.Do(t, "GET", lpCustomer, "", lpHeaders("s")...)
	sb.Do(t, "GET", "/api/public/api/1/odata.svc/Customers(99999999)", "", lpHeaders("s")...)
	h := login(t, sb, "s")
	// An empty reply over the real listener: the journal and metrics have no status.
	req, _ := http.NewRequest("PATCH", sb.URL+"/multi/consumers", strings.NewReader(`{"tag":"x"}`))
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	req.Header.Set("X-Sandbox-Scenario", "weavr-empty-reply")
	if resp, err := sb.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("weavr-empty-reply answered %d", resp.StatusCode)
	}
	// The client sees the connection close before the sandbox has counted
	// the request: wait (bounded) until it has, then compare exactly.
	want := `{"vendors":[{"vendor":"weavr","requests":2,"errors":1,"byStatusClass":{"2xx":1,"none":1}},{"vendor":"loanpro","requests":3,"errors":1,"byStatusClass":{"2xx":2,"4xx":1}}]}`
	r := sb.Do(t, "GET", "/__sandbox/stats", "")
	for deadline := time.Now().Add(5 * time.Second); string(r.Body) != want && time.Now().Before(deadline); r = sb.Do(t, "GET", "/__sandbox/stats", "") {
		time.Sleep(5 * time.Millisecond)
	}
	wantBody(t, "after traffic", r, 200, want)
}

// TestCollections: GET /collections says how to search and act on each
// vendor's collection, so the dashboard needs no vendor knowledge.
func TestCollections(t *testing.T) {
	sb := sandboxtest.New(t)
	var out struct {
		Collections []struct {
			Vendor, VendorTitle, Name, Item, Search, SearchHelp, Summary string
			Actions                                                      []struct {
				Name, Summary string
				Example       json.RawMessage
			}
		}
	}
	r := sb.Do(t, "GET", "/__sandbox/collections", "")
	if err := json.Unmarshal(r.Body, &out); err != nil || r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var got []string
	for _, c := range out.Collections {
		if c.Summary == "" || c.SearchHelp == "" {
			t.Errorf("%s/%s undescribed: %+v", c.Vendor, c.Name, c)
		}
		var names []string
		for _, a := range c.Actions {
			if a.Summary == "" || !json.Valid(a.Example) {
				t.Errorf("%s/%s action %s: summary %q, example %s", c.Vendor, c.Name, a.Name, a.Summary, a.Example)
			}
			names = append(names, a.Name)
		}
		got = append(got, fmt.Sprintf("%s %s/%s %s %s %v", c.VendorTitle, c.Vendor, c.Name, c.Item, c.Search, names))
	}
	want := []string{"Weavr weavr/consumers consumer email [kyc deactivate activate]", "LoanPro loanpro/customers customer q []"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("collections\n%q\nwant\n%q", got, want)
	}
}
