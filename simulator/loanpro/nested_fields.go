package loanpro

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// The enumerations and property readers of the nested objects of a PUT
// Customers(id) body (nested.go): LoanPro's geo.state, country and phone
// type values, and the readers of flags, ids, texts and control properties.

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

// phoneTypeNames are the names of LoanPro's customer.phoneType values
// (the reference's example and the SDK's phone collection).
var phoneTypeNames = []string{"cell", "cellSmartPhone", "fax", "home", "office", "other"}

// phoneTypes are LoanPro's customer.phoneType values, the only ones a
// phone is stored with (fixtures, generated data and edits alike).
func phoneTypes() []string {
	out := make([]string, len(phoneTypeNames))
	for i, n := range phoneTypeNames {
		out[i] = phoneTypePrefix + n
	}
	return out
}

const phoneTypePrefix = "customer.phoneType."

// defaultPhoneType is the type of an added phone that names none.
const defaultPhoneType = "customer.phoneType.cell"

// isLandLine tells the landline phone types (a fax line is one too).
func isLandLine(t string) bool {
	return t == "customer.phoneType.home" || t == "customer.phoneType.office" || t == "customer.phoneType.fax"
}

// nestedObject decodes a nested object and rejects unknown properties
// (in name order, so the reported one is deterministic). controls are the
// control properties the object accepts besides writable and readOnly.
func nestedObject(path string, raw json.RawMessage, writable, readOnly, controls []string) (map[string]json.RawMessage, *ruleError) {
	if len(raw) == 0 || raw[0] != '{' {
		return nil, ruleErr(msgFieldType, path, "object", jsonKind(raw), snippet(raw))
	}
	m, ok := splitObject(raw)
	if !ok {
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, ruleErr(msgFieldType, path, "object", jsonKind(raw), snippet(raw))
		}
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

// stateValues, countryValues and phoneTypeValues are the enumerations a
// nested edit is checked against, built once: building them per request
// was most of a nested PUT's allocations. Read-only.
var (
	stateValues     = states()
	countryValues   = countries()
	phoneTypeValues = phoneTypes()
)

// nestedStep reads property key of a nested object; name is its path in
// messages (Phones.results[0].phone).
type nestedStep struct {
	key string
	run func(name string) *ruleError
}

// runSteps runs the steps of the properties m has, in order, stopping at
// the first error.
func runSteps(m map[string]json.RawMessage, path string, steps []nestedStep) *ruleError {
	for _, st := range steps {
		if _, ok := m[st.key]; !ok {
			continue
		}
		if err := st.run(path + "." + st.key); err != nil {
			return err
		}
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
