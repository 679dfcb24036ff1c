package weavr

import (
	"embed"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
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

	OpConsumerCreate = "weavr.consumerCreate"
	OpEmailSend      = "weavr.consumerRootUserEmailVerificationCodeSend"
	OpPasswordCreate = "weavr.passwordCreate"
	OpLogout         = "weavr.logout"
	OpKYCStart       = "weavr.consumerKycStart"
	OpKYCGet         = "weavr.consumerKycGet"
)

// Path prefixes: Weavr Multi and Weavr's sandbox simulator.
const (
	multiPrefix    = "/multi"
	simulatePrefix = "/simulate"
)

// documents are Weavr's own OpenAPI documents (Multi API, simulator,
// webhooks), copied from the vendor: the control API serves them and tests
// check every answer against them, in any clone.
//
//go:embed openapi/*.yml
var documents embed.FS

// secured are the errors every operation secured by api-key and
// auth_token documents (400, 401, 403, 429, 500, 503, default).
var secured = []Code{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrTooManyRequests, ErrInternal, ErrUnavailable, ErrDefault}

// withBody are the errors after the 4xx of every operation with a
// request body: 429, 500, 503, default, then the sandbox's 415 and 413
// (answered in the default {code, message} shape).
var withBody = []Code{ErrTooManyRequests, ErrInternal, ErrUnavailable, ErrDefault, ErrUnsupportedMedia, ErrPayloadTooLarge}

// codes concatenates lists of codes.
func codes(lists ...[]Code) []Code {
	var out []Code
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// operations lists the Weavr operations with the catalog errors each one
// documents in the vendor document, in the order `Prefer: code=N` picks.
func (s *Service) operations() []contract.Operation {
	update := codes(secured[:3], conflictCodes[:], withBody)
	return append([]contract.Operation{
		{ID: OpConsumerCreate, Method: http.MethodPost, Path: multiPrefix + "/consumers", Summary: "register a consumer (api-key only)",
			Errors: names(codes(secured[:3], createConflictCodes[:], withBody)...),
			Target: noTarget, Handler: s.CreateConsumer},
		{ID: OpEmailSend, Method: http.MethodPost, Path: multiPrefix + "/consumers/verification/email/send", Summary: "send the root user's email verification code (always 123456 in the sandbox)",
			Errors: names(codes(secured[:3], []Code{ErrEmailNotFound, ErrAlreadyVerified, ErrEmailNotUnique}, withBody)...),
			Target: s.target, Handler: s.SendVerificationEmail},
		{ID: OpPasswordCreate, Method: http.MethodPost, Path: multiPrefix + "/passwords/{user_id}/create", Summary: "create a root user's first password (api-key only); answers a token",
			Errors: names(codes(secured[:3], []Code{ErrTokenNotFound}, passwordConflictCodes[:], []Code{ErrTokenExpired}, withBody)...),
			Target: s.passwordTarget, Handler: s.CreatePassword},
		{ID: OpLogout, Method: http.MethodPost, Path: multiPrefix + "/logout", Summary: "log out: the token stops working",
			Errors: names(ErrBadRequest, ErrUnauthorized, ErrTooManyRequests, ErrInternal, ErrUnavailable, ErrDefault),
			Target: s.target, Handler: s.Logout},
		{ID: OpKYCStart, Method: http.MethodPost, Path: multiPrefix + "/consumers/kyc", Summary: "start the logged-in consumer's KYC; answers the KYC UI reference",
			Errors: names(codes(secured[:3], kycStartConflictCodes[:], withBody)...),
			Target: s.target, Handler: s.StartKYC},
		{ID: OpKYCGet, Method: http.MethodGet, Path: multiPrefix + "/consumers/kyc", Summary: "get the logged-in consumer's KYC status", Errors: names(secured...),
			Target: s.target, Handler: s.GetKYC},
		{ID: OpLogin, Method: http.MethodPost, Path: multiPrefix + "/login_with_password", Summary: "log a root user in with email and password",
			Errors: names(ErrBadRequest, ErrUnauthorized, ErrLoginRefused, ErrTokenNotFound, ErrPasswordExpired, ErrTokenExpired, ErrAccountLocked,
				ErrTooManyRequests, ErrInternal, ErrUnavailable, ErrDefault, ErrUnsupportedMedia, ErrPayloadTooLarge),
			Target: s.target, Handler: s.Login},
		{ID: OpConsumerGet, Method: http.MethodGet, Path: multiPrefix + "/consumers", Summary: "get the logged-in consumer", Errors: names(secured...),
			Target: s.target, Handler: s.GetConsumer, Prefetch: s.prefetchConsumer},
		{ID: OpConsumerUpdate, Method: http.MethodPatch, Path: multiPrefix + "/consumers", Summary: "update the logged-in consumer", Errors: names(update...),
			Target: s.target, Handler: s.UpdateConsumer, Prefetch: s.prefetchConsumer},
		{ID: OpEmailVerify, Method: http.MethodPost, Path: multiPrefix + "/consumers/verification/email/verify", Summary: "verify the root user's email with a code",
			Errors: names(codes(secured[:3], []Code{ErrVerificationCode, ErrEmailNotUnique}, withBody)...),
			Target: s.target, Handler: s.VerifyEmail},
		{ID: OpSimulateVerify, Method: http.MethodPost, Path: simulatePrefix + "/api/consumers/{id}/verify", Summary: "sandbox simulator: approve a consumer's KYC",
			Errors: names(ErrSimulatorInvalid, ErrSimulatorKey, ErrSimulatorNotFound, ErrDefault),
			Target: s.target, Handler: s.SimulateVerify},
	}, s.accessOperations()...)
}

// noTarget is the target of consumerCreate: the consumer does not exist
// yet (a scenario matches a create by its body, e.g. rootUser.email).
func noTarget(*gin.Context) []string { return nil }

// target names the consumer a request addresses, for scenarios matching on
// `target`: the simulator's path id, or the owner (id and email) of the
// request's bearer token in its session. It never changes state (the token
// is not marked used).
func (s *Service) target(c *gin.Context) []string {
	if id := c.Param("id"); id != "" {
		return []string{id}
	}
	v, ok := bearer(c)
	if !ok {
		return nil
	}
	w := s.world(c)
	t, ok := w.tokens.peek(v)
	if !ok {
		return nil
	}
	if cur, ok := w.consumers.Get(t.consumerID); ok {
		return []string{cur.ID, cur.Email}
	}
	return []string{t.consumerID}
}
