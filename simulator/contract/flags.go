package contract

import (
	"flag"
	"fmt"
	"sort"
)

// FlagAliaser is a Plugin whose flags were known by other names before
// vendor flags were namespaced: FlagAliases maps each old, un-prefixed
// name (e.g. "rate-limit") to the plugin's own flag name it stands for
// ("rate-limit", registered as --weavr-rate-limit). Aliases keep existing
// command lines and SANDBOX_* variables working.
type FlagAliaser interface {
	FlagAliases() map[string]string
}

// RegisterFlags adds p's flags to fs under the vendor's namespace: a flag
// the plugin registers as "rate-limit" becomes --VENDOR-rate-limit (and
// SANDBOX_VENDOR_RATE_LIMIT), so two vendors can never define the same
// flag. The plugin's aliases are registered as given. A name that is
// already taken (by the sandbox, another vendor or an alias) is an error
// naming both, never flag's "flag redefined" panic.
func RegisterFlags(fs *flag.FlagSet, p Plugin) error {
	own := flag.NewFlagSet(p.Name(), flag.ContinueOnError)
	p.Flags(own)
	var err error
	define := func(name string, f *flag.Flag, usage string) {
		if err != nil {
			return
		}
		if fs.Lookup(name) != nil {
			err = fmt.Errorf("contract: vendor %s: flag --%s is already defined (by the sandbox or another vendor)", p.Name(), name)
			return
		}
		fs.Var(f.Value, name, usage)
		// A Func flag's default is only known to the vendor, which sets
		// DefValue for --help (fs.Var would take the empty String()).
		fs.Lookup(name).DefValue = f.DefValue
	}
	own.VisitAll(func(f *flag.Flag) { define(Namespaced(p.Name(), f.Name), f, f.Usage) })
	if a, ok := p.(FlagAliaser); ok {
		aliases := a.FlagAliases()
		names := make([]string, 0, len(aliases))
		for old := range aliases {
			names = append(names, old)
		}
		sort.Strings(names)
		for _, old := range names {
			f := own.Lookup(aliases[old])
			if f == nil {
				return fmt.Errorf("contract: vendor %s: alias --%s names no flag %q of the vendor", p.Name(), old, aliases[old])
			}
			define(old, f, "alias of --"+Namespaced(p.Name(), f.Name))
		}
	}
	return err
}

// Namespaced is the command-line name of a vendor's flag: "weavr" and
// "rate-limit" give "weavr-rate-limit".
func Namespaced(vendor, name string) string { return vendor + "-" + name }
