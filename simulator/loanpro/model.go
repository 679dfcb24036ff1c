package loanpro

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Customer is one LoanPro Customers entity as the sandbox stores it. It is a
// value: the store hands out copies, so the slices it holds (Phones,
// References) are never modified in place, only replaced.
type Customer struct {
	ID             int
	CustomID       nstr
	MCID           int
	CustomerType   string
	Status         string
	FirstName      string
	LastName       string
	MiddleName     nstr
	BirthDate      ndate
	Gender         string
	GenerationCode string
	Email          nstr
	SSN            nstr
	DriverLicense  nstr
	CompanyName    nstr
	ContactName    nstr
	CustomerIDType string
	CustomerIDNum  nstr // the "customerId" field (LoanPro's government id number slot)
	CreditLimit    int
	AccessUserName nstr
	Active         bool
	OfacMatch      bool
	OfacTested     bool
	HasAvatar      bool
	LoanRole       nstr
	Created        time.Time
	LastUpdate     time.Time
	CreditScoreID  int

	PrimaryAddress Address
	MailAddress    Address
	Phones         []Phone
	PhoneSeq       int       // phone ids assigned so far (phoneID(ID, 0..PhoneSeq-1)); a destroyed phone's id is never reused
	Employer       *Employer // nil when the customer has no employer on file; never modified in place
	CreditScore    CreditScore
	References     []Reference
}

// displayName is how LoanPro names a customer in warnings:
// "(Customer ID 139: Jane Doe)"; companies go by their company name.
func (c *Customer) displayName() string {
	if c.CustomerType != typeIndividual && c.CompanyName.ok && c.CompanyName.s != "" {
		return c.CompanyName.s
	}
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}

// Address is a PrimaryAddress or MailAddress nested entity.
type Address struct {
	ID       int
	Address1 string
	Address2 nstr
	City     string
	State    string // geo.state.XX
	Zipcode  string
	Country  string // company.country.usa
	GeoLat   nstr
	GeoLon   nstr
	Verified bool
	// Standardized is the isStandardized flag.
	Standardized bool
	Created      time.Time
	Available    bool // false: the customer has no such address (expanded as null)
}

// Phone is one entry of the Phones collection.
type Phone struct {
	ID          int
	Phone       string
	Type        string // one of phoneTypes(): customer.phoneType.cell, …
	IsPrimary   bool
	IsSecondary bool
	DND         bool
}

// Employer is the Employer nested entity.
type Employer struct {
	ID          int
	CompanyName string
	Title       string
	HireDate    ndate
	Income      int
	IncomeFreq  string
	Phone       nstr
}

// CreditScore is the CreditScore nested entity (LoanPro creates one per
// customer; creditScoreId points at it).
type CreditScore struct {
	ID         int
	Equifax    nint
	TransUnion nint
	Experian   nint
	Modified   time.Time
}

// Reference is one entry of the References collection.
type Reference struct {
	ID           int
	Name         string
	Relation     string
	PrimaryPhone string
}

// LoanPro enumerations (the "customer values" docs and SDK constants).
const (
	typeIndividual = "customer.type.individual"
	typeCompany    = "customer.type.company"
	typeFlooring   = "customer.type.flooringCustomer"
)

var (
	_ json.Marshaler = nstr{}
	_ json.Marshaler = ndate{}
	_ json.Marshaler = nint{}
)

func customerTypes() []string { return []string{typeIndividual, typeCompany, typeFlooring} }

func customerIDTypes() []string {
	return []string{"customer.idType.ssn", "customer.idType.sin", "customer.idType.employerNumber"}
}

func genders() []string {
	return []string{"customer.gender.female", "customer.gender.male", "customer.gender.unknown"}
}

// generationNone is the generation code of a customer without one.
const generationNone = "customer.generationCode.none"

func generationCodes() []string {
	out := []string{}
	for _, g := range []string{"none", "jr", "sr", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"} {
		out = append(out, "customer.generationCode."+g)
	}
	return out
}

// nstr is an optional string: JSON null when unset, as LoanPro sends null
// for empty optional fields rather than "".
type nstr struct {
	s  string
	ok bool
}

func some(s string) nstr { return nstr{s: s, ok: true} }

// MarshalJSON renders null or the string.
func (n nstr) MarshalJSON() ([]byte, error) {
	if !n.ok {
		return []byte("null"), nil
	}
	return json.Marshal(n.s)
}

// nint is an optional integer (credit scores not pulled yet are null).
type nint struct {
	n  int
	ok bool
}

// MarshalJSON renders null or the number.
func (n nint) MarshalJSON() ([]byte, error) {
	if !n.ok {
		return []byte("null"), nil
	}
	return json.Marshal(n.n)
}

// ndate is an optional instant rendered the LoanPro way, /Date(<unix
// seconds>)/ (seconds, not the milliseconds of classic OData).
type ndate struct {
	t  time.Time
	ok bool
}

func someDate(t time.Time) ndate { return ndate{t: t.UTC(), ok: true} }

// MarshalJSON renders null or /Date(seconds)/.
func (d ndate) MarshalJSON() ([]byte, error) {
	if !d.ok {
		return []byte("null"), nil
	}
	return json.Marshal(odataDate(d.t))
}

func (d ndate) String() string {
	if !d.ok {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// odataDate formats t as LoanPro does: /Date(<unix seconds>)/.
func odataDate(t time.Time) string {
	return "/Date(" + strconv.FormatInt(t.Unix(), 10) + ")/"
}

// flag renders a boolean as LoanPro's 0/1 integer flags.
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}
