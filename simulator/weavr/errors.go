package weavr

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
)

// Error names: Weavr's own codes where it has them (the 409 errorCode enum of
// ConsumerUpdateConflict, VerifyConflict), descriptive names otherwise.
const (
	ErrBadRequest          = "BAD_REQUEST"
	ErrUnauthorized        = "UNAUTHORIZED"
	ErrForbidden           = "INSUFFICIENT_PERMISSIONS"
	ErrTooManyRequests     = "TOO_MANY_REQUESTS"
	ErrInternal            = "INTERNAL_SERVER_ERROR"
	ErrUnavailable         = "SERVICE_UNAVAILABLE"
	ErrDefault             = "DEFAULT"
	ErrNotFound            = "NOT_FOUND"
	ErrMethodNotAllowed    = "METHOD_NOT_ALLOWED"
	ErrUnsupportedMedia    = "UNSUPPORTED_MEDIA_TYPE"
	ErrPayloadTooLarge     = "PAYLOAD_TOO_LARGE"
	ErrLoginRefused        = "LOGIN_REFUSED"
	ErrFeeGroupInvalid     = "FEE_GROUP_INVALID"
	ErrCountryInvalid      = "COUNTRY_INVALID"
	ErrConsumerVerified    = "CONSUMER_VERIFIED"
	ErrEmailNotUnique      = "EMAIL_NOT_UNIQUE"
	ErrMobileOrCountryCode = "MOBILE_OR_COUNTRY_CODE_INVALID"
	ErrCountryUnsupported  = "COUNTRY_UNSUPPORTED"
	ErrMobileLimit         = "MOBILE_NO_CHANGE_LIMIT_EXCEEDED"
	ErrEmailTooFrequent    = "TOO_FREQUENT_EMAIL_CHANGES"
	ErrEmailDomain         = "EMAIL_DOMAIN_NOT_ALLOWED"
	ErrMobileNotAllowed    = "MOBILE_CHANGE_NOT_ALLOWED"
	ErrTerminationDate     = "TERMINATION_DATE_IN_PAST"
	ErrVerificationCode    = "VERIFICATION_CODE_INVALID"
	ErrSimulatorInvalid    = "SIMULATOR_INVALID_REQUEST"
	ErrSimulatorNotFound   = "SIMULATOR_CONSUMER_NOT_FOUND"
	ErrSimulatorKey        = "SIMULATOR_UNAUTHORIZED"
	ErrTokenNotFound       = "TOKEN_NOT_FOUND"
	ErrTokenExpired        = "TOKEN_EXPIRED"
	ErrPasswordExpired     = "PASSWORD_EXPIRED"
	ErrAccountLocked       = "ACCOUNT_LOCKED"
)

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
// document's order, with what triggers each on the real service.
var conflictCodes = [...]struct{ code, summary string }{
	{ErrFeeGroupInvalid, "feeGroup is not one of the programme's fee groups"},
	{ErrCountryInvalid, "documented; trigger not published (scenarios only)"},
	{ErrConsumerVerified, "KYC approved, then a change to name, surname, email, mobile, dateOfBirth or address"},
	{ErrEmailNotUnique, "the email belongs to another consumer"},
	{ErrMobileOrCountryCode, "documented; trigger not published (scenarios only)"},
	{ErrCountryUnsupported, "address.country is not allowed for the programme"},
	{ErrMobileLimit, "a 4th change to a different mobile number (resetMobileCounter resets the count)"},
	{ErrEmailTooFrequent, "a second email change inside the email-change window"},
	{ErrEmailDomain, "the email's domain is a disposable-email domain"},
	{ErrMobileNotAllowed, "mobile change within the security window after a verified email change or password reset, SMS OTP enrolled"},
	{ErrTerminationDate, "documented; trigger not published (scenarios only)"},
}

// Errors is every documented error of the Weavr routes this sandbox
// simulates, defined once (statuses and bodies from the vendor document's
// responses: BadRequestError, Unauthorized, Forbidden, ConsumerUpdateConflict,
// VerifyConflict, TooManyRequests, InternalServerError, ServiceUnavailable,
// default Error; and the simulator's ClientInvalidRequest/DefaultError).
func (s *Service) Errors() []apierr.Def { return errorDefs() }

func errorDefs() []apierr.Def {
	defs := []apierr.Def{
		{Name: ErrBadRequest, Status: http.StatusBadRequest,
			Body:    []byte(`{"message":"Invalid request","syntaxErrors":{"invalidFields":[{"params":[],"fieldName":"name","error":"REGEX"}]}}`),
			Summary: "a field breaks a rule of the request schema (the natural rule fills invalidFields)"},
		{Name: ErrUnauthorized, Status: http.StatusUnauthorized,
			Summary: "unknown api-key, or a missing, expired or logged-out token; no body"},
		{Name: ErrForbidden, Status: http.StatusForbidden, Body: []byte(`{"errorCode":"INSUFFICIENT_PERMISSIONS"}`),
			Summary: "a token used with the api-key of another programme"},
		{Name: ErrLoginRefused, Status: http.StatusForbidden,
			Summary: "login with an unknown email, a wrong password or an inactive user; no body"},
		{Name: ErrTooManyRequests, Status: http.StatusTooManyRequests,
			Header:  http.Header{"X-Ratelimit-Limit": {"100, 100;w=60, 1000;w=3600, 10000;w=86400"}, "X-Ratelimit-Reset": {"60"}},
			Summary: "over 100 requests a minute, 1,000 an hour or 10,000 a day per api-key; no body"},
		{Name: ErrInternal, Status: http.StatusInternalServerError, Summary: "a server failure; no body"},
		{Name: ErrUnavailable, Status: http.StatusServiceUnavailable, Summary: "the service is temporarily unavailable; no body"},
		{Name: ErrDefault, Status: http.StatusBadGateway, Body: []byte(`{"code":"BAD_GATEWAY","message":"The upstream service failed"}`),
			Summary: "the document's default response, {code, message}"},
		{Name: ErrNotFound, Status: http.StatusNotFound, Body: []byte(`{"code":"NOT_FOUND","message":"No such resource"}`),
			Summary: "an unknown path under /multi"},
		{Name: ErrMethodNotAllowed, Status: http.StatusMethodNotAllowed, Body: []byte(`{"code":"METHOD_NOT_ALLOWED","message":"Method not allowed"}`),
			Summary: "a known path with a method it does not serve"},
		{Name: ErrUnsupportedMedia, Status: http.StatusUnsupportedMediaType, Body: []byte(`{"code":"UNSUPPORTED_MEDIA_TYPE","message":"Content-Type must be application/json"}`),
			Summary: "a body sent with a Content-Type other than application/json"},
		{Name: ErrPayloadTooLarge, Status: http.StatusRequestEntityTooLarge, Body: []byte(`{"code":"PAYLOAD_TOO_LARGE","message":"The request body is too large"}`),
			Summary: "a request body over the configured limit (1 MiB by default)"},
		{Name: ErrVerificationCode, Status: http.StatusConflict, Body: []byte(`{"errorCode":"VERIFICATION_CODE_INVALID"}`),
			Summary: "email verification with a code other than 123456, or for an email with no pending change"},
		{Name: ErrTokenNotFound, Status: http.StatusNotFound, Body: []byte(`{"errorCode":"TOKEN_NOT_FOUND"}`),
			Summary: "login: the requested token could not be found (NotFoundToken; scenarios only)"},
		{Name: ErrTokenExpired, Status: http.StatusGone, Body: []byte(`{"errorCode":"TOKEN_EXPIRED"}`),
			Summary: "login: the requested token is expired (TokenExpired; scenarios only)"},
		{Name: ErrPasswordExpired, Status: http.StatusConflict, Body: []byte(`{"token":"sandbox-temporary-password-update-token"}`),
			Summary: "login: the password expired; the body carries a temporary token for passwordUpdate (scenarios only)"},
		{Name: ErrAccountLocked, Status: http.StatusLocked,
			Summary: "login: locked for 30 minutes after consecutive failed logins; no body (scenarios only)"},
		{Name: ErrSimulatorInvalid, Status: http.StatusBadRequest, Body: []byte(`{"message":"consumer_id must be a number"}`),
			Summary: "simulator: a malformed consumer id"},
		{Name: ErrSimulatorNotFound, Status: http.StatusNotFound, Body: []byte(`{"message":"Consumer not found"}`),
			Summary: "simulator: no consumer with this id in the programme"},
		{Name: ErrSimulatorKey, Status: http.StatusUnauthorized, Body: []byte(`{"message":"programme-key is missing or unknown"}`),
			Summary: "simulator: missing or unknown programme-key header"},
	}
	for _, c := range conflictCodes {
		defs = append(defs, apierr.Def{Name: c.code, Status: http.StatusConflict,
			Body: []byte(`{"errorCode":"` + c.code + `"}`), Summary: c.summary})
	}
	for i := range defs {
		defs[i].Vendor = Vendor
	}
	return defs
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

// conflict is an error that maps to a catalog entry by name; rules return it
// and the handler renders it.
type conflict string

func (c conflict) Error() string { return string(c) }

func indexDefs(defs []apierr.Def) map[string]*apierr.Def {
	m := make(map[string]*apierr.Def, len(defs))
	for i := range defs {
		m[defs[i].Name] = &defs[i]
	}
	return m
}

// respond writes the catalog error name with its default body.
func (s *Service) respond(c *gin.Context, name string) {
	apierr.Write(c.Writer, s.defs[name].Response())
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
