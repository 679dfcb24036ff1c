package simulator

import (
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// Plugins is the vendor list: every simulated API, each with its documented
// default settings. It is the only place the sandbox names a vendor; the
// rest of the sandbox knows vendors only through the contract.
func Plugins() []contract.Plugin {
	return []contract.Plugin{weavr.Plugin(), loanpro.Plugin()}
}
