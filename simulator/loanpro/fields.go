package loanpro

import (
	"strconv"
	"strings"

	"github.com/sandbox-dev/fintech-sandbox/simulator/jsonenc"
)

// kind is the OData type of a scalar property, used by $filter and $orderby
// to check literals and compare values.
type kind int

const (
	kString kind = iota
	kInt
	kDate
)

func (k kind) String() string {
	switch k {
	case kInt:
		return "integer"
	case kDate:
		return "date"
	default:
		return "string"
	}
}

// value is one scalar property value; dates are unix seconds in n.
type value struct {
	null bool
	s    string
	n    int64
}

func str(s string) value { return value{s: s} }
func nstrVal(n nstr) value {
	if !n.ok {
		return value{null: true}
	}
	return value{s: n.s}
}
func num(n int) value      { return value{n: int64(n)} }
func boolVal(b bool) value { return value{n: int64(flag(b))} }
func dateVal(d ndate) value {
	if !d.ok {
		return value{null: true}
	}
	return value{n: d.t.Unix()}
}

// compare orders two values of kind k; null sorts first.
func compare(k kind, a, b value) int {
	switch {
	case a.null && b.null:
		return 0
	case a.null:
		return -1
	case b.null:
		return 1
	case k == kString:
		return strings.Compare(a.s, b.s)
	case a.n < b.n:
		return -1
	case a.n > b.n:
		return 1
	}
	return 0
}

// scalarField is one non-navigation property of Entity.Customer. The list
// order is the property order of LoanPro's example response.
type scalarField struct {
	name string
	kind kind
	get  func(*Customer) value
}

// appendJSON renders the field's value of c in LoanPro's wire form.
func (f *scalarField) appendJSON(buf []byte, c *Customer) []byte {
	v := f.get(c)
	switch {
	case v.null:
		return append(buf, "null"...)
	case f.kind == kInt:
		return strconv.AppendInt(buf, v.n, 10)
	case f.kind == kDate:
		buf = append(buf, `"/Date(`...)
		buf = strconv.AppendInt(buf, v.n, 10)
		return append(buf, `)/"`...)
	default:
		return jsonenc.String(buf, v.s)
	}
}

func customerFields() []scalarField {
	return []scalarField{
		{"id", kInt, func(c *Customer) value { return num(c.ID) }},
		{"customId", kString, func(c *Customer) value { return nstrVal(c.CustomID) }},
		{"mcId", kInt, func(c *Customer) value { return num(c.MCID) }},
		{"customerType", kString, func(c *Customer) value { return str(c.CustomerType) }},
		{"status", kString, func(c *Customer) value { return str(c.Status) }},
		{"firstName", kString, func(c *Customer) value { return str(c.FirstName) }},
		{"lastName", kString, func(c *Customer) value { return str(c.LastName) }},
		{"middleName", kString, func(c *Customer) value { return nstrVal(c.MiddleName) }},
		{"birthDate", kDate, func(c *Customer) value { return dateVal(c.BirthDate) }},
		{"gender", kString, func(c *Customer) value { return str(c.Gender) }},
		{"generationCode", kString, func(c *Customer) value { return str(c.GenerationCode) }},
		{"email", kString, func(c *Customer) value { return nstrVal(c.Email) }},
		{"ssn", kString, func(c *Customer) value { return nstrVal(c.SSN) }},
		{"driverLicense", kString, func(c *Customer) value { return nstrVal(c.DriverLicense) }},
		{"companyName", kString, func(c *Customer) value { return nstrVal(c.CompanyName) }},
		{"contactName", kString, func(c *Customer) value { return nstrVal(c.ContactName) }},
		{"customerIdType", kString, func(c *Customer) value { return str(c.CustomerIDType) }},
		{"customerId", kString, func(c *Customer) value { return nstrVal(c.CustomerIDNum) }},
		{"creditLimit", kInt, func(c *Customer) value { return num(c.CreditLimit) }},
		{"accessUserName", kString, func(c *Customer) value { return nstrVal(c.AccessUserName) }},
		// LoanPro never returns the portal password.
		{"accessPassword", kString, func(*Customer) value { return value{null: true} }},
		{"active", kInt, func(c *Customer) value { return boolVal(c.Active) }},
		{"ofacMatch", kInt, func(c *Customer) value { return boolVal(c.OfacMatch) }},
		{"ofacTested", kInt, func(c *Customer) value { return boolVal(c.OfacTested) }},
		{"hasAvatar", kInt, func(c *Customer) value { return boolVal(c.HasAvatar) }},
		{"loanRole", kString, func(c *Customer) value { return nstrVal(c.LoanRole) }},
		{"created", kDate, func(c *Customer) value { return dateVal(someDate(c.Created)) }},
		{"lastUpdate", kDate, func(c *Customer) value { return dateVal(someDate(c.LastUpdate)) }},
		{"creditScoreId", kInt, func(c *Customer) value { return num(c.CreditScoreID) }},
	}
}

// navProps are Entity.Customer's navigation properties, in the order
// LoanPro lists them (PrimaryAddress, MailAddress and Phones first, as in
// the reference example). collection tells whether an expanded value is
// {"results":[…]} or a single object.
func navProps() []navProp {
	return []navProp{
		{"PrimaryAddress", false}, {"MailAddress", false}, {"Phones", true}, {"Employer", false},
		{"References", true}, {"PaymentAccounts", true}, {"CustomFieldValues", true}, {"Documents", true},
		{"CreditScore", false}, {"Loans", true}, {"SocialProfiles", true}, {"Notes", true},
	}
}

type navProp struct {
	name       string
	collection bool
}
