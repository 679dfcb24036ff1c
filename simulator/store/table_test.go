package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
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
	eachMode(t, testForksAreIsolated)
}

func testForksAreIsolated(t *testing.T, fork forker) {
	b := newBase(t, 10)
	a, c := fork(b, "a"), fork(b, "c")
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
	if r, err := a.Update(4, func(_ store.Tx[int, rec], r rec) (rec, error) { r.N = 9; return r, boom }); err != boom || r.N != 0 {
		t.Errorf("a failed update answered %+v, %v", r, err)
	}
	if r, _ := fork(b, "a").Get(4); r.N != 0 {
		t.Error("a failed update was written")
	}
	if r, _ := fork(b, "a").Get(3); r.Email != "new@example.com" {
		t.Errorf("another handle on a's session: %+v", r)
	}
}

func TestConcurrentUpdatesAreNotLost(t *testing.T) {
	eachMode(t, testConcurrentUpdatesAreNotLost)
}

func testConcurrentUpdatesAreNotLost(t *testing.T, fork forker) {
	tb := fork(newBase(t, 3), "s")
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

// genBase is two fixtures (ids 1, 2) and n generated records with ids 100+i,
// emails g<i>@example.com; made counts calls to Make.
func genBase(t testing.TB, n int, made *atomic.Int64) *store.Base[int, rec] {
	fixtures := []rec{{ID: 1, Email: "a@example.com"}, {ID: 2, Email: "b@example.com"}}
	b, err := store.NewGeneratedBase(func(r rec) int { return r.ID },
		map[string]store.IndexFunc[rec]{"email": func(r rec) []string { return []string{r.Email} }}, fixtures,
		store.Generated[int, rec]{
			N:   n,
			Key: func(i int) int { return 100 + i },
			Pos: func(k int) (int, bool) { return k - 100, k >= 100 },
			Make: func(i int) rec {
				made.Add(1)
				return rec{ID: 100 + i, Email: fmt.Sprintf("g%d@example.com", i)}
			},
			Locate: map[string]func(string) []int{"email": func(key string) []int {
				var i int
				if _, err := fmt.Sscanf(key, "g%d@example.com", &i); err != nil {
					return nil
				}
				return []int{i}
			}},
		})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGeneratedRecordsAreMadeOnFirstUse(t *testing.T) {
	eachMode(t, testGeneratedRecordsAreMadeOnFirstUse)
}

func testGeneratedRecordsAreMadeOnFirstUse(t *testing.T, fork forker) {
	var made atomic.Int64
	b := genBase(t, 1000, &made)
	tb := fork(b, "s")
	if made.Load() != 0 || b.Made() != 0 || tb.Len() != 1002 {
		t.Fatalf("after construction: %d made, Made() %d, Len %d", made.Load(), b.Made(), tb.Len())
	}
	if r, ok := tb.Get(150); !ok || r.Email != "g50@example.com" {
		t.Fatalf("Get(150) = %+v %v", r, ok)
	}
	for _, k := range []int{99, 1100, 3} {
		if _, ok := tb.Get(k); ok {
			t.Errorf("Get(%d) found a record", k)
		}
	}
	if page, total := tb.Page(nil, 1000, 5); total != 1002 || len(page) != 2 || page[0].ID != 1098 || page[1].ID != 1099 {
		t.Fatalf("Page(nil, 1000, 5) = %+v, %d", page, total)
	}
	if page, total := tb.Page(nil, 0, 1); total != 1002 || len(page) != 1 || page[0].ID != 1 {
		t.Fatalf("Page(nil, 0, 1) = %+v, %d", page, total)
	}
	if made.Load() != 3 {
		t.Fatalf("paging without a filter made %d records, want the page's (2)", made.Load()-1)
	}
	if got := tb.Lookup("email", "g700@example.com"); len(got) != 1 || got[0].ID != 800 {
		t.Errorf("Lookup of a generated email = %+v", got)
	}
	if got := tb.Lookup("email", "g5000@example.com"); len(got) != 0 {
		t.Errorf("Lookup beyond the tail = %+v", got)
	}
	if made.Load() != 4 || b.Made() != 4 {
		t.Fatalf("four records read: %d made, Made() %d", made.Load(), b.Made())
	}
	// A write shadows the generated record in this fork only, index included.
	if _, err := tb.Update(150, func(_ store.Tx[int, rec], r rec) (rec, error) { r.Email = "new@example.com"; return r, nil }); err != nil {
		t.Fatal(err)
	}
	if got := tb.Lookup("email", "g50@example.com"); len(got) != 0 {
		t.Errorf("stale generated index entry: %+v", got)
	}
	if got := fork(b, "other").Lookup("email", "g50@example.com"); len(got) != 1 {
		t.Errorf("another fork lost the generated record: %+v", got)
	}
	// A write that keeps the indexed key: the record is still found by it,
	// with the write applied (generated and fixture records alike).
	for _, k := range []int{1, 160} {
		if _, err := tb.Update(k, func(_ store.Tx[int, rec], r rec) (rec, error) { r.N = 7; return r, nil }); err != nil {
			t.Fatal(err)
		}
	}
	for _, email := range []string{"a@example.com", "g60@example.com"} {
		if got := tb.Lookup("email", email); len(got) != 1 || got[0].N != 7 {
			t.Errorf("Lookup(%s) after a write that kept the email = %+v", email, got)
		}
	}
	var ids []int
	tb.Range(func(r rec) bool {
		if r.ID == 1 || r.ID == 2 || r.ID == 150 || r.ID == 1099 {
			ids = append(ids, r.ID)
			if r.ID == 150 && r.Email != "new@example.com" {
				t.Errorf("Range shows the base record, not the write: %+v", r)
			}
		}
		return true
	})
	if fmt.Sprint(ids) != "[1 2 150 1099]" {
		t.Errorf("Range order: %v", ids)
	}
	if made.Load() != 1000 {
		t.Errorf("a full Range made %d records, want each once (1000)", made.Load())
	}
	tb.Range(func(rec) bool { return true })
	if made.Load() != 1000 {
		t.Errorf("a second Range made records again: %d", made.Load())
	}
}

func TestGeneratedKeyClashIsRefused(t *testing.T) {
	_, err := store.NewGeneratedBase(func(r rec) int { return r.ID }, nil, []rec{{ID: 105}},
		store.Generated[int, rec]{N: 10, Key: func(i int) int { return 100 + i }, Pos: func(k int) (int, bool) { return k - 100, true }, Make: func(i int) rec { return rec{ID: 100 + i} }})
	if err == nil {
		t.Fatal("a fixture with a generated key was accepted")
	}
	if _, err := store.NewGeneratedBase(func(r rec) int { return r.ID }, nil, nil, store.Generated[int, rec]{N: 3}); err == nil {
		t.Fatal("a tail without Key/Pos/Make was accepted")
	}
}

// TestConcurrentFirstReadsAgree is meant for -race: many goroutines read
// and scan the same untouched records at once.
func TestConcurrentFirstReadsAgree(t *testing.T) {
	var made atomic.Int64
	b := genBase(t, 200, &made)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tb := b.Fork()
			for k := 100; k < 300; k++ {
				if r, ok := tb.Get(k); !ok || r.ID != k {
					t.Errorf("Get(%d) = %+v %v", k, r, ok)
				}
			}
			tb.Range(func(rec) bool { return true })
		}()
	}
	wg.Wait()
	if b.Made() != 200 {
		t.Errorf("Made() = %d, want 200", b.Made())
	}
}

func TestRangeRefSeesWhatRangeSees(t *testing.T) {
	eachMode(t, testRangeRefSeesWhatRangeSees)
}

// RangeRef visits the same records as Range, in the same order, through
// fixtures, generated records, overlaid ones and created ones, and stops
// when told.
func testRangeRefSeesWhatRangeSees(t *testing.T, fork forker) {
	var made atomic.Int64
	tb := fork(genBase(t, 20, &made), "s")
	for _, k := range []int{2, 105, 119} {
		if _, err := tb.Update(k, func(_ store.Tx[int, rec], r rec) (rec, error) {
			r.Email = fmt.Sprintf("w%d@example.com", k)
			return r, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := tb.Insert("", func(seq int) int { return 500 + seq }, func(_ store.Tx[int, rec], k int) (rec, error) {
		return rec{ID: k, Email: "c@example.com"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	var want, got []rec
	tb.Range(func(r rec) bool { want = append(want, r); return true })
	tb.RangeRef(func(r *rec) bool { got = append(got, *r); return true })
	if len(want) != 23 || !reflect.DeepEqual(got, want) {
		t.Fatalf("RangeRef saw\n%+v\nRange saw\n%+v", got, want)
	}
	n := 0
	tb.RangeRef(func(*rec) bool { n++; return n < 5 })
	if n != 5 {
		t.Errorf("RangeRef went on after false: %d calls", n)
	}
}

func TestVersionCountsWrites(t *testing.T) {
	eachMode(t, func(t *testing.T, fork forker) {
		var made atomic.Int64
		tb := fork(genBase(t, 5, &made), "s")
		v0, ok := tb.Version()
		if shared := strings.HasSuffix(t.Name(), "/redis"); ok == shared {
			t.Fatalf("Version ok = %v for %s", ok, t.Name())
		} else if shared {
			return // other replicas write a shared table: no local version
		}
		tb.Range(func(rec) bool { return true })
		if v, _ := tb.Version(); v != v0 {
			t.Fatalf("a read moved the version %d → %d", v0, v)
		}
		if _, err := tb.Update(101, func(_ store.Tx[int, rec], r rec) (rec, error) { r.Email = "x@example.com"; return r, nil }); err != nil {
			t.Fatal(err)
		}
		if _, _, err := tb.Insert("", func(seq int) int { return 500 + seq }, func(_ store.Tx[int, rec], k int) (rec, error) { return rec{ID: k}, nil }); err != nil {
			t.Fatal(err)
		}
		if v, _ := tb.Version(); v != v0+2 {
			t.Fatalf("after an update and an insert the version is %d, want %d", v, v0+2)
		}
	})
}

// SkipUnchanged skips an index's keys when its predicate says the write
// leaves them alone, and only then; an unknown index is refused.
func TestSkipUnchanged(t *testing.T) {
	eachMode(t, func(t *testing.T, fork forker) {
		var made atomic.Int64
		b := genBase(t, 5, &made)
		if err := b.SkipUnchanged("nope", func(a, b rec) bool { return true }); err == nil {
			t.Fatal("SkipUnchanged of an unknown index: no error")
		}
		var asked atomic.Int64
		if err := b.SkipUnchanged("email", func(a, b rec) bool { asked.Add(1); return a.Email == b.Email }); err != nil {
			t.Fatal(err)
		}
		tb := fork(b, "s")
		for _, email := range []string{"g1@example.com", "new@example.com"} { // unchanged, then changed
			if _, err := tb.Update(101, func(_ store.Tx[int, rec], r rec) (rec, error) { r.Email = email; return r, nil }); err != nil {
				t.Fatal(err)
			}
		}
		if asked.Load() < 2 {
			t.Errorf("the predicate was asked %d times for two writes", asked.Load())
		}
		if got := tb.Lookup("email", "new@example.com"); len(got) != 1 || got[0].ID != 101 {
			t.Errorf("Lookup of the changed email = %+v", got)
		}
		if got := tb.Lookup("email", "g1@example.com"); len(got) != 0 {
			t.Errorf("the old email still finds %+v", got)
		}
	})
}
