package loanpro_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// BenchmarkHotPath measures LoanPro requests through the whole router, as
// simulator's BenchmarkRequest does, with the default 1,000 generated
// customers: a plain PUT, a PUT editing nested objects, and a search (for
// issue #17, the sandbox's overhead over a bare handler).
func BenchmarkHotPath(b *testing.B) {
	sb := sandboxtest.New(b, sandboxtest.WithSettings(func(s *loanpro.Settings) { s.Customers = 1000 }),
		sandboxtest.WithSettings(func(s *weavr.Settings) { s.RateLimit = nil }))
	cases := []struct {
		name, method, target, body string
	}{
		{"put", "PUT", base + "/Customers(1)", `{"firstName":"Jo%d","__ignoreWarnings":true}`},
		{"put-nested", "PUT", base + "/Customers(1)", `{"firstName":"Jo%d","PrimaryAddress":{"address1":"1 Main St","city":"Springfield","__update":true,"__id":1},` +
			`"Phones":{"results":[{"phone":"555010%d","__update":true,"__id":10}]},"__ignoreWarnings":true}`},
		{"search", "POST", "/api/public/api/1/Customers/Autopal.Search()?$top=10&$start=0",
			`{"query":{"bool":{"must":[{"match":{"status":"Active"}}]}}}`},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				body := tc.body
				if strings.Contains(body, "%d") {
					body = fmt.Sprintf(strings.ReplaceAll(body, "%d", "%[1]d"), i%10)
				}
				req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(body))
				for j := 0; j+1 < len(authHeaders); j += 2 {
					req.Header.Set(authHeaders[j], authHeaders[j+1])
				}
				rec := httptest.NewRecorder()
				sb.Server.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
