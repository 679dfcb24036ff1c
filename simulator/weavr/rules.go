package weavr

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Field patterns of the vendor document (ConsumerUpdateRequest and the
// schemas it references).
var (
	digits     = mustPattern(`^[0-9]+$`)
	nameRe     = mustPattern(`^[^0-9~!@#$%^*()_+={}|:;,<>/?]*$`)
	tagRe      = mustPattern(`^[a-zA-Z0-9_-]+$`)
	dialRe     = mustPattern(`^\+[0-9]+$`)
	numberRe   = mustPattern(`^[0-9]{1,12}$`)
	countryRe  = mustPattern(`^[A-Z]+$`)
	postCodeRe = mustPattern(`^[A-Za-z0-9 -]*$`)
	currencyRe = mustPattern(`^[A-Z]*$`)
	localeRe   = mustPattern(`^[a-z]{2}(-[A-Z]{2})?$`)
	brandRe    = mustPattern(`^[a-zA-Z0-9]+$`)
	codeRe     = mustPattern(`^[0-9]{6}$`)
	emailLocal = mustPattern(`^[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)*$`)
	emailHost  = mustPattern(`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`)
)

// The twelve error kinds of SyntaxError.invalidFields that these rules use.
const (
	kindRequired = "REQUIRED"
	kindSize     = "SIZE"
	kindIn       = "IN"
	kindRegex    = "REGEX"
	kindAtLeast  = "AT_LEAST"
	kindAtMost   = "AT_MOST"
)

// validator collects invalidFields in a stable order: the order of the
// request schema, and for one field REQUIRED, then REGEX, then SIZE (an empty
// countryCode gives REGEX then SIZE, as on the real service).
type validator struct{ out []InvalidField }

func (v *validator) add(params []string, field, kind string) {
	if params == nil {
		params = []string{}
	}
	v.out = append(v.out, InvalidField{Params: params, FieldName: field, Error: kind})
}

// text checks an optional string: pattern (nil: none) and length bounds
// (max 0: none).
func (v *validator) text(params []string, field string, val *string, re *pattern, min, max int) {
	if val == nil {
		return
	}
	if re != nil && !re.MatchString(*val) {
		v.add(params, field, kindRegex)
	}
	if n := utf8.RuneCountInString(*val); n < min || (max > 0 && n > max) {
		v.add(params, field, kindSize)
	}
}

func (v *validator) required(params []string, field string, present bool) bool {
	if !present {
		v.add(params, field, kindRequired)
	}
	return present
}

func (v *validator) email(params []string, field string, val *string) {
	if val != nil && !validEmail(*val) {
		v.add(params, field, kindRegex)
	}
}

func (v *validator) oneOf(params []string, field string, val *string, allowed []string) {
	if val != nil && !slices.Contains(allowed, *val) {
		v.add(params, field, kindIn)
	}
}

func (v *validator) bounded(params []string, field string, val *int, min, max int) {
	switch {
	case !v.required(params, field, val != nil):
	case *val < min:
		v.add(params, field, kindAtLeast)
	case *val > max:
		v.add(params, field, kindAtMost)
	}
}

// mobile checks a Mobile object at params.
func (v *validator) mobile(p []string, m *mobileRequest, countryCodeMax int) {
	if v.required(p, "countryCode", m.CountryCode != nil) {
		v.text(p, "countryCode", m.CountryCode, dialRe, 1, countryCodeMax)
	}
	if v.required(p, "number", m.Number != nil) {
		v.text(p, "number", m.Number, numberRe, 0, 0)
	}
}

// date checks a Date object at params.
func (v *validator) date(p []string, d *dateRequest) {
	v.bounded(p, "year", d.Year, 1900, 2100)
	v.bounded(p, "month", d.Month, 1, 12)
	v.bounded(p, "day", d.Day, 1, 31)
}

// address checks an AddressWithCountryRequired object at params.
func (v *validator) address(p []string, a *addressRequest) {
	v.text(p, "postCode", a.PostCode, postCodeRe, 0, 10)
	v.text(p, "state", a.State, nil, 0, 50)
	if v.required(p, "country", a.Country != nil) {
		v.text(p, "country", a.Country, countryRe, 2, 2)
	}
}

// validEmail accepts what Weavr's email format accepts: a dot-atom local
// part (apostrophes allowed; no leading, trailing or double dots, so "x.@d"
// fails) and a domain with a top-level label ("abc" fails).
func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || len(s) > 254 || at > 64 {
		return false
	}
	return emailLocal.MatchString(s[:at]) && emailHost.MatchString(s[at+1:])
}

// validateUpdate applies every field rule of ConsumerUpdateRequest.
func validateUpdate(r *updateRequest, countryCodeMax int) []InvalidField {
	var v validator
	top := []string{}
	v.text(top, "tag", r.Tag, tagRe, 0, 50)
	v.text(top, "name", r.Name, nameRe, 0, 20)
	v.text(top, "surname", r.Surname, nameRe, 0, 20)
	v.email(top, "email", r.Email)
	if r.Mobile != nil {
		v.mobile([]string{"mobile"}, r.Mobile, countryCodeMax)
	}
	if r.DateOfBirth != nil {
		v.date([]string{"dateOfBirth"}, r.DateOfBirth)
	}
	if r.Address != nil {
		v.address([]string{"address"}, r.Address)
	}
	v.text(top, "baseCurrency", r.BaseCurrency, currencyRe, 3, 3)
	v.oneOf(top, "occupation", r.Occupation, occupationValues())
	v.oneOf(top, "sourceOfFunds", r.SourceOfFunds, sourceOfFundsValues())
	v.text(top, "nationality", r.Nationality, countryRe, 2, 2)
	v.text(top, "userTag", r.UserTag, tagRe, 0, 50)
	v.text(top, "locale", r.Locale, localeRe, 0, 5)
	v.text(top, "brand", r.Brand, brandRe, 0, 25)
	return v.out
}

func validateLogin(r *loginRequest) []InvalidField {
	var v validator
	if v.required(nil, "email", r.Email != nil) {
		v.email(nil, "email", r.Email)
	}
	if v.required(nil, "password", r.Password != nil) {
		p := []string{"password"}
		if v.required(p, "value", r.Password.Value != nil) {
			v.text(p, "value", r.Password.Value, nil, 0, 100) // SensitivePassword.value maxLength
		}
	}
	return v.out
}

func validateVerify(r *verifyRequest) []InvalidField {
	var v validator
	if v.required(nil, "email", r.Email != nil) {
		v.email(nil, "email", r.Email)
	}
	if v.required(nil, "verificationCode", r.VerificationCode != nil) {
		v.text(nil, "verificationCode", r.VerificationCode, codeRe, 0, 0)
	}
	return v.out
}

// sandboxVerificationCode is the code Weavr's sandbox always accepts.
const sandboxVerificationCode = "123456"

// applyUpdate applies a validated PATCH to cur inside the store transaction,
// enforcing the 409 rules in one fixed order; on any conflict nothing is
// written. occupation, sourceOfFunds and sourceOfFundsOther are validated
// but never stored, like the real service.
func (s *Service) applyUpdate(tx consumerTx, cur Consumer, r *updateRequest, now time.Time) (Consumer, error) {
	prog := s.data.byID[cur.ProgrammeID]
	next := cur

	newEmail := r.Email != nil && emailKey(*r.Email) != emailKey(cur.Email)
	newMobile := r.Mobile != nil && (*r.Mobile.CountryCode != cur.Mobile.CountryCode || *r.Mobile.Number != cur.Mobile.Number)
	if cur.kycApproved() && (newEmail || newMobile ||
		changed(r.Name, cur.Name) || changed(r.Surname, cur.Surname) ||
		(r.DateOfBirth != nil && (cur.DateOfBirth == nil || r.DateOfBirth.value() != *cur.DateOfBirth)) ||
		(r.Address != nil && (cur.Address == nil || r.Address.value() != *cur.Address))) {
		return cur, ErrConsumerVerified
	}
	if r.FeeGroup != nil && !slices.Contains(prog.FeeGroups, *r.FeeGroup) {
		return cur, ErrFeeGroupInvalid
	}
	if r.Address != nil && slices.Contains(prog.UnsupportedCountries, *r.Address.Country) {
		return cur, ErrCountryUnsupported
	}
	if newEmail && emailKey(*r.Email) != emailKey(cur.PendingEmail) {
		email := *r.Email
		switch {
		case s.data.disposable[emailKey(email[strings.LastIndexByte(email, '@')+1:])]:
			return cur, ErrEmailDomain
		case s.emailTaken(tx, email, cur.ID):
			return cur, ErrEmailNotUnique
		case !cur.EmailChangedAt.IsZero() && now.Before(cur.EmailChangedAt.Add(s.settings.EmailChangeWindow)):
			return cur, ErrEmailTooFrequent
		}
		// Deferred: the new email applies on verification.
		next.PendingEmail, next.EmailChangedAt = email, now
	}
	if r.ResetMobileCounter != nil && *r.ResetMobileCounter {
		next.MobileChanges = 0
	}
	if newMobile {
		switch {
		case cur.SMSOTPEnrolled && !cur.SecurityEventAt.IsZero() && now.Before(cur.SecurityEventAt.Add(s.settings.MobileChangeWindow)):
			return cur, ErrMobileNotAllowed
		case next.MobileChanges >= s.settings.MobileChangeLimit:
			return cur, ErrMobileLimit
		}
		// Immediate: the new number shows in the response, unverified.
		next.Mobile = Mobile{CountryCode: *r.Mobile.CountryCode, Number: *r.Mobile.Number}
		next.MobileVerified = false
		next.MobileChanges++
	}
	set(&next.Tag, r.Tag)
	set(&next.Name, r.Name)
	set(&next.Surname, r.Surname)
	set(&next.FeeGroup, r.FeeGroup)
	set(&next.BaseCurrency, r.BaseCurrency)
	set(&next.PlaceOfBirth, r.PlaceOfBirth)
	set(&next.Nationality, r.Nationality)
	set(&next.UserTag, r.UserTag)
	set(&next.Locale, r.Locale)
	set(&next.Brand, r.Brand)
	if r.DateOfBirth != nil {
		d := r.DateOfBirth.value()
		next.DateOfBirth = &d
	}
	if r.Address != nil {
		a := r.Address.value()
		next.Address = &a
	}
	return next, nil
}

// lookuper is what emailTaken reads: the view of a write (consumerTx),
// or the table itself for a check that writes nothing.
type lookuper interface {
	Lookup(index, key string) []Consumer
}

// emailTaken reports whether another consumer of the sandbox uses email.
func (s *Service) emailTaken(tx lookuper, email, self string) bool {
	for _, other := range tx.Lookup(indexEmail, emailKey(email)) {
		if other.ID != self {
			return true
		}
	}
	return false
}

func changed(req *string, cur string) bool { return req != nil && *req != cur }

func set(dst *string, src *string) {
	if src != nil {
		*dst = *src
	}
}

func (d *dateRequest) value() Date { return Date{Year: *d.Year, Month: *d.Month, Day: *d.Day} }

func (a *addressRequest) value() Address {
	get := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return Address{AddressLine1: get(a.AddressLine1), AddressLine2: get(a.AddressLine2), City: get(a.City),
		PostCode: get(a.PostCode), State: get(a.State), Country: get(a.Country)}
}

// occupationValues is the Occupation enum of the vendor document.
func occupationValues() []string {
	return []string{"ACCOUNTING", "AUDIT", "FINANCE", "PUBLIC_SECTOR_ADMINISTRATION", "ART_ENTERTAINMENT",
		"AUTO_AVIATION", "BANKING_LENDING", "BUSINESS_CONSULTANCY_LEGAL", "CONSTRUCTION_REPAIR",
		"EDUCATION_PROFESSIONAL_SERVICES", "INFORMATIONAL_TECHNOLOGIES", "TOBACCO_ALCOHOL", "GAMING_GAMBLING",
		"MEDICAL_SERVICES", "MANUFACTURING", "PR_MARKETING", "PRECIOUS_GOODS_JEWELRY",
		"NON_GOVERNMENTAL_ORGANIZATION", "INSURANCE_SECURITY", "RETAIL_WHOLESALE", "TRAVEL_TOURISM",
		"FREELANCER", "STUDENT", "UNEMPLOYED", "RETIRED", "OTHER"}
}

// sourceOfFundsValues is the ConsumerSourceOfFunds enum of the vendor document.
func sourceOfFundsValues() []string {
	return []string{"PERSONAL_SAVINGS", "FAMILY_SAVINGS", "LABOUR_CONTRACT", "CIVIL_CONTRACT", "RENT",
		"FUNDS_FROM_OTHER_AUXILIARY_SOURCES", "SALE_OF_MOVABLE_ASSETS", "SALE_OF_REAL_ESTATE",
		"ORDINARY_BUSINESS_ACTIVITY", "DIVIDENDS", "LOAN_FROM_FINANCIAL_INSTITUTIONS_CREDIT_UNIONS",
		"LOAN_FROM_THIRD_PARTIES", "INHERITANCE", "SALE_OF_COMPANY_SHARES_BUSINESS", "OTHER"}
}
