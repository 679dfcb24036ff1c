package simulator_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
)

func decode(t *testing.T, r result) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func TestHealthAndReadiness(t *testing.T) {
	s := newSandbox(t)
	if r := s.do("GET", "/__sandbox/healthz", ""); r.status != 200 || string(r.body) != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/__sandbox/readyz", ""); r.status != 200 || decode(t, r)["status"] != "ready" {
		t.Errorf("readyz: %d %s", r.status, r.body)
	}
	s.srv.Drain()
	if r := s.do("GET", "/__sandbox/readyz", ""); r.status != 503 || string(r.body) != `{"status":"draining"}` {
		t.Errorf("readyz while draining: %d %s", r.status, r.body)
	}
}

func TestAdminToken(t *testing.T) {
	s := newSandbox(t, func(c *simulator.Config) { c.AdminToken = "s3cret" })
	tests := []struct {
		name, path string
		h          []string
		status     int
	}{
		{"missing token", "/__sandbox/sessions", nil, 401},
		{"wrong token", "/__sandbox/sessions", []string{"Authorization", "Bearer nope"}, 401},
		{"right token", "/__sandbox/sessions", []string{"Authorization", "Bearer s3cret"}, 200},
		{"the scheme in any case", "/__sandbox/sessions", []string{"Authorization", "bearer s3cret"}, 200},
		{"the scheme in capitals", "/__sandbox/sessions", []string{"Authorization", "BEARER s3cret"}, 200},
		{"the token without a scheme", "/__sandbox/sessions", []string{"Authorization", "s3cret"}, 401},
		{"another scheme", "/__sandbox/sessions", []string{"Authorization", "Basic s3cret"}, 401},
		{"health stays open", "/__sandbox/healthz", nil, 200},
		{"metrics stay open", "/metrics", nil, 200},
		{"vendor routes unaffected", lpCustomer, lpHeaders(), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			r := s.do("GET", tt.path, "", tt.h...)
			if r.status != tt.status {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if tt.status == 401 && (r.header.Get("X-Sandbox-Error") != "true" || r.header.Get("WWW-Authenticate") == "" ||
				!strings.Contains(string(r.body), "--admin-token")) {
				t.Errorf("401 not explained: %v %s", r.header, r.body)
			}
		})
	}
}

// TestSessionsIsolateAndReset: two sessions with conflicting writes and
// scenarios see only their own; reset returns one to the seed.
func TestSessionsIsolateAndReset(t *testing.T) {
	s := newSandbox(t)
	a := s.weavr("alice@example.com", "X-Sandbox-Session", "a")
	b := s.weavr("alice@example.com", "X-Sandbox-Session", "b")
	if r := s.do("PATCH", "/multi/consumers", `{"name":"Anna"}`, a...); r.status != 200 {
		t.Fatalf("write in a: %d %s", r.status, r.body)
	}
	if r := s.do("PATCH", "/multi/consumers", `{"name":"Bella"}`, b...); r.status != 200 {
		t.Fatalf("write in b: %d %s", r.status, r.body)
	}
	if r := s.do("PUT", "/__sandbox/sessions/a/scenarios/weavr-unauthorized", ""); r.status != 200 {
		t.Fatalf("activate: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/multi/consumers", "", a...); r.status != 200 || !strings.Contains(string(r.body), `"name":"Anna"`) {
		t.Errorf("a reads: %d %s", r.status, r.body)
	}
	if r := s.do("PATCH", "/multi/consumers", `{"tag":"t"}`, a...); r.status != 401 {
		t.Errorf("a's scenario: %d", r.status)
	}
	if r := s.do("PATCH", "/multi/consumers", `{"tag":"t"}`, b...); r.status != 200 || !strings.Contains(string(r.body), `"name":"Bella"`) {
		t.Errorf("b sees a's scenario or write: %d %s", r.status, r.body)
	}
	// a's token is not valid in b, nor in a after a reset.
	tokA := a[len(a)-3] // "Bearer …"
	if !strings.HasPrefix(tokA, "Bearer ") {
		t.Fatalf("token header is %q", tokA)
	}
	if r := s.do("GET", "/multi/consumers", "", "api-key", apiKey, "Authorization", tokA, "X-Sandbox-Session", "b"); r.status != 401 {
		t.Errorf("a's token in b: %d", r.status)
	}
	if r := s.do("POST", "/__sandbox/sessions/a/reset", ""); r.status != 200 {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/multi/consumers", "", a...); r.status != 401 {
		t.Errorf("token survived the reset: %d", r.status)
	}
	a = s.weavr("alice@example.com", "X-Sandbox-Session", "a")
	if r := s.do("GET", "/multi/consumers", "", a...); r.status != 200 || !strings.Contains(string(r.body), `"name":"Alice"`) {
		t.Errorf("after reset: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/__sandbox/sessions/a/scenarios", ""); string(r.body) != `{"active":[],"counters":[]}` {
		t.Errorf("scenarios after reset: %s", r.body)
	}

	r := s.do("GET", "/__sandbox/sessions", "")
	var list struct {
		Sessions []struct {
			Name     string
			Requests int
			Journal  struct{ Entries int }
		}
	}
	_ = json.Unmarshal(r.body, &list)
	var names []string
	for _, x := range list.Sessions {
		names = append(names, x.Name)
	}
	if !slices.Equal(names, []string{"a", "b", "default"}) {
		t.Errorf("sessions %v (%s)", names, r.body)
	}
	if r := s.do("DELETE", "/__sandbox/sessions/b", ""); r.status != 204 {
		t.Errorf("delete: %d", r.status)
	}
	if r := s.do("DELETE", "/__sandbox/sessions/b", ""); r.status != 404 || !strings.Contains(string(r.body), `no session \"b\"`) {
		t.Errorf("delete twice: %d %s", r.status, r.body)
	}
}

// TestJournal: entries are recorded with secrets masked, filtered,
// counted and verified exactly; the cap drops the oldest and says so.
func TestJournal(t *testing.T) {
	s := newSandbox(t, func(c *simulator.Config) { c.JournalCapacity = 5 })
	h := s.weavr("alice@example.com", "X-Sandbox-Session", "j")            // 1 login
	s.do("PATCH", "/multi/consumers", `{"email":"bob@example.com"}`, h...) // 409
	s.do("PATCH", "/multi/consumers", `{"tag":"ok"}`, h...)                // 200
	s.do("PATCH", "/multi/consumers", `{"tag":"x"}`, append(h, "X-Sandbox-Scenario", "weavr-service-unavailable")...)

	r := s.do("GET", "/__sandbox/sessions/j/journal?operation=weavr.loginWithPassword", "")
	var j struct {
		Entries []map[string]any
		Dropped int
	}
	_ = json.Unmarshal(r.body, &j)
	if len(j.Entries) != 1 {
		t.Fatalf("login entries: %s", r.body)
	}
	login := j.Entries[0]
	if login["requestBody"] != `{"email":"alice@example.com","password":{"value":"****"}}` || login["status"] != 200.0 || login["session"] != "j" {
		t.Errorf("login entry: %v", login)
	}
	if hdr := login["requestHeaders"].(map[string]any); hdr["Api-Key"].([]any)[0] != "****-key" {
		t.Errorf("api-key not masked: %v", hdr)
	}
	r = s.do("GET", "/__sandbox/sessions/j/journal?status=409", "")
	_ = json.Unmarshal(r.body, &j)
	if len(j.Entries) != 1 || j.Entries[0]["responseBody"] != `{"errorCode":"EMAIL_NOT_UNIQUE"}` || j.Entries[0]["requestRef"] == "" {
		t.Errorf("409 entries: %s", r.body)
	}
	if !strings.HasPrefix(j.Entries[0]["requestHeaders"].(map[string]any)["Authorization"].([]any)[0].(string), "Bearer ****") {
		t.Errorf("token not masked: %v", j.Entries[0]["requestHeaders"])
	}
	if r := s.do("GET", "/__sandbox/sessions/j/journal/count?scenario=weavr-service-unavailable", ""); string(r.body) != `{"count":1,"dropped":0}` {
		t.Errorf("count: %s", r.body)
	}
	tests := []struct {
		body   string
		status int
		msg    string
	}{
		{`{"operation":"weavr.consumerUpdate","exactly":3}`, 200, ""},
		{`{"operation":"weavr.consumerUpdate","status":"4xx","exactly":1}`, 200, ""},
		{`{"operation":"weavr.consumerUpdate","exactly":2}`, 417, "expected exactly 2"},
		{`{"operation":"weavr.consumerUpdate","atLeast":4}`, 417, "got 3"},
		{`{"operation":"weavr.consumerUpdate"}`, 400, "sandbox: "},
		{`{"operation":"weavr.consumerUpdate","exactly":1,"bogus":1}`, 400, "bogus"},
	}
	for _, tt := range tests {
		r := s.do("POST", "/__sandbox/sessions/j/journal/verify", tt.body)
		if r.status != tt.status || !strings.Contains(string(r.body), tt.msg) {
			t.Errorf("verify %s: %d %s", tt.body, r.status, r.body)
		}
	}
	if r := s.do("GET", "/__sandbox/sessions/j/journal?colour=red", ""); r.status != 400 || !strings.Contains(string(r.body), "colour") {
		t.Errorf("bad filter: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/__sandbox/sessions/nobody/journal", ""); r.status != 404 {
		t.Errorf("journal of no session: %d", r.status)
	}
	// Two more requests overflow the cap of 5: the oldest (the login) goes.
	s.do("GET", "/multi/consumers", "", h...)
	s.do("GET", "/multi/consumers", "", h...)
	r = s.do("GET", "/__sandbox/sessions/j/journal", "")
	_ = json.Unmarshal(r.body, &j)
	if len(j.Entries) != 5 || j.Dropped != 1 || j.Entries[0]["operation"] != "weavr.consumerUpdate" {
		t.Errorf("after overflow: %d entries, %d dropped", len(j.Entries), j.Dropped)
	}
	if r := s.do("DELETE", "/__sandbox/sessions/j/journal", ""); r.status != 204 {
		t.Errorf("clear: %d", r.status)
	}
	if r := s.do("GET", "/__sandbox/sessions/j/journal/count", ""); string(r.body) != `{"count":0,"dropped":0}` {
		t.Errorf("after clear: %s", r.body)
	}
}

// TestMetricsFlow: the request counter moves with traffic, labelled by
// vendor, operation, status and scenario.
func TestMetricsFlow(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := newSandbox(t, func(c *simulator.Config) { c.Registry = reg })
	s.do("GET", lpCustomer, "", lpHeaders()...)
	s.do("GET", lpCustomer, "", lpHeaders()...)
	s.do("PUT", lpCustomer, `{}`, lpHeaders("Prefer", "code=429")...)
	s.do("GET", "/api/public/api/1/odata.svc/Customers(999)", "")
	want := `
# HELP sandbox_requests_total Requests served by the simulated APIs, by vendor, operation, HTTP status and answering scenario ("" when none).
# TYPE sandbox_requests_total counter
sandbox_requests_total{operation="loanpro.customerGet",scenario="",status="200",vendor="loanpro"} 2
sandbox_requests_total{operation="loanpro.customerGet",scenario="",status="401",vendor="loanpro"} 1
sandbox_requests_total{operation="loanpro.customerUpdate",scenario="prefer:loanpro.RATE_LIMITED",status="429",vendor="loanpro"} 1
`
	if err := testutil.CollectAndCompare(reg, strings.NewReader(want), "sandbox_requests_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "sandbox_request_duration_seconds"); n != 2 {
		t.Errorf("duration series: %d", n)
	}
	r := s.do("GET", "/metrics", "")
	for _, line := range []string{"sandbox_active_sessions 1", "go_goroutines ", `sandbox_request_duration_seconds_bucket{operation="loanpro.customerGet"`} {
		if !strings.Contains(string(r.body), line) {
			t.Errorf("/metrics lacks %q", line)
		}
	}
}

func TestDataEndpoints(t *testing.T) {
	s := newSandbox(t)
	r := s.do("GET", "/__sandbox/sessions/default/weavr/consumers?email=alice", "")
	var cs struct {
		Consumers []struct{ ID, Email, Password, APIKey string }
		Total     int
	}
	_ = json.Unmarshal(r.body, &cs)
	if cs.Total != 1 || cs.Consumers[0].Password != "Passw0rd!" || cs.Consumers[0].APIKey != apiKey {
		t.Fatalf("consumers: %s", r.body)
	}
	if r := s.do("GET", "/__sandbox/sessions/default/weavr/consumers/"+cs.Consumers[0].ID, ""); r.status != 200 || !strings.Contains(string(r.body), `"rootUser"`) {
		t.Errorf("consumer: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/__sandbox/sessions/default/weavr/consumers?limit=2&offset=3", ""); !strings.Contains(string(r.body), `"limit":2,"offset":3`) {
		t.Errorf("paging: %s", r.body)
	}
	// Both bad: offset is reported, every time (not in map order).
	for range 20 {
		if r := s.do("GET", "/__sandbox/sessions/default/weavr/consumers?limit=x&offset=y", ""); r.status != 400 ||
			string(r.body) != `{"sandboxError":{"message":"sandbox: offset must be a non-negative integer, got \"y\""}}` {
			t.Fatalf("two bad paging values: %d %s", r.status, r.body)
		}
	}
	if r := s.do("GET", "/__sandbox/sessions/default/weavr/consumers?limit=-1", ""); r.status != 400 {
		t.Errorf("bad limit: %d", r.status)
	}
	if r := s.do("GET", "/__sandbox/sessions/default/loanpro/customers?q=mary", ""); !strings.Contains(string(r.body), `"name":"Mary Major"`) || !strings.Contains(string(r.body), `"Autopal-Instance-Id":"5200000"`) {
		t.Errorf("customers: %s", r.body)
	}
	if r := s.do("GET", "/__sandbox/sessions/default/loanpro/customers/99999", ""); r.status != 404 {
		t.Errorf("missing customer: %d", r.status)
	}
	if r := s.do("POST", "/__sandbox/scenarios/reload", ""); r.status != 409 || !strings.Contains(string(r.body), "no --scenarios DIR") {
		t.Errorf("reload without a dir: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/__sandbox/nope", ""); r.status != 404 || r.header.Get("X-Sandbox-Error") != "true" {
		t.Errorf("unknown control route: %d %s", r.status, r.body)
	}
	if r := s.do("PUT", "/__sandbox/sessions/x/scenarios/ghost", ""); r.status != 404 || !strings.Contains(string(r.body), `unknown scenario \"ghost\"`) {
		t.Errorf("unknown scenario: %d %s", r.status, r.body)
	}
}

// TestControlAPIDocumented: every registered control route is in the
// OpenAPI document served at /__sandbox/openapi.json.
func TestControlAPIDocumented(t *testing.T) {
	s := newSandbox(t)
	r := s.do("GET", "/__sandbox/openapi.json", "")
	var doc struct {
		Paths map[string]map[string]any
	}
	if err := json.Unmarshal(r.body, &doc); err != nil || r.status != 200 {
		t.Fatalf("%d %v", r.status, err)
	}
	for _, rt := range s.srv.Routes() {
		if !strings.HasPrefix(rt.Path, "/__sandbox") && rt.Path != "/metrics" {
			continue
		}
		p := gin2openapi(rt.Path)
		if _, ok := doc.Paths[p][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("%s %s is not in the OpenAPI document", rt.Method, p)
		}
	}

}

func gin2openapi(p string) string {
	parts := strings.Split(p, "/")
	for i, x := range parts {
		if strings.HasPrefix(x, ":") {
			parts[i] = "{" + x[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// TestIdleSessionsExpire: the janitor deletes sessions idle longer than
// the TTL by the injected clock; the default session stays.
func TestIdleSessionsExpire(t *testing.T) {
	s := newSandbox(t, func(c *simulator.Config) { c.SessionIdleTTL = 40 * time.Millisecond })
	// sandboxtest runs the server's background work (watcher, janitor).
	s.do("GET", lpCustomer, "", lpHeaders("X-Sandbox-Session", "idle")...)
	s.do("GET", lpCustomer, "", lpHeaders()...)
	s.clock.Advance(time.Second)
	eventually(t, func() bool { return s.do("GET", "/__sandbox/sessions/idle", "").status == 404 })
	if r := s.do("GET", "/__sandbox/sessions/default", ""); r.status != 200 {
		t.Errorf("default session expired: %d", r.status)
	}
}

// TestTrailingSlashIsVendorShaped: gin's HTML redirect never leaks; a
// trailing slash is the vendor's own 404.
func TestTrailingSlashIsVendorShaped(t *testing.T) {
	s := newSandbox(t)
	if r := s.do("GET", "/multi/consumers/", "", "api-key", apiKey); r.status != 404 || string(r.body) != `{"code":"NOT_FOUND","message":"No such resource"}` {
		t.Errorf("weavr: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/api/public/api/1/odata.svc", "", lpHeaders()...); r.status != 404 || !strings.Contains(string(r.body), `"type":"ResourceNotFoundException"`) {
		t.Errorf("loanpro: %d %s", r.status, r.body)
	}
}

// TestReadOnlyControlRoutesCreateNothing: reading or deactivating in a
// session that does not exist answers 404 and creates nothing; reads never
// refresh a session's lastUsed (so they cannot keep it from expiring).
func TestReadOnlyControlRoutesCreateNothing(t *testing.T) {
	s := newSandbox(t)
	for _, rt := range [][2]string{
		{"GET", "/__sandbox/sessions/ghost/scenarios"},
		{"DELETE", "/__sandbox/sessions/ghost/scenarios"},
		{"DELETE", "/__sandbox/sessions/ghost/scenarios/weavr-slow"},
		{"GET", "/__sandbox/sessions/ghost/weavr/consumers"},
		{"GET", "/__sandbox/sessions/ghost/weavr/consumers/1"},
		{"GET", "/__sandbox/sessions/ghost/loanpro/customers"},
		{"GET", "/__sandbox/sessions/ghost/journal"},
		{"GET", "/__sandbox/sessions/ghost/journal/count"},
	} {
		if r := s.do(rt[0], rt[1], ""); r.status != 404 || !strings.Contains(string(r.body), `no session \"ghost\"`) {
			t.Errorf("%s %s: %d %s", rt[0], rt[1], r.status, r.body)
		}
	}
	if r := s.do("PUT", "/__sandbox/sessions/ghost/scenarios/no-such-scenario", ""); r.status != 404 {
		t.Errorf("activating an unknown scenario: %d %s", r.status, r.body)
	}
	if r := s.do("GET", "/__sandbox/sessions/ghost", ""); r.status != 404 {
		t.Fatalf("a read-only route created the session: %d %s", r.status, r.body)
	}
	s.do("GET", lpCustomer, "", lpHeaders("X-Sandbox-Session", "used")...)
	s.clock.Advance(time.Hour)
	s.do("GET", "/__sandbox/sessions/used/scenarios", "")
	s.do("GET", "/__sandbox/sessions/used/loanpro/customers", "")
	var info struct{ LastUsed time.Time }
	_ = json.Unmarshal(s.do("GET", "/__sandbox/sessions/used", "").body, &info)
	if !info.LastUsed.Equal(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("reads refreshed lastUsed to %v", info.LastUsed)
	}
}

// TestSessionNames: a name the control API could not address, or a huge
// one, is a sandbox 400 that creates nothing, on vendor and control routes.
func TestSessionNames(t *testing.T) {
	s := newSandbox(t)
	huge := strings.Repeat("a", 3000)
	for _, name := range []string{huge, "x/y", "a b", "caf\u00e9"} {
		r := s.raw("GET", lpCustomer, "", lpHeaders("X-Sandbox-Session", name)...)
		if r.status != 400 || r.header.Get("X-Sandbox-Error") != "true" || !strings.Contains(string(r.body), "X-Sandbox-Session: session name") || len(r.body) > 300 {
			t.Errorf("session %.20q: %d %.300s", name, r.status, r.body)
		}
	}
	if r := s.do("POST", "/__sandbox/sessions/"+huge+"/reset", ""); r.status != 400 {
		t.Errorf("reset of a huge name: %d", r.status)
	}
	if r := s.do("PUT", "/__sandbox/sessions/"+huge+"/scenarios/weavr-slow", ""); r.status != 400 {
		t.Errorf("activate for a huge name: %d", r.status)
	}
	var list struct{ Sessions []struct{ Name string } }
	_ = json.Unmarshal(s.do("GET", "/__sandbox/sessions", "").body, &list)
	if len(list.Sessions) != 1 || list.Sessions[0].Name != "default" {
		t.Errorf("sessions after refused names: %+v", list.Sessions)
	}
	if r := s.do("GET", lpCustomer, "", lpHeaders("X-Sandbox-Session", "Shard_1.a-b~c")...); r.status != 200 {
		t.Errorf("a valid name: %d %s", r.status, r.body)
	}
}
