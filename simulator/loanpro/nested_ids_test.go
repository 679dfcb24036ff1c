package loanpro

import (
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"

	"slices"
	"testing"
)

// TestNestedIDsAreUniqueAndOwned: every customer after the bare fixture 5
// has a PrimaryAddress and a MailAddress and phones, with valid LoanPro
// enum values, ids derived from its own id and unique across customers,
// and phones made deterministically from the seed.
func TestNestedIDsAreUniqueAndOwned(t *testing.T) {
	s := testService(t, 2000)
	w := s.newWorld(state.Scope{})
	// Address ids and CustomerPhones ids are separate entity sets.
	seen := map[string]map[int]int{"address": {}, "phone": {}}
	own := func(c Customer, kind string, id int) {
		if prev, dup := seen[kind][id]; dup {
			t.Errorf("customer %d: %s id %d already used by customer %d", c.ID, kind, id, prev)
		}
		seen[kind][id] = c.ID
	}
	w.customers.Range(func(c Customer) bool {
		if c.ID == 5 {
			return true // the bare Lead of the fixtures: no address, no phone
		}
		for _, a := range []struct {
			kind string
			a    Address
			id   int
		}{{"PrimaryAddress", c.PrimaryAddress, primaryAddressID(c.ID)}, {"MailAddress", c.MailAddress, mailAddressID(c.ID)}} {
			if !a.a.Available || a.a.ID != a.id || !slices.Contains(states(), a.a.State) || !slices.Contains(countries(), a.a.Country) {
				t.Errorf("customer %d: %s %+v", c.ID, a.kind, a.a)
			}
			own(c, "address", a.a.ID)
		}
		if len(c.Phones) == 0 || c.PhoneSeq != len(c.Phones) {
			t.Errorf("customer %d: %d phones, PhoneSeq %d", c.ID, len(c.Phones), c.PhoneSeq)
		}
		primaries := 0
		for i, p := range c.Phones {
			if p.ID != phoneID(c.ID, i) || !slices.Contains(phoneTypes(), p.Type) {
				t.Errorf("customer %d: phone %+v", c.ID, p)
			}
			if p.IsPrimary {
				primaries++
			}
			own(c, "phone", p.ID)
		}
		if primaries != 1 {
			t.Errorf("customer %d: %d primary phones", c.ID, primaries)
		}
		return true
	})
	// Generated customers are the same in every world of the same seed.
	a, _ := s.newWorld(state.Scope{}).customers.Get(1500)
	b, _ := testService(t, 2000).newWorld(state.Scope{}).customers.Get(1500)
	if !slices.Equal(a.Phones, b.Phones) || a.PrimaryAddress != b.PrimaryAddress || a.MailAddress != b.MailAddress {
		t.Errorf("customer 1500 differs between two services of the same seed")
	}
}

// TestPhoneIDs: the ids of a customer's phones never collide with another
// customer's, past the tenth phone too, and stay exact in a JSON number.
func TestPhoneIDs(t *testing.T) {
	seen := map[int]bool{}
	for _, id := range []int{1, 2, 9, 10, 11, 99999, 1 << 30, 1<<31 - 1} {
		for _, i := range []int{0, 1, 9, 10, 11, maxPhoneSeq - 1} {
			p := phoneID(id, i)
			if seen[p] || p > 1<<53 || p <= 0 {
				t.Errorf("phoneID(%d, %d) = %d: duplicate or out of range", id, i, p)
			}
			seen[p] = true
		}
	}
	if phoneID(1<<31-1, 9) >= phoneExtBase {
		t.Errorf("seeded phone ids reach the extension block")
	}
}
