package weavr

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
)

// Code is one documented Weavr error. Rules and handlers answer with its
// constants, so the compiler checks every name; the catalog entry of each
// (its vendor name, status, body) is defined once, in errorTable.
type Code int

// The documented errors: Weavr's own codes where it has them (the 409
// errorCode enums of ConsumerUpdateConflict, ConsumerCreateConflict,
// VerifyConflict, EmailVerificationConflict, CreatePasswordConflict and
// ConsumerKycStartConflict), descriptive names otherwise (the String of
// each constant). A code two operations document (EMAIL_NOT_UNIQUE,
// FEE_GROUP_INVALID, …) is one error, listed by both.
const (
	ErrBadRequest Code = iota
	ErrUnauthorized
	ErrForbidden
	ErrTooManyRequests
	ErrInternal
	ErrUnavailable
	ErrDefault
	ErrNotFound
	ErrMethodNotAllowed
	ErrUnsupportedMedia
	ErrPayloadTooLarge
	ErrLoginRefused
	ErrFeeGroupInvalid
	ErrCountryInvalid
	ErrConsumerVerified
	ErrEmailNotUnique
	ErrMobileOrCountryCode
	ErrCountryUnsupported
	ErrMobileLimit
	ErrEmailTooFrequent
	ErrEmailDomain
	ErrMobileNotAllowed
	ErrTerminationDate
	ErrVerificationCode
	ErrSimulatorInvalid
	ErrSimulatorNotFound
	ErrSimulatorKey
	ErrTokenNotFound
	ErrTokenExpired
	ErrPasswordExpired
	ErrAccountLocked
	ErrPaymentModel
	ErrProfileNotFound
	ErrProfileInactive
	ErrRootEmailNotUnique
	ErrCurrencyUnsupported
	ErrConsumerExists
	ErrEmailNotFound
	ErrAlreadyVerified
	ErrUnresolvedIdentity
	ErrPasswordProfile
	ErrPasswordTooShort
	ErrPasswordTooLong
	ErrPasswordTooSimple
	ErrPasswordKeyInUse
	ErrPasswordCreated
	ErrKYCApproved
	ErrKYCPending
	ErrKYCRejected
	ErrEmailUnverified
	// Identity and access (access_token.go, factors.go, stepup.go, passwords.go).
	ErrAccessRefused
	ErrIdentityTypeUnsupported
	ErrChannelNotSupported
	ErrChannelNotRegistered
	ErrChannelRegistered
	ErrMobileNumberInvalid
	ErrMobileCountryUnsupported
	ErrMobileNotAvailable
	ErrCredentialsInactive
	ErrTypeNoEnrolment
	ErrRetry15s
	ErrChallengeLimit
	ErrOneChallengeLeft
	ErrStateInvalid
	ErrCodeExpired
	ErrPasswordUsed
	ErrPasswordIncorrect
	ErrPasswordNotSet
	ErrNonceOrEmail
	ErrMultipleAccounts
	ErrAccountNotFound
	codeCount
)

// String is the error's name in the catalog (weavr.NAME).
func (c Code) String() string { return errorTable[c].Name }

// Error lets a rule return a Code; the handler renders it.
func (c Code) Error() string { return c.String() }

// Messages of the 400 bodies.
const (
	msgInvalidRequest = "Invalid request"
	msgEmptyBody      = "Invalid request: the request body is required"
	msgMalformedJSON  = "Invalid request: malformed JSON"
	msgBodyNotObject  = "Invalid request: the request body must be a JSON object"
	msgIncompleteBody = "Invalid request: the request body could not be read completely"
	msgInvalidUTF8    = "Invalid request: the request body is not valid UTF-8"
)

// conflictCodes is ConsumerUpdateConflict's errorCode enum, in the vendor
// document's order.
var conflictCodes = [...]Code{ErrFeeGroupInvalid, ErrCountryInvalid, ErrConsumerVerified, ErrEmailNotUnique, ErrMobileOrCountryCode,
	ErrCountryUnsupported, ErrMobileLimit, ErrEmailTooFrequent, ErrEmailDomain, ErrMobileNotAllowed, ErrTerminationDate}

// createConflictCodes is ConsumerCreateConflict's errorCode enum, in the
// vendor document's order.
var createConflictCodes = [...]Code{ErrPaymentModel, ErrProfileNotFound, ErrProfileInactive, ErrRootEmailNotUnique, ErrCurrencyUnsupported,
	ErrFeeGroupInvalid, ErrCountryInvalid, ErrMobileOrCountryCode, ErrCountryUnsupported, ErrEmailDomain, ErrConsumerExists}

// passwordConflictCodes is CreatePasswordConflict's errorCode enum, in the
// vendor document's order.
var passwordConflictCodes = [...]Code{ErrUnresolvedIdentity, ErrPasswordProfile, ErrPasswordTooShort, ErrPasswordTooLong,
	ErrPasswordTooSimple, ErrPasswordKeyInUse, ErrPasswordCreated}

// kycStartConflictCodes is ConsumerKycStartConflict's errorCode enum, in
// the vendor document's order.
var kycStartConflictCodes = [...]Code{ErrKYCApproved, ErrKYCPending, ErrKYCRejected, ErrEmailUnverified}

// The 409 errorCode enums of the identity-and-access operations, in the
// vendor document's order: StepUpSCAChallengeConflict,
// StepUpSCAVerifyConflict, EnrolDeviceUsingOtpStepOneConflict,
// EnrolDeviceUsingOtpStepTwoConflict, PasswordUpdateConflict,
// PasswordValidateConflict, LostPasswordInitiateConflict,
// LostPasswordResumeConflict.
var (
	stepUpChallengeConflictCodes = [...]Code{ErrChannelNotSupported, ErrChannelNotRegistered, ErrMobileNumberInvalid,
		ErrMobileCountryUnsupported, ErrRetry15s, ErrChallengeLimit}
	stepUpVerifyConflictCodes = [...]Code{ErrStateInvalid, ErrCodeExpired, ErrVerificationCode, ErrChannelNotSupported,
		ErrChannelNotRegistered, ErrOneChallengeLeft, ErrChallengeLimit, ErrAlreadyVerified}
	enrolConflictCodes = [...]Code{ErrChannelNotSupported, ErrChannelRegistered, ErrMobileNotAvailable, ErrMobileNumberInvalid,
		ErrMobileCountryUnsupported, ErrCredentialsInactive, ErrTypeNoEnrolment}
	enrolVerifyConflictCodes = [...]Code{ErrChannelNotSupported, ErrChannelRegistered, ErrCodeExpired, ErrVerificationCode,
		ErrCredentialsInactive, ErrChallengeLimit, ErrOneChallengeLeft, ErrStateInvalid, ErrTypeNoEnrolment}
	passwordUpdateConflictCodes     = [...]Code{ErrPasswordUsed, ErrPasswordTooShort, ErrPasswordTooLong, ErrPasswordTooSimple, ErrPasswordIncorrect}
	passwordValidateConflictCodes   = [...]Code{ErrUnresolvedIdentity, ErrPasswordProfile, ErrPasswordTooShort, ErrPasswordTooLong, ErrPasswordTooSimple}
	lostPasswordStartConflictCodes  = [...]Code{ErrMultipleAccounts, ErrAccountNotFound}
	lostPasswordResumeConflictCodes = [...]Code{ErrNonceOrEmail, ErrPasswordUsed, ErrPasswordTooShort, ErrPasswordTooLong,
		ErrPasswordTooSimple, ErrPasswordIncorrect, ErrPasswordNotSet}
)

// conflictDef is a 409 whose body is {"errorCode": name}.
func conflictDef(name, summary string) apierr.Def {
	return apierr.Def{Name: name, Status: http.StatusConflict, Body: []byte(`{"errorCode":"` + name + `"}`), Summary: summary}
}

// errorTable is every documented error of the Weavr routes this sandbox
// simulates, defined once, indexed by Code (statuses and bodies from the
// vendor document's responses: BadRequestError, Unauthorized, Forbidden,
// ConsumerUpdateConflict, VerifyConflict, TooManyRequests,
// InternalServerError, ServiceUnavailable, default Error; and the
// simulator's ClientInvalidRequest/DefaultError). It is never written.
var errorTable = [codeCount]apierr.Def{
	ErrBadRequest: {Name: "BAD_REQUEST", Status: http.StatusBadRequest,
		Body:    []byte(`{"message":"Invalid request","syntaxErrors":{"invalidFields":[{"params":[],"fieldName":"name","error":"REGEX"}]}}`),
		Summary: "a field breaks a rule of the request schema (the natural rule fills invalidFields)"},
	ErrUnauthorized: {Name: "UNAUTHORIZED", Status: http.StatusUnauthorized,
		Summary: "unknown api-key, or a missing, expired or logged-out token, or the token of a deactivated consumer; no body"},
	ErrForbidden: {Name: "INSUFFICIENT_PERMISSIONS", Status: http.StatusForbidden, Body: []byte(`{"errorCode":"INSUFFICIENT_PERMISSIONS"}`),
		Summary: "a token used with the api-key of another programme (consumer create and password create: scenarios only)"},
	ErrLoginRefused: {Name: "LOGIN_REFUSED", Status: http.StatusForbidden,
		Summary: "login with an unknown email, a wrong password or an inactive user; no body"},
	ErrTooManyRequests: {Name: "TOO_MANY_REQUESTS", Status: http.StatusTooManyRequests,
		Header:  http.Header{"X-Ratelimit-Limit": {"100, 100;w=60, 1000;w=3600, 10000;w=86400"}, "X-Ratelimit-Reset": {"60"}},
		Summary: "over 100 requests a minute, 1,000 an hour or 10,000 a day per api-key; no body"},
	ErrInternal:    {Name: "INTERNAL_SERVER_ERROR", Status: http.StatusInternalServerError, Summary: "a server failure; no body"},
	ErrUnavailable: {Name: "SERVICE_UNAVAILABLE", Status: http.StatusServiceUnavailable, Summary: "the service is temporarily unavailable; no body"},
	ErrDefault: {Name: "DEFAULT", Status: http.StatusBadGateway, Body: []byte(`{"code":"BAD_GATEWAY","message":"The upstream service failed"}`),
		Summary: "the document's default response, {code, message}"},
	ErrNotFound: {Name: "NOT_FOUND", Status: http.StatusNotFound, Body: []byte(`{"code":"NOT_FOUND","message":"No such resource"}`),
		Summary: "an unknown path under /multi"},
	ErrMethodNotAllowed: {Name: "METHOD_NOT_ALLOWED", Status: http.StatusMethodNotAllowed, Body: []byte(`{"code":"METHOD_NOT_ALLOWED","message":"Method not allowed"}`),
		Summary: "a known path with a method it does not serve"},
	ErrUnsupportedMedia: {Name: "UNSUPPORTED_MEDIA_TYPE", Status: http.StatusUnsupportedMediaType, Body: []byte(`{"code":"UNSUPPORTED_MEDIA_TYPE","message":"Content-Type must be application/json"}`),
		Summary: "a body sent with a Content-Type other than application/json"},
	ErrPayloadTooLarge: {Name: "PAYLOAD_TOO_LARGE", Status: http.StatusRequestEntityTooLarge, Body: []byte(`{"code":"PAYLOAD_TOO_LARGE","message":"The request body is too large"}`),
		Summary: "a request body over the configured limit (1 MiB by default)"},
	ErrVerificationCode: {Name: "VERIFICATION_CODE_INVALID", Status: http.StatusConflict, Body: []byte(`{"errorCode":"VERIFICATION_CODE_INVALID"}`),
		Summary: "email verification with a code other than 123456, or for an email with no pending change; an SMS enrolment or step-up verified with a wrong code"},
	ErrTokenNotFound: {Name: "TOKEN_NOT_FOUND", Status: http.StatusNotFound, Body: []byte(`{"errorCode":"TOKEN_NOT_FOUND"}`),
		Summary: "login, password create, update, validate and reset: the requested token could not be found (NotFoundToken; scenarios only)"},
	ErrTokenExpired: {Name: "TOKEN_EXPIRED", Status: http.StatusGone, Body: []byte(`{"errorCode":"TOKEN_EXPIRED"}`),
		Summary: "login, password create, update and validate: the requested token is expired (TokenExpired; scenarios only); password reset: the lost-password nonce expired"},
	ErrPasswordExpired: {Name: "PASSWORD_EXPIRED", Status: http.StatusConflict, Body: []byte(`{"token":"sandbox-temporary-password-update-token"}`),
		Summary: "login: the password expired; the body carries a temporary token for passwordUpdate (scenarios only)"},
	ErrAccountLocked: {Name: "ACCOUNT_LOCKED", Status: http.StatusLocked,
		Summary: "login, access token: locked for 30 minutes after consecutive failed logins; no body (scenarios only)"},
	ErrSimulatorInvalid: {Name: "SIMULATOR_INVALID_REQUEST", Status: http.StatusBadRequest, Body: []byte(`{"message":"consumer_id must be a number"}`),
		Summary: "simulator: a malformed consumer id"},
	ErrSimulatorNotFound: {Name: "SIMULATOR_CONSUMER_NOT_FOUND", Status: http.StatusNotFound, Body: []byte(`{"message":"Consumer not found"}`),
		Summary: "simulator: no consumer with this id in the programme"},
	ErrSimulatorKey: {Name: "SIMULATOR_UNAUTHORIZED", Status: http.StatusUnauthorized, Body: []byte(`{"message":"programme-key is missing or unknown"}`),
		Summary: "simulator: missing or unknown programme-key header"},

	ErrFeeGroupInvalid:     conflictDef("FEE_GROUP_INVALID", "feeGroup is not one of the programme's fee groups"),
	ErrCountryInvalid:      conflictDef("COUNTRY_INVALID", "documented; trigger not published (scenarios only)"),
	ErrConsumerVerified:    conflictDef("CONSUMER_VERIFIED", "KYC approved, then a change to name, surname, email, mobile, dateOfBirth or address"),
	ErrEmailNotUnique:      conflictDef("EMAIL_NOT_UNIQUE", "the email belongs to another consumer (PATCH, email verification, email send)"),
	ErrMobileOrCountryCode: conflictDef("MOBILE_OR_COUNTRY_CODE_INVALID", "documented; trigger not published (scenarios only)"),
	ErrCountryUnsupported:  conflictDef("COUNTRY_UNSUPPORTED", "address.country is not allowed for the programme"),
	ErrMobileLimit:         conflictDef("MOBILE_NO_CHANGE_LIMIT_EXCEEDED", "a 4th change to a different mobile number (resetMobileCounter resets the count)"),
	ErrEmailTooFrequent:    conflictDef("TOO_FREQUENT_EMAIL_CHANGES", "a second email change inside the email-change window"),
	ErrEmailDomain:         conflictDef("EMAIL_DOMAIN_NOT_ALLOWED", "the email's domain is a disposable-email domain"),
	ErrMobileNotAllowed:    conflictDef("MOBILE_CHANGE_NOT_ALLOWED", "mobile change within the security window after a verified email change or password reset, SMS OTP enrolled"),
	ErrTerminationDate:     conflictDef("TERMINATION_DATE_IN_PAST", "documented; trigger not published (scenarios only)"),

	// consumerCreate (ConsumerCreateConflict).
	ErrPaymentModel:        conflictDef("PAYMENT_MODEL_CONSTRAINTS_VIOLATED", "consumer create: documented; trigger not published (scenarios only)"),
	ErrProfileNotFound:     conflictDef("PROFILE_NOT_FOUND", "consumer create: profileId is not a consumer profile of the api-key's programme"),
	ErrProfileInactive:     conflictDef("PROFILE_INACTIVE", "consumer create: documented; the sandbox's profiles are all active (scenarios only)"),
	ErrRootEmailNotUnique:  conflictDef("ROOT_EMAIL_NOT_UNIQUE", "consumer create: rootUser.email belongs to another consumer"),
	ErrCurrencyUnsupported: conflictDef("CURRENCY_UNSUPPORTED", "consumer create: baseCurrency is not one of the programme's currencies"),
	ErrConsumerExists:      conflictDef("CONSUMER_ALREADY_EXISTS", "consumer create: documented; trigger not published (scenarios only)"),
	// consumerRootUserEmailVerificationCodeSend (EmailVerificationConflict).
	ErrEmailNotFound:   conflictDef("EMAIL_NOT_FOUND", "email send: no consumer of the programme has this email, current or pending"),
	ErrAlreadyVerified: conflictDef("ALREADY_VERIFIED", "email send: the email is the consumer's current one and already verified; step-up verify: the challenge is already verified"),
	// passwordCreate (CreatePasswordConflict).
	ErrUnresolvedIdentity: conflictDef("UNRESOLVED_IDENTITY", "password create: user_id is no root user of the api-key's programme (password validate: scenarios only)"),
	ErrPasswordProfile:    conflictDef("PASSWORD_PROFILE_NOT_CONFIGURED_FOR_CREDENTIAL_TYPE", "password create, validate: documented; the sandbox's profiles all have passwords (scenarios only)"),
	ErrPasswordTooShort:   conflictDef("PASSWORD_TOO_SHORT", "password create, update, validate, reset: fewer than 8 characters"),
	ErrPasswordTooLong:    conflictDef("PASSWORD_TOO_LONG", "password create, update, validate, reset: more than 30 characters"),
	ErrPasswordTooSimple:  conflictDef("PASSWORD_TOO_SIMPLE", "password create, update, validate, reset: lacks a lower-case letter, an upper-case letter, a digit or a special character"),
	ErrPasswordKeyInUse:   conflictDef("PASSWORD_KEY_ALREADY_IN_USE", "password create: documented; tokenised password keys are not simulated (scenarios only)"),
	ErrPasswordCreated:    conflictDef("PASSWORD_ALREADY_CREATED", "password create: the user already has a password (every fixture consumer does)"),
	// consumerKycStart (ConsumerKycStartConflict).
	ErrKYCApproved:     conflictDef("KYC_ALREADY_APPROVED", "KYC start: KYC is already approved"),
	ErrKYCPending:      conflictDef("KYC_PENDING_REVIEW", "KYC start: KYC is pending review"),
	ErrKYCRejected:     conflictDef("KYC_REJECTED", "KYC start: KYC was rejected"),
	ErrEmailUnverified: conflictDef("EMAIL_UNVERIFIED", "KYC start: the root user's email is not verified yet"),

	// requestAccessToken: its 403 documents no body.
	ErrAccessRefused: {Name: "ACCESS_TOKEN_REFUSED", Status: http.StatusForbidden,
		Summary: "access token: no auth token sent (client assertions are not enabled), or an identity the token's user does not hold; no body"},
	// userIdentities (UserIdentitiesConflict).
	ErrIdentityTypeUnsupported: conflictDef("IDENTITY_TYPE_NOT_SUPPORTED", "identities: documented; trigger not published (scenarios only)"),
	// Enrolment and step-up (EnrolDeviceUsingOtpStep*Conflict, StepUpSCA*Conflict).
	ErrChannelNotSupported:      conflictDef("CHANNEL_NOT_SUPPORTED", "enrolment, step-up: a channel Weavr has but not for one-time passwords (AUTHY, BIOMETRIC)"),
	ErrChannelNotRegistered:     conflictDef("CHANNEL_NOT_REGISTERED", "step-up: SMS one-time passwords are not enrolled"),
	ErrChannelRegistered:        conflictDef("CHANNEL_ALREADY_REGISTERED", "enrolment: SMS one-time passwords are already enrolled"),
	ErrMobileNumberInvalid:      conflictDef("MOBILE_NUMBER_INVALID", "enrolment, step-up challenge: documented; the sandbox sends to any number (scenarios only)"),
	ErrMobileCountryUnsupported: conflictDef("MOBILE_COUNTRY_NOT_SUPPORTED", "enrolment, step-up challenge: documented; the sandbox sends to any country (scenarios only)"),
	ErrMobileNotAvailable:       conflictDef("MOBILE_NUMBER_NOT_AVAILABLE", "enrolment: documented; every sandbox user has a mobile (scenarios only)"),
	ErrCredentialsInactive:      conflictDef("CREDENTIALS_INACTIVE", "enrolment: documented; an inactive user's token is refused first (scenarios only)"),
	ErrTypeNoEnrolment:          conflictDef("TYPE_DOES_NOT_SUPPORT_ENROLMENT", "enrolment: documented; root users all support it (scenarios only)"),
	ErrRetry15s:                 conflictDef("RETRY_IN_15SEC", "step-up challenge: another one within 15 seconds of a pending challenge"),
	ErrChallengeLimit:           conflictDef("CHALLENGE_LIMIT_EXCEEDED", "enrolment, step-up verify: the last wrong code a challenge allows (--weavr-otp-attempts), and every try after it; step-up challenge: scenarios only"),
	ErrOneChallengeLeft:         conflictDef("ONE_CHALLENGE_LIMIT_REMAINING", "enrolment, step-up verify: a wrong code that leaves one attempt"),
	ErrStateInvalid:             conflictDef("STATE_INVALID", "enrolment, step-up verify: no challenge was issued (to this token's session, for a step-up)"),
	ErrCodeExpired:              conflictDef("VERIFICATION_CODE_EXPIRED", "enrolment, step-up verify: the challenge is older than --weavr-otp-expiry (5 minutes)"),
	// Passwords (PasswordUpdateConflict, LostPassword*Conflict).
	ErrPasswordUsed:      conflictDef("PASSWORD_ALREADY_USED", "password update, reset: the new password is one of the last 5"),
	ErrPasswordIncorrect: conflictDef("PASSWORD_INCORRECT", "password update: oldPassword is not the current password (reset: scenarios only)"),
	ErrPasswordNotSet:    conflictDef("PASSWORD_NOT_SET", "password reset: the user has no password yet (before passwordCreate)"),
	ErrNonceOrEmail:      conflictDef("INVALID_NONCE_OR_EMAIL", "password reset: a nonce other than 123456, an email with no reset started, or a nonce already used"),
	ErrMultipleAccounts:  conflictDef("MULTIPLE_ACCOUNTS_FOUND", "lost password: documented; emails are unique per programme in the sandbox (scenarios only)"),
	ErrAccountNotFound:   conflictDef("ACCOUNT_NOT_FOUND", "lost password: no active user of the api-key's programme has this email"),
}

// Errors lists every documented error for the sandbox's catalog, in Code
// order (the catalog refuses an entry left out of errorTable).
func (s *Service) Errors() []apierr.Def { return errorDefs() }

func errorDefs() []apierr.Def {
	out := make([]apierr.Def, codeCount)
	for i := range errorTable {
		out[i] = errorTable[i]
		out[i].Vendor = Vendor
	}
	return out
}

// names are the catalog names of codes, for an operation's Errors.
func names(codes ...Code) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c.String()
	}
	return out
}

// InvalidField is one entry of SyntaxError.invalidFields.
type InvalidField struct {
	Params    []string `json:"params"`
	FieldName string   `json:"fieldName"`
	Error     string   `json:"error"`
}

type syntaxErrors struct {
	InvalidFields []InvalidField `json:"invalidFields"`
}

// badRequest is the BadRequestError body.
type badRequest struct {
	Message      string        `json:"message"`
	SyntaxErrors *syntaxErrors `json:"syntaxErrors,omitempty"`
}

// respond writes the catalog error code with its default body.
func (s *Service) respond(c *gin.Context, code Code) {
	apierr.Write(c.Writer, s.defs[code].Response())
	c.Abort()
}

// respondInvalid writes a 400 BadRequestError listing invalid fields.
func (s *Service) respondInvalid(c *gin.Context, fields []InvalidField) {
	apierr.Write(c.Writer, s.defs[ErrBadRequest].WithBody(badRequest{Message: msgInvalidRequest, SyntaxErrors: &syntaxErrors{InvalidFields: fields}}))
	c.Abort()
}

// respondMessage writes a 400 BadRequestError with only a message (malformed
// JSON, wrong JSON types), Weavr's shape for errors that are not field rules.
func (s *Service) respondMessage(c *gin.Context, msg string) {
	apierr.Write(c.Writer, s.defs[ErrBadRequest].WithBody(badRequest{Message: msg}))
	c.Abort()
}
