package loanpro

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// customerTableName names the customers' overlay in a session's Scope.
const customerTableName = "loanpro.customers"

// customerCodec stores customers in the shared backend: ids in decimal,
// records in a compact binary form written field by field, because
// Customer's optional values (nstr, nint, ndate) keep their state in
// unexported fields and their JSON methods render LoanPro's wire format
// (null for unset, /Date(seconds)/), which would not give the record back
// exactly. codec_test.go round-trips every fixture and generated records
// and counts Customer's fields, so a field added without a line here fails.
func customerCodec() store.Codec[int, Customer] {
	return store.IntKeys(encodeCustomer, decodeCustomer)
}

// codecVersion starts every encoded customer; a replica refuses a record
// of another layout rather than misread it.
const codecVersion = 1

func encodeCustomer(c Customer) ([]byte, error) {
	e := &encoder{b: make([]byte, 0, 512)}
	e.int(codecVersion)
	e.int(c.ID)
	e.nstr(c.CustomID)
	e.int(c.MCID)
	e.str(c.CustomerType)
	e.str(c.Status)
	e.str(c.FirstName)
	e.str(c.LastName)
	e.nstr(c.MiddleName)
	e.ndate(c.BirthDate)
	e.str(c.Gender)
	e.str(c.GenerationCode)
	e.nstr(c.Email)
	e.nstr(c.SSN)
	e.nstr(c.DriverLicense)
	e.nstr(c.CompanyName)
	e.nstr(c.ContactName)
	e.str(c.CustomerIDType)
	e.nstr(c.CustomerIDNum)
	e.int(c.CreditLimit)
	e.nstr(c.AccessUserName)
	e.bool(c.Active)
	e.bool(c.OfacMatch)
	e.bool(c.OfacTested)
	e.bool(c.HasAvatar)
	e.nstr(c.LoanRole)
	e.time(c.Created)
	e.time(c.LastUpdate)
	e.int(c.CreditScoreID)
	e.address(&c.PrimaryAddress)
	e.address(&c.MailAddress)
	e.len(c.Phones == nil, len(c.Phones))
	for _, p := range c.Phones {
		e.int(p.ID)
		e.str(p.Phone)
		e.str(p.Type)
		e.bool(p.IsPrimary)
		e.bool(p.IsSecondary)
		e.bool(p.DND)
	}
	e.int(c.PhoneSeq)
	e.bool(c.Employer != nil)
	if m := c.Employer; m != nil {
		e.int(m.ID)
		e.str(m.CompanyName)
		e.str(m.Title)
		e.ndate(m.HireDate)
		e.int(m.Income)
		e.str(m.IncomeFreq)
		e.nstr(m.Phone)
	}
	e.int(c.CreditScore.ID)
	e.nint(c.CreditScore.Equifax)
	e.nint(c.CreditScore.TransUnion)
	e.nint(c.CreditScore.Experian)
	e.time(c.CreditScore.Modified)
	e.len(c.References == nil, len(c.References))
	for _, r := range c.References {
		e.int(r.ID)
		e.str(r.Name)
		e.str(r.Relation)
		e.str(r.PrimaryPhone)
	}
	return e.b, e.err
}

func decodeCustomer(b []byte) (Customer, error) {
	d := &decoder{b: b}
	var c Customer
	if v := d.int(); v != codecVersion && d.err == nil {
		return c, fmt.Errorf("loanpro: stored customer has layout %d, this build reads %d", v, codecVersion)
	}
	c.ID = d.int()
	c.CustomID = d.nstr()
	c.MCID = d.int()
	c.CustomerType = d.str()
	c.Status = d.str()
	c.FirstName = d.str()
	c.LastName = d.str()
	c.MiddleName = d.nstr()
	c.BirthDate = d.ndate()
	c.Gender = d.str()
	c.GenerationCode = d.str()
	c.Email = d.nstr()
	c.SSN = d.nstr()
	c.DriverLicense = d.nstr()
	c.CompanyName = d.nstr()
	c.ContactName = d.nstr()
	c.CustomerIDType = d.str()
	c.CustomerIDNum = d.nstr()
	c.CreditLimit = d.int()
	c.AccessUserName = d.nstr()
	c.Active = d.bool()
	c.OfacMatch = d.bool()
	c.OfacTested = d.bool()
	c.HasAvatar = d.bool()
	c.LoanRole = d.nstr()
	c.Created = d.time()
	c.LastUpdate = d.time()
	c.CreditScoreID = d.int()
	c.PrimaryAddress = d.address()
	c.MailAddress = d.address()
	if n, ok := d.len(); ok {
		c.Phones = make([]Phone, n)
		for i := range c.Phones {
			c.Phones[i] = Phone{ID: d.int(), Phone: d.str(), Type: d.str(), IsPrimary: d.bool(), IsSecondary: d.bool(), DND: d.bool()}
		}
	}
	c.PhoneSeq = d.int()
	if d.bool() {
		c.Employer = &Employer{ID: d.int(), CompanyName: d.str(), Title: d.str(), HireDate: d.ndate(), Income: d.int(), IncomeFreq: d.str(), Phone: d.nstr()}
	}
	c.CreditScore = CreditScore{ID: d.int(), Equifax: d.nint(), TransUnion: d.nint(), Experian: d.nint(), Modified: d.time()}
	if n, ok := d.len(); ok {
		c.References = make([]Reference, n)
		for i := range c.References {
			c.References[i] = Reference{ID: d.int(), Name: d.str(), Relation: d.str(), PrimaryPhone: d.str()}
		}
	}
	if d.err == nil && len(d.b) > 0 {
		d.err = errors.New("trailing bytes")
	}
	if d.err != nil {
		return Customer{}, fmt.Errorf("loanpro: decode customer: %w", d.err)
	}
	return c, nil
}

// encoder appends a record's values: integers as varints, strings and
// times length-prefixed, slices with their length (-1 for nil).
type encoder struct {
	b   []byte
	err error
}

func (e *encoder) int(v int) { e.b = binary.AppendVarint(e.b, int64(v)) }

func (e *encoder) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) len(isNil bool, n int) {
	if isNil {
		n = -1
	}
	e.int(n)
}

// time keeps the instant and its zone offset (time's own binary form).
func (e *encoder) time(t time.Time) {
	raw, err := t.MarshalBinary()
	if err != nil && e.err == nil {
		e.err = err
	}
	e.str(string(raw))
}

func (e *encoder) nstr(v nstr) { e.bool(v.ok); e.str(v.s) }
func (e *encoder) nint(v nint) { e.bool(v.ok); e.int(v.n) }

func (e *encoder) ndate(v ndate) { e.bool(v.ok); e.time(v.t) }

func (e *encoder) address(a *Address) {
	e.int(a.ID)
	e.str(a.Address1)
	e.nstr(a.Address2)
	e.str(a.City)
	e.str(a.State)
	e.str(a.Zipcode)
	e.str(a.Country)
	e.nstr(a.GeoLat)
	e.nstr(a.GeoLon)
	e.bool(a.Verified)
	e.bool(a.Standardized)
	e.time(a.Created)
	e.bool(a.Available)
}

// decoder reads what encoder wrote; the first error sticks and every
// later read returns a zero value.
type decoder struct {
	b   []byte
	err error
}

var errShort = errors.New("record too short")

func (d *decoder) int() int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) str() string {
	if d.err != nil {
		return ""
	}
	l, n := binary.Uvarint(d.b)
	if n <= 0 || uint64(len(d.b)-n) < l {
		d.err = errShort
		return ""
	}
	s := string(d.b[n : n+int(l)])
	d.b = d.b[n+int(l):]
	return s
}

func (d *decoder) bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.b) == 0 || d.b[0] > 1 {
		d.err = errShort
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

// len is a slice's length, ok false for a nil slice.
func (d *decoder) len() (int, bool) {
	n := d.int()
	if n < -1 || n > len(d.b) { // every element takes at least a byte
		if d.err == nil {
			d.err = fmt.Errorf("bad length %d", n)
		}
		return 0, false
	}
	return n, n >= 0 && d.err == nil
}

func (d *decoder) time() time.Time {
	raw := d.str()
	var t time.Time
	if d.err == nil {
		d.err = t.UnmarshalBinary([]byte(raw))
	}
	return t
}

func (d *decoder) nstr() nstr { return nstr{ok: d.bool(), s: d.str()} }
func (d *decoder) nint() nint { return nint{ok: d.bool(), n: d.int()} }

func (d *decoder) ndate() ndate { return ndate{ok: d.bool(), t: d.time()} }

func (d *decoder) address() Address {
	return Address{ID: d.int(), Address1: d.str(), Address2: d.nstr(), City: d.str(), State: d.str(), Zipcode: d.str(),
		Country: d.str(), GeoLat: d.nstr(), GeoLon: d.nstr(), Verified: d.bool(), Standardized: d.bool(),
		Created: d.time(), Available: d.bool()}
}
