package weavr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/reqbody"
)

// updateRequest is ConsumerUpdateRequest. Pointers tell an absent (or null)
// field from an empty one: absent fields are left unchanged.
type updateRequest struct {
	Tag                *string         `json:"tag"`
	Name               *string         `json:"name"`
	Surname            *string         `json:"surname"`
	Email              *string         `json:"email"`
	Mobile             *mobileRequest  `json:"mobile"`
	DateOfBirth        *dateRequest    `json:"dateOfBirth"`
	Address            *addressRequest `json:"address"`
	FeeGroup           *string         `json:"feeGroup"`
	BaseCurrency       *string         `json:"baseCurrency"`
	Occupation         *string         `json:"occupation"`
	SourceOfFunds      *string         `json:"sourceOfFunds"`
	SourceOfFundsOther *string         `json:"sourceOfFundsOther"`
	PlaceOfBirth       *string         `json:"placeOfBirth"`
	Nationality        *string         `json:"nationality"`
	ResetMobileCounter *bool           `json:"resetMobileCounter"`
	UserTag            *string         `json:"userTag"`
	Locale             *string         `json:"locale"`
	Brand              *string         `json:"brand"`
}

type mobileRequest struct {
	CountryCode *string `json:"countryCode"`
	Number      *string `json:"number"`
}

type dateRequest struct {
	Year  *int `json:"year"`
	Month *int `json:"month"`
	Day   *int `json:"day"`
}

type addressRequest struct {
	AddressLine1 *string `json:"addressLine1"`
	AddressLine2 *string `json:"addressLine2"`
	City         *string `json:"city"`
	PostCode     *string `json:"postCode"`
	State        *string `json:"state"`
	Country      *string `json:"country"`
}

// loginRequest is LoginWithPasswordRequest.
type loginRequest struct {
	Email    *string `json:"email"`
	Password *struct {
		Value *string `json:"value"`
	} `json:"password"`
}

// verifyRequest is EmailVerifyRequest.
type verifyRequest struct {
	Email            *string `json:"email"`
	VerificationCode *string `json:"verificationCode"`
}

// decodeBody reads a JSON object body into v, whose exact property names
// are o (see matchNames: names are case-sensitive, other names are unknown
// and ignored). On failure it writes Weavr's answer (415, 413 or a 400 with
// a message saying what is wrong) and returns false: a bad body never
// reaches the rules and never changes state. Under
// Settings.StrictUnknownFields it returns the unknown properties, for the
// handler to answer 400 with them (before the rules' own invalidFields).
func (s *Service) decodeBody(c *gin.Context, v any, o *object) ([]InvalidField, bool) {
	_, unknown, ok := s.decode(c, v, o, false)
	return unknown, ok
}

// decodeOptionalBody is decodeBody for an operation whose request body is
// optional (consumerKycStart): an empty body is an empty object.
func (s *Service) decodeOptionalBody(c *gin.Context, v any, o *object) ([]InvalidField, bool) {
	_, unknown, ok := s.decode(c, v, o, true)
	return unknown, ok
}

// decode is decodeBody that also returns the body read (which the caller
// must not modify).
func (s *Service) decode(c *gin.Context, v any, o *object, optional bool) (body []byte, unknown []InvalidField, ok bool) {
	if ct := c.GetHeader("Content-Type"); ct != "" && ct != "application/json" { // the common case needs no parsing
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !jsonMediaType(mt) {
			s.respond(c, ErrUnsupportedMedia)
			return nil, nil, false
		}
	}
	body, tooLarge, err := reqbody.Read(c.Request, s.maxBody)
	switch {
	case tooLarge:
		s.respond(c, ErrPayloadTooLarge)
		return nil, nil, false
	case err != nil: // e.g. the connection closed mid-body
		s.respondMessage(c, msgIncompleteBody)
		return nil, nil, false
	case len(body) == 0 && optional:
		return nil, nil, true
	case len(body) == 0:
		s.respondMessage(c, msgEmptyBody)
		return nil, nil, false
	case !utf8.Valid(body):
		s.respondMessage(c, msgInvalidUTF8)
		return nil, nil, false
	}
	if fd, ok := v.(fastDecoder); ok && decodeFast(body, fd) {
		return body, nil, true // known names only: nothing unknown
	}
	unknown, msg := decodeObject(body, v, o)
	if msg != "" {
		s.respondMessage(c, msg)
		return nil, nil, false
	}
	if !s.settings.StrictUnknownFields {
		unknown = nil
	}
	return body, unknown, true
}

// decodeObject decodes body into v matching o's property names exactly;
// it returns the unknown properties, or a one-line explanation of why the
// body cannot be decoded.
func decodeObject(body []byte, v any, o *object) ([]InvalidField, string) {
	matched, unknown, _ := matchNames(body, o) // if not JSON, encoding/json says where
	if msg := unmarshalObject(matched, v); msg != "" {
		return nil, msg
	}
	return unknown, ""
}

// jsonMediaType accepts what a Spring JSON converter accepts:
// application/json and the application/*+json family (e.g.
// application/merge-patch+json).
func jsonMediaType(mt string) bool {
	sub, ok := strings.CutPrefix(mt, "application/")
	return ok && (sub == "json" || (strings.HasSuffix(sub, "+json") && len(sub) > len("+json")))
}

// unmarshalObject decodes body into v and explains any failure in one line.
func unmarshalObject(body []byte, v any) string {
	err := json.Unmarshal(body, v)
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("%s at byte %d", msgMalformedJSON, syntax.Offset)
	case bytes.TrimSpace(body)[0] != '{':
		return msgBodyNotObject
	case err == nil:
		return ""
	case errors.As(err, &typ):
		return fmt.Sprintf("Invalid request: %s must be %s, got %s", typ.Field, kindName(typ.Type), typ.Value)
	default:
		return msgMalformedJSON
	}
}

func kindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Bool:
		return "a boolean"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	default:
		return "a " + t.Kind().String()
	}
}
