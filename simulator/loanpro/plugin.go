package loanpro

import (
	goflag "flag"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
)

// Plugin is LoanPro as the sandbox's vendor list names it: the documented
// default settings, their flags, and the constructor of the Vendor.
func Plugin() contract.Plugin { return &plugin{settings: DefaultSettings()} }

type plugin struct{ settings Settings }

func (p *plugin) Name() string       { return Vendor }
func (p *plugin) Settings() any      { return &p.settings }
func (p *plugin) SetGenerated(n int) { p.settings.Customers = n }

// Flags registers LoanPro's flags (the sandbox prefixes them:
// --loanpro-page-size): the behaviours whose documentation changed over
// the years, configurable rather than guessed.
func (p *plugin) Flags(fs *goflag.FlagSet) {
	lp := &p.settings
	fs.IntVar(&lp.Customers, "customers", lp.Customers, "number of generated LoanPro customers besides the fixtures (at most 1,000,000; each is made on first use, so startup does not grow with it)")
	fs.IntVar(&lp.ValidationStatus, "validation-status", lp.ValidationStatus, "LoanPro: status of invalid input (current docs 409; 400 also seen)")
	fs.IntVar(&lp.WarningStatus, "warning-status", lp.WarningStatus, "LoanPro: status of transaction warnings (current docs 409; legacy 500)")
	fs.IntVar(&lp.NotFoundStatus, "not-found-status", lp.NotFoundStatus, "LoanPro: status of an unknown customer id (current docs 409; 404 and 400 also seen)")
	fs.IntVar(&lp.PageSize, "page-size", lp.PageSize, "LoanPro: list page size without $top")
	fs.Func("statuses", "LoanPro: comma-separated customer statuses the tenant allows (default: from the fixtures)", func(v string) error {
		lp.Statuses = contract.SplitList(v)
		return nil
	})
	fs.Func("suspicious-emails", "LoanPro: comma-separated glob patterns of emails that raise the 'may not be a valid email account' warning (default: from the fixtures)", func(v string) error {
		lp.SuspiciousEmails = contract.SplitList(v)
		return nil
	})
}

// FlagAliases keeps --customers, the name from before vendor flags were
// namespaced, beside --loanpro-customers.
func (p *plugin) FlagAliases() map[string]string { return map[string]string{"customers": "customers"} }

func (p *plugin) Build(env contract.Env) (*contract.Vendor, error) {
	s, err := New(Options{Settings: p.settings, Seed: env.Seed, Fixtures: env.Fixtures, Clock: env.Clock, MaxBodyBytes: env.MaxBodyBytes})
	if err != nil {
		return nil, err
	}
	return s.Vendor(), nil
}

// Vendor declares the built Service to the sandbox.
func (s *Service) Vendor() *contract.Vendor {
	e := &s.errs
	return &contract.Vendor{
		Name:       Vendor,
		Title:      "LoanPro",
		Prefixes:   []string{prefix},
		Operations: s.operations(),
		Resolve:    s.resolve,
		Unknown: contract.Unknown{ID: OpUnknown, Summary: "any other path or method under " + apiBase,
			Errors: names(&e.unauthorized, &e.notFound, &e.methodNotAllowed), Handler: s.unknown},
		Errors: s.Errors(),
		World:  s.worldKey.ScopedFactory(s.newWorld),
		Data:   []contract.Collection{s.customersCollection()},
		Banner: s.banner,
	}
}

func (s *Service) banner(string) []contract.Line {
	return []contract.Line{{Msg: "loanpro credentials", Attrs: []any{"Authorization", "Bearer " + s.token, "Autopal-Instance-Id", s.tenant}}}
}
