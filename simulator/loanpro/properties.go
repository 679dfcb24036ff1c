package loanpro

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// The rest of a PUT Customers(id) body: what is neither one of the fields
// the sandbox edits (rules.go), nor a control property, nor one of the
// nested objects it edits (nested.go). The sandbox never answers 200 to a
// body it does not apply in full ("never accept what the vendor rejects,
// never ignore what it applies"):
//
//   - a name that is no property of Entity.Customer is a typo, which
//     LoanPro's documentation lists among its 409s;
//   - another property of Entity.Customer (creditLimit, customerId,
//     active, created, …) or another navigation property (Employer,
//     References, CustomFieldValues, …) is one the reference documents no
//     edit of. It is accepted as long as it changes nothing, so that a
//     client sending back an entity it read (the SDK rebuilds entities
//     from d) works: the current value, a navigation property's
//     __deferred link or its expanded value, or an empty object or
//     collection ({} or {"results":[]}, as LoanPro's own examples send
//     "CustomFieldValues": {}). A change is refused, naming it, instead of
//     being dropped.
const (
	msgUnknownProperty = "Unknown field '%s': Entity.Customer has no such property (property names are case-sensitive)."
	msgReadOnlyChanged = "Field '%s' cannot be changed through PUT Customers(id) in the sandbox (it edits the fields of \"Edit basic customer information\"): send its current value %s or leave it out."
	msgNestedNotEdited = "Nested object '%s' cannot be edited through PUT Customers(id) in the sandbox, which edits PrimaryAddress, MailAddress and Phones: leave it out or send it unchanged."
)

// bodyControls are the control properties of a PUT body: the SDK's id,
// __id and __update, __ignoreWarnings, and the __metadata of an entity
// sent back as it was read.
var bodyControls = []string{"id", "__id", "__update", "__ignoreWarnings", "__metadata"}

// editedNested are the nested objects nested.go edits.
var editedNested = []string{"PrimaryAddress", "MailAddress", "MailingAddress", "Phones"}

// echo is a property the sandbox does not edit, sent in a PUT: accepted
// when it changes nothing, which depends on the current record and is
// checked inside the store transaction (checkEchoes).
type echo struct {
	name  string
	raw   json.RawMessage
	field *scalarField // nil: a navigation property
}

// parseEchoes sorts the properties of obj that are not handled elsewhere
// (patchFields, controls, edited nested objects): an unknown name is an
// error, the others are echoes, except navigation properties sent as
// their __deferred link or empty, which carry nothing. Names are visited
// in order, so the reported one is deterministic.
func (s *Service) parseEchoes(obj map[string]json.RawMessage) ([]echo, *ruleError) {
	var keys []string
	for k := range obj {
		if !isPatchField(k) && !slices.Contains(bodyControls, k) && !slices.Contains(editedNested, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []echo
	for _, k := range keys {
		raw := obj[k]
		switch {
		case s.fieldByName[k] != nil:
			out = append(out, echo{name: k, raw: raw, field: s.fieldByName[k]})
		case s.navIndex(k) < 0:
			return nil, ruleErr(msgUnknownProperty, clip(k))
		case !carriesNothing(raw):
			out = append(out, echo{name: k, raw: raw})
		}
	}
	return out, nil
}

// carriesNothing tells a navigation property's value that edits nothing:
// its __deferred link, {} or {"results":[]}.
func carriesNothing(raw json.RawMessage) bool {
	m, ok := rawObject(raw)
	if !ok || m == nil {
		return false
	}
	if len(m) == 0 || deferredLink(raw) {
		return true
	}
	var items []json.RawMessage
	r, ok := m["results"]
	return ok && len(m) == 1 && json.Unmarshal(r, &items) == nil && items != nil && len(items) == 0
}

// deferredLink tells a navigation property sent as GET renders it
// unexpanded: {"__deferred":{…}} alone.
func deferredLink(raw json.RawMessage) bool {
	m, ok := rawObject(raw)
	if !ok || len(m) != 1 {
		return false
	}
	d, ok := m["__deferred"]
	return ok && bytes.HasPrefix(bytes.TrimSpace(d), []byte("{"))
}

// rawObject is json.Unmarshal(raw, &map[string]json.RawMessage), through
// splitObject when it vouches for raw; ok is false where Unmarshal fails.
func rawObject(raw json.RawMessage) (m map[string]json.RawMessage, ok bool) {
	if m, ok := splitObject(raw); ok {
		return m, true
	}
	return m, json.Unmarshal(raw, &m) == nil
}

// checkEchoes refuses the first echo that is not the current value of
// cur: the value GET answers, a scalar in any spelling a client may give
// it (below), a navigation property as GET with $expand renders it.
func checkEchoes(es []echo, cur *Customer) *ruleError {
	for _, e := range es {
		if e.field == nil {
			if !sameJSON(e.raw, navValue(cur, e.name)) {
				return ruleErr(msgNestedNotEdited, e.name)
			}
			continue
		}
		if !sameScalar(e.field.kind, e.raw, e.field.get(cur)) {
			return ruleErr(msgReadOnlyChanged, e.name, clip(string(e.field.appendJSON(nil, cur))))
		}
	}
	return nil
}

// checkEchoesOf is checkEchoes for a customer held by value (the update
// callback's current record): the record is copied to the heap only when
// there are echoes to check, not on every PUT, as taking its address in
// the callback did (the fields' get functions are dynamic calls, which
// escape analysis cannot follow). Not inlined: inlined, the copy would be
// the caller's, moved to the heap on every call again.
//
//go:noinline
func checkEchoesOf(es []echo, cur Customer) *ruleError {
	if len(es) == 0 {
		return nil
	}
	return checkEchoes(es, &cur)
}

// sameJSON tells whether raw is v rendered as JSON, whatever the spacing
// and the order of the object keys.
func sameJSON(raw json.RawMessage, v any) bool {
	var a, b any
	if json.Unmarshal(raw, &a) != nil || json.Unmarshal(appendJSON(nil, v), &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}

// sameScalar tells whether raw is the scalar value cur of kind k: null
// for null; a string for a string; an integer for an integer, also as a
// numeric string, or as a boolean for a 0/1 flag; a date as GET renders it
// (/Date(seconds)/), as its seconds, or as YYYY-MM-DD[ hh:mm:ss].
func sameScalar(k kind, raw json.RawMessage, cur value) bool {
	txt := strings.TrimSpace(string(raw))
	if cur.null || txt == "null" {
		return cur.null && txt == "null"
	}
	var str string
	isStr := json.Unmarshal(raw, &str) == nil && strings.HasPrefix(txt, `"`)
	switch k {
	case kString:
		return isStr && str == cur.s
	case kInt:
		switch {
		case txt == "true" || txt == "false":
			return (txt == "true") == (cur.n == 1) && (cur.n == 0 || cur.n == 1)
		case isStr:
			txt = strings.TrimSpace(str)
		}
		n, err := strconv.ParseInt(txt, 10, 64)
		return err == nil && n == cur.n
	case kDate:
		if !isStr {
			n, err := strconv.ParseInt(txt, 10, 64)
			return err == nil && n == cur.n
		}
		if secs, ok := strings.CutPrefix(str, "/Date("); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(secs, ")/"), 10, 64)
			return err == nil && strings.HasSuffix(secs, ")/") && n == cur.n
		}
		t, ok := parseDate(str)
		return ok && t.Unix() == cur.n
	}
	return false
}
