package simulator

import (
	"errors"
	"sync"

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

// buildVendors seeds both vendors at once (each is deterministic on its
// own), so startup takes the longer of the two, not their sum.
func buildVendors(cfg Config) (vendors, error) {
	var v vendors
	var werr, lerr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		v.weavr, werr = weavr.New(weavr.Options{Settings: cfg.Weavr, Seed: cfg.Seed, Fixtures: cfg.Fixtures, Clock: cfg.Clock})
	}()
	v.loanpro, lerr = loanpro.New(loanpro.Options{Settings: cfg.LoanPro, Seed: cfg.Seed, Fixtures: cfg.Fixtures, Clock: cfg.Clock})
	wg.Wait()
	if err := errors.Join(werr, lerr); err != nil {
		return vendors{}, err
	}
	return v, nil
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
