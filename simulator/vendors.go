package simulator

import (
	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

// vendors are the simulated APIs. Each plugs into the neutral machinery
// through the same three things: its documented errors (for the catalog),
// a session factory (its per-session world) and its handlers (routes.go).
type vendors struct {
	weavr   *weavr.Service
	loanpro *loanpro.Service
}

func buildVendors(cfg Config) (vendors, error) {
	w, err := weavr.New(weavr.Options{Settings: cfg.Weavr, Seed: cfg.Seed, Fixtures: cfg.Fixtures, Clock: cfg.Clock})
	if err != nil {
		return vendors{}, err
	}
	lp, err := loanpro.New(loanpro.Options{Settings: cfg.LoanPro, Seed: cfg.Seed, Fixtures: cfg.Fixtures, Clock: cfg.Clock})
	if err != nil {
		return vendors{}, err
	}
	return vendors{weavr: w, loanpro: lp}, nil
}

func (v vendors) errors() [][]apierr.Def {
	return [][]apierr.Def{v.weavr.Errors(), v.loanpro.Errors()}
}

func (v vendors) factories() []session.Factory {
	return []session.Factory{
		{Vendor: weavr.Vendor, New: v.weavr.NewWorld},
		{Vendor: loanpro.Vendor, New: v.loanpro.NewWorld},
	}
}
