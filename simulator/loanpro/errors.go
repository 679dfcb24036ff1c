package loanpro

import (
	"fmt"
	"net/http"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
)

// Messages of every error this package answers, in one place so that the
// wording stays consistent and reviewable. Format verbs are filled per
// request; the field name and the rejected value are always part of a
// validation message, because LoanPro's 409s name what was wrong.
const (
	msgAuthMissing        = "Missing Authorization header: send 'Authorization: Bearer' followed by your API token."
	msgAuthScheme         = "Authorization header must use the Bearer scheme: 'Authorization: Bearer' followed by your API token."
	msgAuthToken          = "Invalid API token."
	msgInstanceMissing    = "Missing Autopal-Instance-Id header: send your tenant id."
	msgInstanceWrong      = "Invalid Autopal-Instance-Id '%s' for this token."
	msgSegmentNotFound    = "Resource not found for the segment '%s'."
	msgMethodNotAllowed   = "The HTTP method %s is not allowed on '%s'."
	msgEntityNotFound     = "Entity Customers(id=%d) not found: no customer exists with id %d."
	msgInvalidKey         = "Invalid key '%s' for entity set 'Customers': the id must be a positive 32-bit integer, as in Customers(5) or Customers(id=5)."
	msgBodyEmpty          = "The request body is empty: send a JSON object."
	msgBodyTooLarge       = "The request body exceeds %d bytes."
	msgBodyUnreadable     = "The request body could not be read."
	msgBodyMalformed      = "The request body is not valid JSON: %s."
	msgBodyUTF8           = "The request body is not valid JSON: malformed UTF-8 characters."
	msgBodyNotObject      = "The request body must be a JSON object, got %s."
	msgFieldType          = "Invalid type for field '%s': expected %s, got %s %s."
	msgFieldNull          = "Field '%s' cannot be null."
	msgFieldEmpty         = "Field '%s' cannot be empty."
	msgFieldTooLong       = "Invalid value for field '%s': longer than %d characters."
	msgEnum               = "Invalid value '%s' for field '%s': expected one of %s."
	msgDate               = "Invalid value '%s' for field '%s': expected a date as YYYY-MM-DD or YYYY-MM-DD hh:mm:ss."
	msgSSN                = "Invalid value '%s' for field 'ssn': expected nine digits without dashes."
	msgEmail              = "Invalid value '%s' for field 'email': not an email address."
	msgIDMismatch         = "Invalid value '%s' for field '%s': the payload is for customer %s but the endpoint is Customers(id=%d)."
	msgRequiredFor        = "Field '%s' is required for customerType '%s'."
	msgQueryMalformed     = "The query string cannot be parsed: %s."
	msgQueryOption        = "Unsupported query option '%s'."
	msgQueryNavOption     = "Unsupported query option '%s' for Customers(id)/%s: the sandbox answers a customer's nested entity or collection whole, with %s only."
	msgQueryValue         = "Invalid value '%s' for query option '%s': %s."
	msgWarnings           = "Transaction warnings found."
	msgWarnEmailDuplicate = "Email %s already exists in the system (Customer ID %d: %s)."
	msgWarnSSNDuplicate   = "SSN %s with birth date %s already exists in the system (Customer ID %d: %s)."
	msgWarnEmailSuspect   = "Email %s may not be a valid email account."
	msgServerError        = "An internal server error occurred. Please try again later."
	msgTimeout            = "The request timed out. Please try again later."
	msgRateLimited        = "Too many requests (simulated by the sandbox: LoanPro publishes no rate limit). Retry after the Retry-After delay."
)

// errorBody is LoanPro's OData-style error envelope; the SDK parses
// error.message, error.type and error.code. Warnings is only present on a
// TransactionWarningException.
type errorBody struct {
	Error    errorDetail `json:"error"`
	Warnings []string    `json:"warnings,omitempty"`
}

type errorDetail struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    int    `json:"code"`
}

// lpError is one documented LoanPro error: its catalog Def plus the
// exception type that goes into the body. The body's code always equals the
// HTTP status, as on the real service.
type lpError struct {
	def apierr.Def
	typ string
}

// with renders the error with a request-specific message.
func (e *lpError) with(format string, args ...any) *apierr.Response {
	return e.def.WithBody(errorBody{Error: errorDetail{Message: fmt.Sprintf(format, args...), Type: e.typ, Code: e.def.Status}})
}

// withWarnings renders a TransactionWarningException listing warnings.
func (e *lpError) withWarnings(warnings []string) *apierr.Response {
	return e.def.WithBody(errorBody{Error: errorDetail{Message: msgWarnings, Type: e.typ, Code: e.def.Status}, Warnings: warnings})
}

// catalog holds every documented LoanPro error, built once per Service from
// its Settings (several statuses are configurable because LoanPro changed
// them over the years).
type catalog struct {
	unauthorized     lpError
	notFound         lpError
	methodNotAllowed lpError
	entityNotFound   lpError
	invalidKey       lpError
	validation       lpError
	invalidPayload   lpError
	payloadTooLarge  lpError
	invalidQuery     lpError
	warning          lpError
	serverError      lpError
	timeout          lpError
	rateLimited      lpError
}

func newCatalog(s Settings, maxBody int64) catalog {
	mk := func(name string, status int, typ, msg, summary string, header http.Header, warnings []string) lpError {
		e := lpError{def: apierr.Def{Vendor: Vendor, Name: name, Status: status, Header: header, Summary: summary}, typ: typ}
		e.def.Body = e.def.WithBody(errorBody{Error: errorDetail{Message: msg, Type: typ, Code: status}, Warnings: warnings}).Body
		return e
	}
	return catalog{
		unauthorized: mk("UNAUTHORIZED", http.StatusUnauthorized, "UnauthorizedException", msgAuthToken,
			"Missing or invalid 'Authorization: Bearer TOKEN' or Autopal-Instance-Id header.", nil, nil),
		notFound: mk("NOT_FOUND", http.StatusNotFound, "ResourceNotFoundException", fmt.Sprintf(msgSegmentNotFound, "Customer"),
			"Unknown endpoint or entity set (LoanPro documents 404 as rare: unknown endpoint).", nil, nil),
		methodNotAllowed: mk("METHOD_NOT_ALLOWED", http.StatusMethodNotAllowed, "MethodNotAllowedException", fmt.Sprintf(msgMethodNotAllowed, "DELETE", "Customers(1)"),
			"HTTP method not served on an existing LoanPro path.", nil, nil),
		entityNotFound: mk("ENTITY_NOT_FOUND", s.NotFoundStatus, "EntityNotFoundException", fmt.Sprintf(msgEntityNotFound, 139, 139),
			"Unknown customer id (current docs: 409 'missing or invalid entity ids'; 404 and 400 were seen historically).", nil, nil),
		invalidKey: mk("INVALID_ENTITY_ID", s.ValidationStatus, "InvalidEntityIdException", fmt.Sprintf(msgInvalidKey, "abc"),
			"Non-numeric or out-of-range id in Customers(...).", nil, nil),
		validation: mk("VALIDATION", s.ValidationStatus, "ValidationException", fmt.Sprintf(msgEnum, "male", "gender", "customer.gender.female, customer.gender.male, customer.gender.unknown"),
			"Invalid field value or type: typos, bad enum, bad date, bad ssn, payload/endpoint id mismatch (docs: 409).", nil, nil),
		invalidPayload: mk("INVALID_PAYLOAD", s.ValidationStatus, "InvalidPayloadException", fmt.Sprintf(msgBodyMalformed, "unexpected end of JSON input"),
			"Empty, unreadable or malformed JSON body, or a body that is not a JSON object.", nil, nil),
		payloadTooLarge: mk("PAYLOAD_TOO_LARGE", http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", fmt.Sprintf(msgBodyTooLarge, maxBody),
			"Request body larger than --max-body-bytes (LoanPro documents no limit; its web server refuses huge bodies with 413).", nil, nil),
		invalidQuery: mk("INVALID_QUERY", s.ValidationStatus, "InvalidQueryOptionException", fmt.Sprintf(msgQueryValue, "-1", "$top", "expected a non-negative integer"),
			"Invalid OData query option ($top, $skip, $filter, $expand, $select, $orderby, nopaging).", nil, nil),
		warning: mk("TRANSACTION_WARNING", s.WarningStatus, "TransactionWarningException", msgWarnings,
			"Duplicate email, duplicate SSN with the same birth date, or a suspicious email; bypassed by \"__ignoreWarnings\": true (docs: 409, older answers 500).",
			nil, []string{fmt.Sprintf(msgWarnEmailDuplicate, "jdoe@example.com", 139, "Jane Doe")}),
		serverError: mk("SERVER_ERROR", http.StatusInternalServerError, "InternalServerErrorException", msgServerError,
			"Server error (docs: 500).", nil, nil),
		timeout: mk("TIMEOUT", http.StatusInternalServerError, "TimeoutException", msgTimeout,
			"Timeout on LoanPro's side (docs: 500 for server errors and timeouts).", nil, nil),
		rateLimited: mk("RATE_LIMITED", http.StatusTooManyRequests, "RateLimitException", msgRateLimited,
			"Simulated only: LoanPro publishes no rate limit or 429 format; offered through scenarios.", http.Header{"Retry-After": {"60"}}, nil),
	}
}

// defs lists the catalog in a stable order.
func (c *catalog) defs() []apierr.Def {
	all := []*lpError{&c.unauthorized, &c.notFound, &c.methodNotAllowed, &c.entityNotFound, &c.invalidKey,
		&c.validation, &c.invalidPayload, &c.payloadTooLarge, &c.invalidQuery, &c.warning, &c.serverError, &c.timeout, &c.rateLimited}
	out := make([]apierr.Def, len(all))
	for i, e := range all {
		out[i] = e.def
		out[i].Header = e.def.Header.Clone()
	}
	return out
}
