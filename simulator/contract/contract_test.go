package contract_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// An operation's gin route comes from its documented path unless it names
// one (an OData key sits inside a segment, which gin cannot express).
func ExampleOperation_GinPattern() {
	fmt.Println((&contract.Operation{Path: "/simulate/api/consumers/{id}/verify"}).GinPattern())
	fmt.Println((&contract.Operation{Path: "/odata.svc/Customers({id})", Route: "/odata.svc/*path"}).GinPattern())
	// Output:
	// /simulate/api/consumers/:id/verify
	// /odata.svc/*path
}

type settings struct{ Records int }

type plugin struct{ s settings }

func (p *plugin) Name() string                                 { return "acme" }
func (p *plugin) Settings() any                                { return &p.s }
func (p *plugin) Flags(*flag.FlagSet)                          {}
func (p *plugin) Build(contract.Env) (*contract.Vendor, error) { return nil, nil }

// SettingsOf reaches one vendor's settings by their type, without the
// sandbox knowing the vendor.
func ExampleSettingsOf() {
	plugins := []contract.Plugin{&plugin{s: settings{Records: 10}}}
	contract.SettingsOf[settings](plugins).Records = 3
	fmt.Println(plugins[0].Settings().(*settings).Records, contract.SettingsOf[struct{ Other int }](plugins) == nil)
	// Output: 3 true
}

func valid() *contract.Vendor {
	h := func(*gin.Context) {}
	return &contract.Vendor{
		Name: "acme", Prefixes: []string{"/acme"},
		Operations: []contract.Operation{{ID: "acme.get", Method: "GET", Path: "/acme/things/{id}", Handler: h}},
		Unknown:    contract.Unknown{ID: "acme.unknown", Handler: func(*gin.Context, bool) {}},
		World:      session.NewKey[*int]("acme").Factory(func() *int { return new(int) }),
	}
}

func TestValidate(t *testing.T) {
	if err := valid().Validate(); err != nil {
		t.Fatalf("a valid declaration: %v", err)
	}
	tests := []struct {
		name string
		edit func(*contract.Vendor)
		want string
	}{
		{"a name with a dot", func(v *contract.Vendor) { v.Name = "ac.me" }, "want a plain word"},
		{"a prefix ending in /", func(v *contract.Vendor) { v.Prefixes = []string{"/acme/"} }, "must start and not end with /"},
		{"no unknown handler", func(v *contract.Vendor) { v.Unknown.Handler = nil }, "Unknown must be acme.unknown"},
		{"an operation without handler", func(v *contract.Vendor) { v.Operations[0].Handler = nil }, "needs a method, a path and a handler"},
		{"an operation twice", func(v *contract.Vendor) { v.Operations = append(v.Operations, v.Operations[0]) }, "declared twice"},
		{"an operation named unknown", func(v *contract.Vendor) { v.Operations[0].ID = "acme.unknown" }, "declared twice"},
		{"a path under no prefix", func(v *contract.Vendor) { v.Operations[0].Path = "/acmeish/x" }, "under none of the prefixes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := valid()
			tt.edit(v)
			if err := v.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestOwns(t *testing.T) {
	v := valid()
	for path, want := range map[string]bool{"/acme": true, "/acme/x": true, "/acmeish": false, "/": false, "/other/acme": false} {
		if got := v.Owns(path); got != want {
			t.Errorf("Owns(%q) = %v", path, got)
		}
	}
}

// SplitList reads list flags the one way: commas, spaces trimmed, empty
// items dropped.
func ExampleSplitList() {
	fmt.Printf("%q\n", contract.SplitList(" Active, ,Closed,"))
	// Output: ["Active" "Closed"]
}
