package loanpro

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// Duplicate phone and address transaction warnings ("Duplicate phone or
// address raises a transaction warning like duplicate email"): a phone
// number or an address the request sends that another customer of the
// session already has. They are found through the store's phone and
// address indexes (service.go), never by a scan: fixtures and edited
// customers are indexed, and a generated customer is located from the key
// itself, as for emails and SSNs (seed_keys.go: its phone numbers are a
// bijection of its position, its house number is its id).

// msgWarnAddressDuplicate is the duplicate-address warning, worded like
// the duplicate-email one; msgWarnPhoneDuplicate (nested.go) is its phone
// counterpart.
const msgWarnAddressDuplicate = "Address %s already exists in the system (Customer ID %d: %s)."

// phoneKeys are the phone index's keys of c: the digits of each of its
// phones, once each.
func phoneKeys(c Customer) []string {
	out := make([]string, 0, len(c.Phones))
	for _, p := range c.Phones {
		if p.Phone != "" && !slices.Contains(out, p.Phone) {
			out = append(out, p.Phone)
		}
	}
	return out
}

// addressKeys are the address index's keys of c: its PrimaryAddress and
// MailAddress (one key when they are the same address).
func addressKeys(c Customer) []string {
	p, m := &c.PrimaryAddress, &c.MailAddress
	out := make([]string, 0, 2)
	if k := addressKey(p); k != "" {
		out = append(out, k)
	}
	// Most customers' MailAddress is their PrimaryAddress: no second key
	// to make (the index computes keys on every write).
	if m.Available && !(p.Available && sameLocation(p, m)) {
		if k := addressKey(m); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// sameLocation tells two addresses with the same parts, exactly.
func sameLocation(a, b *Address) bool {
	return a.Address1 == b.Address1 && a.Address2 == b.Address2 && a.City == b.City &&
		a.State == b.State && a.Zipcode == b.Zipcode && a.Country == b.Country
}

// addressKey is how two addresses are compared: address1, address2, city,
// state, zipcode and country, each without case and with its spaces
// collapsed (the reference does not say what LoanPro compares; geoLat,
// geoLon and the flags are not part of an address's identity). "" for no
// address.
func addressKey(a *Address) string {
	if !a.Available {
		return ""
	}
	parts := [...]string{a.Address1, a.Address2.s, a.City, a.State, a.Zipcode, a.Country}
	var b strings.Builder
	n := len(parts) - 1
	for _, p := range parts {
		n += len(p)
	}
	b.Grow(n) // one allocation: the index computes keys on every write
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('|')
		}
		foldInto(&b, p)
	}
	return b.String()
}

// foldInto writes p to b lower-cased, its runs of spaces collapsed to one
// and trimmed. ASCII, what addresses almost always are, is folded byte by
// byte (the index computes keys twice per write, and the rune functions
// made this a tenth of a PUT's time); other runes go through unicode, an
// invalid byte becoming U+FFFD as a range over the string makes it.
func foldInto(b *strings.Builder, p string) {
	gap, wrote := false, false
	for i := 0; i < len(p); {
		if c := p[i]; c < utf8.RuneSelf {
			i++
			if c == ' ' || ('\t' <= c && c <= '\r') { // unicode.IsSpace's ASCII
				gap = wrote
				continue
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if gap {
				b.WriteByte(' ')
				gap = false
			}
			b.WriteByte(c)
			wrote = true
			continue
		}
		r, size := utf8.DecodeRuneInString(p[i:])
		i += size
		if unicode.IsSpace(r) {
			gap = wrote
			continue
		}
		if gap {
			b.WriteByte(' ')
			gap = false
		}
		b.WriteRune(unicode.ToLower(r))
		wrote = true
	}
}

// addressText is an address as a warning shows it:
// "77 Cedar Court, Apt 4B, Riverton, WY 82501".
func addressText(a *Address) string {
	parts := []string{a.Address1}
	if a.Address2.ok && strings.TrimSpace(a.Address2.s) != "" {
		parts = append(parts, a.Address2.s)
	}
	parts = append(parts, a.City, strings.TrimPrefix(a.State, "geo.state.")+" "+a.Zipcode)
	return strings.Join(parts, ", ")
}

// otherCustomers are the customers other than self whose index entry
// named index holds key, by id, read inside the store transaction so that
// check and write are atomic.
func otherCustomers(tx store.Tx[int, Customer], index, key string, self int) []Customer {
	cs := tx.Lookup(index, key)
	cs = slices.DeleteFunc(cs, func(o Customer) bool { return o.ID == self })
	slices.SortFunc(cs, func(a, b Customer) int { return a.ID - b.ID })
	return cs
}

// duplicateWarnings are the warnings of the phones and addresses the
// request sends, checked on next (the merged record): a phone number that
// another customer has, or that next has on another of its phones, and an
// address another customer has as its PrimaryAddress or MailAddress (a
// customer's two addresses may be the same). Each number or address is
// reported once per customer, in the body's order.
func (n *nestedPatch) duplicateWarnings(tx store.Tx[int, Customer], next *Customer) []string {
	var out []string
	warned := map[string]bool{}
	for _, e := range n.phones {
		if !e.phone.present || e.ctl.destroy {
			continue
		}
		num := phoneDigits(e.phone.v)
		if warned[num] {
			continue
		}
		warned[num] = true
		holders := otherCustomers(tx, indexPhone, num, next.ID)
		own := 0
		for _, p := range next.Phones {
			if p.Phone == num {
				own++
			}
		}
		if own > 1 {
			holders = append(holders, *next)
			slices.SortFunc(holders, func(a, b Customer) int { return a.ID - b.ID })
		}
		for _, o := range holders {
			out = append(out, fmt.Sprintf(msgWarnPhoneDuplicate, num, o.ID, o.displayName()))
		}
	}
	for _, a := range []struct {
		edit *addressEdit
		addr *Address
	}{{n.primary, &next.PrimaryAddress}, {n.mail, &next.MailAddress}} {
		if a.edit == nil || !a.edit.sendsLocation() {
			continue
		}
		key := addressKey(a.addr)
		if key == "" || warned[key] {
			continue
		}
		warned[key] = true
		for _, o := range otherCustomers(tx, indexAddress, key, next.ID) {
			out = append(out, fmt.Sprintf(msgWarnAddressDuplicate, addressText(a.addr), o.ID, o.displayName()))
		}
	}
	return out
}

// sendsLocation tells whether the edit sends a part of the address's
// identity (addressKey); a flag or a geolocation alone is not checked.
func (a *addressEdit) sendsLocation() bool {
	for _, o := range []opt[string]{a.address1, a.address2, a.city, a.state, a.zipcode, a.country} {
		if o.present {
			return true
		}
	}
	return false
}
