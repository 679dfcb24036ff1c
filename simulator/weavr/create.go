package weavr

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// createRequest is ConsumerCreateRequest. Pointers tell an absent (or
// null) field from an empty one.
type createRequest struct {
	ProfileID          *string         `json:"profileId"`
	Tag                *string         `json:"tag"`
	RootUser           *createRootUser `json:"rootUser"`
	IPAddress          *string         `json:"ipAddress"`
	AcceptedTerms      *bool           `json:"acceptedTerms"`
	BaseCurrency       *string         `json:"baseCurrency"`
	FeeGroup           *string         `json:"feeGroup"`
	SourceOfFunds      *string         `json:"sourceOfFunds"`
	SourceOfFundsOther *string         `json:"sourceOfFundsOther"`
}

// createRootUser is ConsumerCreateRequest.rootUser.
type createRootUser struct {
	Name         *string         `json:"name"`
	Surname      *string         `json:"surname"`
	Email        *string         `json:"email"`
	Mobile       *mobileRequest  `json:"mobile"`
	DateOfBirth  *dateRequest    `json:"dateOfBirth"`
	Occupation   *string         `json:"occupation"`
	Address      *addressRequest `json:"address"`
	PlaceOfBirth *string         `json:"placeOfBirth"`
	Nationality  *string         `json:"nationality"`
	Tag          *string         `json:"tag"`
	Locale       *string         `json:"locale"`
	Brand        *string         `json:"brand"`
}

var createObject = objectOf(reflect.TypeFor[createRequest]())

// validateCreate applies every field rule of ConsumerCreateRequest, in the
// schema's order. Its rules differ from ConsumerUpdateRequest's where the
// document says so: name and surname are up to 50 characters with no
// pattern, and rootUser, its name, surname, email, mobile, dateOfBirth and
// address, profileId and ipAddress are required.
func validateCreate(r *createRequest, countryCodeMax int) []InvalidField {
	var v validator
	top := []string{}
	if v.required(top, "profileId", r.ProfileID != nil) {
		v.text(top, "profileId", r.ProfileID, digits, 0, 0)
	}
	v.text(top, "tag", r.Tag, tagRe, 0, 50)
	if u := r.RootUser; v.required(top, "rootUser", u != nil) {
		p := []string{"rootUser"}
		if v.required(p, "name", u.Name != nil) {
			v.text(p, "name", u.Name, nil, 0, 50)
		}
		if v.required(p, "surname", u.Surname != nil) {
			v.text(p, "surname", u.Surname, nil, 0, 50)
		}
		if v.required(p, "email", u.Email != nil) {
			v.email(p, "email", u.Email)
		}
		if m := u.Mobile; v.required(p, "mobile", m != nil) {
			v.mobile([]string{"rootUser", "mobile"}, m, countryCodeMax)
		}
		if d := u.DateOfBirth; v.required(p, "dateOfBirth", d != nil) {
			v.date([]string{"rootUser", "dateOfBirth"}, d)
		}
		v.oneOf(p, "occupation", u.Occupation, occupationValues())
		if a := u.Address; v.required(p, "address", a != nil) {
			v.address([]string{"rootUser", "address"}, a)
		}
		v.text(p, "nationality", u.Nationality, countryRe, 2, 2)
		v.text(p, "tag", u.Tag, tagRe, 0, 50)
		v.text(p, "locale", u.Locale, localeRe, 0, 5)
		v.text(p, "brand", u.Brand, brandRe, 0, 25)
	}
	if v.required(top, "ipAddress", r.IPAddress != nil) {
		v.text(top, "ipAddress", r.IPAddress, nil, 5, 45)
	}
	v.text(top, "baseCurrency", r.BaseCurrency, currencyRe, 3, 3)
	v.oneOf(top, "sourceOfFunds", r.SourceOfFunds, sourceOfFundsValues())
	return v.out
}

// CreateConsumer is POST /multi/consumers (consumerCreate), secured by the
// api-key alone: it validates ConsumerCreateRequest (400), applies
// ConsumerCreateConflict's rules (409), stores the consumer in the
// session and answers the Consumer, as GET /multi/consumers will. The new
// consumer is active, with email and mobile unverified, KYC not started
// and no password: POST /multi/passwords/{id}/create sets one (the root
// user's id is the consumer's).
//
// The 409 rules, in the document's enum order: PROFILE_NOT_FOUND (profileId
// is not the programme's consumer profile), ROOT_EMAIL_NOT_UNIQUE (another
// consumer of the sandbox has the email, as PATCH's EMAIL_NOT_UNIQUE),
// CURRENCY_UNSUPPORTED (baseCurrency outside the programme's currencies),
// FEE_GROUP_INVALID, COUNTRY_UNSUPPORTED and EMAIL_DOMAIN_NOT_ALLOWED (as
// PATCH). Uniqueness is checked in the same write that stores the
// consumer, so of concurrent creates with one email exactly one succeeds.
//
// An idempotency-ref header, with the same payload, answers the consumer
// the first such request created instead of creating another (Weavr keeps
// references for at least 24 hours; the sandbox for the session's life).
func (s *Service) CreateConsumer(c *gin.Context) {
	w := s.world(c)
	p := s.programme(c, w)
	if p == nil {
		return
	}
	var req createRequest
	body, unknown, ok := s.decode(c, &req, createObject, false)
	if !ok {
		return
	}
	if bad := append(unknown, validateCreate(&req, s.settings.CountryCodeMaxLength)...); len(bad) > 0 {
		s.respondInvalid(c, bad)
		return
	}
	var idem string
	if ref := c.GetHeader(headerIdempotencyRef); ref != "" {
		sum := sha256.Sum256(body)
		idem = ref + "\x00" + hex.EncodeToString(sum[:])
	}
	now := s.now(c)
	created, _, err := w.consumers.Insert(idem, func(tx consumerTx, id string) (Consumer, error) {
		return s.newConsumer(tx, p, &req, now.UnixMilli())
	})
	if !s.respondErr(c, err) {
		return
	}
	writeConsumer(c, &created)
}

// newConsumer applies consumerCreate's 409 rules and builds the record;
// it runs inside the write that stores it.
func (s *Service) newConsumer(tx consumerTx, p *Programme, r *createRequest, created int64) (Consumer, error) {
	u := r.RootUser
	email := *u.Email
	switch {
	case *r.ProfileID != p.ProfileID:
		return Consumer{}, ErrProfileNotFound
	case s.emailTaken(tx, email, ""):
		return Consumer{}, ErrRootEmailNotUnique
	case r.BaseCurrency != nil && len(p.Currencies) > 0 && !slices.Contains(p.Currencies, *r.BaseCurrency):
		return Consumer{}, ErrCurrencyUnsupported
	case r.FeeGroup != nil && !slices.Contains(p.FeeGroups, *r.FeeGroup):
		return Consumer{}, ErrFeeGroupInvalid
	case slices.Contains(p.UnsupportedCountries, *u.Address.Country):
		return Consumer{}, ErrCountryUnsupported
	case s.data.disposable[emailKey(email[strings.LastIndexByte(email, '@')+1:])]:
		return Consumer{}, ErrEmailDomain
	}
	dob, addr := u.DateOfBirth.value(), u.Address.value()
	c := Consumer{
		ProgrammeID: p.ID, ProfileID: p.ProfileID,
		Name: *u.Name, Surname: *u.Surname, Email: email,
		Mobile: Mobile{CountryCode: *u.Mobile.CountryCode, Number: *u.Mobile.Number},
		Active: true, DateOfBirth: &dob, Address: &addr,
		Created: created, IPAddress: *r.IPAddress, FeeGroup: p.FeeGroups[0],
		KYC: KYC{Status: KYCNotStarted},
	}
	set(&c.Tag, r.Tag)
	set(&c.UserTag, u.Tag)
	set(&c.Occupation, u.Occupation)
	set(&c.PlaceOfBirth, u.PlaceOfBirth)
	set(&c.Nationality, u.Nationality)
	set(&c.Locale, u.Locale)
	set(&c.Brand, u.Brand)
	set(&c.BaseCurrency, r.BaseCurrency)
	set(&c.FeeGroup, r.FeeGroup)
	set(&c.SourceOfFunds, r.SourceOfFunds)
	if r.AcceptedTerms != nil {
		c.AcceptedTerms = *r.AcceptedTerms
	}
	return c, nil
}
