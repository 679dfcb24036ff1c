package simulator_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pb33f/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/sandbox-dev/fintech-sandbox/scenarios"
	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
)

var update = flag.Bool("update", false, "rewrite golden files and the scenario schema's enums")

const schemaPath = "../scenarios/scenario.schema.json"

// TestScenarioSchemaInSync keeps scenarios/scenario.schema.json in step
// with the loader: the same keys at every level, the same operations and
// error names (-update rewrites the enums), and every shipped file valid.
func TestScenarioSchemaInSync(t *testing.T) {
	vocab, err := simulator.Vocabulary(simulator.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var ops, errs []string
	for _, op := range vocab.Operations {
		ops = append(ops, op.ID)
	}
	for _, d := range vocab.Catalog.All() {
		errs = append(errs, d.QualifiedName())
	}
	sort.Strings(ops)

	var doc map[string]any
	if err := json.Unmarshal(scenarios.Schema, &doc); err != nil {
		t.Fatal(err)
	}
	defs := doc["$defs"].(map[string]any)
	props := func(path ...string) map[string]any {
		var cur any = defs
		for _, p := range path {
			switch c := cur.(type) {
			case map[string]any:
				cur = c[p]
			case []any:
				cur = c[p[0]-'0']
			}
		}
		return cur.(map[string]any)
	}
	levels := map[string][]string{
		"scenario": {"scenario", "properties"},
		"match":    {"match", "properties"},
		"cond":     {"cond", "oneOf", "1", "properties"},
		"response": {"response", "properties"},
		"delay":    {"delay", "properties"},
	}
	for kind, path := range levels {
		got := keysOf(props(path...))
		want := slices.Sorted(slices.Values(scenario.Keys[kind]))
		if !slices.Equal(got, want) {
			t.Errorf("schema %s keys = %v, loader accepts %v", kind, got, want)
		}
	}
	opEnum := props("match", "properties", "operation", "anyOf", "0")
	errEnum := props("response", "properties", "error")
	if *update {
		opEnum["enum"], errEnum["enum"] = ops, errs
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(schemaPath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := strSlice(opEnum["enum"]); !slices.Equal(got, ops) {
		t.Errorf("schema operations = %v, want %v (go test ./simulator -run Schema -update)", got, ops)
	}
	if got := strSlice(errEnum["enum"]); !slices.Equal(got, errs) {
		t.Errorf("schema errors = %v, want %v (go test ./simulator -run Schema -update)", got, errs)
	}

	schema := compileSchema(t)
	files, _ := fs.Glob(scenarios.FS, "*.yaml")
	n := 0
	for _, f := range files {
		data, _ := fs.ReadFile(scenarios.FS, f)
		for i, d := range yamlDocs(t, data) {
			n++
			if err := schema.Validate(d); err != nil {
				t.Errorf("%s document %d fails the schema: %v", f, i+1, err)
			}
		}
	}
	if n < 20 {
		t.Fatalf("validated %d shipped scenarios, want at least 20", n)
	}
	broken := yamlDocs(t, []byte("name: broken\ndescription: d\nrespond:\n  eror: weavr.EMAIL_NOT_UNIQUE\n"))[0]
	if err := schema.Validate(broken); err == nil {
		t.Error("the schema accepts an unknown key")
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(scenarios.Schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("scenario.schema.json", raw); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("scenario.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// yamlDocs decodes every document of a YAML stream as JSON values.
func yamlDocs(t *testing.T, data []byte) []any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		j, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, j)
	}
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func strSlice(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
