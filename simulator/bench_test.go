package simulator_test

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
)

// BenchmarkSessionCreate shows that creating a session does not copy the
// seeded data: the cost per new session is the same with 1k and 100k
// records per vendor (go test ./simulator -bench SessionCreate -run ^$).
func BenchmarkSessionCreate(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		cfg := simulator.DefaultConfig()
		weavrSettings(&cfg).Consumers, loanproSettings(&cfg).Customers = n, n
		srv, err := simulator.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, httptest.NewRequest("POST", fmt.Sprintf("/__sandbox/sessions/s%d/reset", i), nil))
				if rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkNew is startup: building the sandbox with 1k and 100k generated
// records per vendor costs the same, because records are made on first use
// (go test ./simulator -bench 'New$' -run ^$).
func BenchmarkNew(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			cfg := simulator.DefaultConfig()
			weavrSettings(&cfg).Consumers, loanproSettings(&cfg).Customers = n, n
			for range b.N {
				if _, err := simulator.New(cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
