package journal_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/expect"
	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
)

// traffic adds three 409 updates, one 200 update and one login to j.
func traffic(j *journal.Journal) *journal.Journal {
	add := func(op string, status int) {
		j.Add(journal.Entry{Time: t0, Vendor: "weavr", Operation: op, Status: status})
	}
	add("weavr.login", 200)
	add("weavr.consumerUpdate", 409)
	add("weavr.consumerUpdate", 200)
	add("weavr.consumerUpdate", 409)
	add("weavr.consumerUpdate", 409)
	return j
}

func TestVerify(t *testing.T) {
	upd409 := journal.Filter{Operation: "weavr.consumerUpdate", Status: 409}
	for _, tc := range []struct {
		name     string
		capacity int
		x        journal.Expectation
		want     journal.Verdict
	}{
		{"exactly fails", 10, journal.Expectation{Filter: upd409, Bounds: expect.Bounds{Exactly: new(2)}}, journal.Verdict{
			OK: false, Matched: 3,
			Message: "expected exactly 2 requests matching operation=weavr.consumerUpdate status=409, got 3",
		}},
		{"exactly passes", 10, journal.Expectation{Filter: upd409, Bounds: expect.Bounds{Exactly: new(3)}}, journal.Verdict{
			OK: true, Matched: 3,
			Message: "expected exactly 3 requests matching operation=weavr.consumerUpdate status=409, got 3",
		}},
		{"exactly one singular", 10, journal.Expectation{Filter: journal.Filter{Operation: "weavr.login"}, Bounds: expect.Bounds{Exactly: new(1)}}, journal.Verdict{
			OK: true, Matched: 1, Message: "expected exactly 1 request matching operation=weavr.login, got 1",
		}},
		{"exactly zero", 10, journal.Expectation{Filter: journal.Filter{StatusClass: "5xx"}, Bounds: expect.Bounds{Exactly: new(0)}}, journal.Verdict{
			OK: true, Matched: 0, Message: "expected exactly 0 requests matching status=5xx, got 0",
		}},
		{"at least fails", 10, journal.Expectation{Filter: upd409, Bounds: expect.Bounds{AtLeast: new(4)}}, journal.Verdict{
			OK: false, Matched: 3, Message: "expected at least 4 requests matching operation=weavr.consumerUpdate status=409, got 3",
		}},
		{"at most fails", 10, journal.Expectation{Filter: upd409, Bounds: expect.Bounds{AtMost: new(1)}}, journal.Verdict{
			OK: false, Matched: 3, Message: "expected at most 1 request matching operation=weavr.consumerUpdate status=409, got 3",
		}},
		{"range passes", 10, journal.Expectation{Filter: journal.Filter{Vendor: "weavr"}, Bounds: expect.Bounds{AtLeast: new(1), AtMost: new(5)}}, journal.Verdict{
			OK: true, Matched: 5, Message: "expected at least 1 and at most 5 requests matching vendor=weavr, got 5",
		}},
		{"no filter", 10, journal.Expectation{Bounds: expect.Bounds{AtLeast: new(6)}}, journal.Verdict{
			OK: false, Matched: 5, Message: "expected at least 6 requests, got 5",
		}},
		{"no filter, dropped", 3, journal.Expectation{Bounds: expect.Bounds{AtLeast: new(6)}}, journal.Verdict{
			OK: false, Matched: 3, Dropped: 2,
			Message: "expected at least 6 requests, got 3; " +
				"the journal had dropped 2 older entries (capacity 3), so matching requests among them were not counted",
		}},
		{"limit ignored", 10, journal.Expectation{Filter: journal.Filter{Status: 409, Limit: 1}, Bounds: expect.Bounds{Exactly: new(3)}}, journal.Verdict{
			OK: true, Matched: 3, Message: "expected exactly 3 requests matching status=409, got 3",
		}},
		{"dropped is reported", 3, journal.Expectation{Filter: upd409, Bounds: expect.Bounds{Exactly: new(3)}}, journal.Verdict{
			OK: false, Matched: 2, Dropped: 2,
			Message: "expected exactly 3 requests matching operation=weavr.consumerUpdate status=409, got 2; " +
				"the journal had dropped 2 older entries (capacity 3), so matching requests among them were not counted",
		}},
		{"one dropped singular", 4, journal.Expectation{Filter: upd409, Bounds: expect.Bounds{AtLeast: new(1)}}, journal.Verdict{
			OK: true, Matched: 3, Dropped: 1,
			Message: "expected at least 1 request matching operation=weavr.consumerUpdate status=409, got 3; " +
				"the journal had dropped 1 older entry (capacity 4), so matching requests among them were not counted",
		}},
	} {
		eachMode(t, tc.name, func(t *testing.T, newJ newJournal) {
			if got := traffic(newJ(tc.capacity)).Verify(tc.x); got != tc.want {
				t.Fatalf("Verify =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestVerdictJSON(t *testing.T) {
	b, err := json.Marshal(journal.Verdict{OK: true, Matched: 2, Dropped: 1, Message: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"ok":true,"matched":2,"dropped":1,"message":"m"}`; string(b) != want {
		t.Fatalf("JSON = %s, want %s", b, want)
	}
}

func TestParseExpectation(t *testing.T) {
	now := t0
	for _, tc := range []struct {
		body string
		want journal.Expectation
	}{
		{`{"operation":"weavr.consumerUpdate","status":409,"exactly":2}`,
			journal.Expectation{Filter: journal.Filter{Operation: "weavr.consumerUpdate", Status: 409}, Bounds: expect.Bounds{Exactly: new(2)}}},
		{`{"status":"409","atLeast":0}`, journal.Expectation{Filter: journal.Filter{Status: 409}, Bounds: expect.Bounds{AtLeast: new(0)}}},
		{`{"status":"4XX","atMost":1}`, journal.Expectation{Filter: journal.Filter{StatusClass: "4xx"}, Bounds: expect.Bounds{AtMost: new(1)}}},
		{` {"vendor":"loanpro","method":"PUT","path":"/x","scenario":"s","atLeast":1,"atMost":1} `,
			journal.Expectation{Filter: journal.Filter{Vendor: "loanpro", Method: "PUT", Path: "/x", Scenario: "s"}, Bounds: expect.Bounds{AtLeast: new(1), AtMost: new(1)}}},
		{`{"since":"10m","until":"2024-01-02T15:00:00Z","exactly":0}`,
			journal.Expectation{Filter: journal.Filter{Since: now.Add(-10 * time.Minute), Until: time.Date(2024, 1, 2, 15, 0, 0, 0, time.UTC)}, Bounds: expect.Bounds{Exactly: new(0)}}},
		{`{"operation":null,"status":null,"since":null,"exactly":1,"atLeast":null}`, journal.Expectation{Bounds: expect.Bounds{Exactly: new(1)}}},
	} {
		t.Run(tc.body, func(t *testing.T) {
			got, err := journal.ParseExpectation([]byte(tc.body), now)
			if err != nil {
				t.Fatalf("ParseExpectation: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %s, want %s", show(got), show(tc.want))
			}
		})
	}
}

// show prints an Expectation with its bounds dereferenced.
func show(x journal.Expectation) string {
	deref := func(p *int) any {
		if p == nil {
			return nil
		}
		return *p
	}
	b, _ := json.Marshal(map[string]any{"filter": x.Filter.String(), "exactly": deref(x.Exactly), "atLeast": deref(x.AtLeast), "atMost": deref(x.AtMost)})
	return string(b)
}

// Invalid JSON is reported as such; the decoder's own words follow.
func TestParseExpectationInvalidJSON(t *testing.T) {
	for _, body := range []string{`{"exactly":1} {}`, `{"exactly":`, `{exactly:1}`} {
		t.Run(body, func(t *testing.T) {
			_, err := journal.ParseExpectation([]byte(body), t0)
			if err == nil || !strings.HasPrefix(err.Error(), "verify request is not valid JSON: ") {
				t.Fatalf("error = %v, want the not-valid-JSON error", err)
			}
		})
	}
}

func TestParseExpectationErrors(t *testing.T) {
	const known = "known fields: atLeast, atMost, exactly, method, operation, path, scenario, since, status, until, vendor"
	for _, tc := range []struct {
		body, want string
	}{
		{``, `empty verify request: want a JSON object such as {"operation":"weavr.consumerUpdate","exactly":1}`},
		{"  \n", `empty verify request: want a JSON object such as {"operation":"weavr.consumerUpdate","exactly":1}`},
		{`null`, `verify request must be a JSON object such as {"operation":"weavr.consumerUpdate","exactly":1}`},
		{`[1]`, `verify request must be a JSON object such as {"operation":"weavr.consumerUpdate","exactly":1}`},
		{`"exactly"`, `verify request must be a JSON object such as {"operation":"weavr.consumerUpdate","exactly":1}`},
		{`{"exactly":1,"exactlyy":2}`, `unknown field "exactlyy" in verify request; ` + known},
		{`{"Exactly":1}`, `unknown field "Exactly" in verify request; ` + known},
		{`{"limit":1,"exactly":1}`, `unknown field "limit" in verify request; ` + known},
		{`{"operation":"x"}`, `verify request needs a bound: one of exactly, atLeast or atMost`},
		{`{"exactly":null}`, `verify request needs a bound: one of exactly, atLeast or atMost`},
		{`{"exactly":-1}`, `invalid exactly -1: want a whole number >= 0`},
		{`{"atLeast":1.5}`, `invalid atLeast 1.5: want a whole number >= 0`},
		{`{"atMost":"2"}`, `invalid atMost "2": want a whole number >= 0`},
		{`{"exactly":1,"atLeast":1}`, `verify request: exactly cannot be combined with atLeast or atMost`},
		{`{"exactly":1,"atMost":1}`, `verify request: exactly cannot be combined with atLeast or atMost`},
		{`{"atLeast":3,"atMost":2}`, `verify request: atLeast 3 is greater than atMost 2`},
		{`{"status":"abc","exactly":1}`, `invalid status "abc": want a code from 100 to 599 such as 409, or a class such as 4xx`},
		{`{"status":42,"exactly":1}`, `invalid status 42: want a code from 100 to 599 such as 409, or a class such as "4xx"`},
		{`{"status":true,"exactly":1}`, `invalid status true: want a code from 100 to 599 such as 409, or a class such as "4xx"`},
		{`{"operation":7,"exactly":1}`, `invalid operation 7: want a string`},
		{`{"since":"soon","exactly":1}`, `invalid since "soon": want an RFC 3339 time such as 2024-01-02T15:04:05Z, or a duration such as 5m meaning that long ago`},
		{`{"until":5,"exactly":1}`, `invalid until 5: want a string`},
	} {
		t.Run(tc.body, func(t *testing.T) {
			_, err := journal.ParseExpectation([]byte(tc.body), t0)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v\nwant %s", err, tc.want)
			}
		})
	}
}
