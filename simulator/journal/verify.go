package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Expectation is an assertion about how many journal entries match a
// filter, the server-side twin of a mock library's "verify called twice".
// At least one bound is set; Exactly excludes the other two.
type Expectation struct {
	Filter  Filter
	Exactly *int
	AtLeast *int
	AtMost  *int
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
	j.mu.Lock()
	n := 0
	j.each(func(s *stored) {
		if f.Match(&s.Entry) {
			n++
		}
	})
	dropped := j.dropped
	j.mu.Unlock()

	ok := (x.Exactly == nil || n == *x.Exactly) &&
		(x.AtLeast == nil || n >= *x.AtLeast) &&
		(x.AtMost == nil || n <= *x.AtMost)
	var msg strings.Builder
	fmt.Fprintf(&msg, "expected %s", x.describe())
	if s := f.String(); s != "" {
		fmt.Fprintf(&msg, " matching %s", s)
	}
	fmt.Fprintf(&msg, ", got %d", n)
	if dropped > 0 {
		fmt.Fprintf(&msg, "; the journal had dropped %d older %s (capacity %d), so matching requests among them were not counted",
			dropped, plural(dropped == 1, "entry", "entries"), j.capacity)
	}
	return Verdict{OK: ok, Matched: n, Dropped: dropped, Message: msg.String()}
}

// describe renders the bounds, e.g. "exactly 1 request" or
// "at least 1 and at most 3 requests".
func (x Expectation) describe() string {
	var parts []string
	last := -1
	if x.Exactly != nil {
		parts = append(parts, "exactly "+strconv.Itoa(*x.Exactly))
		last = *x.Exactly
	}
	if x.AtLeast != nil {
		parts = append(parts, "at least "+strconv.Itoa(*x.AtLeast))
		last = *x.AtLeast
	}
	if x.AtMost != nil {
		parts = append(parts, "at most "+strconv.Itoa(*x.AtMost))
		last = *x.AtMost
	}
	if len(parts) == 0 {
		return "any number of requests"
	}
	return strings.Join(parts, " and ") + " " + plural(last == 1 && len(parts) == 1, "request", "requests")
}

func plural(one bool, singular, many string) string {
	if one {
		return singular
	}
	return many
}

// expectationFields are the keys of a verify request, sorted.
func expectationFields() []string {
	return []string{"atLeast", "atMost", "exactly", "method", "operation", "path", "scenario", "since", "status", "until", "vendor"}
}

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
	if len(bytes.TrimSpace(body)) == 0 {
		return Expectation{}, errors.New(`empty verify request: want a JSON object such as {"operation":"weavr.consumerUpdate","exactly":1}`)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return Expectation{}, fmt.Errorf("verify request is not valid JSON: %v", err)
	}
	var raw map[string]json.RawMessage
	if _, ok := v.(map[string]any); !ok || json.Unmarshal(body, &raw) != nil {
		return Expectation{}, errors.New(`verify request must be a JSON object such as {"operation":"weavr.consumerUpdate","exactly":1}`)
	}
	known := expectationFields()
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(known, k) {
			return Expectation{}, fmt.Errorf("unknown field %q in verify request; known fields: %s", k, strings.Join(known, ", "))
		}
	}

	var x Expectation
	strs := []struct {
		key string
		dst *string
	}{
		{"operation", &x.Filter.Operation}, {"vendor", &x.Filter.Vendor}, {"method", &x.Filter.Method},
		{"path", &x.Filter.Path}, {"scenario", &x.Filter.Scenario},
	}
	for _, s := range strs {
		v, err := rawString(raw, s.key)
		if err != nil {
			return Expectation{}, err
		}
		*s.dst = v
	}
	var err error
	if x.Filter.Status, x.Filter.StatusClass, err = rawStatus(raw["status"]); err != nil {
		return Expectation{}, err
	}
	for _, t := range []struct {
		key string
		dst *time.Time
	}{{"since", &x.Filter.Since}, {"until", &x.Filter.Until}} {
		v, err := rawString(raw, t.key)
		if err != nil {
			return Expectation{}, err
		}
		if *t.dst, err = parseTime(t.key, v, now); err != nil {
			return Expectation{}, err
		}
	}
	for _, c := range []struct {
		key string
		dst **int
	}{{"exactly", &x.Exactly}, {"atLeast", &x.AtLeast}, {"atMost", &x.AtMost}} {
		if *c.dst, err = rawCount(raw, c.key); err != nil {
			return Expectation{}, err
		}
	}
	switch {
	case x.Exactly == nil && x.AtLeast == nil && x.AtMost == nil:
		return Expectation{}, errors.New("verify request needs a bound: one of exactly, atLeast or atMost")
	case x.Exactly != nil && (x.AtLeast != nil || x.AtMost != nil):
		return Expectation{}, errors.New("verify request: exactly cannot be combined with atLeast or atMost")
	case x.AtLeast != nil && x.AtMost != nil && *x.AtLeast > *x.AtMost:
		return Expectation{}, fmt.Errorf("verify request: atLeast %d is greater than atMost %d", *x.AtLeast, *x.AtMost)
	}
	return x, nil
}

// rawString decodes an optional string field; null counts as absent.
func rawString(raw map[string]json.RawMessage, key string) (string, error) {
	v, ok := raw[key]
	if !ok || string(v) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("invalid %s %s: want a string", key, v)
	}
	return s, nil
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

// rawCount decodes an optional bound; null counts as absent.
func rawCount(raw map[string]json.RawMessage, key string) (*int, error) {
	v, ok := raw[key]
	if !ok || string(v) == "null" {
		return nil, nil
	}
	var n int
	if err := json.Unmarshal(v, &n); err != nil || n < 0 {
		return nil, fmt.Errorf("invalid %s %s: want a whole number >= 0", key, v)
	}
	return &n, nil
}
