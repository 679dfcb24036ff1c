package weavr_test

import (
	"flag"
	"net/http"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

const invalid = `{"message":"Invalid request","syntaxErrors":{"invalidFields":[`

// TestPatchNamesAreCaseSensitive: property names match exactly, as on
// Weavr's Java stack; a wrongly-cased name is an unknown property, ignored.
func TestPatchNamesAreCaseSensitive(t *testing.T) {
	tests := []struct{ name, body string }{
		{"upper case", `{"NAME":"Bobby"}`},
		{"title case", `{"Name":"Bobby","Surname":"Tables"}`},
		{"escaped wrong case", `{"N\u0041ME":"Bobby"}`},
		{"nested", `{"address":{"City":"Rabat","country":"MT"}}`},
		{"wrongly-cased object", `{"Address":{"city":"Rabat","country":"MT"},"MOBILE":{"countryCode":"+44","number":"1"}}`},
		{"wrongly-cased date", `{"DateOfBirth":{"year":1999,"month":1,"day":1}}`},
		{"wrong type under a wrong name is no type error", `{"NAME":42,"Mobile":"x"}`},
		{"rule breach under a wrong name is no 400", `{"TAG":"!!","Locale":"xx-xx-xx"}`},
		{"duplicate: the exact name wins", `{"name":"Alice","NAME":"Bobby"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			tok := s.login("alice@example.com")
			before := s.get(tok).JSON(t)
			r := s.patch(tok, tt.body)
			expectStatus(t, r, 200)
			after := r.JSON(t)
			b1, _ := jsonMarshal(before)
			b2, _ := jsonMarshal(after)
			if tt.name == "nested" { // address is replaced; City is not city
				a := after["rootUser"].(map[string]any)["address"].(map[string]any)
				if a["city"] != nil || a["country"] != "MT" {
					t.Errorf("address %v", a)
				}
				return
			}
			if string(b1) != string(b2) {
				t.Errorf("a wrongly-cased name changed the consumer:\n%s\n%s", b1, b2)
			}
		})
	}
}

// TestLoginNamesAreCaseSensitive: wrongly-cased names log nobody in; the
// request then lacks email/password, the vendor's 400 REQUIRED.
func TestLoginNamesAreCaseSensitive(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"all upper case", `{"EMAIL":"alice@example.com","PASSWORD":{"VALUE":"Passw0rd!"}}`,
			invalid + `{"params":[],"fieldName":"email","error":"REQUIRED"},{"params":[],"fieldName":"password","error":"REQUIRED"}]}}`},
		{"title case email", `{"Email":"alice@example.com","password":{"value":"Passw0rd!"}}`,
			invalid + `{"params":[],"fieldName":"email","error":"REQUIRED"}]}}`},
		{"upper case value", `{"email":"alice@example.com","password":{"VALUE":"Passw0rd!"}}`,
			invalid + `{"params":["password"],"fieldName":"value","error":"REQUIRED"}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			expect(t, s.do("POST", "/multi/login_with_password", std(""), tt.body), 400, tt.want)
		})
	}
	t.Run("verify email", func(t *testing.T) {
		s := newSandbox(t)
		expect(t, s.do("POST", "/multi/consumers/verification/email/verify", std(""), `{"Email":"alice@example.com","verificationCode":"123456"}`), 400,
			invalid+`{"params":[],"fieldName":"email","error":"REQUIRED"}]}}`)
	})
}

// TestStrictUnknownFields: off (the default), unknown properties are
// ignored; on, each is a 400 invalidFields entry (error IN, params its
// parents, fieldName its name as sent), before the rules' entries.
func TestStrictUnknownFields(t *testing.T) {
	tests := []struct {
		name, path, body string
		offStatus        int
		strictStatus     int
		strictWant       string
	}{
		{"wrong case", "/multi/consumers", `{"NAME":"Bobby"}`, 200, 400, invalid + `{"params":[],"fieldName":"NAME","error":"IN"}]}}`},
		{"nested, several", "/multi/consumers", `{"address":{"Cityy":"x","country":"MT"},"foo":{"bar":1},"tag":"ok"}`, 200, 400,
			invalid + `{"params":["address"],"fieldName":"Cityy","error":"IN"},{"params":[],"fieldName":"foo","error":"IN"}]}}`},
		{"with a rule breach", "/multi/consumers", `{"x":1,"name":"R2D2"}`, 400, 400,
			invalid + `{"params":[],"fieldName":"x","error":"IN"},{"params":[],"fieldName":"name","error":"REGEX"}]}}`},
		{"known names only", "/multi/consumers", `{"tag":"ok","address":{"city":"x","country":"MT"}}`, 200, 200, ""},
		{"login", "/multi/login_with_password", `{"EMAIL":"alice@example.com","password":{"value":"Passw0rd!","Value":"x"}}`, 400, 400,
			invalid + `{"params":[],"fieldName":"EMAIL","error":"IN"},{"params":["password"],"fieldName":"Value","error":"IN"},{"params":[],"fieldName":"email","error":"REQUIRED"}]}}`},
		{"verify email", "/multi/consumers/verification/email/verify", `{"email":"alice@example.com","verificationCode":"123456","extra":true}`, 204, 400,
			invalid + `{"params":[],"fieldName":"extra","error":"IN"}]}}`},
	}
	for _, strict := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(map[bool]string{false: "off ", true: "on "}[strict]+tt.name, func(t *testing.T) {
				s := newSandbox(t, withSettings(func(w *weavr.Settings) { w.StrictUnknownFields = strict }))
				tok := s.login("alice@example.com")
				before := s.get(tok).Body
				method := "POST"
				if tt.path == "/multi/consumers" {
					method = "PATCH"
				}
				r := s.do(method, tt.path, std(tok), tt.body)
				if strict && tt.strictStatus == 400 {
					expect(t, r, 400, tt.strictWant)
					if after := s.get(tok).Body; string(after) != string(before) {
						t.Error("a refused request changed the consumer")
					}
					return
				}
				expectStatus(t, r, tt.offStatus)
			})
		}
	}
}

// TestStrictUnknownFieldsFlag: the flag is registered by the weavr plugin.
func TestStrictUnknownFieldsFlag(t *testing.T) {
	p := weavr.Plugin()
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	p.Flags(fs)
	if err := fs.Parse([]string{"--strict-unknown-fields"}); err != nil {
		t.Fatal(err)
	}
	if !p.Settings().(*weavr.Settings).StrictUnknownFields {
		t.Error("--strict-unknown-fields did not set StrictUnknownFields")
	}
	if weavr.DefaultSettings().StrictUnknownFields {
		t.Error("strict mode is on by default")
	}
}

// TestLoginPasswordSize: SensitivePassword.value has maxLength 100.
func TestLoginPasswordSize(t *testing.T) {
	s := newSandbox(t)
	body := func(pw string) string { return `{"email":"alice@example.com","password":{"value":"` + pw + `"}}` }
	expect(t, s.do("POST", "/multi/login_with_password", std(""), body(strings.Repeat("x", 101))), 400,
		invalid+`{"params":["password"],"fieldName":"value","error":"SIZE"}]}}`)
	expect(t, s.do("POST", "/multi/login_with_password", std(""), body(strings.Repeat("é", 100))), http.StatusForbidden, "") // 100 characters: a wrong password
}
