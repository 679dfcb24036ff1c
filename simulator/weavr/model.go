package weavr

import (
	"strings"
	"time"
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
	KYCApproved    bool // fullDueDiligence APPROVED: locks identity fields
	SMSOTPEnrolled bool

	MobileChanges   int       // changes to a different number since the last reset
	EmailChangedAt  time.Time // last accepted email change request
	SecurityEventAt time.Time // last verified email change or password reset
}

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

// consumerJSON is the Consumer schema of the vendor document, fields in the
// vendor's order.
type consumerJSON struct {
	ID                identityID   `json:"id"`
	ProfileID         string       `json:"profileId"`
	Tag               string       `json:"tag,omitempty"`
	RootUser          rootUserJSON `json:"rootUser"`
	CreationTimestamp int64        `json:"creationTimestamp"`
	IPAddress         string       `json:"ipAddress"`
	AcceptedTerms     bool         `json:"acceptedTerms"`
	BaseCurrency      string       `json:"baseCurrency,omitempty"`
	FeeGroup          string       `json:"feeGroup,omitempty"`
	SourceOfFunds     string       `json:"sourceOfFunds,omitempty"`
}

// rootUserJSON is ConsumerRootUser.
type rootUserJSON struct {
	ID                   identityID `json:"id"`
	Name                 string     `json:"name"`
	Surname              string     `json:"surname"`
	Email                string     `json:"email"`
	Mobile               Mobile     `json:"mobile"`
	Occupation           string     `json:"occupation,omitempty"`
	Active               bool       `json:"active"`
	EmailVerified        bool       `json:"emailVerified"`
	MobileNumberVerified bool       `json:"mobileNumberVerified"`
	DateOfBirth          *Date      `json:"dateOfBirth,omitempty"`
	Address              *Address   `json:"address,omitempty"`
	Nationality          string     `json:"nationality,omitempty"`
	PlaceOfBirth         string     `json:"placeOfBirth,omitempty"`
	Tag                  string     `json:"tag,omitempty"`
	Locale               string     `json:"locale,omitempty"`
	Brand                string     `json:"brand,omitempty"`
}

// wire renders the consumer as Weavr's GET/PATCH 200 body.
func (c *Consumer) wire() consumerJSON {
	id := identityID{Type: "CONSUMER", ID: c.ID}
	return consumerJSON{
		ID:        id,
		ProfileID: c.ProfileID,
		Tag:       c.Tag,
		RootUser: rootUserJSON{
			ID: id, Name: c.Name, Surname: c.Surname, Email: c.Email, Mobile: c.Mobile,
			Occupation: c.Occupation, Active: c.Active, EmailVerified: c.EmailVerified,
			MobileNumberVerified: c.MobileVerified, DateOfBirth: c.DateOfBirth, Address: c.Address,
			Nationality: c.Nationality, PlaceOfBirth: c.PlaceOfBirth, Tag: c.UserTag,
			Locale: c.Locale, Brand: c.Brand,
		},
		CreationTimestamp: c.Created,
		IPAddress:         c.IPAddress,
		AcceptedTerms:     c.AcceptedTerms,
		BaseCurrency:      c.BaseCurrency,
		FeeGroup:          c.FeeGroup,
		SourceOfFunds:     c.SourceOfFunds,
	}
}
