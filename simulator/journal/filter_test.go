package journal_test

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
)

// matchCase is one filter and whether it matches matchEntry.
type matchCase struct {
	name string
	f    journal.Filter
	want bool
}

// matchEntry is the entry the matchCases are about: Seq 7.
func matchEntry() journal.Entry {
	return journal.Entry{
		Seq: 7, Time: t0, Vendor: "weavr", Operation: "weavr.consumerUpdate", Method: "PATCH",
		Path: "/multi/consumers", Status: 409, Scenario: "email-taken",
	}
}

func matchCases() []matchCase {
	return []matchCase{
		{"empty matches", journal.Filter{}, true},
		{"operation", journal.Filter{Operation: "weavr.consumerUpdate"}, true},
		{"operation other", journal.Filter{Operation: "weavr.consumerGet"}, false},
		{"operation is exact", journal.Filter{Operation: "weavr.consumer"}, false},
		{"vendor", journal.Filter{Vendor: "weavr"}, true},
		{"vendor other", journal.Filter{Vendor: "loanpro"}, false},
		{"method any case", journal.Filter{Method: "patch"}, true},
		{"method other", journal.Filter{Method: "GET"}, false},
		{"path exact", journal.Filter{Path: "/multi/consumers"}, true},
		{"path prefix is not enough", journal.Filter{Path: "/multi"}, false},
		{"status", journal.Filter{Status: 409}, true},
		{"status other", journal.Filter{Status: 400}, false},
		{"class", journal.Filter{StatusClass: "4xx"}, true},
		{"class upper X", journal.Filter{StatusClass: "4XX"}, true},
		{"class other", journal.Filter{StatusClass: "2xx"}, false},
		{"class malformed matches nothing", journal.Filter{StatusClass: "4x"}, false},
		{"scenario", journal.Filter{Scenario: "email-taken"}, true},
		{"scenario other", journal.Filter{Scenario: "other"}, false},
		{"since equal is inclusive", journal.Filter{Since: t0}, true},
		{"since after", journal.Filter{Since: t0.Add(time.Nanosecond)}, false},
		{"until equal is exclusive", journal.Filter{Until: t0}, false},
		{"until after", journal.Filter{Until: t0.Add(time.Nanosecond)}, true},
		{"after an earlier seq", journal.Filter{After: 6}, true},
		{"after its own seq", journal.Filter{After: 7}, false},
		{"after a later seq", journal.Filter{After: 8}, false},
		{"all fields", journal.Filter{
			Operation: "weavr.consumerUpdate", Vendor: "weavr", Method: "PATCH", Path: "/multi/consumers",
			Status: 409, StatusClass: "4xx", Scenario: "email-taken", Since: t0, Until: t0.Add(time.Second), Limit: 1,
		}, true},
		{"one field off", journal.Filter{Operation: "weavr.consumerUpdate", Status: 200}, false},
	}
}

func TestFilterMatch(t *testing.T) {
	e := matchEntry()
	for _, tc := range matchCases() {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.Match(&e); got != tc.want {
				t.Fatalf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilterString(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    journal.Filter
		want string
	}{
		{"empty", journal.Filter{}, ""},
		{"op and status", journal.Filter{Operation: "weavr.consumerUpdate", Status: 409}, "operation=weavr.consumerUpdate status=409"},
		{"everything", journal.Filter{
			Operation: "o", Vendor: "v", Method: "GET", Path: "/p", StatusClass: "5xx", Scenario: "s",
			Since: t0, Until: t0.Add(1500 * time.Millisecond), After: 41, Limit: 3,
		}, "operation=o vendor=v method=GET path=/p status=5xx scenario=s since=2024-01-02T15:04:05Z until=2024-01-02T15:04:06.5Z after=41 limit=3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.String(); got != tc.want {
				t.Fatalf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseFilter(t *testing.T) {
	now := t0
	for _, tc := range []struct {
		query string
		want  journal.Filter
	}{
		{"", journal.Filter{}},
		{"operation=weavr.consumerUpdate&vendor=weavr&method=patch&path=/multi/consumers&scenario=s1",
			journal.Filter{Operation: "weavr.consumerUpdate", Vendor: "weavr", Method: "patch", Path: "/multi/consumers", Scenario: "s1"}},
		{"status=409", journal.Filter{Status: 409}},
		{"status=4xx", journal.Filter{StatusClass: "4xx"}},
		{"status=5XX", journal.Filter{StatusClass: "5xx"}},
		{"status=100", journal.Filter{Status: 100}},
		{"status=599", journal.Filter{Status: 599}},
		{"since=2024-01-01T00:00:00Z&until=2024-01-01T00:00:00.5%2B01:00",
			journal.Filter{Since: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2024, 1, 1, 0, 0, 0, 5e8, time.FixedZone("", 3600))}},
		{"since=5m", journal.Filter{Since: now.Add(-5 * time.Minute)}},
		{"until=0s", journal.Filter{Until: now}},
		{"since=1h30m&until=90s", journal.Filter{Since: now.Add(-90 * time.Minute), Until: now.Add(-90 * time.Second)}},
		{"limit=0", journal.Filter{}},
		{"limit=25", journal.Filter{Limit: 25}},
		{"after=0", journal.Filter{}},
		{"after=18446744073709551615&limit=5", journal.Filter{After: 1<<64 - 1, Limit: 5}},
		{"operation=&status=&since=&limit=", journal.Filter{}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := journal.ParseFilter(q, now)
			if err != nil {
				t.Fatalf("ParseFilter: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseFilter = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseFilterErrors(t *testing.T) {
	const known = "known parameters: after, limit, method, operation, path, scenario, since, status, until, vendor"
	for _, tc := range []struct {
		query, want string
	}{
		{"opertion=x", `unknown query parameter "opertion"; ` + known},
		{"Status=409", `unknown query parameter "Status"; ` + known},
		{"b=1&a=2", `unknown query parameter "a"; ` + known},
		{"status=409&status=500", `query parameter "status" given 2 times; give it once`},
		{"status=abc", `invalid status "abc": want a code from 100 to 599 such as 409, or a class such as 4xx`},
		{"status=99", `invalid status "99": want a code from 100 to 599 such as 409, or a class such as 4xx`},
		{"status=600", `invalid status "600": want a code from 100 to 599 such as 409, or a class such as 4xx`},
		{"status=6xx", `invalid status "6xx": want a code from 100 to 599 such as 409, or a class such as 4xx`},
		{"status=4x", `invalid status "4x": want a code from 100 to 599 such as 409, or a class such as 4xx`},
		{"since=yesterday", `invalid since "yesterday": want an RFC 3339 time such as 2024-01-02T15:04:05Z, or a duration such as 5m meaning that long ago`},
		{"until=-5m", `invalid until "-5m": want an RFC 3339 time such as 2024-01-02T15:04:05Z, or a duration such as 5m meaning that long ago`},
		{"since=2024-01-02", `invalid since "2024-01-02": want an RFC 3339 time such as 2024-01-02T15:04:05Z, or a duration such as 5m meaning that long ago`},
		{"limit=-1", `invalid limit "-1": want a whole number >= 0 (0 means all)`},
		{"after=-1", `invalid after "-1": want the seq of an entry already seen, a whole number >= 0`},
		{"after=x", `invalid after "x": want the seq of an entry already seen, a whole number >= 0`},
		{"limit=ten", `invalid limit "ten": want a whole number >= 0 (0 means all)`},
	} {
		t.Run(tc.query, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			_, err = journal.ParseFilter(q, t0)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v\nwant %s", err, tc.want)
			}
		})
	}
}
