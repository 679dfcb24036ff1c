package loanpro

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v6"

	"github.com/sandbox-dev/fintech-sandbox/simulator/fake"
	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// utcDate is a calendar day at midnight UTC. Seeded data stays inside
// fixed windows (never the clock) so that the same seed gives the same
// bytes on every run.
func utcDate(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// generated is the store's lazily made tail of n fake customers with ids
// from first on. Each customer is a pure function of the seed and its
// position (its own faker, fake.Record), so the store makes each on first
// use and a large --customers costs nothing at startup. Everything is
// fictitious by construction: SSNs in the never-issued 900–999 area,
// emails on example.com/.net/.org (RFC 2606), phone numbers in the
// 555-0100–0199 range reserved for fiction. Emails end in ".<id>@", SSNs
// and phone numbers are bijections of the position (phoneBook for the
// numbers) and an address's house number is the customer's id, which lets
// the duplicate checks find a generated customer from the key alone,
// without an index over the tail.
func (s *Service) generated(seed int64, first, n int) store.Generated[int, Customer] {
	pos := func(id int) (int, bool) { return id - first, id >= first }
	return store.Generated[int, Customer]{
		N:    n,
		Key:  func(i int) int { return first + i },
		Pos:  pos,
		Make: func(i int) Customer { return s.fakeCustomer(fake.Record(seed, i), first+i, i, seedSSN(seed, i)) },
		Locate: map[string]func(string) []int{
			indexEmail: func(email string) []int {
				local, _, _ := strings.Cut(email, "@")
				id, err := strconv.Atoi(local[strings.LastIndexByte(local, '.')+1:])
				if i, ok := pos(id); err == nil && ok {
					return []int{i}
				}
				return nil
			},
			indexSSN: func(ssn string) []int {
				if i, ok := seedSSNPos(seed, ssn); ok {
					return []int{i}
				}
				return nil
			},
			indexPhone: func(num string) []int { return s.phones.positions(num, n) },
			indexAddress: func(key string) []int {
				if id, ok := streetID(key); ok {
					if i, ok := pos(id); ok {
						return []int{i}
					}
				}
				return nil
			},
		},
	}
}

// Generated SSNs: position i maps to x = (i·ssnMul + offset(seed)) mod
// ssnSpace, a bijection on [0, ssnSpace) that scatters neighbours, and x to
// the SSN 9AA-GG-SSSS (area 900–999, group 01–99, serial 0001–9999).
const (
	ssnSpace  = 100 * 99 * 9999 // distinct SSNs in the 900–999 area
	ssnMul    = 48271           // coprime with ssnSpace
	ssnMulInv = 58394131        // ssnMul·ssnMulInv ≡ 1 (mod ssnSpace)
)

func ssnOffset(seed int64) int64 { return int64(uint64(seed) * 0x9E3779B97F4A7C15 >> 11 % ssnSpace) }

func seedSSN(seed int64, i int) string {
	x := (int64(i)%ssnSpace*ssnMul + ssnOffset(seed)) % ssnSpace
	return fmt.Sprintf("%03d%02d%04d", 900+x%100, 1+x/100%99, 1+x/9900)
}

// seedSSNPos is the inverse of seedSSN.
func seedSSNPos(seed int64, ssn string) (int, bool) {
	if len(ssn) != 9 {
		return 0, false
	}
	area, err1 := strconv.Atoi(ssn[:3])
	group, err2 := strconv.Atoi(ssn[3:5])
	serial, err3 := strconv.Atoi(ssn[5:])
	if err1 != nil || err2 != nil || err3 != nil || area < 900 || group < 1 || serial < 1 {
		return 0, false
	}
	x := int64(serial-1)*9900 + int64(group-1)*100 + int64(area-900)
	i := (x - ssnOffset(seed) + ssnSpace) % ssnSpace * ssnMulInv % ssnSpace
	return int(i), true
}

// fakeCustomer makes the generated customer id, at position i of the
// generated tail.
func (s *Service) fakeCustomer(f *gofakeit.Faker, id, i int, ssn string) Customer {
	gender := "customer.gender." + f.RandomString([]string{"female", "male"})
	if f.Number(1, 50) == 1 {
		gender = "customer.gender.unknown"
	}
	first, last := f.FirstName(), f.LastName()
	c := Customer{
		ID: id, MCID: f.Number(10000, 99999), CustomerType: typeIndividual,
		Status:    s.fakeStatus(f),
		FirstName: first, LastName: last,
		Gender: gender, GenerationCode: generationNone,
		CustomerIDType: customerIDTypes()[0], Active: true,
		CreditScoreID: id,
	}
	if f.Number(1, 10) <= 4 {
		c.MiddleName = some(f.MiddleName())
	}
	if f.Number(1, 25) == 1 {
		c.GenerationCode = f.RandomString([]string{"customer.generationCode.jr", "customer.generationCode.sr", "customer.generationCode.iii"})
	}
	c.BirthDate = someDate(day(f.DateRange(utcDate(1945, 1, 1), utcDate(2004, 12, 31))))
	c.Email = some(fmt.Sprintf("%s.%s.%d@example.%s", slug(first), slug(last), id, f.RandomString([]string{"com", "net", "org"})))
	c.SSN = some(ssn)
	c.DriverLicense = some(f.StateAbr() + f.Numerify("#######"))
	if f.Number(1, 10) <= 7 {
		c.AccessUserName = some(fmt.Sprintf("%s%s%d", slug(first)[:1], slug(last), id))
	}
	if f.Number(1, 10) <= 3 {
		c.CustomID = some(fmt.Sprintf("CUST-%06d", id))
	}
	c.OfacTested = f.Bool()
	c.Created = f.DateRange(utcDate(2016, 1, 1), utcDate(2023, 6, 30)).Truncate(time.Second)
	c.LastUpdate = c.Created.Add(time.Duration(f.Number(0, 400*24*3600)) * time.Second)

	c.PrimaryAddress = fakeAddress(f, primaryAddressID(id), id, c.Created)
	if f.Number(1, 10) <= 8 {
		c.MailAddress = c.PrimaryAddress
		c.MailAddress.ID = mailAddressID(id)
	} else {
		c.MailAddress = fakeAddress(f, mailAddressID(id), id, c.Created)
	}
	for j, n := 0, f.Number(1, 2); j < n; j++ {
		// The faker's number is drawn and dropped, so that the rest of
		// the record is what the seed made before numbers came from the
		// phone book.
		_ = fakePhone(f)
		c.Phones = append(c.Phones, Phone{
			ID: phoneID(id, j), Phone: s.phones.number(2*i + j), IsPrimary: j == 0, IsSecondary: j == 1,
			Type: phoneTypePrefix + f.RandomString([]string{"cell", "cell", "home", "office"}),
		})
	}
	c.PhoneSeq = len(c.Phones)
	if f.Number(1, 4) <= 3 {
		c.Employer = &Employer{
			ID: id, CompanyName: f.Company(), Title: f.JobTitle(),
			HireDate: someDate(day(f.DateRange(utcDate(2000, 1, 1), c.Created))),
			Income:   f.Number(25, 180) * 1000, IncomeFreq: "customer.employer.incomeFrequency.annually",
		}
	}
	c.CreditScore = CreditScore{ID: id, Modified: c.Created}
	if f.Number(1, 10) <= 7 {
		c.CreditScore.Equifax = nint{n: f.Number(550, 820), ok: true}
		c.CreditScore.TransUnion = nint{n: f.Number(550, 820), ok: true}
		c.CreditScore.Experian = nint{n: f.Number(550, 820), ok: true}
	}
	if f.Number(1, 3) == 1 {
		c.References = []Reference{{
			ID: id, Name: f.FirstName() + " " + f.LastName(), PrimaryPhone: fakePhone(f),
			Relation: "customerReference.Relation." + f.RandomString([]string{"friend", "father", "mother", "sibling", "coworker"}),
		}}
	}
	return c
}

// fakeStatus picks the tenant's first status most of the time (tenants
// list their default status first), another one otherwise. Generated
// customers use the display spellings ("Inactive"), not the
// customer.status.* value spellings, when the tenant has both.
func (s *Service) fakeStatus(f *gofakeit.Faker) string {
	pool := make([]string, 0, len(s.statuses))
	for _, st := range s.statuses[1:] {
		if !strings.HasPrefix(st, "customer.status.") {
			pool = append(pool, st)
		}
	}
	if len(pool) == 0 {
		pool = s.statuses[1:]
	}
	if len(pool) == 0 || f.Number(1, 10) <= 8 {
		return s.statuses[0]
	}
	return pool[f.Number(0, len(pool)-1)]
}

// fakeAddress makes address id of the generated customer customerID.
func fakeAddress(f *gofakeit.Faker, id, customerID int, created time.Time) Address {
	return Address{
		ID: id, Address1: generatedStreet(customerID, f.Street()), City: f.City(), State: "geo.state." + f.StateAbr(),
		Zipcode: f.Zip(), Country: countryUSA, Verified: f.Bool(), Created: created, Available: true,
	}
}

// fakePhone is a ten-digit number in the 555-01XX block reserved for
// fiction, behind a plausible area code.
func fakePhone(f *gofakeit.Faker) string {
	return fmt.Sprintf("%d55501%02d", f.Number(201, 989), f.Number(0, 99))
}

func day(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// slug keeps the ASCII letters of a name, lower-cased, for emails and
// usernames ("x" if none are left).
func slug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}
