package weavr

import (
	"encoding/json"
	"strings"
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

// Consumers lists a session's consumers (state is the session's Weavr
// state) whose email contains email (case-insensitive; "" = all), in seed
// order, paged by offset and limit; total counts every match.
func (s *Service) Consumers(state any, email string, offset, limit int) (page []SandboxConsumer, total int) {
	var match func(Consumer) bool // nil: all, read only the page
	if email = strings.ToLower(email); email != "" {
		match = func(c Consumer) bool { return strings.Contains(strings.ToLower(c.Email), email) }
	}
	cs, total := state.(*World).consumers.Page(match, offset, limit)
	page = make([]SandboxConsumer, len(cs))
	for i := range cs {
		page[i] = s.sandboxView(&cs[i])
	}
	return page, total
}

// Consumer finds one consumer of a session by id.
func (s *Service) Consumer(state any, id string) (SandboxConsumer, bool) {
	c, ok := state.(*World).consumers.Get(id)
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
