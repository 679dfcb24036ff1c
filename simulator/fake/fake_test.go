package fake_test

import (
	"fmt"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/fake"
)

func TestRecordIsAPureFunctionOfSeedAndIndex(t *testing.T) {
	draw := func(seed int64, i int) string {
		f := fake.Record(seed, i)
		return f.Name() + "|" + f.Email() + "|" + f.Numerify("#########")
	}
	seen := map[string]bool{}
	for _, seed := range []int64{0, 1, 42} {
		for i := 0; i < 200; i++ {
			a := draw(seed, i)
			if b := draw(seed, i); a != b {
				t.Fatalf("seed %d record %d: %q then %q", seed, i, a, b)
			}
			if seen[a] {
				t.Fatalf("seed %d record %d repeats an earlier record: %q", seed, i, a)
			}
			seen[a] = true
		}
	}
}

// Record i of a seed is the same whenever and wherever it is made.
func ExampleRecord() {
	later := fake.Record(7, 70_000).FirstName()
	fmt.Println(fake.Record(7, 70_000).FirstName() == later)
	// Output: true
}

func BenchmarkRecord(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = fake.Record(1, i).FirstName()
	}
}
