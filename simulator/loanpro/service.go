// Package loanpro simulates LoanPro's LMS API for customers: the OData
// endpoints GET/PUT /api/public/api/1/odata.svc/Customers({id}) and the
// Customers list, with LoanPro's headers, bodies, /Date(seconds)/ dates,
// 0/1 flags, 409 validation errors and transaction warnings, as LoanPro's
// documentation of its customer endpoints describes them.
package loanpro

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// Vendor is the vendor name in operation ids, error names and sessions.
const Vendor = "loanpro"

// Secondary indexes of the customers table, used for the duplicate
// warnings without scanning the table. Each also finds generated
// customers from the key alone (seed.go), without making the others.
const (
	indexEmail   = "email"   // lower-cased email
	indexSSN     = "ssn"     // the nine digits
	indexPhone   = "phone"   // each phone's digits (phoneKeys)
	indexAddress = "address" // PrimaryAddress and MailAddress (addressKeys)
)

// maxCustomers bounds --customers: customers are made on first use, but
// the store keeps one slot per customer.
const maxCustomers = 1_000_000

// Settings are the LoanPro behaviours an operator can choose. Several exist
// because LoanPro's answers changed over the years and the reference asks
// for the disputed points to be configurable, not guessed. Zero statuses
// and a zero page size take the defaults.
type Settings struct {
	// Customers is how many fake customers are generated after the
	// fixtures (0: fixtures only).
	Customers int
	// ValidationStatus is the status of invalid input (bad field, bad
	// JSON, bad key, bad query option). Current docs: 409.
	ValidationStatus int
	// WarningStatus is the status of a TransactionWarningException:
	// 409 in current docs, 500 in older answers.
	WarningStatus int
	// NotFoundStatus is the status of an unknown customer id: 409 in
	// current docs ("missing or invalid entity ids"); 404 and 400 were
	// also seen.
	NotFoundStatus int
	// PageSize is the list page size without $top (LoanPro: 50).
	PageSize int
	// Statuses overrides the tenant's customer statuses from the fixtures
	// (LoanPro statuses are tenant-configured).
	Statuses []string
	// SuspiciousEmails overrides the fixtures' glob patterns of emails that
	// raise the "may not be a valid email account" warning.
	SuspiciousEmails []string
}

// DefaultSettings are LoanPro's currently documented behaviours.
func DefaultSettings() Settings {
	return Settings{
		Customers:        1000,
		ValidationStatus: http.StatusConflict,
		WarningStatus:    http.StatusConflict,
		NotFoundStatus:   http.StatusConflict,
		PageSize:         50,
	}
}

func (st *Settings) fill() error {
	d := DefaultSettings()
	for _, p := range []struct {
		name string
		v    *int
		def  int
	}{{"ValidationStatus", &st.ValidationStatus, d.ValidationStatus}, {"WarningStatus", &st.WarningStatus, d.WarningStatus}, {"NotFoundStatus", &st.NotFoundStatus, d.NotFoundStatus}} {
		if *p.v == 0 {
			*p.v = p.def
		}
		if *p.v < 400 || *p.v > 599 {
			return fmt.Errorf("loanpro: %s %d: want an HTTP error status (400-599)", p.name, *p.v)
		}
	}
	if st.PageSize == 0 {
		st.PageSize = d.PageSize
	}
	if st.PageSize < 1 || st.PageSize > 10000 {
		return fmt.Errorf("loanpro: page size %d: want 1-10000", st.PageSize)
	}
	if st.Customers < 0 || st.Customers > maxCustomers {
		return fmt.Errorf("loanpro: customers %d: want 0-%d", st.Customers, maxCustomers)
	}
	return nil
}

// Options are what New needs: settings, the faker seed, the fixtures
// directory (holding loanpro.yaml) and the clock used for lastUpdate.
type Options struct {
	Settings Settings
	Seed     int64
	Fixtures fs.FS
	Clock    clock.Clock
	// MaxBodyBytes caps a PUT body; a larger one is 413 PAYLOAD_TOO_LARGE.
	// LoanPro documents no limit, but its web server refuses huge bodies,
	// and a sandbox must not buffer unbounded input. Zero takes 1 MiB.
	MaxBodyBytes int64
}

// Service is the LoanPro simulator: immutable after New, shared by every
// session; per-session data lives in World.
type Service struct {
	settings         Settings
	clock            clock.Clock
	maxBody          int64
	worldKey         session.Key[*World] // this Service's state in each session
	token, tenant    string
	statuses         []string
	suspiciousEmails []string
	base             *store.Base[int, Customer]
	phones           *phoneBook // generated customers' phone numbers
	errs             catalog
	fields           []scalarField
	fieldByName      map[string]*scalarField
	navs             []navProp
	enums            enums
}

// enums are LoanPro's fixed enumerations, built once rather than per
// request.
type enums struct {
	customerTypes, idTypes, genders, generationCodes []string
}

// World is one session's LoanPro data: a copy-on-write fork of the seeded
// customers.
type World struct {
	customers *store.Table[int, Customer]
	// search holds the session's recent searches (search_cache.go), made
	// by its first search: most sessions never search, and 10,000 of
	// them would carry 6 MB of empty caches.
	search atomic.Pointer[searchCache]
}

// New loads and validates fixtures/loanpro.yaml, seeds the fake customers
// deterministically from opts.Seed and builds the shared base.
func New(opts Options) (*Service, error) {
	st := opts.Settings
	if err := st.fill(); err != nil {
		return nil, err
	}
	if opts.Fixtures == nil {
		return nil, errors.New("loanpro: no fixtures directory")
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxBodyBytes < 1024 {
		return nil, fmt.Errorf("loanpro: max body bytes must be >= 1024, got %d", opts.MaxBodyBytes)
	}
	s := &Service{settings: st, clock: opts.Clock, maxBody: opts.MaxBodyBytes, worldKey: session.NewKey[*World](Vendor),
		errs: newCatalog(st, opts.MaxBodyBytes), fields: customerFields(), navs: navProps(),
		enums: enums{customerTypes: customerTypes(), idTypes: customerIDTypes(), genders: genders(), generationCodes: generationCodes()}}
	s.fieldByName = make(map[string]*scalarField, len(s.fields))
	for i := range s.fields {
		s.fieldByName[s.fields[i].name] = &s.fields[i]
	}
	fx, err := loadFixtures(opts.Fixtures)
	if err != nil {
		return nil, err
	}
	s.token, s.tenant = fx.file.Credentials.Token, fx.file.Credentials.Tenant
	s.statuses = slices.Clone(fx.file.Statuses)
	if len(st.Statuses) > 0 {
		s.statuses = slices.Clone(st.Statuses)
	}
	if err := checkList("status", s.statuses); err != nil {
		return nil, err
	}
	s.suspiciousEmails = slices.Clone(fx.file.SuspiciousEmails)
	if len(st.SuspiciousEmails) > 0 {
		s.suspiciousEmails = slices.Clone(st.SuspiciousEmails)
	}
	for i, p := range s.suspiciousEmails {
		if _, err := path.Match(p, ""); err != nil || p == "" {
			return nil, fmt.Errorf("loanpro: suspicious email pattern %q: not a valid glob", p)
		}
		s.suspiciousEmails[i] = strings.ToLower(p)
	}
	customers, err := s.fixtureCustomers(fx)
	if err != nil {
		return nil, err
	}
	first := nextID(customers)
	if int64(first)+int64(st.Customers)-1 > math.MaxInt32 {
		return nil, fmt.Errorf("loanpro: %d customers after id %d exceed LoanPro's int32 ids", st.Customers, first-1)
	}
	s.phones = newPhoneBook(opts.Seed, customers)
	s.base, err = store.NewGeneratedBase(func(c Customer) int { return c.ID }, map[string]store.IndexFunc[Customer]{
		indexEmail: func(c Customer) []string {
			if !c.Email.ok || c.Email.s == "" {
				return nil
			}
			return []string{strings.ToLower(c.Email.s)}
		},
		indexSSN: func(c Customer) []string {
			if !c.SSN.ok || c.SSN.s == "" {
				return nil
			}
			return []string{c.SSN.s}
		},
		indexPhone:   phoneKeys,
		indexAddress: addressKeys,
	}, customers, s.generated(opts.Seed, first, st.Customers))
	if err == nil {
		// Most PUTs change neither address nor phone: their keys, the
		// costliest to make, are then not made at all.
		err = errors.Join(
			s.base.SkipUnchanged(indexAddress, func(a, b Customer) bool {
				return a.PrimaryAddress == b.PrimaryAddress && a.MailAddress == b.MailAddress
			}),
			s.base.SkipUnchanged(indexPhone, func(a, b Customer) bool { return slices.Equal(a.Phones, b.Phones) }))
	}
	if err != nil {
		return nil, fmt.Errorf("loanpro: %w", err)
	}
	return s, nil
}

func checkList(what string, vs []string) error {
	if len(vs) == 0 {
		return fmt.Errorf("loanpro: no customer %s values configured", what)
	}
	seen := map[string]bool{}
	for _, v := range vs {
		if strings.TrimSpace(v) == "" || seen[v] {
			return fmt.Errorf("loanpro: customer %s %q: empty or listed twice", what, v)
		}
		seen[v] = true
	}
	return nil
}

// Errors lists every documented LoanPro error, each defined once, for the
// sandbox's error catalog and scenario engine.
func (s *Service) Errors() []apierr.Def { return s.errs.defs() }

// newWorld returns a new session's World under sc (in memory for the zero
// Scope, else in the shared backend): an O(1) fork of the seeded data.
func (s *Service) newWorld(sc state.Scope) *World {
	return &World{customers: s.base.ForkIn(sc, customerCodec(), customerTableName)}
}

// Credentials are the sandbox tenant's API token and Autopal-Instance-Id,
// for cmd/sandbox to print at startup.
func (s *Service) Credentials() (token, tenant string) { return s.token, s.tenant }

// Statuses are the tenant's allowed customer status values.
func (s *Service) Statuses() []string { return append([]string(nil), s.statuses...) }

// Settings are the effective settings (defaults filled in).
func (s *Service) Settings() Settings {
	st := s.settings
	st.Statuses = s.Statuses()
	st.SuspiciousEmails = append([]string(nil), s.suspiciousEmails...)
	return st
}
