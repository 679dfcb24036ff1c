package loanpro

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
)

// Operations lists the LoanPro operations with the catalog errors each can
// answer, in the order `Prefer: code=N` picks among errors of one status
// (several share 409 under the current documentation's statuses).
func (s *Service) Operations() []scenario.Operation {
	e := &s.errs
	names := func(es ...*lpError) []string {
		out := make([]string, len(es))
		for i, x := range es {
			out[i] = x.def.Name
		}
		return out
	}
	common := []*lpError{&e.serverError, &e.timeout, &e.rateLimited}
	ops := []scenario.Operation{
		{ID: OpCustomerGet, Method: http.MethodGet, Path: apiBase + "odata.svc/Customers({id})", Summary: "get one customer (and its navigation properties)",
			Errors: names(append([]*lpError{&e.unauthorized, &e.entityNotFound, &e.invalidKey, &e.invalidQuery}, common...)...)},
		{ID: OpCustomerList, Method: http.MethodGet, Path: apiBase + "odata.svc/Customers", Summary: "list customers with OData paging and filters",
			Errors: names(append([]*lpError{&e.unauthorized, &e.invalidQuery}, common...)...)},
		{ID: OpCustomerUpdate, Method: http.MethodPut, Path: apiBase + "odata.svc/Customers({id})", Summary: "update a customer",
			Errors: names(append([]*lpError{&e.unauthorized, &e.validation, &e.warning, &e.entityNotFound, &e.invalidKey, &e.invalidPayload}, common...)...)},
		{ID: OpUnknown, Summary: "any other path or method under " + apiBase,
			Errors: names(&e.unauthorized, &e.notFound, &e.methodNotAllowed)},
	}
	for i := range ops {
		ops[i].Vendor = Vendor
	}
	return ops
}

// Target names the customer a request addresses (the key of
// Customers(id)), for scenarios matching on `target`.
func (s *Service) Target(c *gin.Context) []string {
	r, perr := s.parsePath(c.Param("path"))
	if perr != nil || !r.hasKey {
		return nil
	}
	return []string{strconv.Itoa(r.key)}
}
