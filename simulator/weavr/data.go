package weavr

import (
	"encoding/json"
	"strings"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// SandboxConsumer is a consumer as the control API shows it: the login a
// test needs (api-key, email, password) beside the body GET /multi/consumers
// would answer for it, so a test can find a login without reading fixtures.
type SandboxConsumer struct {
	ID          string     `json:"id"`
	Programme   string     `json:"programme"`
	APIKey      string     `json:"apiKey"`
	Email       string     `json:"email"`
	Password    string     `json:"password"` // "" until passwordCreate (a created consumer)
	Active      bool       `json:"active"`
	KYCApproved bool       `json:"kycApproved"`
	KYC         SandboxKYC `json:"kyc"`
	// SMSOTP is the SMS OTP factor's status, as GET
	// /multi/authentication_factors shows it ("" before any enrolment).
	SMSOTP   string          `json:"smsOtp,omitempty"`
	Consumer json.RawMessage `json:"consumer"`
}

// SandboxKYC is a consumer's due diligence as the control API shows it
// (and its kyc action sets it): what GET /multi/consumers/kyc reports,
// plus what the last KYC event said of a rejection.
type SandboxKYC struct {
	Status           KYCStatus `json:"status"`
	Level            string    `json:"kycLevel,omitempty"`
	Reference        string    `json:"reference,omitempty"`
	Details          []string  `json:"details"`
	RejectionComment string    `json:"rejectionComment"`
}

// consumersCollection is the control API's browser of a session's
// consumers, at /__sandbox/sessions/{s}/weavr/consumers.
func (s *Service) consumersCollection() contract.Collection {
	return contract.Collection{
		Name: "consumers", Item: "consumer", Search: "email", SearchHelp: "part of the email (case-insensitive)",
		Summary: "the session's Weavr consumers (the seeded ones, then those POST /multi/consumers created) with their sandbox logins (api-key, email, password) and KYC; " +
			"actions set the KYC status, deactivate and activate, publishing Weavr's webhooks",
		List: func(sess *session.Session, q string, offset, limit int) (any, int) {
			return s.Consumers(sess, q, offset, limit)
		},
		Get:     func(sess *session.Session, id string) (any, bool) { return s.Consumer(sess, id) },
		Actions: s.consumerActions(),
	}
}

// Consumers lists a session's consumers whose email contains email
// (case-insensitive; "" = all), in seed order then creation order, paged
// by offset and limit; total counts every match.
func (s *Service) Consumers(sess *session.Session, email string, offset, limit int) (page []SandboxConsumer, total int) {
	var match func(Consumer) bool // nil: all, read only the page
	if email = strings.ToLower(email); email != "" {
		match = func(c Consumer) bool { return strings.Contains(strings.ToLower(c.Email), email) }
	}
	cs, total := s.worldKey.Of(sess).consumers.Page(match, offset, limit)
	page = make([]SandboxConsumer, len(cs))
	for i := range cs {
		page[i] = s.sandboxView(&cs[i])
	}
	return page, total
}

// Consumer finds one consumer of a session by id.
func (s *Service) Consumer(sess *session.Session, id string) (SandboxConsumer, bool) {
	c, ok := s.worldKey.Of(sess).consumers.Get(id)
	if !ok {
		return SandboxConsumer{}, false
	}
	return s.sandboxView(&c), true
}

func (s *Service) sandboxView(c *Consumer) SandboxConsumer {
	body := appendConsumer(nil, c)
	details := c.KYC.Details
	if details == nil {
		details = []string{}
	}
	v := SandboxConsumer{ID: c.ID, Programme: c.ProgrammeID, Email: c.Email, Password: c.Password,
		Active: c.Active, KYCApproved: c.kycApproved(), Consumer: body, SMSOTP: s.smsFactor(c),
		KYC: SandboxKYC{Status: c.KYC.Status, Level: c.KYC.Level, Reference: c.KYC.Reference, Details: details, RejectionComment: c.KYC.RejectionComment}}
	if p := s.data.byID[c.ProgrammeID]; p != nil {
		v.APIKey = p.APIKey
	}
	return v
}
