// Package expect holds what every verification of the sandbox shares
// (the journal's requests, the webhook deliveries): the bounds a test
// asserts, "exactly", "atLeast" and "atMost", read from one flat JSON
// object, checked and explained in the same words everywhere.
package expect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Bounds is how many matching records a verification expects. At least
// one bound is set; Exactly excludes the other two.
type Bounds struct {
	Exactly *int
	AtLeast *int
	AtMost  *int
}

// Keys are the bound keys of a verify request.
var boundKeys = []string{"exactly", "atLeast", "atMost"}

// Object decodes a verify request: a JSON object whose keys must all be
// among filter (the caller's filter fields) or the bound keys, so a
// misspelt key never turns an assertion into a no-op. example is shown
// in the errors ({"operation":"weavr.consumerUpdate","exactly":1}).
func Object(body []byte, filter []string, example string) (map[string]json.RawMessage, Bounds, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, Bounds{}, fmt.Errorf("empty verify request: want a JSON object such as %s", example)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, Bounds{}, fmt.Errorf("verify request is not valid JSON: %v", err)
	}
	var raw map[string]json.RawMessage
	if _, ok := v.(map[string]any); !ok || json.Unmarshal(body, &raw) != nil {
		return nil, Bounds{}, fmt.Errorf("verify request must be a JSON object such as %s", example)
	}
	known := append(slices.Clone(filter), boundKeys...)
	slices.Sort(known)
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(known, k) {
			return nil, Bounds{}, fmt.Errorf("unknown field %q in verify request; known fields: %s", k, strings.Join(known, ", "))
		}
	}
	b, err := parseBounds(raw)
	return raw, b, err
}

func parseBounds(raw map[string]json.RawMessage) (Bounds, error) {
	var b Bounds
	var err error
	for i, dst := range []**int{&b.Exactly, &b.AtLeast, &b.AtMost} {
		if *dst, err = Count(raw, boundKeys[i]); err != nil {
			return Bounds{}, err
		}
	}
	switch {
	case b.Exactly == nil && b.AtLeast == nil && b.AtMost == nil:
		return Bounds{}, errors.New("verify request needs a bound: one of exactly, atLeast or atMost")
	case b.Exactly != nil && (b.AtLeast != nil || b.AtMost != nil):
		return Bounds{}, errors.New("verify request: exactly cannot be combined with atLeast or atMost")
	case b.AtLeast != nil && b.AtMost != nil && *b.AtLeast > *b.AtMost:
		return Bounds{}, fmt.Errorf("verify request: atLeast %d is greater than atMost %d", *b.AtLeast, *b.AtMost)
	}
	return b, nil
}

// Count decodes an optional whole number >= 0; null counts as absent.
func Count(raw map[string]json.RawMessage, key string) (*int, error) {
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

// String decodes an optional string field; null counts as absent.
func String(raw map[string]json.RawMessage, key string) (string, error) {
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

// Holds reports whether n satisfies every bound.
func (b Bounds) Holds(n int) bool {
	return (b.Exactly == nil || n == *b.Exactly) &&
		(b.AtLeast == nil || n >= *b.AtLeast) &&
		(b.AtMost == nil || n <= *b.AtMost)
}

// Describe renders the bounds with the counted noun, e.g. "exactly 1
// request" or "at least 1 and at most 3 deliveries".
func (b Bounds) Describe(singular, plural string) string {
	var parts []string
	last := -1
	for i, p := range []*int{b.Exactly, b.AtLeast, b.AtMost} {
		if p != nil {
			parts = append(parts, []string{"exactly ", "at least ", "at most "}[i]+strconv.Itoa(*p))
			last = *p
		}
	}
	if len(parts) == 0 {
		return "any number of " + plural
	}
	noun := plural
	if last == 1 && len(parts) == 1 {
		noun = singular
	}
	return strings.Join(parts, " and ") + " " + noun
}
