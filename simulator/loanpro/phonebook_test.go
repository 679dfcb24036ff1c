package loanpro

import (
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"

	"math"
	"regexp"
	"slices"
	"testing"
)

// TestPhoneBookIsABijection: every slot of the phone book has its own
// number in the fiction block, never in a fixture phone's area code, and
// the number finds its slot back, for any seed.
func TestPhoneBookIsABijection(t *testing.T) {
	var fixtures []Customer
	testService(t, 0).newWorld(state.Scope{}).customers.Range(func(c Customer) bool { fixtures = append(fixtures, c); return true })
	fixtureAreas := map[string]bool{}
	for _, c := range fixtures {
		for _, p := range c.Phones {
			fixtureAreas[p.Phone[:3]] = true
		}
	}
	if len(fixtureAreas) == 0 {
		t.Fatal("no fixture phones")
	}
	re := regexp.MustCompile(`^[2-9]\d\d55501\d\d$`)
	for _, seed := range []int64{0, 1, -7, math.MaxInt64} {
		b := newPhoneBook(seed, fixtures)
		if b.mul == 0 || b.space != int64(789-len(fixtureAreas))*100 {
			t.Fatalf("seed %d: space %d, multiplier %d", seed, b.space, b.mul)
		}
		seen := make(map[string]bool, b.space)
		half := int(b.space / 2)
		for k := 0; k < int(b.space); k++ {
			num := b.number(k)
			if !re.MatchString(num) || fixtureAreas[num[:3]] || seen[num] {
				t.Fatalf("seed %d slot %d: number %s (duplicate or out of the block)", seed, k, num)
			}
			seen[num] = true
			if got := b.positions(num, half); !slices.Equal(got, []int{k / 2}) {
				t.Fatalf("seed %d: positions(%s) = %v, want [%d]", seed, num, got, k/2)
			}
		}
		// Past space/2 customers, numbers come round again: every
		// position holding the number is a candidate.
		num := b.number(7)
		got := b.positions(num, 3*half)
		if !slices.Equal(got, []int{3, 3 + half, 3 + 2*half}) {
			t.Errorf("seed %d: positions over three rounds = %v", seed, got)
		}
	}
	b := newPhoneBook(1, fixtures)
	for _, bad := range []string{"", "2175550142", "201555010", "20155501000", "2015551100", "2015550x00", "1005550100", "9905550100"} {
		if got := b.positions(bad, 1_000_000); got != nil {
			t.Errorf("positions(%q) = %v", bad, got)
		}
	}
}

// TestGeneratedPhonesAndAddressesAreFoundWithoutAScan: in a million
// generated customers, a phone lookup makes only the number's candidates
// and an address lookup its one customer.
func TestGeneratedPhonesAndAddressesAreFoundWithoutAScan(t *testing.T) {
	s := testService(t, maxCustomers)
	w := s.newWorld(state.Scope{})
	c, ok := w.customers.Get(876_543)
	if !ok {
		t.Fatal("customer 876543 missing")
	}
	num := c.Phones[0].Phone
	got := w.customers.Lookup(indexPhone, num)
	if !slices.ContainsFunc(got, func(o Customer) bool { return o.ID == c.ID }) {
		t.Fatalf("Lookup(phone %s) misses customer %d: %d records", num, c.ID, len(got))
	}
	for _, o := range got {
		if !slices.Contains(phoneKeys(o), num) {
			t.Errorf("customer %d found for %s without the number", o.ID, num)
		}
	}
	candidates := len(s.phones.positions(num, maxCustomers))
	if made := s.base.Made(); made > 1+candidates || candidates > 30 {
		t.Errorf("a phone lookup made %d customers for %d candidates", made, candidates)
	}
	before := s.base.Made()
	for _, a := range []*Address{&c.PrimaryAddress, &c.MailAddress} {
		if got := w.customers.Lookup(indexAddress, addressKey(a)); len(got) != 1 || got[0].ID != c.ID {
			t.Errorf("Lookup(address %q) = %d records", addressKey(a), len(got))
		}
	}
	if s.base.Made() != before {
		t.Errorf("an address lookup made %d customers", s.base.Made()-before)
	}
	for _, key := range []string{"", "x|y", "12|", "1000000000 main st|||||"} {
		if got := w.customers.Lookup(indexAddress, key); len(got) != 0 {
			t.Errorf("Lookup(address %q) = %+v", key, got)
		}
	}
}
