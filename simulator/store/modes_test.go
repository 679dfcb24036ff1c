package store_test

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// forker returns a Table over b for a session: in memory the session's one
// Table; in Redis a new handle on the session's Scope each call (as every
// replica has its own), so a test that asks twice reads across replicas.
type forker func(b *store.Base[int, rec], session string) *store.Table[int, rec]

func recCodec() store.Codec[int, rec] { return store.IntKeys(store.JSON[rec]()) }

// eachMode runs one behaviour test against the memory and the Redis mode.
func eachMode(t *testing.T, test func(t *testing.T, fork forker)) {
	t.Run("memory", func(t *testing.T) {
		var mu sync.Mutex
		tables := map[string]*store.Table[int, rec]{}
		test(t, func(b *store.Base[int, rec], session string) *store.Table[int, rec] {
			mu.Lock()
			defer mu.Unlock()
			if tables[session] == nil {
				tables[session] = b.ForkIn(state.Scope{}, recCodec(), "recs")
			}
			return tables[session]
		})
	})
	t.Run("redis", func(t *testing.T) {
		r := statetest.Open(t)
		test(t, func(b *store.Base[int, rec], session string) *store.Table[int, rec] {
			return b.ForkIn(state.Scope{R: r, Session: session, Gen: 1}, recCodec(), "recs")
		})
	})
}

var errTaken = errors.New("email taken")

// insertRec creates a record with email, refused when another record has
// it: the uniqueness rule of a vendor's create.
func insertRec(tb *store.Table[int, rec], idem, email string) (rec, bool, error) {
	return tb.Insert(idem, func(seq int) int { return 1000 + seq }, func(tx store.Tx[int, rec], k int) (rec, error) {
		if len(tx.Lookup("email", email)) > 0 {
			return rec{}, errTaken
		}
		return rec{ID: k, Email: email}, nil
	})
}

func TestInsert(t *testing.T) { eachMode(t, testInsert) }

func testInsert(t *testing.T, fork forker) {
	// Fixtures 0-9 and 1001: the second created key skips it.
	recs := []rec{{ID: 1001, Email: "fixture@example.com"}}
	for i := range 10 {
		recs = append(recs, rec{ID: i, Email: fmt.Sprintf("u%d@example.com", i)})
	}
	b, err := store.NewBase(func(r rec) int { return r.ID },
		map[string]store.IndexFunc[rec]{"email": func(r rec) []string { return []string{r.Email} }}, recs)
	if err != nil {
		t.Fatal(err)
	}
	tb := fork(b, "s")
	if tb.Len() != 11 {
		t.Fatalf("Len = %d, want 11", tb.Len())
	}
	first, replayed, err := insertRec(tb, "k1", "new1@example.com")
	if err != nil || replayed || first != (rec{ID: 1000, Email: "new1@example.com"}) {
		t.Fatalf("first Insert = %+v, %v, %v", first, replayed, err)
	}
	second, _, err := insertRec(fork(b, "s"), "", "new2@example.com")
	if err != nil || second.ID != 1002 {
		t.Fatalf("second Insert = %+v, %v (want id 1002: 1001 is a fixture's)", second, err)
	}
	// Uniqueness sees seeded and created records alike; a refusal creates nothing.
	for _, email := range []string{"u3@example.com", "new1@example.com", "fixture@example.com"} {
		if _, _, err := insertRec(tb, "", email); err != errTaken {
			t.Errorf("Insert of taken %s: %v", email, err)
		}
	}
	// A created record changes like any other; the idempotent replay is
	// the record as it was created.
	if _, err := fork(b, "s").Update(1000, func(tx store.Tx[int, rec], r rec) (rec, error) {
		if got, ok := tx.Get(1002); !ok || got.Email != "new2@example.com" {
			t.Errorf("tx.Get of a created record: %+v %v", got, ok)
		}
		r.N, r.Email = 5, "renamed@example.com"
		return r, nil
	}); err != nil {
		t.Fatal(err)
	}
	again, replayed, err := insertRec(fork(b, "s"), "k1", "other@example.com")
	if err != nil || !replayed || again != first {
		t.Fatalf("replay = %+v, %v, %v; want %+v replayed", again, replayed, err, first)
	}
	if got, ok := tb.Get(1000); !ok || got != (rec{ID: 1000, Email: "renamed@example.com", N: 5}) {
		t.Errorf("Get(1000) = %+v %v", got, ok)
	}
	if got := tb.Lookup("email", "new1@example.com"); len(got) != 0 {
		t.Errorf("stale created index entry: %+v", got)
	}
	if got := tb.Lookup("email", "renamed@example.com"); len(got) != 1 || got[0].ID != 1000 {
		t.Errorf("Lookup of a created record's new email: %+v", got)
	}
	third, _, err := insertRec(tb, "k3", "new1@example.com") // free again
	if err != nil || third.ID != 1003 {
		t.Fatalf("third Insert = %+v, %v", third, err)
	}
	if tb.Len() != 14 {
		t.Errorf("Len = %d, want 14", tb.Len())
	}
	// Created records follow the seeded ones, in creation order.
	var ids []int
	fork(b, "s").Range(func(r rec) bool { ids = append(ids, r.ID); return true })
	if fmt.Sprint(ids) != "[1001 0 1 2 3 4 5 6 7 8 9 1000 1002 1003]" {
		t.Errorf("Range order: %v", ids)
	}
	if page, total := tb.Page(nil, 10, 3); total != 14 || fmt.Sprint(ids[10:13]) != fmt.Sprint(recIDs(page)) {
		t.Errorf("Page(nil, 10, 3) = %v, %d", recIDs(page), total)
	}
	match := func(r rec) bool { return r.ID >= 1000 }
	if page, total := tb.Page(match, 1, 10); total != 4 || fmt.Sprint(recIDs(page)) != "[1000 1002 1003]" {
		t.Errorf("Page(created, 1, 10) = %v, %d", recIDs(page), total)
	}
	// A build that names another key is refused; another session sees none of it.
	if _, _, err := tb.Insert("", func(seq int) int { return 2000 + seq }, func(_ store.Tx[int, rec], k int) (rec, error) {
		return rec{ID: k + 1}, nil
	}); err == nil {
		t.Error("a record with the wrong key was created")
	}
	other := fork(b, "other")
	if _, ok := other.Get(1000); ok || other.Len() != 11 {
		t.Errorf("another session sees created records (Len %d)", other.Len())
	}
	if r, _, err := insertRec(other, "k1", "new1@example.com"); err != nil || r.ID != 1000 {
		t.Errorf("another session's first Insert = %+v, %v", r, err)
	}
}

func recIDs(rs []rec) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// TestTwoReplicasCountExactly: 64 concurrent increments of one record,
// split over two handles on one session, all land.
func TestTwoReplicasCountExactly(t *testing.T) { eachMode(t, testTwoReplicasCountExactly) }

func testTwoReplicasCountExactly(t *testing.T, fork forker) {
	b := newBase(t, 3)
	replicas := []*store.Table[int, rec]{fork(b, "s"), fork(b, "s")}
	if _, _, err := insertRec(replicas[0], "", "created@example.com"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, k := range []int{1, 1000} {
				if _, err := replicas[g%2].Update(k, func(_ store.Tx[int, rec], r rec) (rec, error) { r.N++; return r, nil }); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for _, k := range []int{1, 1000} {
		for i, tb := range replicas {
			if r, _ := tb.Get(k); r.N != 64 {
				t.Errorf("replica %d: record %d N = %d, want 64", i, k, r.N)
			}
		}
	}
}

// TestConcurrentInsertsAreUnique: of 32 concurrent creates with one email
// over two replicas exactly one succeeds, and idempotent retries over
// both replicas create one record.
func TestConcurrentInsertsAreUnique(t *testing.T) { eachMode(t, testConcurrentInsertsAreUnique) }

func testConcurrentInsertsAreUnique(t *testing.T, fork forker) {
	b := newBase(t, 3)
	replicas := []*store.Table[int, rec]{fork(b, "s"), fork(b, "s")}
	var ok, taken, replays atomic.Int64
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if g < 32 {
				switch _, _, err := insertRec(replicas[g%2], "", "same@example.com"); err {
				case nil:
					ok.Add(1)
				case errTaken:
					taken.Add(1)
				default:
					t.Error(err)
				}
				return
			}
			r, replayed, err := insertRec(replicas[g%2], "retry", "idem"+strconv.Itoa(g)+"@example.com")
			if err != nil || r.ID < 1000 {
				t.Error(r, err)
			}
			if replayed {
				replays.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || taken.Load() != 31 || replays.Load() != 31 {
		t.Fatalf("%d created, %d refused, %d replayed; want 1, 31, 31", ok.Load(), taken.Load(), replays.Load())
	}
	if n := replicas[1].Len(); n != 5 {
		t.Errorf("Len = %d, want 3 seeded + 2 created", n)
	}
	if got := replicas[1].Lookup("email", "same@example.com"); len(got) != 1 {
		t.Errorf("Lookup = %+v", got)
	}
}

// TestRemoteRoundTrips: Get is one round trip, a read of the overlay one,
// an Update two (read the record, checked commit) and an Insert three
// (WATCH, read, MULTI/EXEC) when uncontended.
func TestRemoteRoundTrips(t *testing.T) {
	r := statetest.Open(t)
	tb := newBase(t, 10).ForkIn(state.Scope{R: r, Session: "s", Gen: 1}, recCodec(), "recs")
	trips := func(what string, want uint64, op func()) {
		t.Helper()
		before := r.RoundTrips()
		op()
		if got := r.RoundTrips() - before; got != want {
			t.Errorf("%s: %d round trips, want %d", what, got, want)
		}
	}
	trips("Update", 2, func() { tb.Update(2, func(_ store.Tx[int, rec], r rec) (rec, error) { r.N = 1; return r, nil }) })
	trips("Insert", 3, func() { insertRec(tb, "i", "x@example.com") })
	trips("Get", 1, func() { tb.Get(2) })
	trips("Get of a seeded record", 1, func() { tb.Get(3) })
	trips("Lookup", 1, func() { tb.Lookup("email", "u2@example.com") })
	trips("Range", 1, func() { tb.Range(func(rec) bool { return true }) })
	trips("Page", 1, func() { tb.Page(nil, 0, 5) })
	trips("Len", 1, func() { tb.Len() })
}

// TestRedisFailureAborts: with Redis gone every operation aborts the
// request with *state.Unavailable rather than answering from the base.
func TestRedisFailureAborts(t *testing.T) {
	url, stop, restart := statetest.Server(t)
	r := statetest.OpenURL(t, url)
	tb := newBase(t, 3).ForkIn(state.Scope{R: r, Session: "s", Gen: 1}, recCodec(), "recs")
	if _, err := tb.Update(1, func(_ store.Tx[int, rec], r rec) (rec, error) { r.N = 3; return r, nil }); err != nil {
		t.Fatal(err)
	}
	stop()
	ops := map[string]func(){
		"Get":    func() { tb.Get(1) },
		"Lookup": func() { tb.Lookup("email", "u1@example.com") },
		"Range":  func() { tb.Range(func(rec) bool { return true }) },
		"Page":   func() { tb.Page(nil, 0, 1) },
		"Len":    func() { tb.Len() },
		"Update": func() { tb.Update(1, func(_ store.Tx[int, rec], r rec) (rec, error) { return r, nil }) },
		"Insert": func() { insertRec(tb, "", "n@example.com") },
	}
	for name, op := range ops {
		if statetest.Aborted(op) == nil {
			t.Errorf("%s with Redis down did not abort with *state.Unavailable", name)
		}
	}
	if r.Healthy() {
		t.Error("backend still healthy")
	}
	restart()
	if got, _ := tb.Get(1); got.N != 0 { // a fresh redis-server: the overlay is gone
		t.Errorf("after restart Get = %+v", got)
	}
	if got, err := tb.Update(1, func(_ store.Tx[int, rec], r rec) (rec, error) { r.N++; return r, nil }); err != nil || got.N != 1 {
		t.Errorf("after restart Update = %+v, %v", got, err)
	}
	if !r.Healthy() {
		t.Error("backend not healthy after a successful command")
	}
}

// TestReadVersion: Read sees one moment of the table and its version;
// the version stays while nothing is written and moves with every write,
// whichever replica makes it (in Redis the version is the overlay's own,
// so a result kept at one version holds on every replica), and a Read
// after another replica's write sees that write.
func TestReadVersion(t *testing.T) { eachMode(t, testReadVersion) }

func testReadVersion(t *testing.T, fork forker) {
	b := newBase(t, 5)
	a, other := fork(b, "v"), fork(b, "v")
	read := func(tb *store.Table[int, rec], id int) (v uint64, r rec, n int) {
		tb.Read(func(version uint64, rd store.Reader[int, rec]) {
			v = version
			r, _ = rd.Get(id)
			rd.RangeRef(func(*rec) bool { n++; return true })
		})
		return v, r, n
	}
	v0, r0, n0 := read(a, 2)
	if v1, _, _ := read(a, 2); v1 != v0 || r0.N != 0 || n0 != 5 {
		t.Fatalf("two reads with no write: versions %d and %d, record %+v, %d records", v0, v1, r0, n0)
	}
	if _, err := other.Update(2, func(_ store.Tx[int, rec], r rec) (rec, error) { r.N = 7; return r, nil }); err != nil {
		t.Fatal(err)
	}
	v2, r2, _ := read(a, 2)
	if v2 == v0 || r2.N != 7 {
		t.Errorf("after the other replica's update: version %d (was %d), record %+v, want a new version and N 7", v2, v0, r2)
	}
	if _, _, err := insertRec(other, "", "new@example.com"); err != nil {
		t.Fatal(err)
	}
	v3, _, n3 := read(a, 2)
	if v3 == v2 || n3 != 6 {
		t.Errorf("after the other replica's insert: version %d (was %d), %d records, want a new version and 6", v3, v2, n3)
	}
}

// TestRemoteReadRoundTrips: a Read is one round trip, whether the
// overlay moved (read whole) or not (its version alone).
func TestRemoteReadRoundTrips(t *testing.T) {
	r := statetest.Open(t)
	tb := newBase(t, 10).ForkIn(state.Scope{R: r, Session: "s", Gen: 1}, recCodec(), "recs")
	for _, what := range []string{"first", "unchanged", "after a write"} {
		if what == "after a write" {
			tb.Update(2, func(_ store.Tx[int, rec], r rec) (rec, error) { r.N = 1; return r, nil })
		}
		before := r.RoundTrips()
		tb.Read(func(uint64, store.Reader[int, rec]) {})
		if got := r.RoundTrips() - before; got != 1 {
			t.Errorf("Read, %s: %d round trips, want 1", what, got)
		}
	}
}
