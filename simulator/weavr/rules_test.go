package weavr

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestValidateUpdate(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []InvalidField // nil: valid
	}{
		{"empty object is valid", `{}`, nil},
		{"full valid request", `{"tag":"t_1-x","name":"Anne-Marie O'Neil","surname":"Smith","email":"o'neil@example.com",
			"mobile":{"countryCode":"+356","number":"79123456"},"dateOfBirth":{"year":1980,"month":1,"day":2},
			"address":{"addressLine1":"1 Main St","postCode":"VLT 1000","state":"Malta","country":"MT"},
			"baseCurrency":"EUR","occupation":"ACCOUNTING","sourceOfFunds":"RENT","nationality":"MT",
			"userTag":"u1","locale":"en-GB","brand":"Acme1","resetMobileCounter":true,"feeGroup":"X","placeOfBirth":"Rabat"}`, nil},
		{"name with digits", `{"name":"R2D2"}`, fields("", "name", "REGEX")},
		{"name with symbol", `{"surname":"a_b"}`, fields("", "surname", "REGEX")},
		{"name too long", `{"name":"Abcdefghijklmnopqrstu"}`, fields("", "name", "SIZE")},
		{"name 20 characters ok", `{"name":"Abcdefghijklmnopqrst"}`, nil},
		{"email without at", `{"email":"abc"}`, fields("", "email", "REGEX")},
		{"email trailing dot", `{"email":"x.@d.com"}`, fields("", "email", "REGEX")},
		{"email without tld", `{"email":"x@d"}`, fields("", "email", "REGEX")},
		{"mobile without countryCode", `{"mobile":{"number":"79123456"}}`, fields("mobile", "countryCode", "REQUIRED")},
		{"mobile without number", `{"mobile":{"countryCode":"+356"}}`, fields("mobile", "number", "REQUIRED")},
		{"mobile empty object", `{"mobile":{}}`, fields("mobile", "countryCode", "REQUIRED", "mobile", "number", "REQUIRED")},
		{"empty countryCode", `{"mobile":{"countryCode":"","number":"1"}}`, fields("mobile", "countryCode", "REGEX", "mobile", "countryCode", "SIZE")},
		{"countryCode without plus", `{"mobile":{"countryCode":"356","number":"1"}}`, fields("mobile", "countryCode", "REGEX")},
		{"countryCode too long", `{"mobile":{"countryCode":"+3561","number":"1"}}`, fields("mobile", "countryCode", "SIZE")},
		{"number with letters", `{"mobile":{"countryCode":"+1","number":"79a"}}`, fields("mobile", "number", "REGEX")},
		{"number too long", `{"mobile":{"countryCode":"+1","number":"1234567890123"}}`, fields("mobile", "number", "REGEX")},
		{"year too small", `{"dateOfBirth":{"year":1800,"month":1,"day":1}}`, fields("dateOfBirth", "year", "AT_LEAST")},
		{"year too big", `{"dateOfBirth":{"year":2101,"month":1,"day":1}}`, fields("dateOfBirth", "year", "AT_MOST")},
		{"month 0 and day 32", `{"dateOfBirth":{"year":1990,"month":0,"day":32}}`, fields("dateOfBirth", "month", "AT_LEAST", "dateOfBirth", "day", "AT_MOST")},
		{"date parts missing", `{"dateOfBirth":{}}`, fields("dateOfBirth", "year", "REQUIRED", "dateOfBirth", "month", "REQUIRED", "dateOfBirth", "day", "REQUIRED")},
		{"address without country", `{"address":{"city":"Valletta"}}`, fields("address", "country", "REQUIRED")},
		{"address lower-case country", `{"address":{"country":"mt"}}`, fields("address", "country", "REGEX")},
		{"address 3-letter country", `{"address":{"country":"MLT"}}`, fields("address", "country", "SIZE")},
		{"postCode symbols and length", `{"address":{"country":"MT","postCode":"VLT_1000_ABC"}}`, fields("address", "postCode", "REGEX", "address", "postCode", "SIZE")},
		{"state too long", `{"address":{"country":"MT","state":"` + repeat("s", 51) + `"}}`, fields("address", "state", "SIZE")},
		{"tag empty", `{"tag":""}`, fields("", "tag", "REGEX")},
		{"tag with space", `{"tag":"a b"}`, fields("", "tag", "REGEX")},
		{"tag too long", `{"tag":"` + repeat("t", 51) + `"}`, fields("", "tag", "SIZE")},
		{"userTag bad", `{"userTag":"a!"}`, fields("", "userTag", "REGEX")},
		{"baseCurrency lower", `{"baseCurrency":"eur"}`, fields("", "baseCurrency", "REGEX")},
		{"baseCurrency 4 letters", `{"baseCurrency":"EURO"}`, fields("", "baseCurrency", "SIZE")},
		{"nationality bad", `{"nationality":"M1"}`, fields("", "nationality", "REGEX")},
		{"locale bad", `{"locale":"en_GB"}`, fields("", "locale", "REGEX")},
		{"locale too long", `{"locale":"en-GBR"}`, fields("", "locale", "REGEX", "", "locale", "SIZE")},
		{"locale two letters", `{"locale":"en"}`, nil},
		{"brand with space", `{"brand":"Acme Co"}`, fields("", "brand", "REGEX")},
		{"brand too long", `{"brand":"` + repeat("b", 26) + `"}`, fields("", "brand", "SIZE")},
		{"occupation not in enum", `{"occupation":"PILOT"}`, fields("", "occupation", "IN")},
		{"sourceOfFunds not in enum", `{"sourceOfFunds":"LOTTERY"}`, fields("", "sourceOfFunds", "IN")},
		{"several fields in schema order", `{"brand":"a b","name":"1","tag":" "}`, fields("", "tag", "REGEX", "", "name", "REGEX", "", "brand", "REGEX")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r updateRequest
			if err := json.Unmarshal([]byte(tt.body), &r); err != nil {
				t.Fatal(err)
			}
			got := validateUpdate(&r, 4)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("validateUpdate(%s)\n got  %+v\n want %+v", tt.body, got, tt.want)
			}
		})
	}
}

func TestCountryCodeMaxLengthIsConfigurable(t *testing.T) {
	cc := "+35612"
	r := updateRequest{Mobile: &mobileRequest{CountryCode: &cc, Number: &cc}}
	if got := validateUpdate(&r, 6); len(got) != 1 || got[0].FieldName != "number" {
		t.Errorf("with max 6: %+v", got)
	}
	want := fields("mobile", "countryCode", "SIZE", "mobile", "number", "REGEX")
	if got := validateUpdate(&r, 4); !reflect.DeepEqual(got, want) {
		t.Errorf("with max 4: got %+v, want %+v", got, want)
	}
}

func TestValidEmail(t *testing.T) {
	for email, want := range map[string]bool{
		"a@example.com": true, "o'neil@example.co.uk": true, "first.last+tag@sub.example.org": true,
		"abc": false, "x.@d.com": false, ".x@d.com": false, "a..b@d.com": false, "a@": false, "@d.com": false,
		"a@d": false, "a b@d.com": false, "a@-d.com": false, "a@d.c": false,
	} {
		if got := validEmail(email); got != want {
			t.Errorf("validEmail(%q) = %v, want %v", email, got, want)
		}
	}
}

// fields builds invalidFields from (parent, field, kind) triples; parent ""
// is the top level.
func fields(triples ...string) []InvalidField {
	var out []InvalidField
	for i := 0; i < len(triples); i += 3 {
		params := []string{}
		if triples[i] != "" {
			params = []string{triples[i]}
		}
		out = append(out, InvalidField{Params: params, FieldName: triples[i+1], Error: triples[i+2]})
	}
	return out
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }
