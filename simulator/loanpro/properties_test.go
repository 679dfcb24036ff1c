package loanpro_test

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// withoutLastUpdate decodes a {"d":{…}} answer without its lastUpdate,
// which every accepted PUT advances.
func withoutLastUpdate(t *testing.T, body []byte) map[string]any {
	t.Helper()
	d := entity(t, body)
	delete(d, "lastUpdate")
	return d
}

// TestPropertiesTheSandboxDoesNotEdit: a property of Entity.Customer that
// PUT does not edit in the sandbox, or a nested object other than the
// addresses and phones, is accepted when it changes nothing and refused,
// named, when it would change something; an unknown name is a typo. A
// refused PUT changes nothing, and an accepted one changes nothing but
// lastUpdate.
func TestPropertiesTheSandboxDoesNotEdit(t *testing.T) {
	notChanged := func(field, current string) string {
		return "Field '" + field + "' cannot be changed through PUT Customers(id) in the sandbox (it edits the fields of \"Edit basic customer information\"): send its current value " + current + " or leave it out."
	}
	notEdited := func(nav string) string {
		return "Nested object '" + nav + "' cannot be edited through PUT Customers(id) in the sandbox, which edits PrimaryAddress, MailAddress and Phones: leave it out or send it unchanged."
	}
	tests := []struct {
		name, id, body string
		msg            string // "": accepted
	}{
		{"a typo", "1", `{"fristName":"Jon"}`, "Unknown field 'fristName': Entity.Customer has no such property (property names are case-sensitive)."},
		{"a name in another case", "1", `{"firstName":"Jon","SSN":"123456789"}`, "Unknown field 'SSN': Entity.Customer has no such property (property names are case-sensitive)."},
		{"creditLimit changed", "4", `{"creditLimit":30000}`, notChanged("creditLimit", "25000")},
		{"customerId set", "1", `{"customerId":"X-1"}`, notChanged("customerId", "null")},
		{"a stale lastUpdate", "1", `{"lastUpdate":"/Date(1)/"}`, notChanged("lastUpdate", `"/Date(1496956419)/"`)},
		{"active cleared", "1", `{"active":0}`, notChanged("active", "1")},
		{"mcId as a float", "1", `{"mcId":87350.5}`, notChanged("mcId", "87350")},
		{"Employer with data", "1", `{"Employer":{"title":"Owner","__update":true,"__id":1}}`, notEdited("Employer")},
		{"Employer given to a customer without one", "5", `{"Employer":{"companyName":"X"}}`, notEdited("Employer")},
		{"Employer removed", "1", `{"Employer":null}`, notEdited("Employer")},
		{"a reference added", "1", `{"References":{"results":[{"name":"Ann Roe","relation":"customerReference.Relation.friend"}]}}`, notEdited("References")},
		{"CustomFieldValues with a value", "1", `{"CustomFieldValues":{"results":[{"customFieldId":3,"customFieldValue":"x"}]}}`, notEdited("CustomFieldValues")},
		{"the first refused property is named", "1", `{"creditLimit":1,"Employer":{"title":"x"}}`, notEdited("Employer")},

		{"creditLimit unchanged, as a number and as a string", "4", `{"creditLimit":25000,"creditScoreId":"4"}`, ""},
		{"flags as numbers, strings and booleans", "1", `{"active":true,"ofacMatch":"0","hasAvatar":false,"ofacTested":0}`, ""},
		{"dates as GET renders them, in seconds and as input dates", "1", `{"created":"/Date(1493234716)/","lastUpdate":1496956419,"birthDate":"1980-07-17"}`, ""},
		{"created as an input date", "1", `{"created":"2017-04-26 19:25:16"}`, ""},
		{"nulls that are null", "1", `{"customerId":null,"loanRole":null,"companyName":null}`, ""},
		{"navigation properties as __deferred links", "1", `{"Employer":{"__deferred":{"uri":"Customers(id=1)/Employer"}},"PrimaryAddress":{"__deferred":{"uri":"Customers(id=1)/PrimaryAddress"}},"Phones":{"__deferred":{"uri":"Customers(id=1)/Phones"}}}`, ""},
		{"empty objects and collections", "1", `{"CustomFieldValues":{},"Notes":{"results":[]},"References":{"results":[]}}`, ""},
		{"no Employer for a customer without one", "5", `{"Employer":null}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t)
			path := base + "/Customers(" + tt.id + ")"
			before := sb.Do(t, "GET", path, "", auth()...).Body
			w := sb.Do(t, "PUT", path, tt.body, auth()...)
			if tt.msg == "" {
				if w.Status != 200 {
					t.Fatalf("want 200, got %d %s", w.Status, w.Body)
				}
				if got := withoutLastUpdate(t, sb.Do(t, "GET", path, "", auth()...).Body); !reflect.DeepEqual(got, withoutLastUpdate(t, before)) {
					t.Errorf("an unchanged property changed the customer:\nbefore %s\nafter  %v", before, got)
				}
				return
			}
			want := `{"error":{"message":` + jsonString(tt.msg) + `,"type":"ValidationException","code":409}}`
			if w.Status != 409 || string(w.Body) != want {
				t.Fatalf("got %d %s\nwant 409 %s", w.Status, w.Body, want)
			}
			if after := sb.Do(t, "GET", path, "", auth()...).Body; string(after) != string(before) {
				t.Errorf("a refused PUT changed the customer:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestEntitySentBackAsRead: a client that sends back the entity it read
// (as the SDK, which rebuilds entities from d, may), its birthDate as an
// input date (the only forms LoanPro takes), gets 200 and changes
// nothing; so does one sending back nested objects the sandbox does not
// edit, expanded; the same objects changed are refused.
func TestEntitySentBackAsRead(t *testing.T) {
	sb := newSandbox(t)
	for _, id := range []string{"1", "4", "5", "17"} {
		path := base + "/Customers(" + id + ")"
		read := sb.Do(t, "GET", path, "", auth()...).Body
		d := entity(t, read)
		if bd, ok := d["birthDate"].(string); ok {
			secs, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(bd, "/Date("), ")/"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			d["birthDate"] = time.Unix(secs, 0).UTC().Format(time.DateOnly)
		}
		body, _ := json.Marshal(d)
		if w := sb.Do(t, "PUT", path, string(body), auth()...); w.Status != 200 || !reflect.DeepEqual(withoutLastUpdate(t, w.Body), withoutLastUpdate(t, read)) {
			t.Errorf("customer %s sent back: %d %s", id, w.Status, w.Body)
		}
	}
	const nav = "Employer,CreditScore,References,PaymentAccounts,Loans"
	read := entity(t, sb.Do(t, "GET", base+"/Customers(1)?$expand="+nav, "", auth()...).Body)
	echo := map[string]any{}
	for _, k := range []string{"Employer", "CreditScore", "References", "PaymentAccounts", "Loans"} {
		echo[k] = read[k]
	}
	body, _ := json.Marshal(echo)
	if w := sb.Do(t, "PUT", base+"/Customers(1)", string(body), auth()...); w.Status != 200 {
		t.Fatalf("expanded nested objects sent back: %d %s", w.Status, w.Body)
	}
	read["CreditScore"].(map[string]any)["equifaxScore"] = 800
	body, _ = json.Marshal(map[string]any{"CreditScore": read["CreditScore"]})
	if w := sb.Do(t, "PUT", base+"/Customers(1)", string(body), auth()...); w.Status != 409 {
		t.Fatalf("a changed CreditScore: %d %s", w.Status, w.Body)
	}
	if g := entity(t, sb.Do(t, "GET", base+"/Customers(1)?$expand=CreditScore", "", auth()...).Body); g["CreditScore"].(map[string]any)["equifaxScore"] != 712.0 {
		t.Errorf("the refused CreditScore was stored: %v", g["CreditScore"])
	}
}
