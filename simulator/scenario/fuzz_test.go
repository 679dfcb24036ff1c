package scenario_test

import (
	"errors"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/scenarios"
	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
)

// schemaName is the name pattern of scenarios/scenario.schema.json.
var schemaName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// FuzzParse feeds arbitrary bytes to the scenario loader with the real
// vocabulary (both vendors' operations and error catalog), seeded with
// every shipped scenario file, each of their documents, and known-bad
// snippets.
//
// Invariants: no panic; either scenarios and a nil error, or no scenarios
// and an ErrorList whose every Error names the file and has a message.
// Accepted scenarios satisfy the schema's rules: a valid name, a
// description, at least one step, times/after >= 0, probability in (0, 1],
// webhook steps exactly in webhook scenarios.
func FuzzParse(f *testing.F) {
	cfg := sandboxtest.Config()
	sandboxtest.WithData(0)(&cfg)
	vocab, err := simulator.Vocabulary(cfg)
	if err != nil {
		f.Fatal(err)
	}
	files, err := fs.Glob(scenarios.FS, "*.yaml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no shipped scenario files: %v", err)
	}
	for _, name := range files {
		data, err := fs.ReadFile(scenarios.FS, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for _, doc := range strings.Split(string(data), "\n---\n") {
			f.Add([]byte(doc))
		}
	}
	for _, s := range []string{
		"", "---", "--- \n---\n", "name: x", "[]", "{}", "null", "~", "42", "\xff\xfe",
		"name: x\ndescription: d\nrespond: {pass: true}\n",
		"name: x\ndescription: d\nmatch: {operation: weavr.nope}\nrespond: {pass: true}\n",
		"name: X Y\ndescription: d\nrespond: {status: 700}\n",
		"name: \"\"\ndescription: \"\"\nrespond: {pass: true}\n",
		"name: a\ndescription: d\nprobability: .nan\nrespond: {pass: true}\n",
		"name: a\ndescription: d\nprobability: NaN\nrespond: {pass: true}\n",
		"name: a\ndescription: d\nrespond: {error: weavr.EMAIL_NOT_UNIQUE, status: 409}\nsequence: []\nloop: true\n",
		"name: a\ndescription: d\nmatch: {operation: loanpro.customerUpdate}\nrespond: {error: weavr.EMAIL_NOT_UNIQUE}\n",
		"name: a\ndescription: d\nmatch: {body: {email: {regex: \"(\"}}, headers: {\"\": x}}\nrespond: {fault: truncated}\n",
		"name: a\ndescription: d\nrespond: {delay: {min: 2s, max: 1s}, pass: true}\ntimes: -1\nafter: 1.5\n",
		"name: a\ndescription: d\nrespond: {status: 200, body: {? [1] : 2}}\n",
		"name: &a a\ndescription: *a\nrespond: {pass: true}\n",
		"a: &a [*a, *a]\n",
		"name: a\ndescription: d\nrespond: {pass: true}\n---\nname: a\ndescription: d\nrespond: {pass: true}\n",
		"name: a\n  bad indent: [\n",
		"\t- tab",
		"name: w\ndescription: d\nmatch: {webhook: /consumers/kyc/watch, body: {status: APPROVED}}\nrespond: {webhook: duplicate, copies: 3}\n",
		"name: w\ndescription: d\nmatch: {webhook: {regex: \"^/consumers/\"}, operation: weavr.*}\nsequence: [{webhook: reorder, delay: {min: 1s, max: 2s}}, {pass: true}]\n",
		"name: w\ndescription: d\nrespond: {webhook: stale-timestamp, age: 0s, copies: 1, error: weavr.DEFAULT}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scs, err := scenario.Parse("f.yaml", data, vocab)
		if err != nil {
			var el scenario.ErrorList
			if !errors.As(err, &el) || len(el) == 0 {
				t.Fatalf("error %v (%T) is not a non-empty ErrorList", err, err)
			}
			if scs != nil {
				t.Fatalf("%d scenarios returned with an error", len(scs))
			}
			for _, e := range el {
				if e.File != "f.yaml" || strings.TrimSpace(e.Msg) == "" || e.Line < 0 || e.Col < 0 {
					t.Fatalf("error without file or message: %#v", e)
				}
			}
			return
		}
		for _, sc := range scs {
			switch {
			case !schemaName.MatchString(sc.Name):
				t.Fatalf("accepted scenario name %q", sc.Name)
			case sc.Description == "":
				t.Fatalf("accepted scenario %s without a description", sc.Name)
			case len(sc.Steps) == 0:
				t.Fatalf("accepted scenario %s without steps", sc.Name)
			case sc.Times < 0 || sc.After < 0:
				t.Fatalf("accepted scenario %s with times %d after %d", sc.Name, sc.Times, sc.After)
			case !(sc.Probability > 0 && sc.Probability <= 1):
				t.Fatalf("accepted scenario %s with probability %v", sc.Name, sc.Probability)
			}
			for _, st := range sc.Steps {
				if st == nil || st.DelayMin < 0 || st.DelayMin > st.DelayMax || (st.Webhook != "") != sc.IsWebhook() {
					t.Fatalf("accepted scenario %s with step %+v", sc.Name, st)
				}
			}
		}
	})
}

// TestParseRejectsWhatTheSchemaRejects: regressions found by FuzzParse. An
// explicitly empty name or description and a NaN probability were
// accepted, although scenario.schema.json rejects them (and a scenario
// named "" cannot be activated by name; NaN never fires).
func TestParseRejectsWhatTheSchemaRejects(t *testing.T) {
	cfg := sandboxtest.Config()
	sandboxtest.WithData(0)(&cfg)
	vocab, err := simulator.Vocabulary(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, src, want string }{
		{"empty name", "name: \"\"\ndescription: d\nrespond: {pass: true}\n", `f.yaml:1:7: name "": use lower-case letters, digits, '.', '-' and '_'`},
		{"empty description", "name: a\ndescription: ''\nrespond: {pass: true}\n", `f.yaml:2:14: description must not be empty`},
		{"NaN probability", "name: a\ndescription: d\nprobability: .nan\nrespond: {pass: true}\n", `f.yaml:3:14: probability must be a number in (0, 1], got ".nan"`},
		{"NaN spelled out", "name: a\ndescription: d\nprobability: NaN\nrespond: {pass: true}\n", `f.yaml:3:14: probability must be a number in (0, 1], got "NaN"`},
		{"null name", "name: ~\ndescription: d\nrespond: {pass: true}\n", `f.yaml:1:7: name must be a string, got nothing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scs, err := scenario.Parse("f.yaml", []byte(tt.src), vocab)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %d scenarios, error %v\nwant %s", len(scs), err, tt.want)
			}
		})
	}
}
