package loanpro

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// fixtureName is the LoanPro fixtures file inside the fixtures directory.
const fixtureName = "loanpro.yaml"

// fixtureFile is the schema of loanpro.yaml. Decoding is strict: an unknown
// key is an error with its file:line, so a typo never silently drops data.
type fixtureFile struct {
	Credentials struct {
		Token  string `yaml:"token"`
		Tenant string `yaml:"tenant"`
	} `yaml:"credentials"`
	Statuses         []string          `yaml:"statuses"`
	SuspiciousEmails []string          `yaml:"suspiciousEmails"`
	Customers        []fixtureCustomer `yaml:"customers"`
}

type fixtureCustomer struct {
	ID             int                 `yaml:"id"`
	MCID           int                 `yaml:"mcId"`
	CustomID       *string             `yaml:"customId"`
	Status         string              `yaml:"status"`
	CustomerType   string              `yaml:"customerType"`
	CustomerIDType string              `yaml:"customerIdType"`
	FirstName      string              `yaml:"firstName"`
	MiddleName     *string             `yaml:"middleName"`
	LastName       string              `yaml:"lastName"`
	BirthDate      string              `yaml:"birthDate"`
	Gender         string              `yaml:"gender"`
	GenerationCode string              `yaml:"generationCode"`
	Email          string              `yaml:"email"`
	SSN            string              `yaml:"ssn"`
	DriverLicense  *string             `yaml:"driverLicense"`
	CompanyName    *string             `yaml:"companyName"`
	ContactName    *string             `yaml:"contactName"`
	AccessUserName *string             `yaml:"accessUserName"`
	CreditLimit    int                 `yaml:"creditLimit"`
	Active         *bool               `yaml:"active"`
	Created        string              `yaml:"created"`
	LastUpdate     string              `yaml:"lastUpdate"`
	PrimaryAddress *fixtureAddress     `yaml:"primaryAddress"`
	MailAddress    *fixtureAddress     `yaml:"mailAddress"`
	Phones         []fixturePhone      `yaml:"phones"`
	Employer       *fixtureEmployer    `yaml:"employer"`
	CreditScore    *fixtureCreditScore `yaml:"creditScore"`
}

type fixtureAddress struct {
	Address1 string  `yaml:"address1"`
	Address2 *string `yaml:"address2"`
	City     string  `yaml:"city"`
	State    string  `yaml:"state"` // two-letter code, rendered geo.state.XX
	Zipcode  string  `yaml:"zipcode"`
}

type fixturePhone struct {
	Phone   string `yaml:"phone"`
	Type    string `yaml:"type"` // a customer.phoneType name: cell, cellSmartPhone, fax, home, office or other
	Primary bool   `yaml:"primary"`
}

type fixtureEmployer struct {
	CompanyName     string `yaml:"companyName"`
	Title           string `yaml:"title"`
	HireDate        string `yaml:"hireDate"`
	Income          int    `yaml:"income"`
	IncomeFrequency string `yaml:"incomeFrequency"`
}

type fixtureCreditScore struct {
	Equifax    *int `yaml:"equifax"`
	TransUnion *int `yaml:"transunion"`
	Experian   *int `yaml:"experian"`
}

// fixtureSet is a decoded loanpro.yaml with its node tree, kept to point
// validation errors at a line.
type fixtureSet struct {
	file fixtureFile
	root yaml.Node
}

// yamlLine matches yaml.v3's "line N: msg" error lines.
func yamlLine() *regexp.Regexp { return regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`) }

// loadFixtures reads and strictly decodes loanpro.yaml from fsys.
func loadFixtures(fsys fs.FS) (*fixtureSet, error) {
	b, err := fs.ReadFile(fsys, fixtureName)
	if err != nil {
		return nil, fmt.Errorf("loanpro: %w", err)
	}
	fx := &fixtureSet{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&fx.file); err != nil {
		return nil, yamlError(err)
	}
	if err := yaml.Unmarshal(b, &fx.root); err != nil {
		return nil, yamlError(err)
	}
	c := fx.file.Credentials
	if strings.TrimSpace(c.Token) == "" || strings.TrimSpace(c.Tenant) == "" {
		return nil, fx.errAt(fx.keyLine("credentials"), "credentials.token and credentials.tenant are required")
	}
	if err := checkList("status", fx.file.Statuses); err != nil {
		return nil, fx.errAt(fx.keyLine("statuses"), "%v", err)
	}
	return fx, nil
}

// yamlError rewrites yaml.v3's errors as loanpro.yaml:LINE: message.
func yamlError(err error) error {
	re := yamlLine()
	var lines []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		lines = te.Errors
	} else {
		lines = []string{err.Error()}
	}
	for i, l := range lines {
		if m := re.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			lines[i] = fixtureName + ":" + m[1] + ": " + m[2]
		} else {
			lines[i] = fixtureName + ": " + l
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

func (fx *fixtureSet) errAt(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", fixtureName, line, fmt.Sprintf(format, args...))
}

func mappingValue(n *yaml.Node, key string) (k, v *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func (fx *fixtureSet) top() *yaml.Node {
	if len(fx.root.Content) == 0 {
		return nil
	}
	return fx.root.Content[0]
}

func (fx *fixtureSet) keyLine(key string) int {
	if k, _ := mappingValue(fx.top(), key); k != nil {
		return k.Line
	}
	return 1
}

// customerLine is the line of field in customers[i], or of the item.
func (fx *fixtureSet) customerLine(i int, field string) int {
	_, seq := mappingValue(fx.top(), "customers")
	if seq == nil || i >= len(seq.Content) {
		return fx.keyLine("customers")
	}
	item := seq.Content[i]
	if k, _ := mappingValue(item, field); k != nil {
		return k.Line
	}
	return item.Line
}

// fixtureCustomers converts and validates the fixture customers, sorted by
// id. Statuses are checked against the file's own list, so an operator's
// Statuses override never invalidates the shipped fixtures.
func (s *Service) fixtureCustomers(fx *fixtureSet) ([]Customer, error) {
	out := make([]Customer, 0, len(fx.file.Customers))
	seen := map[int]bool{}
	for i, fc := range fx.file.Customers {
		c, field, err := s.fixtureCustomer(fc, fx.file.Statuses)
		if err == nil && seen[c.ID] {
			field, err = "id", fmt.Errorf("id %d is used twice", c.ID)
		}
		if err != nil {
			return nil, fx.errAt(fx.customerLine(i, field), "customers[%d].%s: %v", i, field, err)
		}
		seen[c.ID] = true
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Customer) int { return a.ID - b.ID })
	return out, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func optStr(p *string) nstr {
	if p == nil {
		return nstr{}
	}
	return some(*p)
}

// fixtureCustomer builds one fixture customer; on error it names the field.
func (s *Service) fixtureCustomer(fc fixtureCustomer, statuses []string) (Customer, string, error) {
	if fc.ID < 1 || fc.ID > math.MaxInt32 {
		return Customer{}, "id", fmt.Errorf("id %d: want a positive 32-bit integer", fc.ID)
	}
	c := Customer{
		ID: fc.ID, MCID: fc.MCID, CustomID: optStr(fc.CustomID),
		Status:       orDefault(fc.Status, statuses[0]),
		CustomerType: orDefault(fc.CustomerType, typeIndividual), CustomerIDType: orDefault(fc.CustomerIDType, customerIDTypes()[0]),
		FirstName: fc.FirstName, MiddleName: optStr(fc.MiddleName), LastName: fc.LastName,
		Gender: orDefault(fc.Gender, "customer.gender.unknown"), GenerationCode: orDefault(fc.GenerationCode, generationNone),
		Email: some(fc.Email), DriverLicense: optStr(fc.DriverLicense), CompanyName: optStr(fc.CompanyName),
		ContactName: optStr(fc.ContactName), AccessUserName: optStr(fc.AccessUserName), CreditLimit: fc.CreditLimit,
		Active: fc.Active == nil || *fc.Active, CreditScoreID: fc.ID,
	}
	if c.MCID == 0 {
		c.MCID = 87000 + fc.ID
	}
	for _, e := range []struct {
		field, v string
		allowed  []string
	}{
		{"status", c.Status, statuses}, {"customerType", c.CustomerType, customerTypes()},
		{"customerIdType", c.CustomerIDType, customerIDTypes()}, {"gender", c.Gender, genders()},
		{"generationCode", c.GenerationCode, generationCodes()},
	} {
		if !slices.Contains(e.allowed, e.v) {
			return c, e.field, fmt.Errorf("'%s' is not one of %s", e.v, strings.Join(e.allowed, ", "))
		}
	}
	if err := checkEmail(fc.Email); err != nil {
		return c, "email", err
	}
	if err := checkSSN(fc.SSN); err != nil {
		return c, "ssn", err
	}
	if fc.SSN != "" {
		c.SSN = some(fc.SSN)
	}
	if fc.BirthDate != "" {
		t, ok := parseDate(fc.BirthDate)
		if !ok {
			return c, "birthDate", fmt.Errorf("'%s': want YYYY-MM-DD", fc.BirthDate)
		}
		c.BirthDate = someDate(t)
	}
	var ok bool
	if c.Created, ok = parseDate(orDefault(fc.Created, "2020-01-01")); !ok {
		return c, "created", fmt.Errorf("'%s': want YYYY-MM-DD hh:mm:ss", fc.Created)
	}
	if c.LastUpdate, ok = parseDate(orDefault(fc.LastUpdate, fc.Created)); !ok && fc.LastUpdate != "" {
		return c, "lastUpdate", fmt.Errorf("'%s': want YYYY-MM-DD hh:mm:ss", fc.LastUpdate)
	}
	if c.LastUpdate.Before(c.Created) {
		c.LastUpdate = c.Created
	}
	if err := (&patch{}).apply(&c); err != nil {
		field, _, _ := strings.Cut(strings.TrimPrefix(err.msg, "Field '"), "'")
		return c, field, err
	}
	return s.fixtureNested(c, fc)
}

// fixtureNested adds the nested entities of a fixture customer. A missing
// mailAddress means "same as primary", as LoanPro's UI offers.
func (s *Service) fixtureNested(c Customer, fc fixtureCustomer) (Customer, string, error) {
	addr := func(a *fixtureAddress, id int) (Address, error) {
		if a == nil {
			return Address{}, nil
		}
		if len(a.State) != 2 || a.Address1 == "" || a.City == "" || a.Zipcode == "" {
			return Address{}, fmt.Errorf("address1, city, zipcode and a two-letter state are required")
		}
		if !slices.Contains(states(), "geo.state."+strings.ToUpper(a.State)) {
			return Address{}, fmt.Errorf("state '%s': not a LoanPro geo.state value", a.State)
		}
		return Address{ID: id, Address1: a.Address1, Address2: optStr(a.Address2), City: a.City,
			State: "geo.state." + strings.ToUpper(a.State), Zipcode: a.Zipcode, Country: countryUSA,
			Created: c.Created, Available: true}, nil
	}
	var err error
	if c.PrimaryAddress, err = addr(fc.PrimaryAddress, primaryAddressID(c.ID)); err != nil {
		return c, "primaryAddress", err
	}
	if fc.MailAddress == nil && c.PrimaryAddress.Available {
		c.MailAddress = c.PrimaryAddress
		c.MailAddress.ID = mailAddressID(c.ID)
	} else if c.MailAddress, err = addr(fc.MailAddress, mailAddressID(c.ID)); err != nil {
		return c, "mailAddress", err
	}
	if len(fc.Phones) > 9 {
		return c, "phones", fmt.Errorf("at most 9 phones")
	}
	for i, p := range fc.Phones {
		if len(p.Phone) != 10 || strings.Trim(p.Phone, "0123456789") != "" {
			return c, "phones", fmt.Errorf("phones[%d]: '%s': want ten digits", i, p.Phone)
		}
		if !slices.Contains(phoneTypeNames, p.Type) {
			return c, "phones", fmt.Errorf("phones[%d]: type '%s': want one of %s", i, p.Type, strings.Join(phoneTypeNames, ", "))
		}
		c.Phones = append(c.Phones, Phone{ID: phoneID(c.ID, i), Phone: p.Phone, Type: phoneTypePrefix + p.Type,
			IsPrimary: p.Primary, IsSecondary: !p.Primary && i == 1})
	}
	c.PhoneSeq = len(c.Phones)
	if e := fc.Employer; e != nil {
		emp := &Employer{ID: c.ID, CompanyName: e.CompanyName, Title: e.Title, Income: e.Income,
			IncomeFreq: "customer.employer.incomeFrequency." + orDefault(e.IncomeFrequency, "annually")}
		if e.HireDate != "" {
			t, ok := parseDate(e.HireDate)
			if !ok {
				return c, "employer", fmt.Errorf("hireDate '%s': want YYYY-MM-DD", e.HireDate)
			}
			emp.HireDate = someDate(t)
		}
		c.Employer = emp
	}
	c.CreditScore = CreditScore{ID: c.CreditScoreID, Modified: c.Created}
	if cs := fc.CreditScore; cs != nil {
		for _, v := range []*int{cs.Equifax, cs.TransUnion, cs.Experian} {
			if v != nil && (*v < 300 || *v > 850) {
				return c, "creditScore", fmt.Errorf("score %d: want 300-850", *v)
			}
		}
		c.CreditScore.Equifax, c.CreditScore.TransUnion, c.CreditScore.Experian = optInt(cs.Equifax), optInt(cs.TransUnion), optInt(cs.Experian)
	}
	return c, "", nil
}

func optInt(p *int) nint {
	if p == nil {
		return nint{}
	}
	return nint{n: *p, ok: true}
}

// countryUSA is LoanPro's country value for US addresses.
const countryUSA = "company.country.usa"

// Nested entity ids are derived from the customer id so that they are
// unique and stable across seeds.
func primaryAddressID(id int) int { return 2*id - 1 }
func mailAddressID(id int) int    { return 2 * id }
func phoneID(id, i int) int {
	if i < 10 {
		return 10*id + i
	}
	// Phones added past the tenth of a customer: a block of phoneExtSpan
	// ids per customer above every 10*id+i (10*MaxInt32+9 < phoneExtBase),
	// still exact in a JSON number (< 2^53).
	return phoneExtBase + id*phoneExtSpan + i - 10
}

const (
	phoneExtBase = 100_000_000_000
	phoneExtSpan = 10_000
	// maxPhoneSeq bounds the phone ids a customer can ever be given.
	maxPhoneSeq = 10 + phoneExtSpan
)

// nextID is the first id after the fixtures: generated customers follow.
func nextID(cs []Customer) int {
	n := 0
	for _, c := range cs {
		n = max(n, c.ID)
	}
	return n + 1
}
