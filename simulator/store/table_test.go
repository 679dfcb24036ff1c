package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

type rec struct {
	ID    int
	Email string
	N     int
}

func newBase(t testing.TB, n int) *store.Base[int, rec] {
	recs := make([]rec, n)
	for i := range recs {
		recs[i] = rec{ID: i, Email: fmt.Sprintf("u%d@example.com", i)}
	}
	b, err := store.NewBase(func(r rec) int { return r.ID },
		map[string]store.IndexFunc[rec]{"email": func(r rec) []string { return []string{r.Email} }}, recs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestForksAreIsolated(t *testing.T) {
	b := newBase(t, 10)
	a, c := b.Fork(), b.Fork()
	if _, err := a.Update(3, func(_ store.Tx[int, rec], r rec) (rec, error) { r.Email = "new@example.com"; return r, nil }); err != nil {
		t.Fatal(err)
	}
	if r, _ := c.Get(3); r.Email != "u3@example.com" {
		t.Errorf("fork c sees a's write: %+v", r)
	}
	if got := a.Lookup("email", "u3@example.com"); len(got) != 0 {
		t.Errorf("stale index entry returned: %+v", got)
	}
	if got := a.Lookup("email", "new@example.com"); len(got) != 1 || got[0].ID != 3 {
		t.Errorf("new index entry: %+v", got)
	}
	if got := c.Lookup("email", "u3@example.com"); len(got) != 1 {
		t.Errorf("c lost its index: %+v", got)
	}
	_, err := a.Update(99, func(_ store.Tx[int, rec], r rec) (rec, error) { return r, nil })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown key: %v", err)
	}
	boom := errors.New("no")
	a.Update(4, func(_ store.Tx[int, rec], r rec) (rec, error) { r.N = 9; return r, boom })
	if r, _ := a.Get(4); r.N != 0 {
		t.Error("a failed update was written")
	}
}

func TestConcurrentUpdatesAreNotLost(t *testing.T) {
	tb := newBase(t, 3).Fork()
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tb.Update(1, func(_ store.Tx[int, rec], r rec) (rec, error) { r.N++; return r, nil })
			tb.Get(1)
			tb.Range(func(rec) bool { return true })
		}()
	}
	wg.Wait()
	if r, _ := tb.Get(1); r.N != 100 {
		t.Fatalf("N = %d, want 100", r.N)
	}
}

// BenchmarkFork shows that forking costs the same for 1k and 100k records.
func BenchmarkFork(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		base := newBase(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				_ = base.Fork()
			}
		})
	}
}

// A fork reads the seed and keeps its own writes.
func ExampleBase_Fork() {
	base, _ := store.NewBase(func(s string) string { return s }, nil, []string{"a", "b"})
	t := base.Fork()
	v, ok := t.Get("a")
	fmt.Println(v, ok, t.Len())
	// Output: a true 2
}

// BenchmarkUpdate is one atomic write to a forked table (copy-on-write of
// one record, index maintenance).
func BenchmarkUpdate(b *testing.B) {
	t := newBase(b, 10_000).Fork()
	b.ReportAllocs()
	for i := range b.N {
		_, err := t.Update(i%10_000, func(_ store.Tx[int, rec], cur rec) (rec, error) {
			cur.Email = fmt.Sprintf("u%d@example.com", i)
			return cur, nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
