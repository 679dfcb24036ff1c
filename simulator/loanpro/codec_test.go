package loanpro

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state/statetest"
	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
	"github.com/sandbox-dev/fintech-sandbox/simulator/store/storetest"
)

// TestCustomerCodecRoundTrips: every fixture, generated customers and a
// few hundred random records (every field set or left unset at random,
// nil and empty slices, unset optionals that still hold a value) decode
// to the record encoded, exactly.
func TestCustomerCodecRoundTrips(t *testing.T) {
	var all []Customer
	testService(t, 300).newWorld(state.Scope{}).customers.Range(func(c Customer) bool { all = append(all, c); return true })
	if len(all) < 300 {
		t.Fatalf("%d customers", len(all))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 400 {
		all = append(all, randomCustomer(r))
	}
	all = append(all, Customer{}, Customer{Phones: []Phone{}, References: []Reference{}, Employer: &Employer{}})
	codec := customerCodec()
	for i, raw := range storetest.RoundTrip(t, codec, all) {
		if len(raw) > 1 {
			if _, err := codec.Unmarshal(raw[:len(raw)-1]); err == nil {
				t.Fatalf("record %d: a truncated record decoded", i)
			}
		}
	}
}

// TestCustomerCodecCoversEveryField fails when a field is added to a
// stored type without a line in codec.go (the counts below are what the
// codec writes).
func TestCustomerCodecCoversEveryField(t *testing.T) {
	for typ, n := range map[reflect.Type]int{
		reflect.TypeFor[Customer](): 35, reflect.TypeFor[Address](): 13, reflect.TypeFor[Phone](): 6,
		reflect.TypeFor[Employer](): 7, reflect.TypeFor[CreditScore](): 5, reflect.TypeFor[Reference](): 4,
		reflect.TypeFor[nstr](): 2, reflect.TypeFor[nint](): 2, reflect.TypeFor[ndate](): 2,
	} {
		if typ.NumField() != n {
			t.Errorf("%s has %d fields, the codec writes %d: update codec.go (and this count)", typ, typ.NumField(), n)
		}
	}
}

func randomCustomer(r *rand.Rand) Customer {
	str := func() string {
		if r.IntN(4) == 0 {
			return ""
		}
		b := make([]rune, r.IntN(12))
		for i := range b {
			b[i] = rune(r.IntN(0x250)) // ASCII, NUL and Latin letters
		}
		return string(b)
	}
	ns := func() nstr { return nstr{s: str(), ok: r.IntN(2) == 0} }
	ni := func() nint { return nint{n: r.IntN(900) - 50, ok: r.IntN(2) == 0} }
	tm := func() time.Time {
		if r.IntN(4) == 0 {
			return time.Time{}
		}
		t := time.Unix(r.Int64N(4e9)-1e9, r.Int64N(1e9)) // a clock's Local time, or UTC
		if r.IntN(2) == 0 {
			t = t.UTC()
		}
		return t
	}
	nd := func() ndate { return ndate{t: tm(), ok: r.IntN(2) == 0} }
	b := func() bool { return r.IntN(2) == 0 }
	n := func() int { return r.IntN(1<<31) - 1<<20 }
	addr := func() Address {
		return Address{ID: n(), Address1: str(), Address2: ns(), City: str(), State: str(), Zipcode: str(), Country: str(),
			GeoLat: ns(), GeoLon: ns(), Verified: b(), Standardized: b(), Created: tm(), Available: b()}
	}
	c := Customer{
		ID: n(), CustomID: ns(), MCID: n(), CustomerType: str(), Status: str(), FirstName: str(), LastName: str(),
		MiddleName: ns(), BirthDate: nd(), Gender: str(), GenerationCode: str(), Email: ns(), SSN: ns(),
		DriverLicense: ns(), CompanyName: ns(), ContactName: ns(), CustomerIDType: str(), CustomerIDNum: ns(),
		CreditLimit: n(), AccessUserName: ns(), Active: b(), OfacMatch: b(), OfacTested: b(), HasAvatar: b(),
		LoanRole: ns(), Created: tm(), LastUpdate: tm(), CreditScoreID: n(),
		PrimaryAddress: addr(), MailAddress: addr(), PhoneSeq: n(),
		CreditScore: CreditScore{ID: n(), Equifax: ni(), TransUnion: ni(), Experian: ni(), Modified: tm()},
	}
	if k := r.IntN(4); k > 0 {
		c.Phones = make([]Phone, k-1)
		for i := range c.Phones {
			c.Phones[i] = Phone{ID: n(), Phone: str(), Type: str(), IsPrimary: b(), IsSecondary: b(), DND: b()}
		}
	}
	if b() {
		c.Employer = &Employer{ID: n(), CompanyName: str(), Title: str(), HireDate: nd(), Income: n(), IncomeFreq: str(), Phone: ns()}
	}
	if k := r.IntN(4); k > 0 {
		c.References = make([]Reference, k-1)
		for i := range c.References {
			c.References[i] = Reference{ID: n(), Name: str(), Relation: str(), PrimaryPhone: strconv.Itoa(n())}
		}
	}
	return c
}

// TestWorldsShareASessionInRedis: two replicas' worlds of one session
// (each its own Service over the same seed, as two processes) see each
// other's writes to seeded customers, exactly.
func TestWorldsShareASessionInRedis(t *testing.T) {
	r := statetest.Open(t)
	sc := state.Scope{R: r, Session: "s", Gen: 1}
	a, b := testService(t, 50).newWorld(sc), testService(t, 50).newWorld(sc)
	for _, id := range []int{1, 20} {
		want, err := a.customers.Update(id, func(_ store.Tx[int, Customer], c Customer) (Customer, error) {
			c.Email, c.MiddleName, c.Phones = some("shared@example.com"), nstr{}, []Phone{}
			c.LastUpdate = time.Unix(1_700_000_000, 0).UTC()
			return c, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := b.customers.Get(id); !ok || !reflect.DeepEqual(got, want) {
			t.Fatalf("replica b's customer %d:\n got %+v\nwant %+v", id, got, want)
		}
	}
	if got := b.customers.Lookup(indexEmail, "shared@example.com"); len(got) != 2 {
		t.Errorf("Lookup on replica b: %d customers, want 2", len(got))
	}
	if got, _ := testService(t, 50).newWorld(state.Scope{R: r, Session: "other", Gen: 1}).customers.Get(1); got.Email.s == "shared@example.com" {
		t.Error("another session sees the write")
	}
}
