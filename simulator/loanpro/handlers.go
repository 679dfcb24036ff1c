package loanpro

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/reqbody"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// readOperation names a GET: customerGet for Customers(id) (and its
// navigation properties), customerList for Customers, unknown otherwise.
func (s *Service) readOperation(c *gin.Context) string {
	r, perr := s.parsePath(c.Param("path"))
	switch {
	case perr != nil && perr.keyErr:
		return OpCustomerGet
	case perr != nil:
		return OpUnknown
	case r.hasKey:
		return OpCustomerGet
	}
	return OpCustomerList
}

// writeOperation names a PUT: customerUpdate for Customers(id).
func (s *Service) writeOperation(c *gin.Context) string {
	r, perr := s.parsePath(c.Param("path"))
	if (perr != nil && perr.keyErr) || (perr == nil && r.hasKey && r.nav == "") {
		return OpCustomerUpdate
	}
	return OpUnknown
}

// Read serves GET odata.svc/Customers, Customers(id) and Customers(id)/Nav.
func (s *Service) Read(c *gin.Context) {
	r, q, w, ok := s.prepare(c)
	if !ok {
		return
	}
	if !r.hasKey {
		s.write(c, http.StatusOK, s.list(w, &q))
		return
	}
	cust, found := w.customers.GetCtx(c.Request.Context(), r.key)
	if !found {
		apierr.Write(c.Writer, s.errs.entityNotFound.with(msgEntityNotFound, r.key, r.key))
		return
	}
	if r.nav != "" {
		s.write(c, http.StatusOK, navBody(&cust, r.nav))
		return
	}
	s.write(c, http.StatusOK, s.renderEntity(cust, q.proj))
}

// Write serves PUT odata.svc/Customers(id), "Edit basic customer
// information": it answers 200 with the whole updated entity in d (the
// SDK rebuilds the entity from it), lastUpdate set from the clock.
func (s *Service) Write(c *gin.Context) {
	r, q, w, ok := s.prepare(c)
	if !ok {
		return
	}
	if !r.hasKey || r.nav != "" {
		s.methodNotAllowed(c)
		return
	}
	if _, found := w.customers.GetCtx(c.Request.Context(), r.key); !found {
		apierr.Write(c.Writer, s.errs.entityNotFound.with(msgEntityNotFound, r.key, r.key))
		return
	}
	body, ok := s.readBody(c)
	if !ok {
		return
	}
	obj, rerr := decodeObject(body)
	if rerr != nil {
		apierr.Write(c.Writer, s.errs.invalidPayload.with("%s", rerr.msg))
		return
	}
	p, rerr := s.parsePatch(obj, r.key)
	if rerr != nil {
		apierr.Write(c.Writer, s.errs.validation.with("%s", rerr.msg))
		return
	}
	updated, err := w.customers.UpdateCtx(c.Request.Context(), r.key, func(tx store.Tx[int, Customer], cur Customer) (Customer, error) {
		next := cur
		now := contract.Now(c, s.clock).UTC().Truncate(time.Second)
		if rerr := p.apply(&next); rerr != nil {
			return cur, rerr
		}
		if rerr := checkEchoesOf(p.echoes, cur); rerr != nil {
			return cur, rerr
		}
		// The nested edits replace next's Phones slice and address
		// values, never cur's: a rejected PUT leaves the record as it was.
		if rerr := p.nested.apply(&next, now); rerr != nil {
			return cur, rerr
		}
		if !p.ignoreWarnings {
			if ws := s.warnings(tx, &next, p); len(ws) > 0 {
				return cur, &warningsError{list: ws}
			}
		}
		next.LastUpdate = now
		return next, nil
	})
	if err != nil {
		s.writeUpdateError(c, r.key, err)
		return
	}
	s.write(c, http.StatusOK, s.renderEntity(updated, q.proj))
}

// prefetchCustomer is the Prefetch of Customers(id) (GET and PUT): the
// customer's record, read with the session touch.
func (s *Service) prefetchCustomer(c *gin.Context, sess *session.Session, p state.Pipe, b *state.Batch) func(bool) {
	r, perr := s.parsePath(c.Param("path"))
	if perr != nil || !r.hasKey {
		return nil
	}
	return s.worldKey.Of(sess).customers.Prefetch(p, b, r.key)
}

// writeUpdateError answers a PUT whose update failed. It is apart from
// Write so that errors.As's targets go to the heap only on this path.
func (s *Service) writeUpdateError(c *gin.Context, key int, err error) {
	var we *warningsError
	var re *ruleError
	switch {
	case errors.Is(err, store.ErrNotFound):
		apierr.Write(c.Writer, s.errs.entityNotFound.with(msgEntityNotFound, key, key))
	case errors.As(err, &we):
		apierr.Write(c.Writer, s.errs.warning.withWarnings(we.list))
	case errors.As(err, &re):
		apierr.Write(c.Writer, s.errs.validation.with("%s", re.msg))
	default:
		apierr.Write(c.Writer, s.errs.serverError.def.Response())
	}
}

// warningsError aborts an update that raised transaction warnings.
type warningsError struct{ list []string }

func (e *warningsError) Error() string { return msgWarnings }

// UnknownRoute answers a path under /api/public/api/1/ that no route
// serves (404, LoanPro's "Resource not found for the segment") or a method
// a LoanPro path does not allow (405), after the same header checks as
// every LoanPro request.
func (s *Service) UnknownRoute(c *gin.Context, methodNotAllowed bool) {
	if resp := s.authorize(c.Request); resp != nil {
		apierr.Write(c.Writer, resp)
		return
	}
	if methodNotAllowed {
		s.methodNotAllowed(c)
		return
	}
	seg := strings.TrimPrefix(c.Request.URL.Path, strings.TrimSuffix(apiBase, "/"))
	seg = strings.TrimPrefix(seg, "/")
	apierr.Write(c.Writer, s.errs.notFound.with(msgSegmentNotFound, clip(seg)))
}

func (s *Service) methodNotAllowed(c *gin.Context) {
	p := strings.TrimPrefix(c.Request.URL.Path, apiBase)
	resp := s.errs.methodNotAllowed.with(msgMethodNotAllowed, clip(c.Request.Method), clip(p))
	allow := "GET" // collections and navigation properties are read-only here
	if r, perr := s.parsePath(strings.TrimPrefix(p, "odata.svc")); perr == nil && r.hasKey && r.nav == "" {
		allow = "GET, PUT"
	}
	apierr.Write(c.Writer, resp.SetHeader("Allow", allow))
}

// prepare runs the checks every OData request shares, in LoanPro's order:
// headers, resource path, query options; then finds the session's world.
func (s *Service) prepare(c *gin.Context) (resource, query, *World, bool) {
	if resp := s.authorize(c.Request); resp != nil {
		apierr.Write(c.Writer, resp)
		return resource{}, query{}, nil, false
	}
	r, perr := s.parsePath(c.Param("path"))
	if perr != nil {
		if perr.keyErr {
			apierr.Write(c.Writer, s.errs.invalidKey.with(msgInvalidKey, clip(perr.badKey)))
		} else {
			apierr.Write(c.Writer, s.errs.notFound.with(msgSegmentNotFound, clip(perr.segment)))
		}
		return resource{}, query{}, nil, false
	}
	nav := r.nav
	if c.Request.Method != http.MethodGet {
		nav = "" // Write answers 405 to a sub-resource
	}
	q, qe := s.parseQuery(c.Request.URL.RawQuery, nav)
	if qe != nil {
		apierr.Write(c.Writer, s.errs.invalidQuery.with("%s", qe.message()))
		return resource{}, query{}, nil, false
	}
	w := s.world(c)
	if w == nil {
		apierr.Write(c.Writer, s.errs.serverError.def.Response())
		return resource{}, query{}, nil, false
	}
	return r, q, w, true
}

// world is the request's session World (bound by the sandbox); nil
// outside a sandbox request.
func (s *Service) world(c *gin.Context) *World {
	sess := contract.SessionOf(c)
	if sess == nil {
		return nil
	}
	return s.worldKey.Of(sess)
}

// authorize checks LoanPro's two headers: "Authorization: Bearer <token>"
// (a token without the Bearer word is refused) and Autopal-Instance-Id
// (Go canonicalises header names, so -Id, -ID and lower case all match).
func (s *Service) authorize(r *http.Request) *apierr.Response {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return s.errs.unauthorized.with(msgAuthMissing)
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return s.errs.unauthorized.with(msgAuthScheme)
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.token)) != 1 {
		return s.errs.unauthorized.with(msgAuthToken)
	}
	inst := strings.TrimSpace(r.Header.Get("Autopal-Instance-Id"))
	if inst == "" {
		return s.errs.unauthorized.with(msgInstanceMissing)
	}
	if inst != s.tenant {
		return s.errs.unauthorized.with(msgInstanceWrong, clip(inst))
	}
	return nil
}

// list answers GET Customers: $filter, then $orderby (default: by id),
// then $skip/$top or the default page of 50, with LoanPro's summary.
func (s *Service) list(w *World, q *query) []byte {
	var matched []Customer
	total := 0
	// Without $orderby the seed order (by id) is the answer's order, so
	// only the page is copied out of the table.
	from, to := q.skip, -1
	if !q.nopaging || q.hasTop {
		to = q.skip + s.pageSizeOf(q)
	}
	// By pointer (RangeRef): a $filter reads a few fields of every
	// customer, and only the page is copied.
	w.customers.RangeRef(func(c *Customer) bool {
		if q.filter != nil && !q.filter(c) {
			return true
		}
		if q.orderBy != nil || (total >= from && (to < 0 || total < to)) {
			matched = append(matched, *c)
		}
		total++
		return true
	})
	if q.orderBy != nil {
		slices.SortStableFunc(matched, func(a, b Customer) int {
			for _, k := range q.orderBy {
				r := compare(k.field.kind, k.field.get(&a), k.field.get(&b))
				if k.desc {
					r = -r
				}
				if r != 0 {
					return r
				}
			}
			return a.ID - b.ID
		})
		lo, hi, _ := q.page(len(matched), s.settings.PageSize)
		matched = matched[lo:hi]
	}
	_, _, pageSize := q.page(total, s.settings.PageSize)
	return s.listBody(matched, q.proj, q.skip, pageSize, total)
}

func (s *Service) pageSizeOf(q *query) int {
	if q.hasTop {
		return q.top
	}
	return s.settings.PageSize
}

// write sends a success body through the one response writer.
func (s *Service) write(c *gin.Context, status int, body []byte) {
	apierr.Write(c.Writer, &apierr.Response{Status: status, Body: body})
}

// clip shortens a client-supplied value echoed in a message.
func clip(v string) string {
	if utf8.RuneCountInString(v) <= 100 {
		return v
	}
	return string([]rune(v)[:100]) + "…"
}

// readBody reads a request body within --max-body-bytes, answering 413 or
// the unreadable-payload 409 itself.
func (s *Service) readBody(c *gin.Context) ([]byte, bool) {
	body, tooLarge, err := reqbody.Read(c.Request, s.maxBody)
	switch {
	case tooLarge:
		apierr.Write(c.Writer, s.errs.payloadTooLarge.with(msgBodyTooLarge, s.maxBody))
		return nil, false
	case err != nil:
		apierr.Write(c.Writer, s.errs.invalidPayload.with(msgBodyUnreadable))
		return nil, false
	}
	return body, true
}
