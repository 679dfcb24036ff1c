package loanpro

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// SandboxCustomer is a customer as the control API shows it: its id and
// the entity GET Customers(id) would answer (the "d" object).
type SandboxCustomer struct {
	ID       int             `json:"id"`
	Name     string          `json:"name"`
	Email    string          `json:"email"`
	Customer json.RawMessage `json:"customer"`
}

// customersCollection is the control API's browser of a session's
// customers, at /__sandbox/sessions/{s}/loanpro/customers; every list
// answer carries the tenant credentials the customers need.
func (s *Service) customersCollection() contract.Collection {
	return contract.Collection{
		Name: "customers", Item: "customer", Search: "q", SearchHelp: "part of the email or name",
		Summary: "the session's LoanPro customers and the tenant credentials",
		List: func(sess *session.Session, q string, offset, limit int) (any, int) {
			return s.Customers(sess, q, offset, limit)
		},
		Get: func(sess *session.Session, id string) (any, bool) {
			n, err := strconv.Atoi(id)
			if err != nil {
				return nil, false
			}
			return s.Customer(sess, n)
		},
		Extra: map[string]any{"credentials": map[string]string{"Authorization": "Bearer " + s.token, "Autopal-Instance-Id": s.tenant}},
	}
}

// Customers lists a session's customers whose email or name contains q
// (case-insensitive; "" = all), in id order, paged by offset and limit;
// total counts every match.
func (s *Service) Customers(sess *session.Session, q string, offset, limit int) (page []SandboxCustomer, total int) {
	var match func(Customer) bool // nil: all, read only the page
	if q = strings.ToLower(q); q != "" {
		match = func(c Customer) bool {
			return strings.Contains(strings.ToLower(c.Email.s), q) || strings.Contains(strings.ToLower(c.displayName()), q)
		}
	}
	cs, total := s.worldKey.Of(sess).customers.Page(match, offset, limit)
	page = make([]SandboxCustomer, len(cs))
	for i := range cs {
		page[i] = s.sandboxView(&cs[i])
	}
	return page, total
}

// Customer finds one customer of a session by id.
func (s *Service) Customer(sess *session.Session, id int) (SandboxCustomer, bool) {
	c, ok := s.worldKey.Of(sess).customers.Get(id)
	if !ok {
		return SandboxCustomer{}, false
	}
	return s.sandboxView(&c), true
}

func (s *Service) sandboxView(c *Customer) SandboxCustomer {
	body := s.appendCustomer(nil, c, projection{})
	return SandboxCustomer{ID: c.ID, Name: c.displayName(), Email: c.Email.s, Customer: body}
}
