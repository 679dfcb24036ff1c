package loanpro

import (
	"fmt"
	"strconv"
	"strings"
)

// The keys of generated customers that the duplicate warnings look up
// (duplicates.go): phone numbers and addresses, made so that a key names
// the generated customers that may hold it, as emails (".<id>@") and SSNs
// (seedSSN) do, and no lookup needs an index over the generated tail.

// phoneBook makes the phone numbers of generated customers and finds a
// generated customer back from one. Phone j of position i is slot
// k = 2·i + j; slot k is the number x = (k·mul + offset) mod space, a
// bijection on [0, space) that scatters neighbours, and x is
// AAA-555-01NN with AAA = areas[x/100] and NN = x%100: the 555-0100–0199
// block reserved for fiction, behind the area codes 201–989 that no
// fixture phone uses. So a generated number is never a fixture's, two
// generated customers share a number only past space/2 customers, and a
// number names its candidate positions: k ≡ (x − offset)·mul⁻¹ (mod space).
type phoneBook struct {
	areas       []int
	areaIndex   map[int]int
	space       int64
	mul, mulInv int64
	offset      int64
}

// newPhoneBook builds the phone book of a seed around the fixtures' phone
// numbers.
func newPhoneBook(seed int64, fixtures []Customer) *phoneBook {
	taken := map[int]bool{}
	for _, c := range fixtures {
		for _, p := range c.Phones {
			if len(p.Phone) == 10 {
				if a, err := strconv.Atoi(p.Phone[:3]); err == nil {
					taken[a] = true
				}
			}
		}
	}
	b := &phoneBook{areaIndex: map[int]int{}}
	for a := 201; a <= 989; a++ {
		if !taken[a] {
			b.areaIndex[a] = len(b.areas)
			b.areas = append(b.areas, a)
		}
	}
	b.space = int64(len(b.areas)) * 100
	// The first of these primes that does not divide space is coprime
	// with it (space has at most a few prime factors).
	for _, p := range []int64{48271, 69621, 16807, 39373, 40692, 40014} {
		if inv, ok := modInverse(p, b.space); ok {
			b.mul, b.mulInv = p, inv
			break
		}
	}
	b.offset = int64(uint64(seed) * 0x9E3779B97F4A7C15 >> 13 % uint64(b.space))
	return b
}

// modInverse is a⁻¹ mod m, when a and m are coprime.
func modInverse(a, m int64) (int64, bool) {
	r0, r1, t0, t1 := m, a%m, int64(0), int64(1)
	for r1 != 0 {
		q := r0 / r1
		r0, r1 = r1, r0-q*r1
		t0, t1 = t1, t0-q*t1
	}
	if r0 != 1 {
		return 0, false
	}
	return (t0%m + m) % m, true
}

// number is the phone number of slot k.
func (b *phoneBook) number(k int) string {
	x := (int64(k)%b.space*b.mul + b.offset) % b.space
	return fmt.Sprintf("%d55501%02d", b.areas[x/100], x%100)
}

// positions are the generated positions below n that may have phone
// number num.
func (b *phoneBook) positions(num string, n int) []int {
	if len(num) != 10 || num[3:8] != "55501" {
		return nil
	}
	area, err1 := strconv.Atoi(num[:3])
	nn, err2 := strconv.Atoi(num[8:])
	idx, ok := b.areaIndex[area]
	if err1 != nil || err2 != nil || !ok {
		return nil
	}
	x := int64(idx)*100 + int64(nn)
	k0 := (x - b.offset + b.space) % b.space * b.mulInv % b.space
	var out []int
	for k := k0; k < 2*int64(n); k += b.space {
		out = append(out, int(k/2))
	}
	return out
}

// generatedStreet is a generated address's address1: the faker's street
// with the customer's id as its house number, so that the address names
// its customer.
func generatedStreet(id int, street string) string {
	_, rest, ok := strings.Cut(street, " ")
	if !ok {
		rest = street
	}
	return strconv.Itoa(id) + " " + rest
}

// streetID is the id an address key's house number names (generatedStreet).
func streetID(key string) (int, bool) {
	end := strings.IndexFunc(key, func(r rune) bool { return r < '0' || r > '9' })
	if end <= 0 || key[end] != ' ' {
		return 0, false
	}
	id, err := strconv.Atoi(key[:end])
	return id, err == nil
}
