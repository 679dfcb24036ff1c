package weavr

import (
	"strings"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/jsonenc"
)

// Consumer is the stored state of one consumer identity and its root user,
// including what Weavr keeps but never shows (password, pending email,
// counters, security events).
type Consumer struct {
	ID             string
	ProgrammeID    string
	ProfileID      string
	Tag            string
	Password       string
	Name           string
	Surname        string
	Email          string
	PendingEmail   string // a requested change, applied on verification
	Mobile         Mobile
	Active         bool
	EmailVerified  bool
	MobileVerified bool
	DateOfBirth    *Date
	Address        *Address
	Nationality    string
	PlaceOfBirth   string
	Locale         string
	Brand          string
	UserTag        string
	Occupation     string
	Created        int64 // epoch milliseconds
	IPAddress      string
	AcceptedTerms  bool
	BaseCurrency   string
	FeeGroup       string
	SourceOfFunds  string
	KYC            KYC  // due diligence; APPROVED locks the identity fields
	SMSOTPEnrolled bool // SMS one-time passwords enrolled (the factor is ACTIVE)

	// Enrolment is the SMS OTP enrolment challenge
	// (enrolDeviceUsingOtpStepOne) until it is verified; StepUp is the
	// last step-up challenge (stepupSCAChallenge).
	Enrolment OTPChallenge
	StepUp    OTPChallenge
	// PasswordHistory holds the previous passwords, newest first: with
	// the current one, the last 5, which PASSWORD_ALREADY_USED refuses.
	PasswordHistory []string
	// LostPasswordAt is when lostPasswordInitiate sent the nonce (Unix
	// nanoseconds by the injected clock; 0: no reset pending).
	LostPasswordAt int64

	MobileChanges   int       // changes to a different number since the last reset
	EmailChangedAt  time.Time // last accepted email change request
	SecurityEventAt time.Time // last verified email change or password reset
}

// OTPChallenge is one one-time-password challenge Weavr sent by SMS (in
// the sandbox the code is always 123456): when it was issued (Unix
// nanoseconds by the injected clock; 0: none), the wrong codes tried,
// whether it was verified, and for a step-up the family of the token it
// was issued to (a random id, never the token) and its digit id (the
// /stepup/watch event's challengeId). Times are integers so the record
// round-trips through the shared backend exactly.
type OTPChallenge struct {
	Issued   int64
	Failures int
	Verified bool
	Expired  bool // a verification came after the expiry
	Family   string
	ID       string
}

// KYCStatus is Weavr's KyiStatus: the state of a consumer's due
// diligence, as GET /multi/consumers/kyc (fullDueDiligence) and the
// /consumers/kyc/watch webhook (status) report it.
type KYCStatus string

// The KyiStatus values of the vendor documents (the webhooks document also
// lists UNDEFINED, which no consumer of the sandbox is ever in).
const (
	KYCNotStarted    KYCStatus = "NOT_STARTED"
	KYCInitiated     KYCStatus = "INITIATED"
	KYCPendingReview KYCStatus = "PENDING_REVIEW"
	KYCApproved      KYCStatus = "APPROVED"
	KYCRejected      KYCStatus = "REJECTED"
)

// KYC is a consumer's due diligence: its status, the level it was started
// at, and what the KYC provider (or the control API standing for Weavr's
// compliance team) said about a rejection. Details is never modified in
// place (records are values shared between readers): it is replaced.
type KYC struct {
	Status KYCStatus
	// Level is the KycLevel KYC was started at ("" before it started).
	Level string
	// Details are KycRejectionReason values: what to re-submit after a
	// temporary rejection.
	Details          []string
	RejectionComment string
	// Reference is what consumerKycStart answers, to initialise Weavr's
	// KYC UI component ("" before KYC started).
	Reference string
}

// kycApproved reports whether KYC is approved: the identity fields (name,
// surname, email, mobile, dateOfBirth, address) are then locked.
func (c *Consumer) kycApproved() bool { return c.KYC.Status == KYCApproved }

// Mobile is Weavr's Mobile schema.
type Mobile struct {
	CountryCode string `json:"countryCode" yaml:"countryCode"`
	Number      string `json:"number" yaml:"number"`
}

// Date is Weavr's Date schema.
type Date struct {
	Year  int `json:"year" yaml:"year"`
	Month int `json:"month" yaml:"month"`
	Day   int `json:"day" yaml:"day"`
}

// Address is Weavr's address (AddressWithNoRequiredFields on output).
type Address struct {
	AddressLine1 string `json:"addressLine1,omitempty" yaml:"addressLine1"`
	AddressLine2 string `json:"addressLine2,omitempty" yaml:"addressLine2"`
	City         string `json:"city,omitempty" yaml:"city"`
	PostCode     string `json:"postCode,omitempty" yaml:"postCode"`
	State        string `json:"state,omitempty" yaml:"state"`
	Country      string `json:"country,omitempty" yaml:"country"`
}

func emailKey(email string) string { return strings.ToLower(email) }

// identityID is Weavr's IdentityId.
type identityID struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// appendConsumer appends the consumer as Weavr's GET/PATCH 200 body: the
// Consumer schema of the vendor document (root user ConsumerRootUser), in
// the vendor's field order, optional fields left out when empty. It is
// written by hand because it is on every request's path; the test's
// encoding/json rendering of the same schema (consumerJSON) is its oracle.
func appendConsumer(b []byte, c *Consumer) []byte {
	id := func(b []byte) []byte {
		b = append(b, `{"type":"CONSUMER","id":`...)
		return append(jsonenc.String(b, c.ID), '}')
	}
	str := func(b []byte, name, v string, omitEmpty bool) []byte {
		if omitEmpty && v == "" {
			return b
		}
		return jsonenc.String(jsonenc.Field(b, name), v)
	}
	b = append(b, '{')
	b = id(jsonenc.Field(b, "id"))
	b = str(b, "profileId", c.ProfileID, false)
	b = str(b, "tag", c.Tag, true)
	b = append(jsonenc.Field(b, "rootUser"), '{')
	b = id(jsonenc.Field(b, "id"))
	b = str(b, "name", c.Name, false)
	b = str(b, "surname", c.Surname, false)
	b = str(b, "email", c.Email, false)
	b = append(jsonenc.Field(b, "mobile"), '{')
	b = str(b, "countryCode", c.Mobile.CountryCode, false)
	b = append(str(b, "number", c.Mobile.Number, false), '}')
	b = str(b, "occupation", c.Occupation, true)
	b = jsonenc.Bool(jsonenc.Field(b, "active"), c.Active)
	b = jsonenc.Bool(jsonenc.Field(b, "emailVerified"), c.EmailVerified)
	b = jsonenc.Bool(jsonenc.Field(b, "mobileNumberVerified"), c.MobileVerified)
	if d := c.DateOfBirth; d != nil {
		b = append(jsonenc.Field(b, "dateOfBirth"), '{')
		b = jsonenc.Int(jsonenc.Field(b, "year"), int64(d.Year))
		b = jsonenc.Int(jsonenc.Field(b, "month"), int64(d.Month))
		b = append(jsonenc.Int(jsonenc.Field(b, "day"), int64(d.Day)), '}')
	}
	if a := c.Address; a != nil {
		b = append(jsonenc.Field(b, "address"), '{')
		b = str(b, "addressLine1", a.AddressLine1, true)
		b = str(b, "addressLine2", a.AddressLine2, true)
		b = str(b, "city", a.City, true)
		b = str(b, "postCode", a.PostCode, true)
		b = str(b, "state", a.State, true)
		b = append(str(b, "country", a.Country, true), '}')
	}
	b = str(b, "nationality", c.Nationality, true)
	b = str(b, "placeOfBirth", c.PlaceOfBirth, true)
	b = str(b, "tag", c.UserTag, true)
	b = str(b, "locale", c.Locale, true)
	b = append(str(b, "brand", c.Brand, true), '}')
	b = jsonenc.Int(jsonenc.Field(b, "creationTimestamp"), c.Created)
	b = str(b, "ipAddress", c.IPAddress, false)
	b = jsonenc.Bool(jsonenc.Field(b, "acceptedTerms"), c.AcceptedTerms)
	b = str(b, "baseCurrency", c.BaseCurrency, true)
	b = str(b, "feeGroup", c.FeeGroup, true)
	b = str(b, "sourceOfFunds", c.SourceOfFunds, true)
	return append(b, '}')
}
