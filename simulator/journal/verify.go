package journal

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/expect"
)

// Expectation is an assertion about how many journal entries match a
// filter, the server-side twin of a mock library's "verify called twice".
type Expectation struct {
	Filter Filter
	expect.Bounds
}

// Verdict is the outcome of Verify, shaped to be returned as JSON as is.
type Verdict struct {
	OK bool `json:"ok"`
	// Matched counts only retained entries: see Dropped.
	Matched int `json:"matched"`
	// Dropped is how many older entries the journal had already dropped;
	// when it is not zero the count may be short.
	Dropped uint64 `json:"dropped"`
	Message string `json:"message"`
}

// Verify counts the entries matching x.Filter (ignoring its Limit, which
// would cap the count) and checks the bounds, explaining the result in
// words a failing test can print as is, e.g. "expected exactly 2 requests
// matching operation=weavr.consumerUpdate status=409, got 3".
func (j *Journal) Verify(x Expectation) Verdict {
	f := x.Filter
	f.Limit = 0
	var n int
	var dropped uint64
	if j.remote != nil {
		n, dropped = j.remote.count(f) // one snapshot of both
	} else {
		j.mu.Lock()
		j.each(func(s *stored) {
			if f.Match(&s.Entry) {
				n++
			}
		})
		dropped = j.dropped
		j.mu.Unlock()
	}

	var msg strings.Builder
	fmt.Fprintf(&msg, "expected %s", x.Describe("request", "requests"))
	if s := f.String(); s != "" {
		fmt.Fprintf(&msg, " matching %s", s)
	}
	fmt.Fprintf(&msg, ", got %d", n)
	if dropped > 0 {
		fmt.Fprintf(&msg, "; the journal had dropped %d older %s (capacity %d), so matching requests among them were not counted",
			dropped, plural(dropped == 1, "entry", "entries"), j.capacity)
	}
	return Verdict{OK: x.Holds(n), Matched: n, Dropped: dropped, Message: msg.String()}
}

func plural(one bool, singular, many string) string {
	if one {
		return singular
	}
	return many
}

// filterFields are the filter keys of a verify request.
var filterFields = []string{"method", "operation", "path", "scenario", "since", "status", "until", "vendor"}

// ParseExpectation decodes a verify request: one flat JSON object holding
// the filter fields of ParseFilter plus the bounds, e.g.
//
//	{"operation":"weavr.consumerUpdate","status":409,"exactly":2}
//
// status is a number (409) or a string ("409", "4xx"); since and until are
// RFC 3339 times or durations before now ("5m"). exactly, atLeast and
// atMost are whole numbers >= 0: at least one is required, exactly goes
// alone, and atLeast may not exceed atMost. Keys match exactly (case
// included) and unknown keys are errors, so a misspelt bound never turns an
// assertion into a no-op.
func ParseExpectation(body []byte, now time.Time) (Expectation, error) {
	raw, bounds, err := expect.Object(body, filterFields, `{"operation":"weavr.consumerUpdate","exactly":1}`)
	if err != nil {
		return Expectation{}, err
	}
	x := Expectation{Bounds: bounds}
	strs := []struct {
		key string
		dst *string
	}{
		{"operation", &x.Filter.Operation}, {"vendor", &x.Filter.Vendor}, {"method", &x.Filter.Method},
		{"path", &x.Filter.Path}, {"scenario", &x.Filter.Scenario},
	}
	for _, s := range strs {
		if *s.dst, err = expect.String(raw, s.key); err != nil {
			return Expectation{}, err
		}
	}
	if x.Filter.Status, x.Filter.StatusClass, err = rawStatus(raw["status"]); err != nil {
		return Expectation{}, err
	}
	for _, t := range []struct {
		key string
		dst *time.Time
	}{{"since", &x.Filter.Since}, {"until", &x.Filter.Until}} {
		v, err := expect.String(raw, t.key)
		if err != nil {
			return Expectation{}, err
		}
		if *t.dst, err = parseTime(t.key, v, now); err != nil {
			return Expectation{}, err
		}
	}
	return x, nil
}

// rawStatus decodes status given as 409, "409" or "4xx".
func rawStatus(v json.RawMessage) (int, string, error) {
	if v == nil || string(v) == "null" {
		return 0, "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return parseStatus(s)
	}
	var n int
	if err := json.Unmarshal(v, &n); err != nil || n < 100 || n > 599 {
		return 0, "", fmt.Errorf("invalid status %s: want a code from 100 to 599 such as 409, or a class such as \"4xx\"", v)
	}
	return n, "", nil
}
