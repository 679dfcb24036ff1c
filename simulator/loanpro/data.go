package loanpro

import (
	"encoding/json"
	"strings"
)

// SandboxCustomer is a customer as the control API shows it: its id and
// the entity GET Customers(id) would answer (the "d" object).
type SandboxCustomer struct {
	ID       int             `json:"id"`
	Name     string          `json:"name"`
	Email    string          `json:"email"`
	Customer json.RawMessage `json:"customer"`
}

// Customers lists a session's customers (state is the session's LoanPro
// state) whose email or name contains q (case-insensitive; "" = all), in
// id order, paged by offset and limit; total counts every match.
func (s *Service) Customers(state any, q string, offset, limit int) (page []SandboxCustomer, total int) {
	var match func(Customer) bool // nil: all, read only the page
	if q = strings.ToLower(q); q != "" {
		match = func(c Customer) bool {
			return strings.Contains(strings.ToLower(c.Email.s), q) || strings.Contains(strings.ToLower(c.displayName()), q)
		}
	}
	cs, total := state.(*World).customers.Page(match, offset, limit)
	page = make([]SandboxCustomer, len(cs))
	for i := range cs {
		page[i] = s.sandboxView(&cs[i])
	}
	return page, total
}

// Customer finds one customer of a session by id.
func (s *Service) Customer(state any, id int) (SandboxCustomer, bool) {
	c, ok := state.(*World).customers.Get(id)
	if !ok {
		return SandboxCustomer{}, false
	}
	return s.sandboxView(&c), true
}

func (s *Service) sandboxView(c *Customer) SandboxCustomer {
	body := s.appendCustomer(nil, c, projection{})
	return SandboxCustomer{ID: c.ID, Name: c.displayName(), Email: c.Email.s, Customer: body}
}
