package loanpro

import (
	"strings"
	"testing"
	"time"
)

func TestDecodeObject(t *testing.T) {
	tests := []struct {
		body    string
		mention string // "": valid
	}{
		{`{}`, ""},
		{` {"a":1} `, ""},
		{``, "empty"},
		{`   `, "empty"},
		{`{"firstName":`, "not valid JSON"},
		{`{"a":1}{"b":2}`, "not valid JSON"},
		{`{'a':1}`, "not valid JSON"},
		{`[1,2]`, "got array"},
		{`"text"`, "got string"},
		{`42`, "got number"},
		{`null`, "got null"},
		{`true`, "got boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			_, err := decodeObject([]byte(tt.body))
			if tt.mention == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.msg, tt.mention) {
				t.Fatalf("got %v, want a message mentioning %q", err, tt.mention)
			}
		})
	}
}

func TestParsePatch(t *testing.T) {
	s := testService(t, 0)
	day := func(v string) time.Time { d, _ := parseDate(v); return d }
	tests := []struct {
		name, body string
		err        string // substring of the error; "" = valid
		check      func(p *patch) bool
	}{
		{"seed page body", `{"status":"Active","customerType":"customer.type.individual","customerIdType":"customer.idType.ssn","birthDate":"1980-07-17","firstName":"John","middleName":"H.","lastName":"Doe","ssn":"123456789","driverLicense":"AL3730","email":"j@example.com","accessUserName":"johndoe","accessPassword":"password123!","generationCode":"customer.generationCode.none","gender":"customer.gender.male","customId":"ABC123","__ignoreWarnings":true}`, "",
			func(p *patch) bool {
				return p.ignoreWarnings && p.firstName.v == "John" && p.birthDate.v.Equal(day("1980-07-17")) && p.customID.v == "ABC123"
			}},
		{"absent fields stay absent", `{"firstName":"A"}`, "", func(p *patch) bool { return !p.lastName.present && !p.email.present }},
		{"null clears", `{"middleName":null}`, "", func(p *patch) bool { return p.middleName.present && p.middleName.null }},
		{"datetime form", `{"birthDate":"1980-07-17 10:11:12"}`, "", func(p *patch) bool {
			return p.birthDate.v.Equal(time.Date(1980, 7, 17, 10, 11, 12, 0, time.UTC))
		}},
		{"all generation codes", `{"generationCode":"customer.generationCode.viii"}`, "", nil},
		{"flooring type", `{"customerType":"customer.type.flooringCustomer"}`, "", nil},
		{"id as string", `{"id":"1","__id":1,"__update":true}`, "", nil},
		{"first error in field order", `{"gender":"x","status":"y"}`, "'status'", nil},
		{"enum lists allowed values", `{"gender":"x"}`, "customer.gender.female, customer.gender.male, customer.gender.unknown", nil},
		{"status list", `{"status":"Gold"}`, "Active, Inactive, Lead", nil},
		{"date format", `{"birthDate":"1980/07/17"}`, "YYYY-MM-DD", nil},
		{"ssn letters", `{"ssn":"12345678a"}`, "nine digits", nil},
		{"ssn ten digits", `{"ssn":"1234567890"}`, "nine digits", nil},
		{"email two ats", `{"email":"a@b@example.com"}`, "not an email", nil},
		{"email leading dot domain", `{"email":"a@.example.com"}`, "not an email", nil},
		{"email double dot", `{"email":"a..b@example.com"}`, "not an email", nil},
		{"type error shows value", `{"customId":{"a":1}}`, `got object {"a":1}`, nil},
		{"long value shortened", `{"customId":` + strings.Repeat("1", 100) + `}`, "…", nil},
		{"id mismatch", `{"id":9}`, "endpoint is Customers(id=1)", nil},
		{"id negative", `{"__id":-1}`, "'-1'", nil},
		{"__ignoreWarnings null is false", `{"__ignoreWarnings":null}`, "", func(p *patch) bool { return !p.ignoreWarnings }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, derr := decodeObject([]byte(tt.body))
			if derr != nil {
				t.Fatal(derr)
			}
			p, err := s.parsePatch(obj, 1)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.msg, tt.err) {
					t.Fatalf("got %v, want error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil && !tt.check(p) {
				t.Errorf("unexpected patch %+v", p)
			}
		})
	}
}

func TestApplyCrossFieldRules(t *testing.T) {
	individual := Customer{CustomerType: typeIndividual, FirstName: "A", LastName: "B"}
	company := Customer{CustomerType: typeCompany, CompanyName: some("Co")}
	tests := []struct {
		name string
		cur  Customer
		p    patch
		err  string
	}{
		{"individual ok", individual, patch{}, ""},
		{"individual loses first name", individual, patch{firstName: opt[string]{present: true, v: ""}}, "firstName"},
		{"individual to company without name", individual, patch{customerType: opt[string]{present: true, v: typeCompany}}, "companyName"},
		{"company ok without person names", company, patch{}, ""},
		{"company clears its name", company, patch{companyName: opt[string]{present: true, null: true}}, "companyName"},
		{"ssn empty clears", individual, patch{ssn: opt[string]{present: true, v: ""}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cur
			err := tt.p.apply(&c)
			if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.msg, tt.err)) {
				t.Fatalf("got %v, want %q", err, tt.err)
			}
			if tt.name == "ssn empty clears" && c.SSN.ok {
				t.Error("ssn not cleared")
			}
		})
	}
}

func TestSuspicious(t *testing.T) {
	s := testService(t, 0)
	for email, want := range map[string]bool{
		"a@mailinator.com": true, "A@MAILINATOR.COM": true, "x@sub.test": true, "noreply@example.com": true,
		"a@example.com": false, "mailinator.com@example.com": false, "a@mailinator.com.example.org": false,
	} {
		if got := s.suspicious(email); got != want {
			t.Errorf("suspicious(%q) = %v, want %v", email, got, want)
		}
	}
}
