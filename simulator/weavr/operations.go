package weavr

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
)

// Operation ids of the Weavr routes (the vendor document's operationIds,
// prefixed with the vendor), used by scenarios, metrics and the journal.
const (
	OpLogin          = "weavr.loginWithPassword"
	OpConsumerGet    = "weavr.consumerGet"
	OpConsumerUpdate = "weavr.consumerUpdate"
	OpEmailVerify    = "weavr.consumerRootUserEmailVerify"
	OpSimulateVerify = "weavr.simulateConsumerVerify"
	OpUnknown        = "weavr.unknown"
)

// secured are the errors every operation secured by api-key and
// auth_token documents (400, 401, 403, 429, 500, 503, default).
var secured = []string{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrTooManyRequests, ErrInternal, ErrUnavailable, ErrDefault}

// Operations lists the Weavr operations with the catalog errors each one
// documents in the vendor document, in the order `Prefer: code=N` picks.
func (s *Service) Operations() []scenario.Operation {
	update := append([]string{ErrBadRequest, ErrUnauthorized, ErrForbidden}, conflictNames()...)
	update = append(update, ErrTooManyRequests, ErrInternal, ErrUnavailable, ErrDefault, ErrUnsupportedMedia, ErrPayloadTooLarge)
	ops := []scenario.Operation{
		{ID: OpLogin, Method: http.MethodPost, Path: "/multi/login_with_password", Summary: "log a root user in with email and password",
			Errors: []string{ErrBadRequest, ErrUnauthorized, ErrLoginRefused, ErrTokenNotFound, ErrPasswordExpired, ErrTokenExpired, ErrAccountLocked,
				ErrTooManyRequests, ErrInternal, ErrUnavailable, ErrDefault, ErrUnsupportedMedia, ErrPayloadTooLarge}},
		{ID: OpConsumerGet, Method: http.MethodGet, Path: "/multi/consumers", Summary: "get the logged-in consumer", Errors: secured},
		{ID: OpConsumerUpdate, Method: http.MethodPatch, Path: "/multi/consumers", Summary: "update the logged-in consumer", Errors: update},
		{ID: OpEmailVerify, Method: http.MethodPost, Path: "/multi/consumers/verification/email/verify", Summary: "verify the root user's email with a code",
			Errors: append(append([]string{}, secured[:3]...), ErrVerificationCode, ErrTooManyRequests, ErrInternal, ErrUnavailable, ErrDefault, ErrUnsupportedMedia, ErrPayloadTooLarge)},
		{ID: OpSimulateVerify, Method: http.MethodPost, Path: "/simulate/api/consumers/{id}/verify", Summary: "sandbox simulator: approve a consumer's KYC",
			Errors: []string{ErrSimulatorInvalid, ErrSimulatorKey, ErrSimulatorNotFound, ErrDefault}},
		{ID: OpUnknown, Summary: "any other path or method under /multi or /simulate", Errors: []string{ErrNotFound, ErrMethodNotAllowed}},
	}
	for i := range ops {
		ops[i].Vendor = Vendor
	}
	return ops
}

func conflictNames() []string {
	out := make([]string, len(conflictCodes))
	for i, c := range conflictCodes {
		out[i] = c.code
	}
	return out
}

// Target names the consumer a request addresses, for scenarios matching on
// `target`: the simulator's path id, or the owner (id and email) of the
// request's bearer token in its session. It never changes state (the token
// is not marked used).
func (s *Service) Target(c *gin.Context) []string {
	if id := c.Param("id"); id != "" {
		return []string{id}
	}
	v, ok := bearer(c)
	if !ok {
		return nil
	}
	w := s.world(c)
	w.mu.Lock()
	t := w.tokens[v]
	w.mu.Unlock()
	if t == nil {
		return nil
	}
	if cur, ok := w.consumers.Get(t.consumerID); ok {
		return []string{cur.ID, cur.Email}
	}
	return []string{t.consumerID}
}
