package fake_test

import (
	"fmt"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/fake"
)

func TestSameSeedSameData(t *testing.T) {
	for _, seed := range []int64{0, 1, 42} {
		a, b := fake.New(seed), fake.New(seed)
		for i := 0; i < 100; i++ {
			if x, y := a.Name(), b.Name(); x != y {
				t.Fatalf("seed %d draw %d: %q != %q", seed, i, x, y)
			}
		}
	}
	if fake.New(1).Name() == fake.New(2).Name() && fake.New(1).Email() == fake.New(2).Email() {
		t.Fatal("different seeds produced the same data")
	}
}

// Two fakers with the same seed draw the same values.
func ExampleNew() {
	a, b := fake.New(7), fake.New(7)
	fmt.Println(a.FirstName() == b.FirstName())
	// Output: true
}
