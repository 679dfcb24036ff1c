package weavr

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// FixtureFile is the name of the Weavr fixtures inside the fixtures FS.
const FixtureFile = "weavr.yaml"

// fixturePassword is every fixture consumer's default password.
const fixturePassword = "Passw0rd!"

type fixtureFile struct {
	DisposableEmailDomains []string           `yaml:"disposableEmailDomains"`
	Programmes             []programmeFixture `yaml:"programmes"`
	Consumers              []consumerFixture  `yaml:"consumers"`
}

// fixturePositions is a second, loose reading of the file for the line of
// each entry (strict decoding rejects unknown keys, nodes carry positions).
type fixturePositions struct {
	Programmes []yaml.Node `yaml:"programmes"`
	Consumers  []yaml.Node `yaml:"consumers"`
}

type programmeFixture struct {
	ID                   string   `yaml:"id"`
	APIKey               string   `yaml:"apiKey"`
	ProfileID            string   `yaml:"profileId"`
	FeeGroups            []string `yaml:"feeGroups"`
	UnsupportedCountries []string `yaml:"unsupportedCountries"`
	Currencies           []string `yaml:"currencies"`
}

type consumerFixture struct {
	ID                  string    `yaml:"id"`
	Programme           string    `yaml:"programme"`
	Email               string    `yaml:"email"`
	Password            string    `yaml:"password"`
	Name                string    `yaml:"name"`
	Surname             string    `yaml:"surname"`
	Mobile              Mobile    `yaml:"mobile"`
	DateOfBirth         *Date     `yaml:"dateOfBirth"`
	Address             *Address  `yaml:"address"`
	Nationality         string    `yaml:"nationality"`
	PlaceOfBirth        string    `yaml:"placeOfBirth"`
	Locale              string    `yaml:"locale"`
	Brand               string    `yaml:"brand"`
	Tag                 string    `yaml:"tag"`
	UserTag             string    `yaml:"userTag"`
	Occupation          string    `yaml:"occupation"`
	SourceOfFunds       string    `yaml:"sourceOfFunds"`
	BaseCurrency        string    `yaml:"baseCurrency"`
	FeeGroup            string    `yaml:"feeGroup"`
	IPAddress           string    `yaml:"ipAddress"`
	Created             time.Time `yaml:"created"`
	Active              *bool     `yaml:"active"`
	EmailVerified       bool      `yaml:"emailVerified"`
	MobileVerified      bool      `yaml:"mobileVerified"`
	KYCApproved         bool      `yaml:"kycApproved"` // kycStatus APPROVED
	KYCStatus           KYCStatus `yaml:"kycStatus"`
	SMSOTPEnrolled      bool      `yaml:"smsOtpEnrolled"`
	RecentPasswordReset bool      `yaml:"recentPasswordReset"`
}

// dataset is the immutable seed shared by every session.
type dataset struct {
	programmes []*Programme
	byKey      map[string]*Programme
	byID       map[string]*Programme
	disposable map[string]bool
	consumers  *store.Base[string, Consumer]
	// indexes are the consumers' index functions, made once: every
	// session's table of created consumers uses them.
	indexes map[string]store.IndexFunc[Consumer]
}

// Index names of the consumers table.
const (
	indexEmail        = "email"        // current email, lower case
	indexPendingEmail = "pendingEmail" // requested email, lower case
)

func consumerIndexes() map[string]store.IndexFunc[Consumer] {
	return map[string]store.IndexFunc[Consumer]{
		indexEmail: func(c Consumer) []string { return []string{emailKey(c.Email)} },
		indexPendingEmail: func(c Consumer) []string {
			if c.PendingEmail == "" {
				return nil
			}
			return []string{emailKey(c.PendingEmail)}
		},
	}
}

// loadDataset reads weavr.yaml, checks every fixture against the vendor's
// own field rules (reporting file:line), and appends n generated consumers.
func loadDataset(fsys fs.FS, seed int64, n, countryCodeMax int, now time.Time) (*dataset, error) {
	raw, err := fs.ReadFile(fsys, FixtureFile)
	if err != nil {
		return nil, fmt.Errorf("weavr fixtures: %w", err)
	}
	fail := func(line int, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", FixtureFile, line, fmt.Sprintf(format, args...))
	}
	var f fixtureFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", FixtureFile, err)
	}
	var pos fixturePositions
	_ = yaml.Unmarshal(raw, &pos) // the strict decode above succeeded
	d := &dataset{byKey: map[string]*Programme{}, byID: map[string]*Programme{}, disposable: map[string]bool{}}
	for _, dom := range f.DisposableEmailDomains {
		d.disposable[strings.ToLower(dom)] = true
	}
	if len(f.Programmes) == 0 {
		return nil, fail(1, "at least one programme is required")
	}
	for i, pf := range f.Programmes {
		line := pos.Programmes[i].Line
		p := &Programme{ID: pf.ID, APIKey: pf.APIKey, ProfileID: pf.ProfileID, FeeGroups: pf.FeeGroups,
			UnsupportedCountries: pf.UnsupportedCountries, Currencies: pf.Currencies}
		switch {
		case !digits.MatchString(p.ID) || !digits.MatchString(p.ProfileID):
			return nil, fail(line, "programme %d: id and profileId must be digit strings", i+1)
		case p.APIKey == "":
			return nil, fail(line, "programme %s: apiKey is required", p.ID)
		case d.byKey[p.APIKey] != nil || d.byID[p.ID] != nil:
			return nil, fail(line, "programme %s: duplicate id or apiKey", p.ID)
		}
		for _, cur := range p.Currencies {
			if len(cur) != 3 || !currencyRe.MatchString(cur) {
				return nil, fail(line, "programme %s: currency %q is not an ISO 4217 code", p.ID, cur)
			}
		}
		if len(p.FeeGroups) == 0 {
			p.FeeGroups = []string{"DEFAULT"}
		}
		d.programmes = append(d.programmes, p)
		d.byKey[p.APIKey], d.byID[p.ID] = p, p
	}

	var records []Consumer
	for i, cf := range f.Consumers {
		c, err := d.fixtureConsumer(cf, countryCodeMax, now)
		if err != nil {
			return nil, fail(pos.Consumers[i].Line, "consumer %q: %v", cf.Email, err)
		}
		records = append(records, c)
	}
	gen := newConsumerSeed(seed, d.programmes[0]).generated(n)
	d.indexes = consumerIndexes()
	base, err := store.NewGeneratedBase(func(c Consumer) string { return c.ID }, d.indexes, records, gen)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", FixtureFile, err)
	}
	d.consumers = base
	return d, nil
}

func (d *dataset) fixtureConsumer(cf consumerFixture, countryCodeMax int, now time.Time) (Consumer, error) {
	prog := d.programmes[0]
	if cf.Programme != "" {
		if prog = d.byID[cf.Programme]; prog == nil {
			return Consumer{}, fmt.Errorf("unknown programme %q", cf.Programme)
		}
	}
	if !digits.MatchString(cf.ID) {
		return Consumer{}, errors.New("id must be a digit string")
	}
	if cf.Email == "" || cf.Name == "" || cf.Surname == "" || cf.Mobile.Number == "" {
		return Consumer{}, errors.New("email, name, surname and mobile are required")
	}
	kyc := KYC{Status: cf.KYCStatus}
	switch {
	case cf.KYCApproved && kyc.Status != "" && kyc.Status != KYCApproved:
		return Consumer{}, fmt.Errorf("kycApproved: true contradicts kycStatus: %s", kyc.Status)
	case cf.KYCApproved:
		kyc.Status = KYCApproved
	case kyc.Status == "":
		kyc.Status = KYCNotStarted
	case !slices.Contains(kycStatuses(), kyc.Status):
		return Consumer{}, fmt.Errorf("kycStatus %q: want one of %v", kyc.Status, kycStatuses())
	}
	approved := kyc.Status == KYCApproved
	if kyc.Status != KYCNotStarted {
		kyc.Level, kyc.Reference = defaultKYCLevel, kycReference(cf.ID)
	}
	c := Consumer{
		ID: cf.ID, ProgrammeID: prog.ID, ProfileID: prog.ProfileID, Tag: cf.Tag,
		Password: cf.Password, Name: cf.Name, Surname: cf.Surname, Email: cf.Email,
		Mobile: cf.Mobile, Active: cf.Active == nil || *cf.Active,
		EmailVerified: cf.EmailVerified || approved, MobileVerified: cf.MobileVerified || approved,
		DateOfBirth: cf.DateOfBirth, Address: cf.Address, Nationality: cf.Nationality,
		PlaceOfBirth: cf.PlaceOfBirth, Locale: cf.Locale, Brand: cf.Brand, UserTag: cf.UserTag,
		Occupation: cf.Occupation, Created: cf.Created.UnixMilli(), IPAddress: cf.IPAddress,
		AcceptedTerms: true, BaseCurrency: cf.BaseCurrency, FeeGroup: cf.FeeGroup,
		SourceOfFunds: cf.SourceOfFunds, KYC: kyc, SMSOTPEnrolled: cf.SMSOTPEnrolled,
	}
	if c.Password == "" {
		c.Password = fixturePassword
	}
	if c.FeeGroup == "" {
		c.FeeGroup = prog.FeeGroups[0]
	}
	if c.IPAddress == "" {
		c.IPAddress = "192.0.2.1"
	}
	if cf.Created.IsZero() {
		c.Created = now.UnixMilli()
	}
	if cf.RecentPasswordReset {
		c.SecurityEventAt = now
	}
	// A fixture must satisfy the same rules a PATCH would.
	if bad := validateUpdate(c.asUpdate(), countryCodeMax); len(bad) > 0 {
		return Consumer{}, fmt.Errorf("%s.%s: %s", strings.Join(bad[0].Params, "."), bad[0].FieldName, bad[0].Error)
	}
	return c, nil
}

// asUpdate expresses a consumer as the update request that would set every
// field, so fixtures are checked by the same rules as PATCH.
func (c *Consumer) asUpdate() *updateRequest {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	u := &updateRequest{
		Tag: opt(c.Tag), Name: &c.Name, Surname: &c.Surname, Email: &c.Email,
		Mobile:       &mobileRequest{CountryCode: &c.Mobile.CountryCode, Number: &c.Mobile.Number},
		BaseCurrency: opt(c.BaseCurrency), Occupation: opt(c.Occupation), SourceOfFunds: opt(c.SourceOfFunds),
		Nationality: opt(c.Nationality), UserTag: opt(c.UserTag), Locale: opt(c.Locale), Brand: opt(c.Brand),
	}
	if c.DateOfBirth != nil {
		u.DateOfBirth = &dateRequest{Year: &c.DateOfBirth.Year, Month: &c.DateOfBirth.Month, Day: &c.DateOfBirth.Day}
	}
	if a := c.Address; a != nil {
		u.Address = &addressRequest{AddressLine1: opt(a.AddressLine1), AddressLine2: opt(a.AddressLine2), City: opt(a.City),
			PostCode: opt(a.PostCode), State: opt(a.State), Country: &a.Country}
	}
	return u
}
