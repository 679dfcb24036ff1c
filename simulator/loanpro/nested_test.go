package loanpro_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// Fixture customer 2 (Jane Doe): PrimaryAddress id 3 (77 Cedar Court),
// MailAddress id 4 (PO Box 1208), one phone, id 20 (3075550110, home,
// primary). Customer 1: addresses 1 and 2, phones 10 (cell, primary) and
// 11 (office, secondary). Customer 5 has no address and no phone.
const nestedExpand = "?$expand=PrimaryAddress,MailAddress,Phones"

// nested is the expanded nested part of a customer.
type nested struct {
	PrimaryAddress *addressOut
	MailAddress    *addressOut
	Phones         struct{ Results []phoneOut }
	LastUpdate     string `json:"lastUpdate"`
	FirstName      string `json:"firstName"`
}

type addressOut struct {
	ID             int
	Address1       string
	Address2       *string
	City           string
	State          string
	Zipcode        string
	Country        string
	GeoLat         *string
	IsVerified     int
	IsStandardized int
	Created        string
}

type phoneOut struct {
	ID          int
	EntityID    int
	Phone       string
	Type        string
	IsPrimary   int
	IsSecondary int
	DndEnabled  int
	IsLandLine  int
}

func getNested(t *testing.T, sb *sandbox, id string) (nested, []byte) {
	t.Helper()
	w := sb.Do(t, "GET", base+"/Customers("+id+")"+nestedExpand, "", auth()...)
	if w.Status != 200 {
		t.Fatalf("GET: %d %s", w.Status, w.Body)
	}
	var v struct{ D nested }
	if err := json.Unmarshal(w.Body, &v); err != nil {
		t.Fatalf("GET: %v %s", err, w.Body)
	}
	return v.D, w.Body
}

func phoneIDs(n nested) []int {
	var out []int
	for _, p := range n.Phones.Results {
		out = append(out, p.ID)
	}
	return out
}

// TestNestedEdits: each accepted nested edit, checked on the PUT answer and
// on a later GET with $expand and through the sub-resource.
func TestNestedEdits(t *testing.T) {
	tests := []struct {
		name, id, body string
		check          func(t *testing.T, n nested)
	}{
		{"edit PrimaryAddress", "2", `{"PrimaryAddress":{"address1":"1 Main St","city":"Chicago","state":"geo.state.IL","zipcode":"60601","country":"company.country.usa","__update":true,"__id":3}}`,
			func(t *testing.T, n nested) {
				a := n.PrimaryAddress
				if a.ID != 3 || a.Address1 != "1 Main St" || a.City != "Chicago" || a.State != "geo.state.IL" || a.Zipcode != "60601" {
					t.Errorf("PrimaryAddress %+v", a)
				}
				if a.Address2 == nil || *a.Address2 != "Apt 4B" {
					t.Errorf("address2 not sent but changed: %v", a.Address2)
				}
				if n.MailAddress.Address1 != "PO Box 1208" {
					t.Errorf("MailAddress changed: %+v", n.MailAddress)
				}
			}},
		{"edit MailAddress, flags as strings, id as string, old __id: key", "2", `{"MailAddress":{"address2":null,"isVerified":"1","isStandardized":1,"geoLat":"43.02","__update":true,"__id:":"4"}}`,
			func(t *testing.T, n nested) {
				a := n.MailAddress
				if a.ID != 4 || a.Address1 != "PO Box 1208" || a.Address2 != nil || a.IsVerified != 1 || a.IsStandardized != 1 || a.GeoLat == nil || *a.GeoLat != "43.02" {
					t.Errorf("MailAddress %+v", a)
				}
			}},
		{"MailingAddress spelling", "2", `{"MailingAddress":{"city":"Lander","__update":true,"__id":4}}`,
			func(t *testing.T, n nested) {
				if n.MailAddress.City != "Lander" || n.PrimaryAddress.City != "Riverton" {
					t.Errorf("MailAddress %+v", n.MailAddress)
				}
			}},
		{"create the address of a customer without one", "5", `{"PrimaryAddress":{"address1":"9 Elm St","city":"Dover","state":"geo.state.DE","zipcode":"19901"}}`,
			func(t *testing.T, n nested) {
				a := n.PrimaryAddress
				if a == nil || a.ID != 9 || a.Address1 != "9 Elm St" || a.Country != "company.country.usa" || a.Created != dateOf(testNow) {
					t.Errorf("PrimaryAddress %+v", a)
				}
				if n.MailAddress != nil {
					t.Errorf("MailAddress appeared: %+v", n.MailAddress)
				}
			}},
		{"edit a phone, flags as numbers and strings", "2", `{"Phones":{"results":[{"phone":"(307) 555-0111","isPrimary":"1","isSecondary":0,"dndEnabled":1,"type":"customer.phoneType.cell","__update":true,"__id":20}]}}`,
			func(t *testing.T, n nested) {
				if len(n.Phones.Results) != 1 {
					t.Fatalf("phones %+v", n.Phones.Results)
				}
				p := n.Phones.Results[0]
				if p.ID != 20 || p.Phone != "3075550111" || p.Type != "customer.phoneType.cell" || p.IsPrimary != 1 || p.DndEnabled != 1 || p.IsLandLine != 0 {
					t.Errorf("phone %+v", p)
				}
			}},
		{"add a phone", "2", `{"Phones":{"results":[{"phone":"3075550122","isPrimary":"0","isSecondary":"1","type":"customer.phoneType.home"}]}}`,
			func(t *testing.T, n nested) {
				if got := phoneIDs(n); len(got) != 2 || got[0] != 20 || got[1] != 21 {
					t.Fatalf("phone ids %v", got)
				}
				p := n.Phones.Results[1]
				if p.EntityID != 2 || p.Phone != "3075550122" || p.IsSecondary != 1 || p.IsPrimary != 0 || p.IsLandLine != 1 {
					t.Errorf("added phone %+v", p)
				}
			}},
		{"add with the default type", "5", `{"Phones":{"results":[{"phone":"2015550100"}]}}`,
			func(t *testing.T, n nested) {
				if len(n.Phones.Results) != 1 || n.Phones.Results[0].ID != 50 || n.Phones.Results[0].Type != "customer.phoneType.cell" {
					t.Errorf("phones %+v", n.Phones.Results)
				}
			}},
		{"destroy a phone", "1", `{"Phones":{"results":[{"__destroy":true,"__id":10}]}}`,
			func(t *testing.T, n nested) {
				if got := phoneIDs(n); len(got) != 1 || got[0] != 11 {
					t.Errorf("phone ids %v", got)
				}
			}},
		{"primary moves to another phone", "1", `{"Phones":{"results":[{"isPrimary":1,"__update":true,"__id":11}]}}`,
			func(t *testing.T, n nested) {
				ps := n.Phones.Results
				if ps[0].IsPrimary != 0 || ps[1].IsPrimary != 1 || ps[1].IsSecondary != 0 {
					t.Errorf("phones %+v", ps)
				}
			}},
		{"edit, add and destroy in one PUT with scalars", "1", `{"firstName":"Jon","PrimaryAddress":{"zipcode":"62702","__update":true,"__id":1},"Phones":{"results":[{"__destroy":true,"__id":11},{"phone":"2175550199","type":"customer.phoneType.office"},{"phone":"2175550143","__update":true,"__id":10}]}}`,
			func(t *testing.T, n nested) {
				if n.FirstName != "Jon" || n.PrimaryAddress.Zipcode != "62702" {
					t.Errorf("customer %+v", n)
				}
				if got := phoneIDs(n); len(got) != 2 || got[0] != 10 || got[1] != 12 || n.Phones.Results[0].Phone != "2175550143" {
					t.Errorf("phones %+v", n.Phones.Results)
				}
			}},
		{"read-only properties echoed from a GET are ignored", "1", `{"PrimaryAddress":{"__metadata":{},"id":1,"created":"x","active":1,"city":"Peoria","__update":true,"__id":1},"Phones":{"__metadata":{},"results":[{"__metadata":{},"id":10,"entityId":1,"entityType":"Entity.Customer","carrierName":null,"carrierVerified":0,"isLandLine":0,"active":1,"type":"customer.phoneType.home","__update":true,"__id":10}]}}`,
			func(t *testing.T, n nested) {
				if n.PrimaryAddress.City != "Peoria" || n.Phones.Results[0].Type != "customer.phoneType.home" || n.Phones.Results[0].IsLandLine != 1 {
					t.Errorf("customer %+v", n)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t)
			w := sb.Do(t, "PUT", base+"/Customers("+tt.id+")"+nestedExpand, tt.body, auth()...)
			if w.Status != 200 {
				t.Fatalf("PUT: %d %s", w.Status, w.Body)
			}
			var put struct{ D nested }
			if err := json.Unmarshal(w.Body, &put); err != nil {
				t.Fatal(err)
			}
			if put.D.LastUpdate != dateOf(testNow) {
				t.Errorf("lastUpdate %s", put.D.LastUpdate)
			}
			tt.check(t, put.D)
			got, _ := getNested(t, sb, tt.id)
			tt.check(t, got)
			// The sub-resources serve the same entities.
			for _, nav := range []string{"PrimaryAddress", "MailAddress", "Phones"} {
				sub := sb.Do(t, "GET", base+"/Customers("+tt.id+")/"+nav, "", auth()...)
				full := sb.Do(t, "GET", base+"/Customers("+tt.id+")?$expand="+nav, "", auth()...)
				var a struct{ D json.RawMessage }
				var b struct{ D map[string]json.RawMessage }
				if sub.Status != 200 || json.Unmarshal(sub.Body, &a) != nil || json.Unmarshal(full.Body, &b) != nil {
					t.Fatalf("%s: %d %s", nav, sub.Status, sub.Body)
				}
				if string(a.D) != string(b.D[nav]) {
					t.Errorf("%s sub-resource %s, expanded %s", nav, a.D, b.D[nav])
				}
			}
		})
	}
}

// TestNestedErrors: every rejected nested edit, with its exact message;
// the customer is left exactly as it was (all or nothing), even when the
// body also carries valid scalar fields and valid nested edits.
func TestNestedErrors(t *testing.T) {
	states := "geo.state.AA, geo.state.AE, geo.state.AK, geo.state.AL, geo.state.AP, geo.state.AR, geo.state.AS, geo.state.AZ, geo.state.CA, geo.state.CO, geo.state.CT, geo.state.DC, geo.state.DE, geo.state.FL, geo.state.FM, geo.state.GA, geo.state.GU, geo.state.HI, geo.state.IA, geo.state.ID, geo.state.IL, geo.state.IN, geo.state.KS, geo.state.KY, geo.state.LA, geo.state.MA, geo.state.MD, geo.state.ME, geo.state.MH, geo.state.MI, geo.state.MN, geo.state.MO, geo.state.MP, geo.state.MS, geo.state.MT, geo.state.NC, geo.state.ND, geo.state.NE, geo.state.NH, geo.state.NJ, geo.state.NM, geo.state.NV, geo.state.NY, geo.state.OH, geo.state.OK, geo.state.OR, geo.state.PA, geo.state.PR, geo.state.PW, geo.state.RI, geo.state.SC, geo.state.SD, geo.state.TN, geo.state.TX, geo.state.UT, geo.state.VA, geo.state.VI, geo.state.VT, geo.state.WA, geo.state.WI, geo.state.WV, geo.state.WY"
	phoneTypes := "customer.phoneType.cell, customer.phoneType.cellSmartPhone, customer.phoneType.fax, customer.phoneType.home, customer.phoneType.office, customer.phoneType.other"
	tests := []struct {
		name, id, body, msg string
	}{
		{"bad state", "2", `{"PrimaryAddress":{"state":"geo.state.NOPE","__update":true,"__id":3}}`,
			"Invalid value 'geo.state.NOPE' for field 'PrimaryAddress.state': expected one of " + states + "."},
		{"acceptance: bad state and foreign __id", "2", `{"PrimaryAddress":{"state":"geo.state.NOPE","__update":true,"__id":1}}`,
			"Invalid value 'geo.state.NOPE' for field 'PrimaryAddress.state': expected one of " + states + "."},
		{"bare state code", "2", `{"MailAddress":{"state":"IL","__update":true,"__id":4}}`,
			"Invalid value 'IL' for field 'MailAddress.state': expected one of " + states + "."},
		{"bad country", "2", `{"MailAddress":{"country":"USA","__update":true,"__id":4}}`,
			"Invalid value 'USA' for field 'MailAddress.country': expected one of company.country.usa, company.country.can."},
		{"bad phone type", "2", `{"Phones":{"results":[{"type":"cell","__update":true,"__id":20}]}}`,
			"Invalid value 'cell' for field 'Phones.results[0].type': expected one of " + phoneTypes + "."},
		{"customer.phone.type is not LoanPro's spelling", "2", `{"Phones":{"results":[{"type":"customer.phone.type.cell","__update":true,"__id":20}]}}`,
			"Invalid value 'customer.phone.type.cell' for field 'Phones.results[0].type': expected one of " + phoneTypes + "."},
		{"flag 2", "2", `{"Phones":{"results":[{"isPrimary":2,"__update":true,"__id":20}]}}`,
			"Invalid value '2' for field 'Phones.results[0].isPrimary': expected 0 or 1 (a number or a string) or a boolean."},
		{"flag yes", "2", `{"MailAddress":{"isVerified":"yes","__update":true,"__id":4}}`,
			"Invalid value 'yes' for field 'MailAddress.isVerified': expected 0 or 1 (a number or a string) or a boolean."},
		{"unknown address field", "2", `{"PrimaryAddress":{"street":"x","__update":true,"__id":3}}`,
			"Unknown field 'street' in PrimaryAddress: expected one of address1, address2, city, state, zipcode, country, geoLat, geoLon, isVerified, isStandardized, __update, __id, __destroy."},
		{"unknown phone field", "2", `{"Phones":{"results":[{"number":"3075550110","__update":true,"__id":20}]}}`,
			"Unknown field 'number' in Phones.results[0]: expected one of phone, type, isPrimary, isSecondary, dndEnabled, __update, __id, __destroy."},
		{"unknown Phones field", "2", `{"Phones":{"items":[]}}`,
			"Unknown field 'items' in Phones: expected one of results."},
		{"city number", "2", `{"PrimaryAddress":{"city":5,"__update":true,"__id":3}}`,
			"Invalid type for field 'PrimaryAddress.city': expected string, got number 5."},
		{"city null", "2", `{"PrimaryAddress":{"city":null,"__update":true,"__id":3}}`,
			"Field 'PrimaryAddress.city' cannot be null."},
		{"address1 empty", "2", `{"PrimaryAddress":{"address1":" ","__update":true,"__id":3}}`,
			"Field 'PrimaryAddress.address1' cannot be empty."},
		{"address not an object", "2", `{"PrimaryAddress":"1 Main St"}`,
			"Invalid type for field 'PrimaryAddress': expected object, got string \"1 Main St\"."},
		{"Phones an array", "2", `{"Phones":[{"phone":"3075550110"}]}`,
			"Invalid type for field 'Phones': expected object, got array [{\"phone\":\"3075550110\"}]."},
		{"Phones without results", "2", `{"Phones":{}}`,
			"Field 'Phones.results' is required: send the phones as {\"results\":[…]}."},
		{"Phones.results an object", "2", `{"Phones":{"results":{}}}`,
			"Invalid type for field 'Phones.results': expected array, got object {}."},
		{"phone number entry not an object", "2", `{"Phones":{"results":["3075550110"]}}`,
			"Invalid type for field 'Phones.results[0]': expected object, got string \"3075550110\"."},
		{"phone too short", "2", `{"Phones":{"results":[{"phone":"555"}]}}`,
			"Invalid value '555' for field 'Phones.results[0].phone': expected a phone number of 7 to 15 digits."},
		{"phone letters", "2", `{"Phones":{"results":[{"phone":"307555CALL"}]}}`,
			"Invalid value '307555CALL' for field 'Phones.results[0].phone': expected a phone number of 7 to 15 digits."},
		{"phone number as a number", "2", `{"Phones":{"results":[{"phone":3075550110}]}}`,
			"Invalid type for field 'Phones.results[0].phone': expected string, got number 3075550110."},
		{"add without phone", "2", `{"Phones":{"results":[{"type":"customer.phoneType.cell"}]}}`,
			"Field 'Phones.results[0].phone' is required to create the customer's phone."},
		{"__id not a number", "2", `{"PrimaryAddress":{"city":"X","__update":true,"__id":"three"}}`,
			"Invalid value 'three' for field 'PrimaryAddress.__id': expected a positive integer id."},
		{"__id zero", "2", `{"Phones":{"results":[{"phone":"3075550110","__update":true,"__id":0}]}}`,
			"Invalid value '0' for field 'Phones.results[0].__id': expected a positive integer id."},
		{"__update not a boolean", "2", `{"PrimaryAddress":{"city":"X","__update":"true","__id":3}}`,
			"Invalid type for field 'PrimaryAddress.__update': expected boolean, got string \"true\"."},
		{"__update without __id", "2", `{"Phones":{"results":[{"phone":"3075550110","__update":true}]}}`,
			"Field 'Phones.results[0].__id' is required with \"__update\": true: name the entity to edit."},
		{"__destroy without __id", "2", `{"Phones":{"results":[{"__destroy":true}]}}`,
			"Field 'Phones.results[0].__id' is required with \"__destroy\": true: name the phone to remove."},
		{"__destroy an address", "2", `{"MailAddress":{"__destroy":true,"__id":4}}`,
			"Field 'MailAddress.__destroy' is not supported: a customer's MailAddress cannot be removed, edit it with \"__update\": true and its \"__id\"."},
		{"same phone twice", "1", `{"Phones":{"results":[{"phone":"2175550100","__update":true,"__id":10},{"__destroy":true,"__id":10}]}}`,
			"Field 'Phones.results[1].__id' names CustomerPhones(id=10) again: edit or remove a phone once per request."},
		{"two primaries", "1", `{"Phones":{"results":[{"isPrimary":1,"__update":true,"__id":10},{"isPrimary":"1","__update":true,"__id":11}]}}`,
			"Only one phone can be isPrimary: Phones.results[0] and Phones.results[1] both set it."},
		{"primary and secondary", "1", `{"Phones":{"results":[{"isPrimary":1,"isSecondary":1,"__update":true,"__id":10}]}}`,
			"Phone Phones.results[0] cannot be both isPrimary and isSecondary."},
		{"both address spellings", "2", `{"MailAddress":{"city":"X","__update":true,"__id":4},"MailingAddress":{"city":"Y","__update":true,"__id":4}}`,
			"Fields 'MailAddress' and 'MailingAddress' name the same address: send one of them."},
		{"foreign address __id", "2", `{"PrimaryAddress":{"city":"X","__update":true,"__id":1}}`,
			"Invalid value '1' for field 'PrimaryAddress.__id': Address(id=1) is not the PrimaryAddress of Customers(id=2)."},
		{"the MailAddress id as PrimaryAddress", "2", `{"PrimaryAddress":{"city":"X","__update":true,"__id":4}}`,
			"Invalid value '4' for field 'PrimaryAddress.__id': Address(id=4) is not the PrimaryAddress of Customers(id=2)."},
		{"address __id on a customer without one", "5", `{"MailAddress":{"city":"X","__update":true,"__id":10}}`,
			"Invalid value '10' for field 'MailAddress.__id': Address(id=10) is not the MailAddress of Customers(id=5): the customer has none."},
		{"create needs the required fields", "5", `{"PrimaryAddress":{"address1":"9 Elm St","city":"Dover","zipcode":"19901"}}`,
			"Field 'PrimaryAddress.state' is required to create the customer's PrimaryAddress."},
		{"address without __id on a customer with one", "2", `{"MailAddress":{"city":"X"}}`,
			"Field 'MailAddress.__id' is required: Customers(id=2) already has a MailAddress (id 4); send \"__update\": true and \"__id\": 4 to edit it."},
		{"foreign phone __id", "2", `{"Phones":{"results":[{"phone":"3075550110","__update":true,"__id":10}]}}`,
			"Invalid value '10' for field 'Phones.results[0].__id': CustomerPhones(id=10) is not one of the Phones of Customers(id=2)."},
		{"destroy a foreign phone", "2", `{"Phones":{"results":[{"__destroy":true,"__id":11}]}}`,
			"Invalid value '11' for field 'Phones.results[0].__id': CustomerPhones(id=11) is not one of the Phones of Customers(id=2)."},
		{"all or nothing: valid scalars and edits, then a foreign phone", "2", `{"firstName":"Janet","email":"janet@example.com","PrimaryAddress":{"city":"Casper","__update":true,"__id":3},"Phones":{"results":[{"__destroy":true,"__id":20},{"phone":"3075550133"},{"phone":"3075550144","__update":true,"__id":999}]}}`,
			"Invalid value '999' for field 'Phones.results[2].__id': CustomerPhones(id=999) is not one of the Phones of Customers(id=2)."},
		{"all or nothing: valid scalars, then one bad nested field", "2", `{"firstName":"Janet","MailAddress":{"city":"Casper","__update":true,"__id":4},"Phones":{"results":[{"type":"customer.phoneType.pager","__update":true,"__id":20}]}}`,
			"Invalid value 'customer.phoneType.pager' for field 'Phones.results[0].type': expected one of " + phoneTypes + "."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t)
			_, before := getNested(t, sb, tt.id)
			w := sb.Do(t, "PUT", base+"/Customers("+tt.id+")", tt.body, auth()...)
			want := `{"error":{"message":` + jsonString(tt.msg) + `,"type":"ValidationException","code":409}}`
			if w.Status != 409 || string(w.Body) != want {
				t.Errorf("got %d %s\nwant 409 %s", w.Status, w.Body, want)
			}
			if _, after := getNested(t, sb, tt.id); string(after) != string(before) {
				t.Errorf("a rejected PUT changed the customer:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestNestedPhoneLimit: a customer keeps at most 20 phones.
func TestNestedPhoneLimit(t *testing.T) {
	sb := newSandbox(t)
	var items []string
	for i := 0; i < 19; i++ {
		items = append(items, `{"phone":"30755501`+string(rune('0'+i/10))+string(rune('0'+i%10))+`"}`)
	}
	w := sb.Do(t, "PUT", base+"/Customers(2)", `{"Phones":{"results":[`+strings.Join(items, ",")+`]},"__ignoreWarnings":true}`, auth()...)
	if w.Status != 200 {
		t.Fatalf("20 phones: %d %s", w.Status, w.Body)
	}
	w = sb.Do(t, "PUT", base+"/Customers(2)", `{"Phones":{"results":[{"phone":"3075550199"}]}}`, auth()...)
	if w.Status != 409 || !strings.Contains(string(w.Body), "Customers(id=2) would have 21 phones: at most 20.") {
		t.Fatalf("21 phones: %d %s", w.Status, w.Body)
	}
	// Destroying and adding keeps the count; ids are never reused and go
	// past the tenth phone.
	w = sb.Do(t, "PUT", base+"/Customers(2)"+nestedExpand, `{"Phones":{"results":[{"__destroy":true,"__id":20},{"phone":"3075550198"}]}}`, auth()...)
	if w.Status != 200 {
		t.Fatalf("destroy and add: %d %s", w.Status, w.Body)
	}
	n, _ := getNested(t, sb, "2")
	ids := phoneIDs(n)
	if len(ids) != 20 || ids[0] != 21 || ids[8] != 29 || ids[9] != 100_000_020_000 || ids[19] != 100_000_020_010 {
		t.Errorf("phone ids %v", ids)
	}
}

// TestNestedDuplicatePhoneWarning: a phone number the customer already
// has raises a transaction warning; __ignoreWarnings stores it.
func TestNestedDuplicatePhoneWarning(t *testing.T) {
	sb := newSandbox(t)
	body := `{"Phones":{"results":[{"phone":"217-555-0142","type":"customer.phoneType.home"}]}}`
	w := sb.Do(t, "PUT", base+"/Customers(1)", body, auth()...)
	want := `{"error":{"message":"Transaction warnings found.","type":"TransactionWarningException","code":409},"warnings":["Phone number 2175550142 already exists in the system (Customer ID 1: John Doe)."]}`
	if w.Status != 409 || string(w.Body) != want {
		t.Fatalf("got %d %s\nwant %s", w.Status, w.Body, want)
	}
	if n, _ := getNested(t, sb, "1"); len(n.Phones.Results) != 2 {
		t.Fatalf("a warned PUT stored a phone: %v", phoneIDs(n))
	}
	// Renumbering a phone to another's number warns too.
	if w := sb.Do(t, "PUT", base+"/Customers(1)", `{"Phones":{"results":[{"phone":"2175550142","__update":true,"__id":11}]}}`, auth()...); w.Status != 409 ||
		!strings.Contains(string(w.Body), "Phone number 2175550142 already exists") {
		t.Fatalf("renumber: %d %s", w.Status, w.Body)
	}
	// Re-sending a phone's own number is not a duplicate.
	if w := sb.Do(t, "PUT", base+"/Customers(1)", `{"Phones":{"results":[{"phone":"2175550142","__update":true,"__id":10}]}}`, auth()...); w.Status != 200 {
		t.Fatalf("same number: %d %s", w.Status, w.Body)
	}
	w = sb.Do(t, "PUT", base+"/Customers(1)"+nestedExpand, strings.Replace(body, "{\"Phones\"", "{\"__ignoreWarnings\":true,\"Phones\"", 1), auth()...)
	if w.Status != 200 {
		t.Fatalf("__ignoreWarnings: %d %s", w.Status, w.Body)
	}
	if n, _ := getNested(t, sb, "1"); len(n.Phones.Results) != 3 || n.Phones.Results[2].Phone != "2175550142" || n.Phones.Results[2].ID != 12 {
		t.Errorf("phones after __ignoreWarnings: %+v", n.Phones.Results)
	}
}

// TestNestedSessionsAreIsolated: nested edits stay in their session.
func TestNestedSessionsAreIsolated(t *testing.T) {
	sb := newSandbox(t)
	a := sb.Do(t, "PUT", base+"/Customers(2)", `{"Phones":{"results":[{"__destroy":true,"__id":20}]}}`, auth()...)
	if a.Status != 200 {
		t.Fatalf("PUT: %d %s", a.Status, a.Body)
	}
	other := newSandbox(t)
	if n, _ := getNested(t, other, "2"); len(n.Phones.Results) != 1 {
		t.Errorf("another sandbox sees the edit: %v", phoneIDs(n))
	}
}

// TestNestedGolden: whole bodies of a customer with its nested objects
// expanded, before and after a nested edit, and of the sub-resources.
func TestNestedGolden(t *testing.T) {
	tests := []struct{ name, method, target, body string }{
		{"get_expand_nested", "GET", base + "/Customers(2)" + nestedExpand, ""},
		{"get_expand_nested_generated", "GET", base + "/Customers(7)" + nestedExpand, ""},
		{"put_nested", "PUT", base + "/Customers(2)" + nestedExpand, `{"MailAddress":{"address1":"9 Mail Rd","city":"Peoria","state":"geo.state.IL","zipcode":"61602","country":"company.country.usa","__update":true,"__id":4},"Phones":{"results":[{"phone":"3075550111","isPrimary":"0","isSecondary":"1","type":"customer.phoneType.cell"}]}}`},
		{"get_nav_mail_address", "GET", base + "/Customers(2)/MailAddress", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t)
			w := sb.Do(t, tt.method, tt.target, tt.body, auth()...)
			if w.Status != 200 {
				t.Fatalf("%d %s", w.Status, w.Body)
			}
			golden(t, tt.name, w.Body)
		})
	}
}

// FuzzNestedUpdate sends arbitrary nested bodies to PUT Customers(id)
// (with $expand of the nested objects) for one of the five fixture
// customers, from a reset session.
//
// Invariants: no panic; 200 or 409 only; a 409 is LoanPro's error envelope
// and leaves the customer (nested objects included) exactly as it was; a
// 200 is what GET with the same $expand returns afterwards.
func FuzzNestedUpdate(f *testing.F) {
	sb := fuzzSandbox(f)
	seeds := []string{
		`{"PrimaryAddress":{"city":"Chicago","state":"geo.state.IL","__update":true,"__id":3}}`,
		`{"PrimaryAddress":{"state":"geo.state.NOPE","__update":true,"__id":1}}`,
		`{"MailAddress":{"isVerified":"1","__update":true,"__id":"4"}}`,
		`{"MailingAddress":{"city":"X","__update":true,"__id:":4}}`,
		`{"PrimaryAddress":{"address1":"1 A St","city":"B","state":"geo.state.DE","zipcode":"19901"}}`,
		`{"Phones":{"results":[{"__destroy":true,"__id":20}]}}`,
		`{"Phones":{"results":[{"phone":"3075550110"}]}}`,
		`{"Phones":{"results":[{"phone":"3075550111","isPrimary":1},{"__destroy":true,"__id":10}]}}`,
		`{"Phones":{"results":[{"isPrimary":"1","isSecondary":"0","__update":true,"__id":11}]},"__ignoreWarnings":true}`,
		`{"Phones":{"results":[{"type":"cell","__update":true,"__id":10}]}}`,
		`{"Phones":{"results":{}}}`,
		`{"Phones":[]}`,
		`{"PrimaryAddress":null}`,
		`{"firstName":"X","Phones":{"results":[{"phone":"2175550100"},{"__id":999,"__update":true}]}}`,
		`{"Phones":{"results":[{"phone":"3075550110"}]},"PrimaryAddress":{"address1":"PO Box 1208","city":"Riverton","state":"geo.state.WY","zipcode":"82501","__update":true,"__id":1}}`,
		`{"__ignoreWarnings":true,"MailAddress":{"address1":"77 Cedar Court","address2":"Apt 4B","city":"Riverton","state":"geo.state.WY","zipcode":"82501","__update":true,"__id":2}}`,
		`{"PrimaryAddress":{"__deferred":{"uri":"Customers(id=1)/PrimaryAddress"}},"Phones":{"__deferred":{}}}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, id uint8, body string) {
		path := base + "/Customers(" + strconv.Itoa(int(id)%5+1) + ")" + nestedExpand
		putKeepsInvariants(t, sb, path, body)
	})
}
