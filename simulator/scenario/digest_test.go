package scenario

import (
	"testing"

	"gopkg.in/yaml.v3"
)

// TestDefinitionDigest: two sources give the same digest exactly when they
// define the same scenario, wherever and however it is written.
func TestDefinitionDigest(t *testing.T) {
	const base = "name: a\ndescription: d\nmatch: {operation: acme.update, body: {n: 1}}\ntimes: 2\nrespond: {error: acme.TAKEN}\n"
	const other = "name: z\ndescription: d\nrespond: {pass: true}\n---\n"
	tests := []struct {
		name         string
		fileA, fileB string
		a, b         string // the last scenario of each is compared
		same         bool
	}{
		{"the same text", "a.yaml", "a.yaml", base, base, true},
		{"another file", "a.yaml", "dir/b.yml", base, base, true},
		{"moved down: another scenario above", "a.yaml", "a.yaml", base, other + base, true},
		{"comments and blank lines", "a.yaml", "a.yaml", base, "# head\n\n" + base + "# foot\n", true},
		{"block instead of flow", "a.yaml", "a.yaml", base,
			"name: a\ndescription: d\nmatch:\n  operation: acme.update\n  body:\n    n: 1\ntimes: 2\nrespond:\n  error: acme.TAKEN\n", true},
		{"quoting style of a string", "a.yaml", "a.yaml", base,
			"name: 'a'\ndescription: \"d\"\nmatch: {operation: acme.update, body: {n: 1}}\ntimes: 2\nrespond: {error: acme.TAKEN}\n", true},
		{"key order", "a.yaml", "a.yaml", base,
			"respond: {error: acme.TAKEN}\ntimes: 2\nmatch: {body: {n: 1}, operation: acme.update}\ndescription: d\nname: a\n", true},
		{"an anchor renamed", "a.yaml", "a.yaml",
			"name: x\ndescription: d\nrespond: {status: 200, body: &one {v: 1}}\n---\nname: a\ndescription: d\nrespond: {status: 200, body: *one}\n",
			"name: x\ndescription: d\nrespond: {status: 200, body: &uno {v: 1}}\n---\nname: a\ndescription: d\nrespond: {status: 200, body: *uno}\n", true},
		{"an alias instead of its value", "a.yaml", "a.yaml",
			"name: x\ndescription: d\nrespond: {status: 200, body: &one {v: 1}}\n---\nname: a\ndescription: d\nrespond: {status: 200, body: *one}\n",
			"name: a\ndescription: d\nrespond: {status: 200, body: {v: 1}}\n", true},
		{"times edited", "a.yaml", "a.yaml", base, "name: a\ndescription: d\nmatch: {operation: acme.update, body: {n: 1}}\ntimes: 3\nrespond: {error: acme.TAKEN}\n", false},
		{"description edited", "a.yaml", "a.yaml", base, "name: a\ndescription: e\nmatch: {operation: acme.update, body: {n: 1}}\ntimes: 2\nrespond: {error: acme.TAKEN}\n", false},
		{"a number become a string", "a.yaml", "a.yaml", base, "name: a\ndescription: d\nmatch: {operation: acme.update, body: {n: \"1\"}}\ntimes: 2\nrespond: {error: acme.TAKEN}\n", false},
		{"a key added", "a.yaml", "a.yaml", base, base + "after: 0\n", false},
		{"what an alias names edited (in another document)", "a.yaml", "a.yaml",
			"name: x\ndescription: d\nrespond: {status: 200, body: &one {v: 1}}\n---\nname: a\ndescription: d\nrespond: {status: 200, body: *one}\n",
			"name: x\ndescription: d\nrespond: {status: 200, body: &one {v: 2}}\n---\nname: a\ndescription: d\nrespond: {status: 200, body: *one}\n", false},
		{"a key moved into another mapping", "a.yaml", "a.yaml",
			"name: a\ndescription: d\nrespond: {status: 200, headers: {A: b}, body: {c: d}}\n",
			"name: a\ndescription: d\nrespond: {status: 200, headers: {A: b, c: d}, body: {}}\n", false},
	}
	last := func(t *testing.T, file, src string) *Scenario {
		t.Helper()
		scs, err := Parse(file, []byte(src), testVocab(t))
		if err != nil {
			t.Fatal(err)
		}
		return scs[len(scs)-1]
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := last(t, tt.fileA, tt.a), last(t, tt.fileB, tt.b)
			if a.digest == "" || b.digest == "" {
				t.Fatal("no digest")
			}
			if got := a.digest == b.digest; got != tt.same {
				t.Errorf("same digest = %v, want %v", got, tt.same)
			}
			if got := sameDefinition(a, b); got != tt.same {
				t.Errorf("sameDefinition = %v, want %v", got, tt.same)
			}
		})
	}
}

// TestDefinitionDigestOfACycle: an alias back into its own value (which
// the loader refuses) is hashed without recursing forever.
func TestDefinitionDigestOfACycle(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("a: &a [*a, *a]\n"), &doc); err != nil {
		t.Fatal(err)
	}
	if d1, d2 := definitionDigest(doc.Content[0]), definitionDigest(doc.Content[0]); d1 == "" || d1 != d2 {
		t.Errorf("digests %q, %q: want one, the same twice", d1, d2)
	}
}
