package loanpro

import (
	"strings"
	"sync"
)

// A search reads every customer of the session to answer one page, and a
// client paging through results ($start 0, 10, 20, …) asks the same query
// again and again while nothing changes. searchCache keeps, per session,
// the last few queries' matches (the customers' ids in answer order, the
// total and the aggregations) with the version of the session's customers
// table they were computed at: the next page of an unchanged table is then
// the page's customers only. Any write to the table (a PUT, a created
// customer) moves its version on, and the entry is recomputed. In Redis
// mode the version is the table's own in Redis (store.Table.Read), which
// every replica's write moves: one round trip validates an entry.
type searchCache struct {
	mu      sync.Mutex
	entries [searchCacheSize]searchEntry
	next    int // the slot the next new entry takes (oldest first)
}

const (
	searchCacheSize = 8
	// searchCacheMax bounds the matches an entry keeps (8 bytes each).
	searchCacheMax = 10_000
)

type searchEntry struct {
	key     string
	version uint64
	ids     []int // every match, in answer order
	aggs    []searchAgg
}

// searches is w's search cache, made on first use.
func (w *World) searches() *searchCache {
	if c := w.search.Load(); c != nil {
		return c
	}
	w.search.CompareAndSwap(nil, new(searchCache))
	return w.search.Load()
}

// get returns the entry of key computed at version.
func (c *searchCache) get(key string, version uint64) (searchEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.ids != nil && e.key == key && e.version == version {
			return e, true
		}
	}
	return searchEntry{}, false
}

// put keeps e, in place of the entry of the same key or the oldest.
func (c *searchCache) put(e searchEntry) {
	if len(e.ids) > searchCacheMax {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.entries {
		if c.entries[i].key == e.key {
			c.entries[i] = e
			return
		}
	}
	c.entries[c.next] = e
	c.next = (c.next + 1) % searchCacheSize
}

// searchKey is what decides a search's matches and their order: the body
// and the query options other than the page ($start, $top). An option
// spelled otherwise stays in the key, which only costs a miss.
func searchKey(body []byte, rawQuery string) string {
	var b strings.Builder
	b.Grow(len(body) + 1 + len(rawQuery))
	b.Write(body)
	b.WriteByte(0)
	for part := range strings.SplitSeq(rawQuery, "&") {
		if strings.HasPrefix(part, "$start=") || strings.HasPrefix(part, "$top=") || part == "" {
			continue
		}
		b.WriteString(part)
		b.WriteByte('&')
	}
	return b.String()
}
