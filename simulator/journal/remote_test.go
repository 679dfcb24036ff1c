package journal_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/expect"
	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
)

// newJournal makes an empty journal of the given capacity in one mode.
type newJournal func(capacity int) *journal.Journal

// eachMode runs fn as a subtest per mode, memory and Redis (a real
// redis-server, a fresh key prefix per subtest), so one behaviour table
// holds for both. name "" runs the modes directly under t.
func eachMode(t *testing.T, name string, fn func(t *testing.T, newJ newJournal)) {
	t.Helper()
	run := func(t *testing.T) {
		t.Run("memory", func(t *testing.T) {
			fn(t, func(c int) *journal.Journal { return journal.NewIn(state.Scope{}, c, nil) })
		})
		t.Run("redis", func(t *testing.T) {
			r := statetest.Open(t)
			n := 0
			fn(t, func(c int) *journal.Journal {
				n++ // a journal of its own per call
				return journal.NewIn(state.Scope{R: r, Session: fmt.Sprintf("s%d", n), Gen: 1}, c, nil)
			})
		})
	}
	if name == "" {
		run(t)
		return
	}
	t.Run(name, run)
}

// Every field comes back as it went in, bodies with NUL bytes, quotes and
// multi-byte runes included.
func TestEntryRoundTrip(t *testing.T) {
	in := journal.Entry{
		Time: t0.Add(123456789 * time.Nanosecond), DurationMs: 1.234567, Session: "s1", Vendor: "loanpro",
		Operation: "loanpro.loanGet", Method: "GET", Path: "/api/public/api/1/odata.svc/Loans(7)", Query: "$expand=Foo&x=é",
		RequestHeaders: http.Header{"Authorization": {"Bearer t"}, "X-Multi": {"1", "2"}}, RequestBody: "{\"a\":\"\x00\"}\n",
		Status: 599, ResponseHeaders: http.Header{"Content-Type": {"application/json"}}, ResponseBody: `{"d":"€ 😀"}`,
		Scenario: "slow", RequestRef: "ref-9",
	}
	eachMode(t, "", func(t *testing.T, newJ newJournal) {
		j := newJ(4)
		j.Add(journal.Entry{})
		seq, _, _ := j.Add(in)
		want := in
		want.Seq = 2
		got := j.Entries(journal.Filter{After: 1})
		if seq != 2 || len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Fatalf("Add = %d, Entries = %#v; want 2, %#v", seq, got, want)
		}
	})
}

// Filter.Match holds on the entries a journal gives back: a journal of
// capacity 1 holding matchEntry (Seq 7) counts 1 exactly for the filters
// that match it.
func TestFilterOnStoredEntries(t *testing.T) {
	eachMode(t, "", func(t *testing.T, newJ newJournal) {
		j := newJ(1)
		e := matchEntry()
		for range 6 {
			j.Add(e)
		}
		j.Add(e)
		for _, tc := range matchCases() {
			t.Run(tc.name, func(t *testing.T) {
				want := 0
				if tc.want {
					want = 1
				}
				got := j.Entries(tc.f)
				if n := j.Count(tc.f); n != want || len(got) != want || (want == 1 && !reflect.DeepEqual(got[0], e)) {
					t.Fatalf("Count = %d, Entries = %+v; want %d of %+v", n, got, want, e)
				}
			})
		}
	})
}

// The zero Scope is New: the Budget charges its entries. A Redis journal
// is bounded by its capacity alone: the Budget neither charges nor evicts.
func TestNewInBudget(t *testing.T) {
	mem := journal.NewBudget(1)
	j := journal.NewIn(state.Scope{}, 5, mem)
	if _, _, evicted := j.Add(journal.Entry{Path: "/a"}); evicted != 1 || j.Len() != 0 || j.Dropped() != 1 {
		t.Fatalf("memory: evicted %d Len %d Dropped %d, want 1 0 1", evicted, j.Len(), j.Dropped())
	}

	b := journal.NewBudget(1)
	rj := journal.NewIn(state.Scope{R: statetest.Open(t), Session: "s", Gen: 1}, 5, b)
	for range 7 {
		if _, _, evicted := rj.Add(journal.Entry{Path: "/a", ResponseBody: "0123456789"}); evicted != 0 {
			t.Fatalf("redis: evicted %d, want 0", evicted)
		}
	}
	rj.Release()
	if rj.Len() != 5 || rj.Dropped() != 2 || b.Used() != 0 || b.Evicted() != 0 {
		t.Fatalf("redis: Len %d Dropped %d, budget used %d evicted %d; want 5 2 0 0", rj.Len(), rj.Dropped(), b.Used(), b.Evicted())
	}
}

// Two replicas (two clients, two handles) on one session's Scope are one
// journal: what one adds the other reads, a Clear on one is seen by both,
// and a handle made later (a restarted replica) finds it all.
func TestTwoReplicasShareOneJournal(t *testing.T) {
	ra, rb := statetest.Replicas(t)
	a := journal.NewIn(state.Scope{R: ra, Session: "s", Gen: 1}, 3, nil)
	b := journal.NewIn(state.Scope{R: rb, Session: "s", Gen: 1}, 3, nil)
	other := journal.NewIn(state.Scope{R: rb, Session: "s", Gen: 2}, 3, nil) // the session after a reset
	for i := range 4 {
		j := a
		if i%2 == 1 {
			j = b
		}
		if seq, _, _ := j.Add(journal.Entry{Path: fmt.Sprintf("/p%d", i+1)}); seq != uint64(i+1) {
			t.Fatalf("add %d: Seq %d, want %d", i, seq, i+1)
		}
	}
	for name, j := range map[string]*journal.Journal{"a": a, "b": b} {
		if got := seqs(j.Entries(journal.Filter{})); !reflect.DeepEqual(got, []uint64{2, 3, 4}) || j.Dropped() != 1 || j.LastSeq() != 4 || j.Len() != 3 {
			t.Fatalf("%s: seqs %v dropped %d lastSeq %d len %d; want [2 3 4] 1 4 3", name, got, j.Dropped(), j.LastSeq(), j.Len())
		}
	}
	if other.Len() != 0 || other.LastSeq() != 0 {
		t.Fatalf("another generation sees Len %d LastSeq %d, want 0 0", other.Len(), other.LastSeq())
	}
	a.Clear()
	if b.Len() != 0 || b.Dropped() != 0 || b.LastSeq() != 4 {
		t.Fatalf("after a's Clear, b: Len %d Dropped %d LastSeq %d; want 0 0 4", b.Len(), b.Dropped(), b.LastSeq())
	}
	if seq, _, _ := b.Add(journal.Entry{Path: "/p5"}); seq != 5 {
		t.Fatalf("Seq after Clear = %d, want 5", seq)
	}
	restarted := journal.NewIn(state.Scope{R: ra, Session: "s", Gen: 1}, 3, nil)
	if got := restarted.Entries(journal.Filter{}); len(got) != 1 || got[0].Seq != 5 || got[0].Path != "/p5" {
		t.Fatalf("a new handle reads %+v, want the one entry /p5 of Seq 5", got)
	}
}

// 64 writers over two replicas' handles on one journal, with readers
// alongside: every Seq is drawn once, every drop is counted once, and no
// reader ever sees more than the capacity.
func TestTwoReplicasConcurrentAdds(t *testing.T) {
	ra, rb := statetest.Replicas(t)
	const capacity, writers, each = 100, 64, 25
	const total = writers * each
	handles := []*journal.Journal{
		journal.NewIn(state.Scope{R: ra, Session: "s", Gen: 1}, capacity, nil),
		journal.NewIn(state.Scope{R: rb, Session: "s", Gen: 1}, capacity, nil),
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		got     []uint64
		dropped int
		stop    = make(chan struct{})
		readErr = make(chan string, 1)
		readers sync.WaitGroup
	)
	for _, j := range handles {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				es := j.Entries(journal.Filter{})
				n := j.Count(journal.Filter{Method: "POST"})
				if len(es) > capacity || n > capacity || !slices.IsSorted(seqs(es)) {
					select {
					case readErr <- fmt.Sprintf("read %d entries (sorted %v), count %d; capacity %d", len(es), slices.IsSorted(seqs(es)), n, capacity):
					default:
					}
				}
			}
		}()
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := handles[w%2]
			for range each {
				seq, d, _ := j.Add(journal.Entry{Method: "POST", Vendor: fmt.Sprint(w)})
				mu.Lock()
				got = append(got, seq)
				if d {
					dropped++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	select {
	case msg := <-readErr:
		t.Fatal(msg)
	default:
	}
	slices.Sort(got)
	for i, s := range got {
		if s != uint64(i+1) {
			t.Fatalf("Seqs drawn: %d at %d, want each of 1..%d once", s, i, total)
		}
	}
	if dropped != total-capacity {
		t.Fatalf("Add reported %d drops, want %d", dropped, total-capacity)
	}
	for _, j := range handles {
		es := j.Entries(journal.Filter{})
		if j.Len() != capacity || j.Dropped() != total-capacity || j.LastSeq() != total || len(es) != capacity {
			t.Fatalf("Len %d Dropped %d LastSeq %d entries %d; want %d %d %d %d", j.Len(), j.Dropped(), j.LastSeq(), len(es), capacity, total-capacity, total, capacity)
		}
		for i, e := range es {
			if want := uint64(total - capacity + i + 1); e.Seq != want {
				t.Fatalf("entry %d Seq %d, want %d", i, e.Seq, want)
			}
		}
	}
}

// A Clear racing adds on another replica: the Seqs stay unique and the
// journal never holds more than capacity nor an entry from before the
// Clear next to a gap.
func TestTwoReplicasClearWhileAdding(t *testing.T) {
	ra, rb := statetest.Replicas(t)
	a := journal.NewIn(state.Scope{R: ra, Session: "s", Gen: 1}, 20, nil)
	b := journal.NewIn(state.Scope{R: rb, Session: "s", Gen: 1}, 20, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				a.Add(journal.Entry{})
			}
		}()
	}
	for range 10 {
		b.Clear()
	}
	wg.Wait()
	es := seqs(b.Entries(journal.Filter{}))
	if b.LastSeq() != 400 || len(es) > 20 || len(es) != b.Len() {
		t.Fatalf("LastSeq %d, entries %v (Len %d); want 400 and at most 20", b.LastSeq(), es, b.Len())
	}
	for i, s := range es {
		if want := uint64(400 - len(es) + i + 1); s != want {
			t.Fatalf("entries %v: want the newest %d Seqs, consecutive", es, len(es))
		}
	}
}

// Each operation costs one round trip to Redis.
func TestRedisRoundTrips(t *testing.T) {
	r := statetest.Open(t)
	j := journal.NewIn(state.Scope{R: r, Session: "s", Gen: 1}, 3, nil)
	j.Add(journal.Entry{}) // loads the scripts: the first run of each
	j.Entries(journal.Filter{})
	j.Clear()
	for _, tc := range []struct {
		name string
		op   func()
	}{
		{"Add", func() { j.Add(journal.Entry{Path: "/a"}) }},
		{"Add", func() { j.Add(journal.Entry{Path: "/b"}) }},
		{"Add", func() { j.Add(journal.Entry{Path: "/c"}) }},
		{"Add dropping", func() {
			if _, dropped, _ := j.Add(journal.Entry{}); !dropped {
				t.Error("the fourth Add into 3 did not drop")
			}
		}},
		{"Entries", func() { j.Entries(journal.Filter{Path: "/a"}) }},
		{"Entries after", func() { j.Entries(journal.Filter{After: 2, Limit: 1}) }},
		{"Count", func() { j.Count(journal.Filter{Status: 200}) }},
		{"Count all", func() { j.Count(journal.Filter{}) }},
		{"Verify", func() { j.Verify(journal.Expectation{Bounds: expect.Bounds{AtLeast: new(1)}}) }},
		{"Len", func() { j.Len() }},
		{"Dropped", func() { j.Dropped() }},
		{"LastSeq", func() { j.LastSeq() }},
		{"Clear", func() { j.Clear() }},
	} {
		before := r.RoundTrips()
		tc.op()
		if got := r.RoundTrips() - before; got != 1 {
			t.Errorf("%s: %d round trips, want 1", tc.name, got)
		}
	}
}

// With Redis away every method aborts the request with *state.Unavailable
// (a sandbox 503), never answering from nothing; with Redis back it works.
func TestRedisDownIsUnavailable(t *testing.T) {
	url, stop, restart := statetest.Server(t)
	r := statetest.OpenURL(t, url)
	j := journal.NewIn(state.Scope{R: r, Session: "s", Gen: 1}, 3, nil)
	j.Add(journal.Entry{})
	stop()
	ops := []struct {
		name string
		op   func()
	}{
		{"Add", func() { j.Add(journal.Entry{}) }},
		{"Entries", func() { j.Entries(journal.Filter{}) }},
		{"Count", func() { j.Count(journal.Filter{Path: "/a"}) }},
		{"Verify", func() { j.Verify(journal.Expectation{Bounds: expect.Bounds{AtLeast: new(1)}}) }},
		{"Len", func() { j.Len() }},
		{"Dropped", func() { j.Dropped() }},
		{"LastSeq", func() { j.LastSeq() }},
		{"Clear", func() { j.Clear() }},
	}
	t.Run("down", func(t *testing.T) {
		for _, tc := range ops {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel() // each waits out the client's dial retries
				if statetest.Aborted(tc.op) == nil {
					t.Fatal("returned, want an abort with *state.Unavailable")
				}
			})
		}
	})
	if r.Healthy() {
		t.Fatal("backend still healthy with Redis stopped")
	}
	restart()
	deadline := time.Now().Add(5 * time.Second)
	for r.Ping(context.Background()) != nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if seq, _, _ := j.Add(journal.Entry{}); seq != 1 || j.Len() != 1 {
		t.Fatalf("after restart (an empty Redis): Seq %d Len %d, want 1 1", seq, j.Len())
	}
}

// BenchmarkAddRedis is BenchmarkAdd in Redis mode: one script round trip
// into a full list.
func BenchmarkAddRedis(b *testing.B) {
	j := journal.NewIn(state.Scope{R: statetest.Open(b), Session: "s", Gen: 1}, 1000, nil)
	e := journal.Entry{Method: "PATCH", Path: "/multi/consumers", Status: 200,
		RequestHeaders:  http.Header{"Api-Key": {"k"}, "Authorization": {"Bearer t"}, "Content-Type": {"application/json"}},
		ResponseHeaders: http.Header{"Content-Type": {"application/json"}, "Request-Ref": {"r"}},
		RequestBody:     `{"tag":"x"}`, ResponseBody: `{"id":"1"}`}
	b.ReportAllocs()
	for range b.N {
		j.Add(e)
	}
}
