package journal_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/expect"
	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
)

var t0 = time.Date(2024, 1, 2, 15, 4, 5, 0, time.UTC)

// seqs lists the Seq of each entry.
func seqs(es []journal.Entry) []uint64 {
	out := []uint64{}
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

// fill adds n entries whose Path is "/p<i>", i from 1.
func fill(j *journal.Journal, n int) {
	for i := 1; i <= n; i++ {
		j.Add(journal.Entry{Path: fmt.Sprintf("/p%d", i), Time: t0.Add(time.Duration(i) * time.Second)})
	}
}

func TestNewCapacity(t *testing.T) {
	for _, tc := range []struct {
		in, want int
	}{{0, 1000}, {-5, 1000}, {1, 1}, {3, 3}} {
		eachMode(t, fmt.Sprint(tc.in), func(t *testing.T, newJ newJournal) {
			j := newJ(tc.in)
			if got := j.Capacity(); got != tc.want {
				t.Fatalf("Capacity() = %d, want %d", got, tc.want)
			}
			if j.Len() != 0 || j.Dropped() != 0 || j.LastSeq() != 0 {
				t.Fatalf("new journal Len %d Dropped %d LastSeq %d, want 0 0 0", j.Len(), j.Dropped(), j.LastSeq())
			}
		})
	}
}

func TestRingBuffer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		capacity  int
		adds      int
		wantSeqs  []uint64
		wantDrops uint64
	}{
		{"empty", 3, 0, []uint64{}, 0},
		{"below capacity", 3, 2, []uint64{1, 2}, 0},
		{"exactly full", 3, 3, []uint64{1, 2, 3}, 0},
		{"one over", 3, 4, []uint64{2, 3, 4}, 1},
		{"wrapped twice", 3, 7, []uint64{5, 6, 7}, 4},
		{"capacity one", 1, 5, []uint64{5}, 4},
	} {
		eachMode(t, tc.name, func(t *testing.T, newJ newJournal) {
			j := newJ(tc.capacity)
			fill(j, tc.adds)
			got := j.Entries(journal.Filter{})
			if !reflect.DeepEqual(seqs(got), tc.wantSeqs) {
				t.Fatalf("seqs = %v, want %v", seqs(got), tc.wantSeqs)
			}
			for _, e := range got {
				if want := fmt.Sprintf("/p%d", e.Seq); e.Path != want {
					t.Errorf("entry %d path %q, want %q", e.Seq, e.Path, want)
				}
			}
			if j.Dropped() != tc.wantDrops {
				t.Errorf("Dropped() = %d, want %d", j.Dropped(), tc.wantDrops)
			}
			if j.Len() != len(tc.wantSeqs) {
				t.Errorf("Len() = %d, want %d", j.Len(), len(tc.wantSeqs))
			}
			if j.LastSeq() != uint64(tc.adds) {
				t.Errorf("LastSeq() = %d, want %d", j.LastSeq(), tc.adds)
			}
		})
	}
}

func TestAddReturnsSeqAndDrop(t *testing.T) {
	eachMode(t, "", func(t *testing.T, newJ newJournal) {
		j := newJ(2)
		in := journal.Entry{Seq: 99, Operation: "weavr.consumerGet", Status: 200}
		for _, tc := range []struct {
			seq     uint64
			dropped bool
		}{{1, false}, {2, false}, {3, true}, {4, true}} {
			t.Run(fmt.Sprint(tc.seq), func(t *testing.T) {
				seq, dropped, evicted := j.Add(in)
				newest := j.Entries(journal.Filter{})[j.Len()-1]
				want := journal.Entry{Seq: tc.seq, Operation: "weavr.consumerGet", Status: 200}
				if seq != tc.seq || dropped != tc.dropped || evicted != 0 || !reflect.DeepEqual(newest, want) {
					t.Fatalf("Add = %d, %v, %d, stored %+v; want %d, %v, 0, %+v", seq, dropped, evicted, newest, tc.seq, tc.dropped, want)
				}
			})
		}
	})
}

// Neither the caller's header maps nor a reader's copy can change what the
// journal holds.
func TestEntriesAreCopies(t *testing.T) {
	eachMode(t, "", func(t *testing.T, newJ newJournal) {
		j := newJ(2)
		h := http.Header{"A": {"1"}}
		j.Add(journal.Entry{RequestHeaders: h, ResponseHeaders: http.Header{"B": {"2"}}})
		h.Set("A", "changed")
		got := j.Entries(journal.Filter{})
		got[0].RequestHeaders.Set("A", "reader")
		got[0].ResponseHeaders.Set("B", "reader")
		got[0].Path = "/mutated"
		again := j.Entries(journal.Filter{})[0]
		if a, b, p := again.RequestHeaders.Get("A"), again.ResponseHeaders.Get("B"), again.Path; a != "1" || b != "2" || p != "" {
			t.Fatalf("stored entry changed: A=%q B=%q path=%q", a, b, p)
		}
	})
}

// Headers come back as they went in: repeated values in order, names as
// given, an empty set as nil.
func TestHeadersRoundTrip(t *testing.T) {
	eachMode(t, "", func(t *testing.T, newJ newJournal) {
		j := newJ(3)
		in := http.Header{"Accept": {"a/b", "c/d"}, "X-Empty": {""}, "Api-Key": {"k"}}
		j.Add(journal.Entry{RequestHeaders: in, ResponseHeaders: http.Header{}})
		got := j.Entries(journal.Filter{})[0]
		if !reflect.DeepEqual(got.RequestHeaders, in) || got.ResponseHeaders != nil {
			t.Fatalf("headers %#v / %#v", got.RequestHeaders, got.ResponseHeaders)
		}
	})
}

func TestEntriesAndCountWithLimit(t *testing.T) {
	eachMode(t, "", func(t *testing.T, newJ newJournal) {
		j := newJ(10)
		fill(j, 6)
		testEntriesAndCount(t, j, []entriesCase{
			{"all", journal.Filter{}, []uint64{1, 2, 3, 4, 5, 6}, 6},
			{"limit keeps newest", journal.Filter{Limit: 2}, []uint64{5, 6}, 2},
			{"limit above matches", journal.Filter{Limit: 50}, []uint64{1, 2, 3, 4, 5, 6}, 6},
			{"filter then limit", journal.Filter{Since: t0.Add(2 * time.Second), Until: t0.Add(5 * time.Second), Limit: 2}, []uint64{3, 4}, 2},
			{"no match", journal.Filter{Path: "/nope"}, []uint64{}, 0},
			{"after a cursor", journal.Filter{After: 4}, []uint64{5, 6}, 2},
			{"after the newest", journal.Filter{After: 6}, []uint64{}, 0},
			{"after a cursor, newest first cut", journal.Filter{After: 1, Limit: 3}, []uint64{4, 5, 6}, 3},
			{"after a cursor, filtered", journal.Filter{After: 2, Path: "/p4"}, []uint64{4}, 1},
			{"after a stale cursor", journal.Filter{After: 60}, []uint64{}, 0},
		})
	})
}

// A wrapped journal: the cursor and the limit count from the entries
// still held (Seq 5 to 7 of 7), not from the first Seq.
func TestEntriesAndCountWrapped(t *testing.T) {
	eachMode(t, "", func(t *testing.T, newJ newJournal) {
		j := newJ(3)
		fill(j, 7)
		testEntriesAndCount(t, j, []entriesCase{
			{"all", journal.Filter{}, []uint64{5, 6, 7}, 3},
			{"limit", journal.Filter{Limit: 2}, []uint64{6, 7}, 2},
			{"after a dropped seq", journal.Filter{After: 2}, []uint64{5, 6, 7}, 3},
			{"after a held seq", journal.Filter{After: 5}, []uint64{6, 7}, 2},
			{"after a held seq with limit", journal.Filter{After: 4, Limit: 1}, []uint64{7}, 1},
			{"after the newest", journal.Filter{After: 7}, []uint64{}, 0},
			{"filter among held", journal.Filter{Path: "/p6"}, []uint64{6}, 1},
			{"filter on a dropped one", journal.Filter{Path: "/p1"}, []uint64{}, 0},
			{"filter and limit", journal.Filter{Since: t0.Add(5 * time.Second), Limit: 2}, []uint64{6, 7}, 2},
		})
	})
}

type entriesCase struct {
	name  string
	f     journal.Filter
	seqs  []uint64
	count int
}

// testEntriesAndCount checks Entries and Count of j against each case.
func testEntriesAndCount(t *testing.T, j *journal.Journal, cases []entriesCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := seqs(j.Entries(tc.f)); !reflect.DeepEqual(got, tc.seqs) {
				t.Errorf("Entries seqs = %v, want %v", got, tc.seqs)
			}
			if got := j.Count(tc.f); got != tc.count {
				t.Errorf("Count = %d, want %d", got, tc.count)
			}
		})
	}
}

func TestClear(t *testing.T) {
	eachMode(t, "", func(t *testing.T, newJ newJournal) { testClear(t, newJ(2)) })
}

func testClear(t *testing.T, j *journal.Journal) {
	fill(j, 5)
	j.Clear()
	if j.LastSeq() != 5 {
		t.Fatalf("LastSeq after Clear = %d, want 5 (a poller's cursor stays valid)", j.LastSeq())
	}
	if j.Len() != 0 || j.Dropped() != 0 || len(j.Entries(journal.Filter{})) != 0 {
		t.Fatalf("after Clear: Len %d Dropped %d", j.Len(), j.Dropped())
	}
	if seq, _, _ := j.Add(journal.Entry{}); seq != 6 {
		t.Fatalf("Seq after Clear = %d, want 6 (Seq never repeats)", seq)
	}
	fill(j, 2)
	if got := seqs(j.Entries(journal.Filter{})); !reflect.DeepEqual(got, []uint64{7, 8}) || j.Dropped() != 1 {
		t.Fatalf("after refill seqs %v dropped %d, want [7 8] 1", got, j.Dropped())
	}
}

func TestEntryJSON(t *testing.T) {
	e := journal.Entry{
		Seq: 3, Time: t0, DurationMs: journal.Millis(1500 * time.Microsecond), Session: "s1", Vendor: "weavr",
		Operation: "weavr.consumerUpdate", Method: "PATCH", Path: "/multi/consumers", Query: "a=1",
		RequestHeaders: http.Header{"Api-Key": {"****-key"}}, RequestBody: `{"name":"A"}`, Status: 409,
		ResponseHeaders: http.Header{"Content-Type": {"application/json"}}, ResponseBody: `{}`,
		Scenario: "email-taken", RequestRef: "ref-1",
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"seq":3,"time":"2024-01-02T15:04:05Z","durationMs":1.5,"session":"s1","vendor":"weavr",` +
		`"operation":"weavr.consumerUpdate","method":"PATCH","path":"/multi/consumers","query":"a=1",` +
		`"requestHeaders":{"Api-Key":["****-key"]},"requestBody":"{\"name\":\"A\"}","status":409,` +
		`"responseHeaders":{"Content-Type":["application/json"]},"responseBody":"{}",` +
		`"scenario":"email-taken","requestRef":"ref-1"}`
	if string(b) != want {
		t.Fatalf("JSON =\n%s\nwant\n%s", b, want)
	}
}

func TestConcurrentUse(t *testing.T) {
	eachMode(t, "", func(t *testing.T, newJ newJournal) { testConcurrentUse(t, newJ(50)) })
}

func testConcurrentUse(t *testing.T, j *journal.Journal) {
	const writers, each = 8, 100
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range each {
				j.Add(journal.Entry{Vendor: fmt.Sprint(w), RequestHeaders: http.Header{"X": {"y"}}})
			}
		}()
		go func() {
			defer wg.Done()
			for range each {
				for _, e := range j.Entries(journal.Filter{Limit: 5}) {
					_ = e.RequestHeaders.Get("X")
				}
				j.Count(journal.Filter{Vendor: "1"})
				j.Verify(journal.Expectation{Bounds: expect.Bounds{AtLeast: new(0)}})
				j.Len()
				j.Dropped()
			}
		}()
	}
	wg.Wait()
	if j.Len() != 50 || j.Dropped() != writers*each-50 {
		t.Fatalf("Len %d Dropped %d, want 50 %d", j.Len(), j.Dropped(), writers*each-50)
	}
	got := seqs(j.Entries(journal.Filter{}))
	for i, s := range got {
		if want := uint64(writers*each - 50 + i + 1); s != want {
			t.Fatalf("seq[%d] = %d, want %d (all: %v)", i, s, want, got)
		}
	}
}

// BenchmarkAdd is one journal append into a full ring (the steady state).
func BenchmarkAdd(b *testing.B) {
	j := journal.New(1000, nil)
	e := journal.Entry{Method: "PATCH", Path: "/multi/consumers", Status: 200,
		RequestHeaders:  http.Header{"Api-Key": {"k"}, "Authorization": {"Bearer t"}, "Content-Type": {"application/json"}},
		ResponseHeaders: http.Header{"Content-Type": {"application/json"}, "Request-Ref": {"r"}},
		RequestBody:     `{"tag":"x"}`, ResponseBody: `{"id":"1"}`}
	b.ReportAllocs()
	for range b.N {
		j.Add(e)
	}
}
