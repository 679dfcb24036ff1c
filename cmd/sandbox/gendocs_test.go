package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
)

var update = flag.Bool("update", false, "rewrite the generated tables of docs/")

// generated is one table of the manual kept between two markers and made
// from the code: the flag set --help prints and the scenario catalog
// `sandbox scenarios` lists, so adding a flag, a vendor or a scenario file
// cannot leave the manual behind. `go test ./cmd/sandbox -run Generated
// -update` rewrites them.
var generated = []struct {
	page, marker string
	make         func(t *testing.T) string
}{
	{"../../docs/configuration.md", "flags", flagTable},
	{"../../docs/scenarios-and-errors.md", "scenarios", scenarioTable},
}

func TestGeneratedDocTables(t *testing.T) {
	for _, g := range generated {
		t.Run(g.marker, func(t *testing.T) {
			src, err := os.ReadFile(g.page)
			if err != nil {
				t.Fatal(err)
			}
			start, end := "<!-- generated:"+g.marker+" -->\n", "<!-- end:"+g.marker+" -->"
			i, j := strings.Index(string(src), start), strings.Index(string(src), end)
			if i < 0 || j < i {
				t.Fatalf("%s: no %q … %q markers", g.page, start, end)
			}
			want := g.make(t)
			got := string(src[i+len(start) : j])
			if got == want {
				return
			}
			if !*update {
				t.Fatalf("%s: the %s table is out of date; run go test ./cmd/sandbox -run Generated -update\ngot:\n%s\nwant:\n%s", g.page, g.marker, got, want)
			}
			out := string(src[:i+len(start)]) + want + string(src[j:])
			if err := os.WriteFile(g.page, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// flagTable renders every flag of defineFlags: name (with its aliases),
// environment variable, default and the --help text. A flag whose usage
// begins "alias of --X" is folded into X's row.
func flagTable(t *testing.T) string {
	o := options{sim: simulator.DefaultConfig()}
	var dir string
	var active multiFlag
	fs, err := defineFlags(&o, &dir, &active, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	aliases := map[string][]string{}
	fs.VisitAll(func(f *flag.Flag) {
		if target, ok := strings.CutPrefix(f.Usage, "alias of --"); ok {
			aliases[target] = append(aliases[target], f.Name)
		}
	})
	var b strings.Builder
	b.WriteString("| flag | environment | default | what it does |\n|---|---|---|---|\n")
	fs.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Usage, "alias of --") {
			return
		}
		kind, usage := flag.UnquoteUsage(f)
		name := "`--" + f.Name
		if kind != "" {
			name += " " + strings.ToUpper(kind)
		}
		name += "`"
		env := "`" + envName(f.Name) + "`"
		for _, a := range aliases[f.Name] {
			name += " (alias `--" + a + "`)"
			env += " (`" + envName(a) + "`)"
		}
		def := f.DefValue
		switch def {
		case "", "[]":
			def = "none"
		case "false":
			def = "off"
		default:
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, env, def, cell(usage))
	})
	return b.String()
}

// scenarioTable renders the embedded scenario catalog as `sandbox
// scenarios` lists it.
func scenarioTable(t *testing.T) string {
	cfg := simulator.DefaultConfig()
	vocab, err := simulator.Vocabulary(cfg)
	if err != nil {
		t.Fatal(err)
	}
	set, err := simulator.LoadScenarios(vocab, "")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("| scenario | operation or event | what it does |\n|---|---|---|\n")
	for _, sc := range set.All() {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", sc.Name, sc.Applies(), cell(sc.Description))
	}
	return b.String()
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(strings.TrimSpace(s))
}
