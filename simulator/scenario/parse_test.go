package scenario

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
)

// testVocab is a small vocabulary: vendor "acme" with two operations and
// two webhook events, vendor "other" with one operation and one event, and
// a few catalog errors.
func testVocab(t testing.TB) Vocabulary {
	t.Helper()
	cat, err := apierr.NewCatalog([]apierr.Def{
		{Vendor: "acme", Name: "BAD", Status: 400, Body: []byte(`{"message":"bad"}`)},
		{Vendor: "acme", Name: "TAKEN", Status: 409, Body: []byte(`{"errorCode":"TAKEN"}`)},
		{Vendor: "acme", Name: "LOCKED", Status: 409, Body: []byte(`{"errorCode":"LOCKED"}`)},
		{Vendor: "acme", Name: "LIMIT", Status: 429, Header: http.Header{"Retry-After": {"60"}}},
		{Vendor: "acme", Name: "DOWN", Status: 503},
		{Vendor: "other", Name: "OOPS", Status: 500, Body: []byte(`{"error":"oops"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return Vocabulary{Catalog: cat, Operations: []Operation{
		{ID: "acme.update", Vendor: "acme", Method: "PATCH", Path: "/things", Errors: []string{"BAD", "TAKEN", "LOCKED", "LIMIT", "DOWN"}},
		{ID: "acme.get", Vendor: "acme", Method: "GET", Path: "/things", Errors: []string{"BAD", "DOWN"}},
		{ID: "other.get", Vendor: "other", Method: "GET", Path: "/other", Errors: []string{"OOPS"}},
	}, Events: []Event{
		{Vendor: "acme", Path: "/things/kyc/watch", Summary: "a thing's KYC changed"},
		{Vendor: "acme", Path: "/things/closed/watch", Summary: "a thing was closed"},
		{Vendor: "other", Path: "/other/watch", Summary: "something else"},
	}}
}

func TestParseValid(t *testing.T) {
	src := `name: taken
description: update answers TAKEN for taken emails
match:
  operation: acme.update
  method: patch
  path: {regex: "^/things$"}
  headers: {x-tenant: "7"}
  query: {dry: {present: false}}
  body:
    email: {regex: "@taken\\."}
    address.country: GB
    age: 42
  target: {equals: "c-1"}
after: 1
times: 2
probability: 0.5
respond:
  error: acme.TAKEN
  headers: {X-Extra: yes}
  delay: {min: 10ms, max: 20ms}
---
name: flaky
description: two 503s then normal
sequence:
  - error: acme.DOWN
  - {status: 418, body: {teapot: true}}
  - pass: true
    fault: truncated
loop: true
`
	scs, err := Parse("f.yaml", []byte(src), testVocab(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) != 2 {
		t.Fatalf("got %d scenarios", len(scs))
	}
	a, b := scs[0], scs[1]
	if a.Name != "taken" || a.Source != "f.yaml:1" || a.Match.Method != "PATCH" || a.After != 1 || a.Times != 2 || a.Probability != 0.5 {
		t.Errorf("scenario a = %+v", a)
	}
	if c := a.Match.Headers["X-Tenant"]; c == nil || c.Equals != "7" {
		t.Errorf("header condition not canonicalised: %+v", a.Match.Headers)
	}
	if c := a.Match.Body["age"]; c.Equals != 42.0 {
		t.Errorf("numbers compare as JSON numbers, got %#v", c.Equals)
	}
	s := a.Steps[0]
	if s.Error.QualifiedName() != "acme.TAKEN" || s.Header.Get("X-Extra") != "yes" || s.DelayMin != 10*time.Millisecond || s.DelayMax != 20*time.Millisecond {
		t.Errorf("step = %+v", s)
	}
	if !b.Sequence || !b.Loop || len(b.Steps) != 3 || string(b.Steps[1].Body) != `{"teapot":true}` || !b.Steps[2].Pass || b.Steps[2].Fault != FaultTruncated {
		t.Errorf("scenario b = %+v", b)
	}
}

// TestParseErrors: each kind of mistake is reported with its position.
func TestParseErrors(t *testing.T) {
	head := "name: x\ndescription: d\nmatch:\n  operation: acme.update\n"
	tests := []struct {
		name, src, want string
	}{
		{"unknown key", head + "respond:\n  eror: acme.TAKEN\n", `f.yaml:6:3: unknown key "eror" in response`},
		{"empty file", "", `f.yaml:1:1: no scenario in this file (an empty file is refused: delete it instead)`},
		{"comments only", "# nothing yet\n", `f.yaml:1:1: no scenario in this file (an empty file is refused: delete it instead)`},
		{"unknown top key", head + "respnd:\n  error: acme.TAKEN\n", `f.yaml:5:1: unknown key "respnd" in scenario`},
		{"unknown operation", "name: x\ndescription: d\nmatch:\n  operation: acme.delete\nrespond:\n  error: acme.TAKEN\n", `f.yaml:4:14: unknown operation "acme.delete" (known: acme.get, acme.update, other.get)`},
		{"unknown vendor glob", "name: x\ndescription: d\nmatch:\n  operation: nope.*\nrespond:\n  pass: true\n", `f.yaml:4:14: unknown vendor "nope"`},
		{"unknown error", head + "respond:\n  error: acme.NOPE\n", `f.yaml:6:10: respond: unknown error "acme.NOPE"`},
		{"bad regex", "name: x\ndescription: d\nmatch:\n  body:\n    email: {regex: \"a(\"}\nrespond:\n  pass: true\n", `f.yaml:5:20: body.email: bad regex "a("`},
		{"bad duration", head + "respond:\n  pass: true\n  delay: 2 seconds\n", `f.yaml:7:10: delay: bad duration "2 seconds"`},
		{"delay range reversed", head + "respond:\n  pass: true\n  delay: {min: 2s, max: 1s}\n", `f.yaml:7:10: delay: min 2s is above max 1s`},
		{"missing respond", head, `f.yaml:1:1: scenario x needs respond or sequence`},
		{"both respond and sequence", head + "respond: {pass: true}\nsequence: [{pass: true}]\n", `f.yaml:6:11: give respond or sequence, not both`},
		{"empty sequence", head + "sequence: []\n", `f.yaml:5:11: sequence must be a non-empty list`},
		{"nothing to do", head + "respond:\n  delay: 1s\n", `f.yaml:6:3: respond: say what to answer`},
		{"error and status", head + "respond:\n  error: acme.TAKEN\n  status: 500\n", `f.yaml:7:11: respond: give error or status, not both`},
		{"pass with body", head + "respond:\n  pass: true\n  status: 500\n", `respond: pass runs the normal behaviour`},
		{"reset with error", head + "respond:\n  error: acme.TAKEN\n  fault: reset\n", `f.yaml:7:10: respond: fault reset sends no response`},
		{"truncate without body", head + "respond:\n  error: acme.DOWN\n  fault: truncated\n", `f.yaml:7:10: respond: fault truncated needs a body to cut`},
		{"unknown fault", head + "respond:\n  fault: explode\n", `f.yaml:6:10: respond: unknown fault "explode"`},
		{"status range", head + "respond:\n  status: 700\n", `f.yaml:6:11: respond: status must be 100-599, got 700`},
		{"probability", head + "probability: 1.5\nrespond: {pass: true}\n", `f.yaml:5:14: probability must be a number in (0, 1], got "1.5"`},
		{"negative times", head + "times: -1\nrespond: {pass: true}\n", `f.yaml:5:8: times must be at least 0, got -1`},
		{"loop without sequence", head + "loop: true\nrespond: {pass: true}\n", `f.yaml:5:7: loop only applies to a sequence`},
		{"cross-vendor error", "name: x\ndescription: d\nmatch:\n  operation: acme.get\nrespond:\n  error: other.OOPS\n", `f.yaml:1:1: scenario x: error other.OOPS cannot answer acme operation acme.get`},
		{"bad name", "name: Bad Name\ndescription: d\nrespond: {pass: true}\n", `f.yaml:1:7: name "Bad Name": use lower-case letters`},
		{"missing name", "description: d\nrespond: {pass: true}\n", `f.yaml:1:1: scenario needs a name`},
		{"cond with two tests", "name: x\ndescription: d\nmatch:\n  path: {equals: /a, regex: b}\nrespond: {pass: true}\n", `f.yaml:4:9: path: give exactly one of equals, regex or present`},
		{"duplicate key", head + "respond: {pass: true}\nrespond: {pass: true}\n", `f.yaml:6:1: key "respond" given twice`},
		{"yaml syntax", "name: x\n  description: [\n", `f.yaml:2:1: `},
		{"duplicate names", "name: x\ndescription: d\nrespond: {pass: true}\n---\nname: x\ndescription: d\nrespond: {pass: true}\n", `f.yaml: scenario x defined twice (f.yaml:1 and f.yaml:5)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.src), testVocab(t))
			var el ErrorList
			if !errors.As(err, &el) {
				t.Fatalf("err = %v, want an ErrorList", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("errors:\n%v\nwant one containing %q", err, tt.want)
			}
		})
	}
}

// TestYAMLSyntaxErrorPositions: a YAML syntax error names the line where
// it is, whatever shape yaml.v3's message has: no line at all for line 1,
// a 0-based line for parser errors, the line of an enclosing construct,
// the start of the document's mapping for an error in a later document,
// no position for bad bytes and unknown anchors. yaml.v3 gives no column,
// so the column is 1.
func TestYAMLSyntaxErrorPositions(t *testing.T) {
	ok := "name: ok\ndescription: d\nrespond: {pass: true}\n---\n" // lines 1-4
	tests := []struct {
		name, src, want string
	}{
		{"tab indenting line 2", "name: x\n\tdescription: d\n", "f.yaml:2:1: found a tab character that violates indentation"},
		{"tab indenting line 3, after a scalar", "name: x\ndescription: d\n\trespond: {pass: true}\n", "f.yaml:3:1: found a tab character that violates indentation"},
		{"tab starting line 1", "\tname: x\n", "f.yaml:1:1: found character that cannot start any token"},
		{"quote opened on line 2, never closed", "name: x\ndescription: \"unclosed\nrespond: {pass: true}\n", "f.yaml:2:1: found unexpected end of stream"},
		{"quote opened on line 1, never closed", "name: 'x\ndescription: d\nrespond: {pass: true}\n", "f.yaml:1:1: found unexpected end of stream"},
		{"bracket opened on line 2, never closed", "name: x\ndescription: [a, b\nrespond: {pass: true}\n", "f.yaml:2:1: did not find expected ',' or ']'"},
		{"brace opened on line 2, never closed", "name: x\nrespond: {pass: true\n", "f.yaml:2:1: did not find expected ',' or '}'"},
		{"key: value: other on line 3", "name: x\ndescription: d\nrespond: pass: true\n", "f.yaml:3:1: mapping values are not allowed in this context"},
		{"key: value: other on line 1", "name: x: y\ndescription: d\n", "f.yaml:1:1: mapping values are not allowed in this context"},
		{"bad indentation on line 4", "name: x\nrespond:\n    pass: true\n  delay: 1s\n", "f.yaml:4:1: did not find expected key"},
		{"bad indentation on line 4, after a flow mapping", "name: x\ndescription: d\nrespond: {pass: true}\n  times: 2\n", "f.yaml:4:1: did not find expected key"},
		{"key without a colon on line 4", "name: x\ndescription: d\nrespond: {pass: true}\ntimes\n", "f.yaml:4:1: could not find expected ':'"},
		{"stray bracket in the second document", ok + "name: b\ndescription: d\nrespond: [pass]]\n", "f.yaml:7:1: did not find expected key"},
		{"key: value: other in the second document", ok + "name: b\ndescription: d: e\nrespond: {pass: true}\n", "f.yaml:6:1: mapping values are not allowed in this context"},
		{"tab in the second document", ok + "name: b\n\tdescription: d\n", "f.yaml:6:1: found a tab character that violates indentation"},
		{"quote never closed in the second document", ok + "name: b\ndescription: \"d\nrespond: {pass: true}\n", "f.yaml:6:1: found unexpected end of stream"},
		{"bracket never closed in the third document", ok + strings.Replace(ok, "name: ok", "name: ok2", 1) + "name: c\ndescription: [\n", "f.yaml:10:1: did not find expected node content"},
		{"invalid UTF-8 on line 3", "name: x\ndescription: d\nrespond: {status: 418, bodyText: \"\xff\"}\n", "f.yaml:3:1: invalid leading UTF-8 octet"},
		{"control character on line 2", "name: x\ndescription: \x01\nrespond: {pass: true}\n", "f.yaml:2:1: control characters are not allowed"},
		{"unknown anchor on line 3", "name: x\ndescription: d\nrespond: *nope\n", "f.yaml:3:1: unknown anchor 'nope' referenced"},
		{"unknown anchor in the second document", ok + "name: b\ndescription: *nope\nrespond: {pass: true}\n", "f.yaml:6:1: unknown anchor 'nope' referenced"},
		{"brace opened on line 3, closing brace missing after line 4", "name: x\ndescription: d\nmatch: {operation: acme.update,\n  method: PATCH\nrespond: {pass: true}\n", "f.yaml:4:1: did not find expected ',' or '}'"},
		{"stray bracket 40 lines below the document's start", "name: x\ndescription: d\nmatch:\n  headers:\n" + strings.Repeat("    x-a: {regex: \"a\",\n      }\n", 20) + "respond: [pass]]\n", "f.yaml:45:1: did not find expected key"},
		{"CRLF line ends", "name: x\r\ndescription: d\r\nrespond: pass: true\r\n", "f.yaml:3:1: mapping values are not allowed in this context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.src), testVocab(t))
			var el ErrorList
			if !errors.As(err, &el) {
				t.Fatalf("err = %v, want an ErrorList", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("errors:\n%s\nwant exactly:\n%s", got, tt.want)
			}
		})
	}
}
