package loanpro

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
)

// Operation ids of the LoanPro routes, used by scenarios, metrics and the
// journal.
const (
	OpCustomerGet    = "loanpro.customerGet"
	OpCustomerList   = "loanpro.customerList"
	OpCustomerUpdate = "loanpro.customerUpdate"
	OpCustomerSearch = "loanpro.customerSearch"
	OpUnknown        = "loanpro.unknown"
)

// prefix is the LoanPro API prefix every route lives under; apiBase is it
// as the start of an entity path.
const (
	prefix  = "/api/public/api/1"
	apiBase = prefix + "/"
)

// odataRoute serves every OData path: the entity path (Customers(1),
// Customers(1)/Phones) is parsed by the vendor, not by the router.
const odataRoute = apiBase + "odata.svc/*path"

// operations lists the LoanPro operations with the catalog errors each can
// answer, in the order `Prefer: code=N` picks among errors of one status
// (several share 409 under the current documentation's statuses).
func (s *Service) operations() []contract.Operation {
	e := &s.errs
	common := []*lpError{&e.serverError, &e.timeout, &e.rateLimited}
	return []contract.Operation{
		{ID: OpCustomerGet, Method: http.MethodGet, Path: apiBase + "odata.svc/Customers({id})", Route: odataRoute, Summary: "get one customer (and its navigation properties)",
			Errors: names(append([]*lpError{&e.unauthorized, &e.entityNotFound, &e.invalidKey, &e.invalidQuery}, common...)...), Target: s.target, Handler: s.Read, Prefetch: s.prefetchCustomer},
		{ID: OpCustomerList, Method: http.MethodGet, Path: apiBase + "odata.svc/Customers", Route: odataRoute, Summary: "list customers with OData paging and filters",
			Errors: names(append([]*lpError{&e.unauthorized, &e.invalidQuery}, common...)...), Target: s.target, Handler: s.Read},
		{ID: OpCustomerUpdate, Method: http.MethodPut, Path: apiBase + "odata.svc/Customers({id})", Route: odataRoute, Summary: "update a customer",
			Errors: names(append([]*lpError{&e.unauthorized, &e.validation, &e.warning, &e.entityNotFound, &e.invalidKey, &e.invalidPayload}, common...)...), Target: s.target, Handler: s.Write, Prefetch: s.prefetchCustomer},
		// A static route of its own (not under odata.svc): the query is in
		// the body, so no customer is its target.
		{ID: OpCustomerSearch, Method: http.MethodPost, Path: searchPath, Summary: "search customers with an Elasticsearch-style query (paging $top, $start, $orderby)",
			Errors: names(append([]*lpError{&e.unauthorized, &e.invalidQuery, &e.invalidPayload, &e.payloadTooLarge}, common...)...), Target: noSearchTarget, Handler: s.Search},
	}
}

func names(es ...*lpError) []string {
	out := make([]string, len(es))
	for i, x := range es {
		out[i] = x.def.Name
	}
	return out
}

// resolve names the operation of a request on the OData route.
func (s *Service) resolve(c *gin.Context) string {
	if c.Request.Method == http.MethodPut {
		return s.writeOperation(c)
	}
	return s.readOperation(c)
}

// unknown answers what no operation serves. On the OData route itself
// (an entity set or navigation the sandbox does not have), the reader or
// writer answers, naming the segment it could not resolve, as LoanPro
// does; elsewhere under the prefix, UnknownRoute.
func (s *Service) unknown(c *gin.Context, methodNotAllowed bool) {
	switch {
	case methodNotAllowed && c.Request.URL.Path == searchPath:
		s.searchMethodNotAllowed(c)
	case methodNotAllowed || c.FullPath() != odataRoute:
		s.UnknownRoute(c, methodNotAllowed)
	case c.Request.Method == http.MethodPut:
		s.Write(c)
	default:
		s.Read(c)
	}
}

// target names the customer a request addresses (the key of
// Customers(id)), for scenarios matching on `target`.
func (s *Service) target(c *gin.Context) []string {
	r, perr := s.parsePath(c.Param("path"))
	if perr != nil || !r.hasKey {
		return nil
	}
	return []string{strconv.Itoa(r.key)}
}
