package loanpro

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// maxTextLen caps free-text fields; LoanPro's columns are VARCHARs and the
// sandbox must not store unbounded input.
const maxTextLen = 255

// ruleError is a rejected input: its message names the field and the value.
type ruleError struct{ msg string }

func (e *ruleError) Error() string { return e.msg }

func ruleErr(format string, args ...any) *ruleError {
	return &ruleError{msg: fmt.Sprintf(format, args...)}
}

// opt is one body field of a PUT: absent, null, or a value.
type opt[T any] struct {
	present bool
	null    bool
	v       T
}

// patch is a validated "Edit basic customer information" body: the seed
// page's fields, companyName/contactName, the SDK's id, __id and __update,
// the nested PrimaryAddress, MailAddress and Phones edits (nested.go), and
// the other properties of Entity.Customer, accepted only when they change
// nothing (properties.go). An unknown property is an error, at the top
// level as inside a nested object.
type patch struct {
	status, customerType, customerIDType, gender, generationCode   opt[string]
	firstName, middleName, lastName, driverLicense, accessUserName opt[string]
	customID, companyName, contactName, ssn, email                 opt[string]
	birthDate                                                      opt[time.Time]
	ignoreWarnings                                                 bool
	nested                                                         nestedPatch
	echoes                                                         []echo // properties the sandbox does not edit (properties.go)
}

// decodeObject reads a PUT body into its top-level properties. A body that
// is empty, not JSON or not an object is rejected with the payload error.
// A plain valid object is cut in one pass (splitObject); every other body,
// and so every error, goes through decodeObjectStd, the reference.
func decodeObject(b []byte) (map[string]json.RawMessage, *ruleError) {
	if t := bytes.TrimSpace(b); utf8.Valid(t) {
		if obj, ok := splitObject(t); ok {
			return obj, nil
		}
	}
	return decodeObjectStd(b)
}

// decodeObjectStd is decodeObject with encoding/json alone: the reference
// the fast path is tested against, and the producer of every error.
func decodeObjectStd(b []byte) (map[string]json.RawMessage, *ruleError) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, ruleErr(msgBodyEmpty)
	}
	// encoding/json would store invalid UTF-8 as U+FFFD; PHP's json_decode
	// (LoanPro) refuses it.
	if !utf8.Valid(b) {
		return nil, ruleErr(msgBodyUTF8)
	}
	var probe any
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, ruleErr(msgBodyMalformed, strings.TrimPrefix(err.Error(), "json: "))
	}
	if b[0] != '{' {
		return nil, ruleErr(msgBodyNotObject, jsonKind(b))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, ruleErr(msgBodyMalformed, strings.TrimPrefix(err.Error(), "json: "))
	}
	return obj, nil
}

// jsonKind names the JSON type of raw for error messages.
func jsonKind(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// snippet quotes a raw JSON value in a message, shortened.
func snippet(raw []byte) string {
	s := string(raw)
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return s
}

// parsePatch validates every known field of obj, in the seed page's order,
// and returns the first problem. pathID is the customer of the endpoint:
// an id or __id in the body must match it ("payload and endpoint
// mismatches" are 409s in LoanPro's docs).
func (s *Service) parsePatch(obj map[string]json.RawMessage, pathID int) (*patch, *ruleError) {
	p := &patch{}
	for _, name := range []string{"id", "__id"} {
		if raw, ok := obj[name]; ok {
			if err := checkID(name, raw, pathID); err != nil {
				return nil, err
			}
		}
	}
	if raw, ok := obj["__update"]; ok {
		if _, err := boolField("__update", raw); err != nil {
			return nil, err
		}
	}
	if raw, ok := obj["__ignoreWarnings"]; ok {
		b, err := boolField("__ignoreWarnings", raw)
		if err != nil {
			return nil, err
		}
		p.ignoreWarnings = b
	}
	for i := range patchFields {
		if f := &patchFields[i]; obj[f.name] != nil {
			if err := s.parsePatchField(obj, p, f); err != nil {
				return nil, err
			}
		}
	}
	n, err := s.parseNested(obj)
	if err != nil {
		return nil, err
	}
	p.nested = n
	if p.echoes, err = s.parseEchoes(obj); err != nil {
		return nil, err
	}
	return p, nil
}

// patchField is one field of "Edit basic customer information" that a
// PUT edits, in the seed page's order: where it goes in the patch and how
// it is checked.
type patchField struct {
	name     string
	dst      func(*patch) *opt[string] // nil: checked, never stored (accessPassword); birthDate is a date
	nullable bool
	enum     func(*Service) []string // the allowed values, for an enumeration
	check    func(string) *ruleError
}

// patchFields are the edited fields; companyName and contactName follow
// the seed page's, as company customers need them.
var patchFields = []patchField{
	{name: "status", dst: func(p *patch) *opt[string] { return &p.status }, enum: func(s *Service) []string { return s.statuses }},
	{name: "customerType", dst: func(p *patch) *opt[string] { return &p.customerType }, enum: func(s *Service) []string { return s.enums.customerTypes }},
	{name: "customerIdType", dst: func(p *patch) *opt[string] { return &p.customerIDType }, enum: func(s *Service) []string { return s.enums.idTypes }},
	{name: "birthDate"},
	{name: "firstName", dst: func(p *patch) *opt[string] { return &p.firstName }},
	{name: "middleName", dst: func(p *patch) *opt[string] { return &p.middleName }, nullable: true},
	{name: "lastName", dst: func(p *patch) *opt[string] { return &p.lastName }},
	{name: "ssn", dst: func(p *patch) *opt[string] { return &p.ssn }, nullable: true, check: checkSSN},
	{name: "driverLicense", dst: func(p *patch) *opt[string] { return &p.driverLicense }, nullable: true},
	{name: "email", dst: func(p *patch) *opt[string] { return &p.email }, check: checkEmail},
	{name: "accessUserName", dst: func(p *patch) *opt[string] { return &p.accessUserName }, nullable: true},
	{name: "accessPassword", nullable: true},
	{name: "generationCode", dst: func(p *patch) *opt[string] { return &p.generationCode }, enum: func(s *Service) []string { return s.enums.generationCodes }},
	{name: "gender", dst: func(p *patch) *opt[string] { return &p.gender }, enum: func(s *Service) []string { return s.enums.genders }},
	{name: "customId", dst: func(p *patch) *opt[string] { return &p.customID }, nullable: true},
	{name: "companyName", dst: func(p *patch) *opt[string] { return &p.companyName }, nullable: true},
	{name: "contactName", dst: func(p *patch) *opt[string] { return &p.contactName }, nullable: true},
}

// isPatchField tells the names of patchFields.
func isPatchField(name string) bool {
	return slices.ContainsFunc(patchFields, func(f patchField) bool { return f.name == name })
}

// parsePatchField decodes field f of obj into p.
func (s *Service) parsePatchField(obj map[string]json.RawMessage, p *patch, f *patchField) *ruleError {
	if f.name == "birthDate" {
		return s.dateField(obj, &p.birthDate, f.name)
	}
	dst := &opt[string]{}
	if f.dst != nil {
		dst = f.dst(p)
	}
	check := f.check
	if f.enum != nil {
		allowed := f.enum(s)
		check = func(v string) *ruleError {
			if !slices.Contains(allowed, v) {
				return ruleErr(msgEnum, v, f.name, strings.Join(allowed, ", "))
			}
			return nil
		}
	}
	return s.field(obj, dst, f.name, f.nullable, check)
}

// field decodes a string property into dst: it must be a JSON string (or
// null when nullable), at most maxTextLen characters, and pass check.
func (s *Service) field(obj map[string]json.RawMessage, dst *opt[string], name string, nullable bool, check func(string) *ruleError) *ruleError {
	raw, ok := obj[name]
	if !ok {
		return nil
	}
	dst.present = true
	if string(raw) == "null" {
		if !nullable {
			return ruleErr(msgFieldNull, name)
		}
		dst.null = true
		return nil
	}
	// The value shown in a type error, made only for the error.
	typeErr := func() *ruleError {
		shown := snippet(raw)
		if name == "accessPassword" {
			// A password is never echoed: the journal keeps answers, and
			// only masks a secret by its key, not inside a message.
			shown = "(value not shown)"
		}
		return ruleErr(msgFieldType, name, "string", jsonKind(raw), shown)
	}
	if raw[0] != '"' {
		return typeErr()
	}
	v, ok := plainString(raw)
	if !ok {
		if v, ok = unquote(raw); !ok {
			return typeErr()
		}
	}
	dst.v = v
	if utf8.RuneCountInString(dst.v) > maxTextLen {
		return ruleErr(msgFieldTooLong, name, maxTextLen)
	}
	if check != nil {
		return check(dst.v)
	}
	return nil
}

// unquote decodes a JSON string with encoding/json. It is a function of
// its own so that only its own variable, not the caller's destination,
// goes to the heap through json.Unmarshal.
func unquote(raw []byte) (string, bool) {
	var v string
	err := json.Unmarshal(raw, &v)
	return v, err == nil
}

// dateField decodes birthDate: YYYY-MM-DD or YYYY-MM-DD hh:mm:ss, UTC.
func (s *Service) dateField(obj map[string]json.RawMessage, dst *opt[time.Time], name string) *ruleError {
	var sv opt[string]
	if err := s.field(obj, &sv, name, true, nil); err != nil || !sv.present {
		return err
	}
	dst.present, dst.null = true, sv.null
	if sv.null {
		return nil
	}
	t, ok := parseDate(sv.v)
	if !ok {
		return ruleErr(msgDate, sv.v, name)
	}
	dst.v = t
	return nil
}

// parseDate reads LoanPro's input date forms, in UTC.
func parseDate(v string) (time.Time, bool) {
	for _, layout := range []string{time.DateOnly, time.DateTime} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func boolField(name string, raw json.RawMessage) (bool, *ruleError) {
	switch string(raw) {
	case "true":
		return true, nil
	case "false", "null":
		return false, nil
	}
	return false, ruleErr(msgFieldType, name, "boolean", jsonKind(raw), snippet(raw))
}

// checkID accepts the id as a JSON integer or a numeric string (PHP
// clients send both) and requires it to be the endpoint's id.
func checkID(name string, raw json.RawMessage, pathID int) *ruleError {
	txt := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &txt); err != nil {
			return ruleErr(msgFieldType, name, "integer", "string", snippet(raw))
		}
	} else if raw[0] == '{' || raw[0] == '[' || raw[0] == 't' || raw[0] == 'f' || raw[0] == 'n' {
		return ruleErr(msgFieldType, name, "integer", jsonKind(raw), snippet(raw))
	}
	n, err := strconv.ParseInt(txt, 10, 64)
	if err != nil {
		return ruleErr(msgFieldType, name, "integer", jsonKind(raw), snippet(raw))
	}
	if n != int64(pathID) {
		return ruleErr(msgIDMismatch, txt, name, txt, pathID)
	}
	return nil
}

// checkSSN: nine digits, no dashes, as the seed page documents; an empty
// string clears it.
func checkSSN(v string) *ruleError {
	if v == "" {
		return nil
	}
	if len(v) != 9 || strings.Trim(v, "0123456789") != "" {
		return ruleErr(msgSSN, v)
	}
	return nil
}

// checkEmail requires a plausible address: LoanPro requires a valid email
// on customers (create docs). Deliverability is a warning, not an error.
func checkEmail(v string) *ruleError {
	if v == "" {
		return ruleErr(msgFieldEmpty, "email")
	}
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") ||
		!strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.Contains(v, "..") || strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return ruleErr(msgEmail, v)
	}
	return nil
}

func setStr(dst *nstr, o opt[string]) {
	if o.present {
		*dst = nstr{s: o.v, ok: !o.null}
	}
}

func setReq(dst *string, o opt[string]) {
	if o.present && !o.null {
		*dst = o.v
	}
}

// apply merges the patch into c (a copy owned by the caller) and checks the
// rules that depend on the merged record.
func (p *patch) apply(c *Customer) *ruleError {
	setReq(&c.Status, p.status)
	setReq(&c.CustomerType, p.customerType)
	setReq(&c.CustomerIDType, p.customerIDType)
	setReq(&c.Gender, p.gender)
	setReq(&c.GenerationCode, p.generationCode)
	setReq(&c.FirstName, p.firstName)
	setReq(&c.LastName, p.lastName)
	setStr(&c.MiddleName, p.middleName)
	setStr(&c.DriverLicense, p.driverLicense)
	setStr(&c.AccessUserName, p.accessUserName)
	setStr(&c.CustomID, p.customID)
	setStr(&c.CompanyName, p.companyName)
	setStr(&c.ContactName, p.contactName)
	setStr(&c.Email, p.email)
	if p.ssn.present {
		c.SSN = nstr{s: p.ssn.v, ok: !p.ssn.null && p.ssn.v != ""}
	}
	if p.birthDate.present {
		c.BirthDate = ndate{t: p.birthDate.v, ok: !p.birthDate.null}
	}
	if c.CustomerType == typeIndividual {
		for _, f := range []struct{ name, v string }{{"firstName", c.FirstName}, {"lastName", c.LastName}} {
			if strings.TrimSpace(f.v) == "" {
				return ruleErr(msgRequiredFor, f.name, c.CustomerType)
			}
		}
	} else if !c.CompanyName.ok || strings.TrimSpace(c.CompanyName.s) == "" {
		return ruleErr(msgRequiredFor, "companyName", c.CustomerType)
	}
	return nil
}

// warnings are LoanPro's transaction warnings for the merged record next,
// read inside the store transaction so that check and write are atomic:
// an email already on another customer, an SSN on another customer with
// the same birth date, an email matching a suspicious pattern, and a phone
// number or an address another customer has (duplicates.go). Only the
// fields the request sends are checked.
func (s *Service) warnings(tx store.Tx[int, Customer], next *Customer, p *patch) []string {
	var out []string
	others := func(index, key string) []Customer { return otherCustomers(tx, index, key, next.ID) }
	if p.email.present && next.Email.ok {
		for _, o := range others(indexEmail, strings.ToLower(next.Email.s)) {
			out = append(out, fmt.Sprintf(msgWarnEmailDuplicate, next.Email.s, o.ID, o.displayName()))
		}
	}
	if (p.ssn.present || p.birthDate.present) && next.SSN.ok && next.BirthDate.ok {
		day := next.BirthDate.String()
		for _, o := range others(indexSSN, next.SSN.s) {
			if o.BirthDate.String() == day {
				out = append(out, fmt.Sprintf(msgWarnSSNDuplicate, next.SSN.s, day, o.ID, o.displayName()))
			}
		}
	}
	if p.email.present && next.Email.ok && s.suspicious(next.Email.s) {
		out = append(out, fmt.Sprintf(msgWarnEmailSuspect, next.Email.s))
	}
	return append(out, p.nested.duplicateWarnings(tx, next)...)
}

// suspicious reports whether email matches one of the tenant's suspicious
// patterns (shell globs over the lower-cased address, e.g. "*@mailinator.com").
func (s *Service) suspicious(email string) bool {
	e := strings.ToLower(email)
	for _, pat := range s.suspiciousEmails {
		if ok, _ := path.Match(pat, e); ok {
			return true
		}
	}
	return false
}
