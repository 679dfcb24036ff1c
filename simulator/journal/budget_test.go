package journal_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
)

// entry is a journal entry of about size bytes (its body).
func entry(path string, size int) journal.Entry {
	return journal.Entry{Path: path, ResponseBody: strings.Repeat("x", size)}
}

// TestBudgetEvictsTheOldestEntriesOfAllJournals: past the budget, whole
// entries go, oldest first across sessions, and each journal counts its
// own losses.
func TestBudgetEvictsTheOldestEntriesOfAllJournals(t *testing.T) {
	one := int64(len("/a1")) + 10_000 + 320 // path, body and the fixed overhead
	b := journal.NewBudget(3 * one)
	a, c := journal.New(100, b), journal.New(100, b)
	a.Add(entry("/a1", 10_000))
	c.Add(entry("/c1", 10_000))
	if _, _, ev := a.Add(entry("/a2", 10_000)); ev != 0 || b.Used() != 3*one {
		t.Fatalf("within the budget: %d evicted, %d used", ev, b.Used())
	}
	if _, _, ev := c.Add(entry("/c2", 10_000)); ev != 1 {
		t.Fatalf("one over: %d evicted", ev)
	}
	paths := func(j *journal.Journal) string {
		var out []string
		for _, e := range j.Entries(journal.Filter{}) {
			out = append(out, e.Path)
		}
		return strings.Join(out, ",")
	}
	if got := paths(a) + "|" + paths(c); got != "/a2|/c1,/c2" || a.Dropped() != 1 || c.Dropped() != 0 || b.Evicted() != 1 || b.Used() != 3*one {
		t.Fatalf("after the eviction: %s, dropped %d/%d, evicted %d, used %d", got, a.Dropped(), c.Dropped(), b.Evicted(), b.Used())
	}
	// Released, cleared and ring-dropped entries give their bytes back.
	c.Release()
	if b.Used() != one {
		t.Fatalf("after Release: used %d, want %d", b.Used(), one)
	}
	a.Clear()
	if b.Used() != 0 {
		t.Fatalf("after Clear: used %d", b.Used())
	}
	small := journal.New(1, b)
	small.Add(entry("/s1", 100))
	small.Add(entry("/s2", 100))
	if want := int64(3 + 100 + 320); b.Used() != want || small.Len() != 1 {
		t.Fatalf("a ring drop: used %d, want %d", b.Used(), want)
	}
}

// TestBudgetUnderConcurrency: many journals adding at once never exceed
// the budget by more than the entries in flight, and the accounting ends
// exact.
func TestBudgetUnderConcurrency(t *testing.T) {
	b := journal.NewBudget(200_000)
	js := make([]*journal.Journal, 16)
	for i := range js {
		js[i] = journal.New(50, b)
	}
	var wg sync.WaitGroup
	for i, j := range js {
		wg.Go(func() {
			for k := range 500 {
				j.Add(entry(fmt.Sprintf("/%d/%d", i, k), 1000))
			}
		})
	}
	wg.Wait()
	var held int64
	for _, j := range js {
		for _, e := range j.Entries(journal.Filter{}) {
			held += int64(len(e.Path)+len(e.ResponseBody)) + 320
		}
	}
	if b.Used() != held || held > b.Limit() {
		t.Fatalf("used %d, entries held %d, limit %d", b.Used(), held, b.Limit())
	}
	for _, j := range js {
		j.Release()
	}
	if b.Used() != 0 {
		t.Fatalf("all released: used %d", b.Used())
	}
}
