package loanpro_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

// Paging through a search answers from the session's cached matches while
// its customers are unchanged, byte for byte what a fresh sandbox answers;
// a PUT that changes what matches is seen by the very next page.
func TestSearchPagesFollowWrites(t *testing.T) {
	cached, fresh := newSandbox(t), newSandbox(t)
	body := `{"query":{"bool":{"must":[{"match":{"status":"Active"}}]}},"aggs":{"limit":{"sum":{"field":"creditLimit"}}}}`
	for _, q := range []string{"?$top=10&$start=0", "?$top=10&$start=10", "?$start=20&$top=5", "?$top=10&$start=0&$orderby=lastName%20desc", "?$top=10&$start=10&$orderby=lastName%20desc"} {
		for range 2 { // the second is answered from the cache
			_, got := search(t, cached, q, body)
			_, want := search(t, fresh, q, body)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: cached answer\n%s\nfresh answer\n%s", q, got, want)
			}
		}
	}
	first, _ := search(t, cached, "?$top=10&$start=0", body)
	id := first.ids()[0]
	put := func(sb *sandbox, status string) {
		t.Helper()
		w := sb.Do(t, "PUT", base+fmt.Sprintf("/Customers(%d)", id), `{"status":"`+status+`","__ignoreWarnings":true}`, auth()...)
		if w.Status != 200 {
			t.Fatalf("PUT: %d %s", w.Status, w.Body)
		}
	}
	put(cached, "Inactive")
	put(fresh, "Inactive")
	after, got := search(t, cached, "?$top=10&$start=0", body)
	_, want := search(t, fresh, "?$top=10&$start=0", body)
	if !bytes.Equal(got, want) || slices.Contains(after.ids(), id) || after.D.Summary.Total != first.D.Summary.Total-1 {
		t.Fatalf("after the PUT: total %d (was %d), ids %v still has %d?\n%s\nfresh\n%s", after.D.Summary.Total, first.D.Summary.Total, after.ids(), id, got, want)
	}
}
