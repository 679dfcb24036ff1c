package weavr

import (
	"net/http"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
)

// Operation ids of the identity-and-access routes (the vendor document's
// operationIds, prefixed with the vendor).
const (
	OpIdentities         = "weavr.userIdentities"
	OpAccessToken        = "weavr.requestAccessToken"
	OpAuthFactors        = "weavr.authFactorsGet"
	OpEnrolOTP           = "weavr.enrolDeviceUsingOtpStepOne"
	OpEnrolOTPVerify     = "weavr.enrolDeviceUsingOtpStepTwo"
	OpStepUp             = "weavr.stepupSCAChallenge"
	OpStepUpVerify       = "weavr.stepupSCAVerify"
	OpPasswordUpdate     = "weavr.passwordUpdate"
	OpPasswordValidate   = "weavr.passwordValidate"
	OpLostPasswordStart  = "weavr.lostPasswordInitiate"
	OpLostPasswordResume = "weavr.lostPasswordResume"
)

// accessOperations lists the identity-and-access operations with the
// catalog errors each documents, in the vendor document's order (the
// order `Prefer: code=N` picks in).
func (s *Service) accessOperations() []contract.Operation {
	auth := secured[:3]  // 400, 401, 403
	tail := withBody[:4] // 429, 500, 503, default
	tokenGone := []Code{ErrTokenNotFound}
	return []contract.Operation{
		{ID: OpIdentities, Method: http.MethodGet, Path: multiPrefix + "/identities", Summary: "list the identities the token's user holds (paged: offset, limit)",
			Errors: names(codes(auth, []Code{ErrNotFound, ErrIdentityTypeUnsupported}, tail)...),
			Target: s.target, Handler: s.GetIdentities},
		{ID: OpAccessToken, Method: http.MethodPost, Path: multiPrefix + "/access_token", Summary: "exchange the auth token for an access token of an identity the user holds",
			Errors: names(codes(secured[:2], []Code{ErrAccessRefused, ErrAccountLocked}, withBody)...),
			Target: s.target, Handler: s.RequestAccessToken},
		{ID: OpAuthFactors, Method: http.MethodGet, Path: multiPrefix + "/authentication_factors", Summary: "list the logged-in user's authentication factors (SMS OTP)",
			Errors: names(codes(auth, []Code{ErrNotFound}, tail)...),
			Target: s.target, Handler: s.GetAuthFactors},
		{ID: OpEnrolOTP, Method: http.MethodPost, Path: multiPrefix + "/authentication_factors/otp/{channel}", Summary: "start SMS OTP enrolment: the code sent is always 123456",
			Errors: names(codes(auth, []Code{ErrNotFound}, enrolConflictCodes[:], tail)...),
			Target: s.target, Handler: s.EnrolOTP},
		{ID: OpEnrolOTPVerify, Method: http.MethodPost, Path: multiPrefix + "/authentication_factors/otp/{channel}/verify", Summary: "complete SMS OTP enrolment with the code (123456)",
			Errors: names(codes(auth, []Code{ErrNotFound}, enrolVerifyConflictCodes[:], withBody)...),
			Target: s.target, Handler: s.VerifyEnrolOTP},
		{ID: OpStepUp, Method: http.MethodPost, Path: multiPrefix + "/stepup/challenges/otp/{channel}", Summary: "issue a step-up challenge by SMS: the code sent is always 123456",
			Errors: names(codes(auth, []Code{ErrMethodNotAllowed}, stepUpChallengeConflictCodes[:], tail)...),
			Target: s.target, Handler: s.StepUpChallenge},
		{ID: OpStepUpVerify, Method: http.MethodPost, Path: multiPrefix + "/stepup/challenges/otp/{channel}/verify", Summary: "verify a step-up challenge with the code (123456): the token is stepped up",
			Errors: names(codes(auth, stepUpVerifyConflictCodes[:], withBody)...),
			Target: s.target, Handler: s.StepUpVerify},
		{ID: OpPasswordUpdate, Method: http.MethodPost, Path: multiPrefix + "/passwords/update", Summary: "change the logged-in user's password; answers a token",
			Errors: names(codes(auth, tokenGone, passwordUpdateConflictCodes[:], []Code{ErrTokenExpired}, withBody)...),
			Target: s.target, Handler: s.UpdatePassword},
		{ID: OpPasswordValidate, Method: http.MethodPost, Path: multiPrefix + "/passwords/validate", Summary: "check a password against the password rules (api-key only)",
			Errors: names(codes(auth, tokenGone, passwordValidateConflictCodes[:], []Code{ErrTokenExpired}, withBody)...),
			Target: s.target, Handler: s.ValidatePassword},
		{ID: OpLostPasswordStart, Method: http.MethodPost, Path: multiPrefix + "/passwords/lost_password/start", Summary: "start a password reset (api-key only): the nonce sent is always 123456",
			Errors: names(codes(auth, []Code{ErrNotFound}, lostPasswordStartConflictCodes[:], withBody)...),
			Target: s.target, Handler: s.LostPasswordStart},
		{ID: OpLostPasswordResume, Method: http.MethodPost, Path: multiPrefix + "/passwords/lost_password/resume", Summary: "complete a password reset with the nonce (123456); answers a token",
			Errors: names(codes(auth, tokenGone, lostPasswordResumeConflictCodes[:], []Code{ErrTokenExpired}, withBody)...),
			Target: s.target, Handler: s.LostPasswordResume},
	}
}
