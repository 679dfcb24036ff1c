package loanpro

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The values a search compares with: integers and dates, and the date
// formats of a range.

// sqPoint reads a number or date for an exact match on f as the half-open
// interval [lo, hi) of its values: a date without a time is its whole day.
func sqPoint(f searchField, v any, at string) (int64, int64, *searchErr) {
	if f.kind == kDate {
		t, dateOnly, serr := searchDate(v, at)
		if serr != nil {
			return 0, 0, serr
		}
		if dateOnly {
			return t, t + 86400, nil
		}
		return t, t + 1, nil
	}
	n, serr := searchInt(v, at)
	return n, n + 1, serr
}

func searchInt(v any, at string) (int64, *searchErr) {
	var txt string
	switch x := v.(type) {
	case json.Number:
		txt = string(x)
	case string:
		txt = strings.TrimSpace(x)
	case bool:
		return int64(flag(x)), nil
	}
	n, err := strconv.ParseInt(txt, 10, 64)
	if err != nil {
		return 0, searchFail(msgSearchInvalid, at, "expected an integer, got "+sqJSONText(v))
	}
	return n, nil
}

// searchDateLayouts are the date forms a search reads without a format:
// YYYY-MM-DD, YYYY-MM-DD hh:mm:ss (UTC, as LoanPro takes dates) and
// RFC 3339, with or without its zone.
var searchDateLayouts = []string{time.DateOnly, time.DateTime, "2006-01-02T15:04:05", time.RFC3339}

// searchDateFormats are the range formats the sandbox reads, with the
// layouts each allows: Elasticsearch's patterns for LoanPro's two input
// forms, and its built-in date formats of the same forms. A format is
// applied, never ignored: another one would read the bounds differently,
// so it is refused.
var searchDateFormats = map[string][]string{
	"yyyy-MM-dd":                      {time.DateOnly},
	"yyyy-MM-dd HH:mm:ss":             {time.DateTime},
	"yyyy-MM-dd HH:mm:ss||yyyy-MM-dd": {time.DateTime, time.DateOnly},
	"yyyy-MM-dd||yyyy-MM-dd HH:mm:ss": {time.DateOnly, time.DateTime},
	"date":                            {time.DateOnly},
	"strict_date":                     {time.DateOnly},
	"date_optional_time":              {time.DateOnly, "2006-01-02T15:04:05", time.RFC3339},
	"strict_date_optional_time":       {time.DateOnly, "2006-01-02T15:04:05", time.RFC3339},
}

// searchDateFormat reads a range's format for field f.
func searchDateFormat(f searchField, v any, at string) ([]string, *searchErr) {
	name, isStr := v.(string)
	layouts, known := searchDateFormats[name]
	switch {
	case f.kind != kDate:
		return nil, searchFail(msgSearchInvalid, at, fmt.Sprintf("a format applies to dates, '%s' is %s", f.name, f.kind))
	case !isStr:
		return nil, searchFail(msgSearchInvalid, at, "expected a date format, got "+sqJSONText(v))
	case !known:
		names := slices.Sorted(maps.Keys(searchDateFormats))
		return nil, sqUnsupported(name, at, "the formats "+strings.Join(names, ", "))
	}
	return layouts, nil
}

// searchDate reads a date in one of searchDateLayouts, as unix seconds.
func searchDate(v any, at string) (secs int64, dateOnly bool, serr *searchErr) {
	return searchDateIn(v, at, searchDateLayouts)
}

// searchDateIn reads a date in one of layouts, as unix seconds; dateOnly
// tells a date without a time.
func searchDateIn(v any, at string, layouts []string) (secs int64, dateOnly bool, serr *searchErr) {
	s, ok := v.(string)
	if ok {
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "now") || strings.Contains(s, "||") {
			return 0, false, sqUnsupported(s, at, "dates as YYYY-MM-DD or YYYY-MM-DD hh:mm:ss (no date math)")
		}
		for _, layout := range layouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t.Unix(), layout == time.DateOnly, nil
			}
		}
	}
	return 0, false, searchFail(msgSearchInvalid, at, "expected a date as YYYY-MM-DD or YYYY-MM-DD hh:mm:ss, got "+sqJSONText(v))
}
