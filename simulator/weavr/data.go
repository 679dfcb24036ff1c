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
	ID          string          `json:"id"`
	Programme   string          `json:"programme"`
	APIKey      string          `json:"apiKey"`
	Email       string          `json:"email"`
	Password    string          `json:"password"`
	Active      bool            `json:"active"`
	KYCApproved bool            `json:"kycApproved"`
	Consumer    json.RawMessage `json:"consumer"`
}

// consumersCollection is the control API's browser of a session's
// consumers, at /__sandbox/sessions/{s}/weavr/consumers.
func (s *Service) consumersCollection() contract.Collection {
	return contract.Collection{
		Name: "consumers", Item: "consumer", Search: "email", SearchHelp: "part of the email (case-insensitive)",
		Summary: "the session's Weavr consumers with their sandbox logins (api-key, email, password)",
		List: func(sess *session.Session, q string, offset, limit int) (any, int) {
			return s.Consumers(sess, q, offset, limit)
		},
		Get: func(sess *session.Session, id string) (any, bool) { return s.Consumer(sess, id) },
	}
}

// Consumers lists a session's consumers whose email contains email
// (case-insensitive; "" = all), in seed order, paged by offset and limit;
// total counts every match.
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
	v := SandboxConsumer{ID: c.ID, Programme: c.ProgrammeID, Email: c.Email, Password: c.Password,
		Active: c.Active, KYCApproved: c.KYCApproved, Consumer: body}
	if p := s.data.byID[c.ProgrammeID]; p != nil {
		v.APIKey = p.APIKey
	}
	return v
}
