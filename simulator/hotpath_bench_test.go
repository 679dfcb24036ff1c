package simulator_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
)

// benchSandbox is the sandbox as the load benchmark runs it: rate limit
// off, journal, metrics and per-request logs on.
func benchSandbox(b *testing.B) *simulator.Server {
	b.Helper()
	cfg := simulator.DefaultConfig()
	weavrSettings(&cfg).RateLimit = nil
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := simulator.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return srv
}

func benchLogin(b *testing.B, srv *simulator.Server) string {
	b.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/multi/login_with_password", strings.NewReader(`{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`))
	req.Header.Set("api-key", apiKey)
	req.Header.Set("Content-Type", "application/json")
	srv.ServeHTTP(rec, req)
	var m map[string]string
	_ = json.Unmarshal(rec.Body.Bytes(), &m)
	return m["token"]
}

// BenchmarkRequest measures whole requests through the router, with
// allocations, for the hot paths of the load benchmark.
func BenchmarkRequest(b *testing.B) {
	srv := benchSandbox(b)
	tok := benchLogin(b, srv)
	cases := []struct {
		name, method, path, body string
		header                   []string
		want                     int
	}{
		{"weavr-patch", "PATCH", "/multi/consumers", `{"name":"Jane","surname":"Doe","tag":"load_%d","address":{"addressLine1":"1 Main St","city":"Valletta","postCode":"VLT1000","country":"MT"}}`,
			[]string{"api-key", apiKey, "Authorization", "Bearer " + tok}, 200},
		{"loanpro-put", "PUT", lpCustomer, `{"firstName":"Jo%d","__ignoreWarnings":true}`, []string{"Authorization", "Bearer " + lpToken, "Autopal-Instance-Id", lpTenant}, 200},
		{"loanpro-search", "POST", "/api/public/api/1/Customers/Autopal.Search()?$top=10&$start=%d", `{"query":{"bool":{"must":[{"match":{"status":"Active"}}]}}}`,
			[]string{"Authorization", "Bearer " + lpToken, "Autopal-Instance-Id", lpTenant}, 200},
		{"scenario-error", "PATCH", "/multi/consumers", `{"tag":"x%d"}`,
			[]string{"api-key", apiKey, "Authorization", "Bearer " + tok, "X-Sandbox-Scenario", "weavr-email-not-unique"}, 409},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				path, body := tc.path, tc.body
				if strings.Contains(path, "%d") {
					path = fmt.Sprintf(path, i%100)
				} else {
					body = fmt.Sprintf(body, i%100)
				}
				req := httptest.NewRequest(tc.method, path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				for j := 0; j+1 < len(tc.header); j += 2 {
					req.Header.Set(tc.header[j], tc.header[j+1])
				}
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != tc.want {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
