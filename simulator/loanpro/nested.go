package loanpro

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Nested edits inside PUT Customers(id) ("PUT Edit address", "PUT Edit
// customer phone number"): PrimaryAddress and MailAddress objects, and
// Phones.results[] entries, each marked with LoanPro's control properties:
//
//   - "__update": true with "__id": N edits the customer's entity N;
//   - a phone without __id is added;
//   - {"__destroy": true, "__id": N} removes phone N;
//   - an address without __id creates the address of a customer that has
//     none (the sandbox refuses to guess for one that has: send its __id).
//
// An __id the customer does not own is a validation error, never a silent
// 200. Parsing (types, enums, unknown properties) happens before the store
// transaction; ownership, which depends on the current record, inside it.

// Messages of the nested edits; the field is always qualified by its path
// in the body (PrimaryAddress.state, Phones.results[1].type).
const (
	msgNestedUnknown      = "Unknown field '%s' in %s: expected one of %s."
	msgNestedFlag         = "Invalid value '%s' for field '%s': expected 0 or 1 (a number or a string) or a boolean."
	msgNestedID           = "Invalid value '%s' for field '%s': expected a positive integer id."
	msgNestedUpdateNoID   = "Field '%s.__id' is required with \"__update\": true: name the entity to edit."
	msgNestedDestroyNoID  = "Field '%s.__id' is required with \"__destroy\": true: name the phone to remove."
	msgNestedNoDestroy    = "Field '%s.__destroy' is not supported: a customer's %s cannot be removed, edit it with \"__update\": true and its \"__id\"."
	msgNestedAliases      = "Fields 'MailAddress' and 'MailingAddress' name the same address: send one of them."
	msgNestedRequired     = "Field '%s.%s' is required to create the customer's %s."
	msgNestedPhoneDigits  = "Invalid value '%s' for field '%s': expected a phone number of 7 to 15 digits."
	msgNestedBothFlags    = "Phone %s cannot be both isPrimary and isSecondary."
	msgNestedTwoFlagged   = "Only one phone can be %s: %s and %s both set it."
	msgNestedNoResults    = "Field 'Phones.results' is required: send the phones as {\"results\":[…]}."
	msgNestedTooMany      = "Field 'Phones.results' lists %d entries: at most %d in one request."
	msgNestedAddressOwned = "Invalid value '%d' for field '%s.__id': Address(id=%d) is not the %s of Customers(id=%d)%s."
	msgNestedPhoneOwned   = "Invalid value '%d' for field '%s.__id': CustomerPhones(id=%d) is not one of the Phones of Customers(id=%d)."
	msgNestedPhoneTwice   = "Field '%s.__id' names CustomerPhones(id=%d) again: edit or remove a phone once per request."
	msgNestedNeedID       = "Field '%s.__id' is required: Customers(id=%d) already has a %s (id %d); send \"__update\": true and \"__id\": %d to edit it."
	msgNestedPhoneLimit   = "Customers(id=%d) would have %d phones: at most %d."
	msgNestedPhoneIDs     = "Customers(id=%d) has used all of its %d phone ids."
	msgWarnPhoneDuplicate = "Phone number %s already exists in the system (Customer ID %d: %s)."
)

const (
	// maxPhones bounds a customer's live phones, and maxPhoneEdits the
	// entries of one request: the sandbox must not store unbounded input.
	maxPhones     = 20
	maxPhoneEdits = 50
)

// states are LoanPro's geo.state values (LoanPro's SDK constants).
func states() []string {
	abbr := strings.Fields("AA AE AK AL AP AR AS AZ CA CO CT DC DE FL FM GA GU HI IA ID IL IN KS KY LA MA MD ME MH MI MN " +
		"MO MP MS MT NC ND NE NH NJ NM NV NY OH OK OR PA PR PW RI SC SD TN TX UT VA VI VT WA WI WV WY")
	out := make([]string, len(abbr))
	for i, a := range abbr {
		out[i] = "geo.state." + a
	}
	return out
}

// countries are LoanPro's company.country values for addresses.
func countries() []string { return []string{countryUSA, "company.country.can"} }

// phoneTypes are LoanPro's customer.phoneType values (SDK constants),
// followed by the customer.phone.type spellings the sandbox seeds, so that
// a client echoing a phone it read back is not refused.
func phoneTypes() []string {
	return []string{"customer.phoneType.cell", "customer.phoneType.cellSmartPhone", "customer.phoneType.fax",
		"customer.phoneType.home", "customer.phoneType.office", "customer.phoneType.other",
		"customer.phone.type.cell", "customer.phone.type.home", "customer.phone.type.work"}
}

// defaultPhoneType is the type of an added phone that names none.
const defaultPhoneType = "customer.phoneType.cell"

// isLandLine tells the landline phone types.
func isLandLine(t string) bool {
	return t == "customer.phone.type.home" || t == "customer.phoneType.home" || t == "customer.phoneType.office"
}

// Properties of the nested entities: the writable ones, and the read-only
// ones a client may echo from a GET (accepted and ignored).
var (
	addressWritable = []string{"address1", "address2", "city", "state", "zipcode", "country", "geoLat", "geoLon", "isVerified", "isStandardized"}
	addressReadOnly = []string{"__metadata", "id", "created", "active"}
	phoneWritable   = []string{"phone", "type", "isPrimary", "isSecondary", "dndEnabled"}
	phoneReadOnly   = []string{"__metadata", "id", "entityId", "entityType", "carrierName", "carrierVerified", "isLandLine", "active"}
	// addressControls and phoneControls are the control properties; an
	// address accepts __destroy only to refuse it with a clear message.
	addressControls = []string{"__update", "__id", "__id:", "__destroy"}
	phoneControls   = []string{"__update", "__id", "__id:", "__destroy"}
)

// control is the parsed __update / __id / __destroy of one nested object.
type control struct {
	update, destroy bool
	id              int
	hasID           bool
}

// addressEdit is a validated PrimaryAddress or MailAddress object.
type addressEdit struct {
	name                              string // PrimaryAddress or MailAddress (the body may say MailingAddress)
	path                              string // how messages name it
	ctl                               control
	address1, address2, city, zipcode opt[string]
	state, country, geoLat, geoLon    opt[string]
	isVerified, isStandardized        opt[bool]
}

// phoneEdit is one validated Phones.results entry.
type phoneEdit struct {
	path                               string
	ctl                                control
	phone, typ                         opt[string]
	isPrimary, isSecondary, dndEnabled opt[bool]
}

// nestedPatch is the nested part of a PUT body.
type nestedPatch struct {
	primary, mail *addressEdit
	phones        []phoneEdit
}

// parseNested validates the nested objects of obj, in the reference's
// order: PrimaryAddress, MailAddress, Phones.
func (s *Service) parseNested(obj map[string]json.RawMessage) (nestedPatch, *ruleError) {
	var n nestedPatch
	if raw, ok := obj["PrimaryAddress"]; ok {
		a, err := s.parseAddress("PrimaryAddress", "PrimaryAddress", raw)
		if err != nil {
			return n, err
		}
		n.primary = a
	}
	mailKey := "MailAddress"
	if _, ok := obj["MailingAddress"]; ok {
		if _, both := obj["MailAddress"]; both {
			return n, ruleErr(msgNestedAliases)
		}
		mailKey = "MailingAddress"
	}
	if raw, ok := obj[mailKey]; ok {
		a, err := s.parseAddress("MailAddress", mailKey, raw)
		if err != nil {
			return n, err
		}
		n.mail = a
	}
	if raw, ok := obj["Phones"]; ok {
		ps, err := s.parsePhones(raw)
		if err != nil {
			return n, err
		}
		n.phones = ps
	}
	return n, nil
}

// nestedObject decodes a nested object and rejects unknown properties
// (in name order, so the reported one is deterministic). controls are the
// control properties the object accepts besides writable and readOnly.
func nestedObject(path string, raw json.RawMessage, writable, readOnly, controls []string) (map[string]json.RawMessage, *ruleError) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, ruleErr(msgFieldType, path, "object", jsonKind(raw), snippet(raw))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, ruleErr(msgFieldType, path, "object", jsonKind(raw), snippet(raw))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(writable, k) && !slices.Contains(readOnly, k) && !slices.Contains(controls, k) {
			// "__id:" (old examples' spelling) is accepted, not advertised.
			allowed := append(slices.Clone(writable), slices.DeleteFunc(slices.Clone(controls), func(c string) bool { return c == "__id:" })...)
			return nil, ruleErr(msgNestedUnknown, clip(k), path, strings.Join(allowed, ", "))
		}
	}
	return m, nil
}

// parseControl reads __update, __id (or the old "__id:" spelling) and
// __destroy.
func parseControl(path string, m map[string]json.RawMessage) (control, *ruleError) {
	var c control
	var err *ruleError
	if raw, ok := m["__update"]; ok {
		if c.update, err = boolField(path+".__update", raw); err != nil {
			return c, err
		}
	}
	if raw, ok := m["__destroy"]; ok {
		if c.destroy, err = boolField(path+".__destroy", raw); err != nil {
			return c, err
		}
	}
	for _, k := range []string{"__id", "__id:"} {
		raw, ok := m[k]
		if !ok || string(raw) == "null" {
			continue
		}
		id, err := nestedID(path+".__id", raw)
		if err != nil {
			return c, err
		}
		if c.hasID && id != c.id {
			return c, ruleErr(msgNestedID, snippet(raw), path+"."+k)
		}
		c.id, c.hasID = id, true
	}
	return c, nil
}

// nestedID reads an id as a JSON integer or a numeric string.
func nestedID(name string, raw json.RawMessage) (int, *ruleError) {
	txt := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &txt) != nil {
			return 0, ruleErr(msgNestedID, snippet(raw), name)
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(txt), 10, 64)
	if err != nil || n < 1 || strings.HasPrefix(strings.TrimSpace(txt), "+") {
		return 0, ruleErr(msgNestedID, clip(txt), name)
	}
	return int(n), nil
}

// flagField reads a LoanPro flag: 0/1 as a number or a string, or a JSON
// boolean (PHP clients send all three).
func flagField(m map[string]json.RawMessage, dst *opt[bool], key, name string) *ruleError {
	raw, ok := m[key]
	if !ok {
		return nil
	}
	dst.present = true
	switch string(raw) {
	case "0", `"0"`, "false":
		dst.v = false
	case "1", `"1"`, "true":
		dst.v = true
	default:
		v := snippet(raw)
		if raw[0] == '"' {
			var sv string
			if json.Unmarshal(raw, &sv) == nil {
				v = clip(sv)
			}
		}
		return ruleErr(msgNestedFlag, v, name)
	}
	return nil
}

// text decodes the string property key of m, named name in messages.
func (s *Service) nestedText(m map[string]json.RawMessage, dst *opt[string], key, name string, nullable bool, check func(string) *ruleError) *ruleError {
	raw, ok := m[key]
	if !ok {
		return nil
	}
	return s.field(map[string]json.RawMessage{name: raw}, dst, name, nullable, check)
}

func enumCheck(name string, allowed []string) func(string) *ruleError {
	return func(v string) *ruleError {
		if !slices.Contains(allowed, v) {
			return ruleErr(msgEnum, v, name, strings.Join(allowed, ", "))
		}
		return nil
	}
}

func nonEmpty(name string) func(string) *ruleError {
	return func(v string) *ruleError {
		if strings.TrimSpace(v) == "" {
			return ruleErr(msgFieldEmpty, name)
		}
		return nil
	}
}

func (s *Service) parseAddress(name, path string, raw json.RawMessage) (*addressEdit, *ruleError) {
	m, err := nestedObject(path, raw, addressWritable, addressReadOnly, addressControls)
	if err != nil {
		return nil, err
	}
	a := &addressEdit{name: name, path: path}
	if a.ctl, err = parseControl(path, m); err != nil {
		return nil, err
	}
	if a.ctl.destroy {
		return nil, ruleErr(msgNestedNoDestroy, path, name)
	}
	if a.ctl.update && !a.ctl.hasID {
		return nil, ruleErr(msgNestedUpdateNoID, path)
	}
	q := func(k string) string { return path + "." + k }
	steps := []func() *ruleError{
		func() *ruleError {
			return s.nestedText(m, &a.address1, "address1", q("address1"), false, nonEmpty(q("address1")))
		},
		func() *ruleError { return s.nestedText(m, &a.address2, "address2", q("address2"), true, nil) },
		func() *ruleError { return s.nestedText(m, &a.city, "city", q("city"), false, nonEmpty(q("city"))) },
		func() *ruleError {
			return s.nestedText(m, &a.state, "state", q("state"), false, enumCheck(q("state"), states()))
		},
		func() *ruleError {
			return s.nestedText(m, &a.zipcode, "zipcode", q("zipcode"), false, nonEmpty(q("zipcode")))
		},
		func() *ruleError {
			return s.nestedText(m, &a.country, "country", q("country"), false, enumCheck(q("country"), countries()))
		},
		func() *ruleError { return s.nestedText(m, &a.geoLat, "geoLat", q("geoLat"), true, nil) },
		func() *ruleError { return s.nestedText(m, &a.geoLon, "geoLon", q("geoLon"), true, nil) },
		func() *ruleError { return flagField(m, &a.isVerified, "isVerified", q("isVerified")) },
		func() *ruleError { return flagField(m, &a.isStandardized, "isStandardized", q("isStandardized")) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// parsePhones reads {"results":[…]}, LoanPro's collection shape.
func (s *Service) parsePhones(raw json.RawMessage) ([]phoneEdit, *ruleError) {
	m, err := nestedObject("Phones", raw, []string{"results"}, []string{"__metadata"}, nil)
	if err != nil {
		return nil, err
	}
	rs, ok := m["results"]
	if !ok {
		return nil, ruleErr(msgNestedNoResults)
	}
	if rs[0] != '[' {
		return nil, ruleErr(msgFieldType, "Phones.results", "array", jsonKind(rs), snippet(rs))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(rs, &items); err != nil {
		return nil, ruleErr(msgFieldType, "Phones.results", "array", jsonKind(rs), snippet(rs))
	}
	if len(items) > maxPhoneEdits {
		return nil, ruleErr(msgNestedTooMany, len(items), maxPhoneEdits)
	}
	out := make([]phoneEdit, 0, len(items))
	seen := map[int]bool{}
	for i, it := range items {
		path := fmt.Sprintf("Phones.results[%d]", i)
		pm, err := nestedObject(path, it, phoneWritable, phoneReadOnly, phoneControls)
		if err != nil {
			return nil, err
		}
		p := phoneEdit{path: path}
		if p.ctl, err = parseControl(path, pm); err != nil {
			return nil, err
		}
		switch {
		case p.ctl.destroy && !p.ctl.hasID:
			return nil, ruleErr(msgNestedDestroyNoID, path)
		case p.ctl.update && !p.ctl.hasID:
			return nil, ruleErr(msgNestedUpdateNoID, path)
		case p.ctl.hasID && seen[p.ctl.id]:
			return nil, ruleErr(msgNestedPhoneTwice, path, p.ctl.id)
		}
		seen[p.ctl.id] = p.ctl.hasID
		q := func(k string) string { return path + "." + k }
		steps := []func() *ruleError{
			func() *ruleError {
				return s.nestedText(pm, &p.phone, "phone", q("phone"), false, checkPhone(q("phone")))
			},
			func() *ruleError {
				return s.nestedText(pm, &p.typ, "type", q("type"), false, enumCheck(q("type"), phoneTypes()))
			},
			func() *ruleError { return flagField(pm, &p.isPrimary, "isPrimary", q("isPrimary")) },
			func() *ruleError { return flagField(pm, &p.isSecondary, "isSecondary", q("isSecondary")) },
			func() *ruleError { return flagField(pm, &p.dndEnabled, "dndEnabled", q("dndEnabled")) },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return nil, err
			}
		}
		if !p.ctl.hasID && !p.phone.present {
			return nil, ruleErr(msgNestedRequired, path, "phone", "phone")
		}
		if p.isPrimary.v && p.isSecondary.v {
			return nil, ruleErr(msgNestedBothFlags, path)
		}
		out = append(out, p)
	}
	for _, f := range []struct {
		name string
		get  func(*phoneEdit) opt[bool]
	}{{"isPrimary", func(p *phoneEdit) opt[bool] { return p.isPrimary }}, {"isSecondary", func(p *phoneEdit) opt[bool] { return p.isSecondary }}} {
		first := ""
		for i := range out {
			if v := f.get(&out[i]); v.present && v.v && !out[i].ctl.destroy {
				if first != "" {
					return nil, ruleErr(msgNestedTwoFlagged, f.name, first, out[i].path)
				}
				first = out[i].path
			}
		}
	}
	return out, nil
}

// phoneDigits strips the formatting clients put in phone numbers.
func phoneDigits(v string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '+':
			return -1
		}
		return 'x'
	}, v)
}

// checkPhone accepts 7 to 15 digits (E.164's maximum), with the usual
// separators; the sandbox stores the digits, as LoanPro shows them.
func checkPhone(name string) func(string) *ruleError {
	return func(v string) *ruleError {
		d := phoneDigits(v)
		if len(d) < 7 || len(d) > 15 || strings.Contains(d, "x") {
			return ruleErr(msgNestedPhoneDigits, v, name)
		}
		return nil
	}
}

// apply merges the nested edits into c (a copy owned by the caller; its
// Phones slice is replaced, never modified in place) and checks what
// depends on the current record: ownership of every __id, the phone
// limits. now stamps a created address.
func (n *nestedPatch) apply(c *Customer, now time.Time) *ruleError {
	if n.primary != nil {
		if err := n.primary.apply(c, &c.PrimaryAddress, primaryAddressID(c.ID), now); err != nil {
			return err
		}
	}
	if n.mail != nil {
		if err := n.mail.apply(c, &c.MailAddress, mailAddressID(c.ID), now); err != nil {
			return err
		}
	}
	if len(n.phones) > 0 {
		return n.applyPhones(c)
	}
	return nil
}

func (a *addressEdit) apply(c *Customer, dst *Address, newID int, now time.Time) *ruleError {
	switch {
	case a.ctl.hasID && (!dst.Available || dst.ID != a.ctl.id):
		none := ""
		if !dst.Available {
			none = ": the customer has none"
		}
		return ruleErr(msgNestedAddressOwned, a.ctl.id, a.path, a.ctl.id, a.name, c.ID, none)
	case !a.ctl.hasID && dst.Available:
		return ruleErr(msgNestedNeedID, a.path, c.ID, a.name, dst.ID, dst.ID)
	case !a.ctl.hasID:
		for _, f := range []struct {
			name string
			o    opt[string]
		}{{"address1", a.address1}, {"city", a.city}, {"state", a.state}, {"zipcode", a.zipcode}} {
			if !f.o.present {
				return ruleErr(msgNestedRequired, a.path, f.name, a.name)
			}
		}
		*dst = Address{ID: newID, Country: countryUSA, Created: now, Available: true}
	}
	setReq(&dst.Address1, a.address1)
	setStr(&dst.Address2, a.address2)
	setReq(&dst.City, a.city)
	setReq(&dst.State, a.state)
	setReq(&dst.Zipcode, a.zipcode)
	setReq(&dst.Country, a.country)
	setStr(&dst.GeoLat, a.geoLat)
	setStr(&dst.GeoLon, a.geoLon)
	if a.isVerified.present {
		dst.Verified = a.isVerified.v
	}
	if a.isStandardized.present {
		dst.Standardized = a.isStandardized.v
	}
	return nil
}

func (n *nestedPatch) applyPhones(c *Customer) *ruleError {
	phones := slices.Clone(c.Phones)
	for i := range n.phones {
		e := &n.phones[i]
		at := -1
		if e.ctl.hasID {
			at = slices.IndexFunc(phones, func(p Phone) bool { return p.ID == e.ctl.id })
			if at < 0 {
				return ruleErr(msgNestedPhoneOwned, e.ctl.id, e.path, e.ctl.id, c.ID)
			}
		}
		switch {
		case e.ctl.destroy:
			phones = slices.Delete(phones, at, at+1)
			continue
		case at < 0:
			if c.PhoneSeq >= maxPhoneSeq {
				return ruleErr(msgNestedPhoneIDs, c.ID, maxPhoneSeq)
			}
			phones = append(phones, Phone{ID: phoneID(c.ID, c.PhoneSeq), Type: defaultPhoneType})
			c.PhoneSeq++
			at = len(phones) - 1
		}
		p := &phones[at]
		if e.phone.present {
			p.Phone = phoneDigits(e.phone.v)
		}
		setReq(&p.Type, e.typ)
		if e.dndEnabled.present {
			p.DND = e.dndEnabled.v
		}
		// One primary and one secondary phone: setting a flag on one phone
		// clears it on the others (and the other flag on this one), as
		// LoanPro's UI does.
		if e.isPrimary.present {
			if e.isPrimary.v {
				for j := range phones {
					phones[j].IsPrimary = false
				}
				p.IsSecondary = false
			}
			p.IsPrimary = e.isPrimary.v
		}
		if e.isSecondary.present {
			if e.isSecondary.v {
				for j := range phones {
					phones[j].IsSecondary = false
				}
				p.IsPrimary = false
			}
			p.IsSecondary = e.isSecondary.v
		}
	}
	if len(phones) > maxPhones {
		return ruleErr(msgNestedPhoneLimit, c.ID, len(phones), maxPhones)
	}
	c.Phones = phones
	return nil
}

// phoneWarnings are the duplicate-phone transaction warnings of the
// phones the request added or renumbered: a number the customer already
// has on another of its phones. (Other customers' phones are not indexed
// by the store yet, so they are not compared.)
func (n *nestedPatch) phoneWarnings(c *Customer) []string {
	var out []string
	warned := map[string]bool{}
	for _, e := range n.phones {
		if !e.phone.present || e.ctl.destroy {
			continue
		}
		num := phoneDigits(e.phone.v)
		count := 0
		for _, p := range c.Phones {
			if p.Phone == num {
				count++
			}
		}
		if count > 1 && !warned[num] {
			warned[num] = true
			out = append(out, fmt.Sprintf(msgWarnPhoneDuplicate, num, c.ID, c.displayName()))
		}
	}
	return out
}
