package journal

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Filter selects journal entries. Every set field must match; zero fields
// match anything. It is what the journal's query parameters and verify
// requests decode into.
type Filter struct {
	// Operation, Vendor, Path and Scenario match exactly.
	Operation string
	Vendor    string
	// Method matches case-insensitively.
	Method   string
	Path     string
	Scenario string
	// Status matches one exact code; 0 means any.
	Status int
	// StatusClass matches a class of codes such as "4xx" (case-insensitive
	// x). A malformed class matches nothing rather than everything, so a
	// typo in Go code fails loudly in tests.
	StatusClass string
	// Since is inclusive and Until exclusive; zero means unbounded.
	Since time.Time
	Until time.Time
	// After keeps the entries whose Seq is greater: a dashboard or a
	// client polling the journal asks only for what it has not seen yet.
	// 0 means from the first.
	After uint64
	// Limit keeps only the newest Limit matches; 0 means all.
	Limit int
}

// Match reports whether e satisfies every set field of f. Limit is not
// considered: it applies to a result list, not to one entry.
func (f Filter) Match(e *Entry) bool {
	switch {
	case f.After != 0 && e.Seq <= f.After,
		f.Operation != "" && e.Operation != f.Operation,
		f.Vendor != "" && e.Vendor != f.Vendor,
		f.Method != "" && !strings.EqualFold(e.Method, f.Method),
		f.Path != "" && e.Path != f.Path,
		f.Scenario != "" && e.Scenario != f.Scenario,
		f.Status != 0 && e.Status != f.Status,
		!f.Since.IsZero() && e.Time.Before(f.Since),
		!f.Until.IsZero() && !e.Time.Before(f.Until):
		return false
	}
	if f.StatusClass != "" {
		class, ok := parseStatusClass(f.StatusClass)
		if !ok || e.Status/100 != class {
			return false
		}
	}
	return true
}

// String renders the set fields as space-separated key=value pairs in the
// vocabulary of the query parameters, e.g.
// "operation=weavr.consumerUpdate status=409"; "" when nothing is set.
func (f Filter) String() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("operation", f.Operation)
	add("vendor", f.Vendor)
	add("method", f.Method)
	add("path", f.Path)
	if f.Status != 0 {
		add("status", strconv.Itoa(f.Status))
	}
	add("status", f.StatusClass)
	add("scenario", f.Scenario)
	if !f.Since.IsZero() {
		add("since", f.Since.Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		add("until", f.Until.Format(time.RFC3339Nano))
	}
	if f.After != 0 {
		add("after", strconv.FormatUint(f.After, 10))
	}
	if f.Limit != 0 {
		add("limit", strconv.Itoa(f.Limit))
	}
	return strings.Join(parts, " ")
}

// filterParams are the query parameters ParseFilter knows, sorted.
func filterParams() []string {
	return []string{"after", "limit", "method", "operation", "path", "scenario", "since", "status", "until", "vendor"}
}

// ParseFilter reads a Filter from a journal URL's query parameters:
// operation, vendor, method, path, scenario, status ("409" or a class such
// as "4xx"), since and until (an RFC 3339 time, or a Go duration such as
// "5m" meaning that long before now), after (a Seq: only later entries)
// and limit. An empty value leaves its field unset. Unknown or repeated
// parameters and bad values are errors that name the parameter, because a
// silently ignored typo would make an assertion pass for the wrong reason.
func ParseFilter(q url.Values, now time.Time) (Filter, error) {
	var f Filter
	known := filterParams()
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	slices.Sort(names) // deterministic errors
	for _, k := range names {
		if !slices.Contains(known, k) {
			return Filter{}, fmt.Errorf("unknown query parameter %q; known parameters: %s", k, strings.Join(known, ", "))
		}
		if len(q[k]) > 1 {
			return Filter{}, fmt.Errorf("query parameter %q given %d times; give it once", k, len(q[k]))
		}
	}
	f.Operation = q.Get("operation")
	f.Vendor = q.Get("vendor")
	f.Method = q.Get("method")
	f.Path = q.Get("path")
	f.Scenario = q.Get("scenario")
	var err error
	if f.Status, f.StatusClass, err = parseStatus(q.Get("status")); err != nil {
		return Filter{}, err
	}
	if f.Since, err = parseTime("since", q.Get("since"), now); err != nil {
		return Filter{}, err
	}
	if f.Until, err = parseTime("until", q.Get("until"), now); err != nil {
		return Filter{}, err
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return Filter{}, fmt.Errorf("invalid after %q: want the seq of an entry already seen, a whole number >= 0", v)
		}
		f.After = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return Filter{}, fmt.Errorf("invalid limit %q: want a whole number >= 0 (0 means all)", v)
		}
		f.Limit = n
	}
	return f, nil
}

// parseStatus reads "409" into a code or "4xx" into a class; "" is neither.
func parseStatus(v string) (code int, class string, err error) {
	if v == "" {
		return 0, "", nil
	}
	if _, ok := parseStatusClass(v); ok {
		return 0, strings.ToLower(v), nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 100 || n > 599 {
		return 0, "", fmt.Errorf("invalid status %q: want a code from 100 to 599 such as 409, or a class such as 4xx", v)
	}
	return n, "", nil
}

// parseStatusClass reads "1xx".."5xx" (x in either case) into its digit.
func parseStatusClass(v string) (int, bool) {
	if len(v) != 3 || v[0] < '1' || v[0] > '5' || !strings.EqualFold(v[1:], "xx") {
		return 0, false
	}
	return int(v[0] - '0'), true
}

// parseTime reads an RFC 3339 time or a duration ago; "" is the zero time.
func parseTime(param, v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("invalid %s %q: want an RFC 3339 time such as 2024-01-02T15:04:05Z, or a duration such as 5m meaning that long ago", param, v)
}
