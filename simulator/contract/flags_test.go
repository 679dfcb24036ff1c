package contract_test

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
)

// flagPlugin is a vendor that only declares flags.
type flagPlugin struct {
	name    string
	limit   string
	aliases map[string]string
}

func (p *flagPlugin) Name() string  { return p.name }
func (p *flagPlugin) Settings() any { return p }
func (p *flagPlugin) Flags(fs *flag.FlagSet) {
	fs.StringVar(&p.limit, "rate-limit", "on", p.name+" rate limit")
}
func (p *flagPlugin) Build(contract.Env) (*contract.Vendor, error) { return nil, nil }

type aliasedPlugin struct{ *flagPlugin }

func (p aliasedPlugin) FlagAliases() map[string]string { return p.aliases }

// TestTwoVendorsSameFlagName: two vendors both declaring --rate-limit get
// --a-rate-limit and --b-rate-limit, each writing its own setting (before
// namespacing, the second one panicked with "flag redefined").
func TestTwoVendorsSameFlagName(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	a, b := &flagPlugin{name: "a"}, &flagPlugin{name: "b"}
	for _, p := range []contract.Plugin{a, b} {
		if err := contract.RegisterFlags(fs, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := fs.Parse([]string{"--a-rate-limit", "off", "--b-rate-limit=5/1m"}); err != nil {
		t.Fatal(err)
	}
	if a.limit != "off" || b.limit != "5/1m" {
		t.Errorf("a = %q, b = %q", a.limit, b.limit)
	}
	if fs.Lookup("rate-limit") != nil {
		t.Error("an un-prefixed flag was registered without an alias")
	}
}

func TestFlagAliases(t *testing.T) {
	tests := []struct {
		name    string
		taken   string // a sandbox flag defined before the vendor's
		aliases map[string]string
		args    []string
		want    string // the setting after parsing, or the error
	}{
		{"alias sets the vendor's flag", "", map[string]string{"rate-limit": "rate-limit"}, []string{"--rate-limit", "off"}, "off"},
		{"prefixed name still works", "", map[string]string{"rate-limit": "rate-limit"}, []string{"--v-rate-limit", "1/1s"}, "1/1s"},
		{"alias naming no flag", "", map[string]string{"limit": "nope"}, nil, `contract: vendor v: alias --limit names no flag "nope" of the vendor`},
		{"alias taken by the sandbox", "rate-limit", map[string]string{"rate-limit": "rate-limit"}, nil, "contract: vendor v: flag --rate-limit is already defined (by the sandbox or another vendor)"},
		{"namespaced name taken", "v-rate-limit", nil, nil, "contract: vendor v: flag --v-rate-limit is already defined (by the sandbox or another vendor)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			if tt.taken != "" {
				fs.String(tt.taken, "", "the sandbox's")
			}
			p := &flagPlugin{name: "v", aliases: tt.aliases}
			err := contract.RegisterFlags(fs, aliasedPlugin{p})
			if err != nil {
				if err.Error() != tt.want {
					t.Errorf("err = %v, want %q", err, tt.want)
				}
				return
			}
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if p.limit != tt.want {
				t.Errorf("setting = %q, want %q", p.limit, tt.want)
			}
		})
	}
}

func ExampleRegisterFlags() {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	_ = contract.RegisterFlags(fs, aliasedPlugin{&flagPlugin{name: "weavr", aliases: map[string]string{"rate-limit": "rate-limit"}}})
	_ = contract.RegisterFlags(fs, &flagPlugin{name: "loanpro"})
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, "--"+f.Name+": "+f.Usage) })
	fmt.Println(strings.Join(names, "\n"))
	// Output:
	// --loanpro-rate-limit: loanpro rate limit
	// --rate-limit: alias of --weavr-rate-limit
	// --weavr-rate-limit: weavr rate limit
}
