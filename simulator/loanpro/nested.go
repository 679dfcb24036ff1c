package loanpro

import (
	"encoding/json"
	"fmt"
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
// order: PrimaryAddress, MailAddress, Phones. One sent as its __deferred
// link (an entity sent back as GET answered it) edits nothing.
func (s *Service) parseNested(obj map[string]json.RawMessage) (nestedPatch, *ruleError) {
	var n nestedPatch
	if raw, ok := obj["PrimaryAddress"]; ok && !deferredLink(raw) {
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
	if raw, ok := obj[mailKey]; ok && !deferredLink(raw) {
		a, err := s.parseAddress("MailAddress", mailKey, raw)
		if err != nil {
			return n, err
		}
		n.mail = a
	}
	if raw, ok := obj["Phones"]; ok && !deferredLink(raw) {
		ps, err := s.parsePhones(raw)
		if err != nil {
			return n, err
		}
		n.phones = ps
	}
	return n, nil
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
	// Each step reads one property, named path.key in its messages; an
	// absent property is skipped before its name is made (every step is a
	// no-op for it).
	steps := []nestedStep{
		{"address1", func(n string) *ruleError { return s.nestedText(m, &a.address1, "address1", n, false, nonEmpty(n)) }},
		{"address2", func(n string) *ruleError { return s.nestedText(m, &a.address2, "address2", n, true, nil) }},
		{"city", func(n string) *ruleError { return s.nestedText(m, &a.city, "city", n, false, nonEmpty(n)) }},
		{"state", func(n string) *ruleError {
			return s.nestedText(m, &a.state, "state", n, false, enumCheck(n, stateValues))
		}},
		{"zipcode", func(n string) *ruleError { return s.nestedText(m, &a.zipcode, "zipcode", n, false, nonEmpty(n)) }},
		{"country", func(n string) *ruleError {
			return s.nestedText(m, &a.country, "country", n, false, enumCheck(n, countryValues))
		}},
		{"geoLat", func(n string) *ruleError { return s.nestedText(m, &a.geoLat, "geoLat", n, true, nil) }},
		{"geoLon", func(n string) *ruleError { return s.nestedText(m, &a.geoLon, "geoLon", n, true, nil) }},
		{"isVerified", func(n string) *ruleError { return flagField(m, &a.isVerified, "isVerified", n) }},
		{"isStandardized", func(n string) *ruleError { return flagField(m, &a.isStandardized, "isStandardized", n) }},
	}
	if err := runSteps(m, path, steps); err != nil {
		return nil, err
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
		steps := []nestedStep{
			{"phone", func(n string) *ruleError { return s.nestedText(pm, &p.phone, "phone", n, false, checkPhone(n)) }},
			{"type", func(n string) *ruleError {
				return s.nestedText(pm, &p.typ, "type", n, false, enumCheck(n, phoneTypeValues))
			}},
			{"isPrimary", func(n string) *ruleError { return flagField(pm, &p.isPrimary, "isPrimary", n) }},
			{"isSecondary", func(n string) *ruleError { return flagField(pm, &p.isSecondary, "isSecondary", n) }},
			{"dndEnabled", func(n string) *ruleError { return flagField(pm, &p.dndEnabled, "dndEnabled", n) }},
		}
		if err := runSteps(pm, path, steps); err != nil {
			return nil, err
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
