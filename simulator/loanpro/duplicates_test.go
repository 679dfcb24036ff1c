package loanpro_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
)

// warningBody is LoanPro's TransactionWarningException listing warnings,
// at the default warning status.
func warningBody(warnings ...string) string {
	b, _ := json.Marshal(warnings)
	return `{"error":{"message":"Transaction warnings found.","type":"TransactionWarningException","code":409},"warnings":` + string(b) + `}`
}

// Customer 2's addresses (fixtures): PrimaryAddress 3, 77 Cedar Court,
// Apt 4B, Riverton, WY 82501; MailAddress 4, PO Box 1208, Riverton, WY
// 82501. Customer 1's PrimaryAddress is 1, its MailAddress 2 (a copy).
const (
	janePrimary = `"address1":"77 Cedar Court","address2":"Apt 4B","city":"Riverton","state":"geo.state.WY","zipcode":"82501"`
	janeMail    = `"address1":"PO Box 1208","address2":null,"city":"Riverton","state":"geo.state.WY","zipcode":"82501"`
)

// TestDuplicateWarningsAcrossCustomers: a phone number or an address that
// another customer has raises a transaction warning naming it, exactly
// worded; nothing of the request is stored (all or nothing) until it is
// sent again with "__ignoreWarnings": true.
func TestDuplicateWarningsAcrossCustomers(t *testing.T) {
	tests := []struct {
		name, id, body string
		warnings       []string
	}{
		{"phone of another customer, formatted", "2", `{"Phones":{"results":[{"phone":"(217) 555-0142","type":"customer.phoneType.home"}]}}`,
			[]string{"Phone number 2175550142 already exists in the system (Customer ID 1: John Doe)."}},
		{"renumbering a phone to another customer's", "1", `{"Phones":{"results":[{"phone":"3075550110","__update":true,"__id":11}]}}`,
			[]string{"Phone number 3075550110 already exists in the system (Customer ID 2: Jane Doe)."}},
		{"PrimaryAddress of another customer, other case and spacing", "1", `{"PrimaryAddress":{"address1":"77  cedar COURT","address2":"apt 4b","city":"Riverton","state":"geo.state.WY","zipcode":"82501","__update":true,"__id":1}}`,
			[]string{"Address 77  cedar COURT, apt 4b, Riverton, WY 82501 already exists in the system (Customer ID 2: Jane Doe)."}},
		{"MailAddress equal to another customer's MailAddress", "3", `{"MailAddress":{` + janeMail + `,"__update":true,"__id":6}}`,
			[]string{"Address PO Box 1208, Riverton, WY 82501 already exists in the system (Customer ID 2: Jane Doe)."}},
		{"a partial edit that completes a duplicate", "2", `{"MailAddress":{"address1":"1234 Maple Avenue","city":"Springfield","state":"geo.state.IL","zipcode":"62701","__update":true,"__id":4}}`,
			[]string{"Address 1234 Maple Avenue, Springfield, IL 62701 already exists in the system (Customer ID 1: John Doe)."}},
		{"a created address", "5", `{"PrimaryAddress":{` + janeMail + `}}`,
			[]string{"Address PO Box 1208, Riverton, WY 82501 already exists in the system (Customer ID 2: Jane Doe)."}},
		{"every warning of one request, in order, each address once", "5", `{"email":"jane.doe@example.com","Phones":{"results":[{"phone":"2065550166"},{"phone":"2175550142"}]},"PrimaryAddress":{` + janeMail + `},"MailAddress":{` + janeMail + `},"firstName":"Rich"}`,
			[]string{
				"Email jane.doe@example.com already exists in the system (Customer ID 2: Jane Doe).",
				"Phone number 2065550166 already exists in the system (Customer ID 3: Mary Major).",
				"Phone number 2175550142 already exists in the system (Customer ID 1: John Doe).",
				"Address PO Box 1208, Riverton, WY 82501 already exists in the system (Customer ID 2: Jane Doe).",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t)
			_, before := getNested(t, sb, tt.id)
			w := sb.Do(t, "PUT", base+"/Customers("+tt.id+")", tt.body, auth()...)
			if want := warningBody(tt.warnings...); w.Status != 409 || string(w.Body) != want {
				t.Fatalf("got %d %s\nwant 409 %s", w.Status, w.Body, want)
			}
			if _, after := getNested(t, sb, tt.id); string(after) != string(before) {
				t.Fatalf("a warned PUT changed the customer:\nbefore %s\nafter  %s", before, after)
			}
			retry := strings.Replace(tt.body, "{", `{"__ignoreWarnings":true,`, 1)
			if w := sb.Do(t, "PUT", base+"/Customers("+tt.id+")", retry, auth()...); w.Status != 200 {
				t.Fatalf("__ignoreWarnings: %d %s", w.Status, w.Body)
			}
			if _, after := getNested(t, sb, tt.id); string(after) == string(before) {
				t.Fatalf("__ignoreWarnings stored nothing")
			}
		})
	}
}

// TestDuplicateWarningsAreNotRaised: what is not a duplicate, or not
// sent, raises nothing.
func TestDuplicateWarningsAreNotRaised(t *testing.T) {
	tests := []struct{ name, id, body string }{
		{"a customer's MailAddress may be its PrimaryAddress", "2", `{"MailAddress":{` + janePrimary + `,"__update":true,"__id":4}}`},
		{"its own address sent again", "2", `{"PrimaryAddress":{` + janePrimary + `,"__update":true,"__id":3}}`},
		{"another customer's address in another zipcode", "1", `{"PrimaryAddress":{"address1":"77 Cedar Court","address2":"Apt 4B","city":"Riverton","state":"geo.state.WY","zipcode":"82502","__update":true,"__id":1}}`},
		{"another customer's address without its address2", "1", `{"PrimaryAddress":{"address1":"77 Cedar Court","city":"Riverton","state":"geo.state.WY","zipcode":"82501","__update":true,"__id":1}}`},
		{"a fixture's area code with another number", "1", `{"Phones":{"results":[{"phone":"3075550189"}]}}`},
		{"flags and types only", "1", `{"PrimaryAddress":{"isVerified":1,"__update":true,"__id":1},"Phones":{"results":[{"type":"customer.phoneType.cellSmartPhone","__update":true,"__id":10}]}}`},
		{"a destroyed phone's number added back", "1", `{"Phones":{"results":[{"__destroy":true,"__id":10},{"phone":"2175550142"}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := newSandbox(t)
			if w := sb.Do(t, "PUT", base+"/Customers("+tt.id+")", tt.body, auth()...); w.Status != 200 {
				t.Fatalf("%d %s", w.Status, w.Body)
			}
		})
	}
}

// TestDuplicateWarningsFollowEdits: the indexes follow the session's
// edits: a number or address stored with __ignoreWarnings is found from
// the other side, and one moved away is no longer a duplicate; another
// session never sees them.
func TestDuplicateWarningsFollowEdits(t *testing.T) {
	sb := newSandbox(t)
	put := func(id, body string) sandboxtest.Result {
		t.Helper()
		return sb.Do(t, "PUT", base+"/Customers("+id+")", body, auth()...)
	}
	if w := put("5", `{"__ignoreWarnings":true,"Phones":{"results":[{"phone":"3075550110"}]},"PrimaryAddress":{`+janeMail+`}}`); w.Status != 200 {
		t.Fatalf("store duplicates: %d %s", w.Status, w.Body)
	}
	// Customer 2 re-sending its own number and MailAddress now meets customer 5.
	w := put("2", `{"Phones":{"results":[{"phone":"3075550110","__update":true,"__id":20}]},"MailAddress":{"city":"riverton","__update":true,"__id":4}}`)
	want := warningBody("Phone number 3075550110 already exists in the system (Customer ID 5: Richard Roe).",
		"Address PO Box 1208, riverton, WY 82501 already exists in the system (Customer ID 5: Richard Roe).")
	if w.Status != 409 || string(w.Body) != want {
		t.Fatalf("from the other side: %d %s\nwant %s", w.Status, w.Body, want)
	}
	// Customer 5 moves away: no longer a duplicate.
	if w := put("5", `{"Phones":{"results":[{"phone":"3075550177","__update":true,"__id":50}]},"PrimaryAddress":{"address1":"PO Box 99","__update":true,"__id":9}}`); w.Status != 200 {
		t.Fatalf("move away: %d %s", w.Status, w.Body)
	}
	if w := put("2", `{"Phones":{"results":[{"phone":"3075550110","__update":true,"__id":20}]},"MailAddress":{"city":"Riverton","__update":true,"__id":4}}`); w.Status != 200 {
		t.Fatalf("after the move: %d %s", w.Status, w.Body)
	}
	other := newSandbox(t)
	if w := other.Do(t, "PUT", base+"/Customers(1)", `{"Phones":{"results":[{"phone":"3075550177"}]}}`, auth()...); w.Status != 200 {
		t.Fatalf("another sandbox sees the edit: %d %s", w.Status, w.Body)
	}
}

// TestDuplicateWarningsFindGeneratedCustomers: the phones and addresses
// of generated customers are found, deep in a large data set, whichever
// the seed.
func TestDuplicateWarningsFindGeneratedCustomers(t *testing.T) {
	for _, seed := range []int64{1, 42} {
		sb := newSandbox(t, sandboxtest.WithSettings(func(s *loanpro.Settings) { s.Customers = 20_000 }),
			sandboxtest.WithConfig(func(c *simulator.Config) { c.Seed = seed }))
		n, _ := getNested(t, sb, "15000")
		name := entity(t, sb.Do(t, "GET", base+"/Customers(15000)", "", auth()...).Body)
		who := "(Customer ID 15000: " + name["firstName"].(string) + " " + name["lastName"].(string) + ")."
		a := n.PrimaryAddress
		body := `{"Phones":{"results":[{"phone":"` + n.Phones.Results[0].Phone + `"}]},"MailAddress":{"address1":` + jsonString(a.Address1) +
			`,"city":` + jsonString(a.City) + `,"state":"` + a.State + `","zipcode":"` + a.Zipcode + `","__update":true,"__id":2}}`
		w := sb.Do(t, "PUT", base+"/Customers(1)", body, auth()...)
		want := warningBody("Phone number "+n.Phones.Results[0].Phone+" already exists in the system "+who,
			"Address "+a.Address1+", "+a.City+", "+strings.TrimPrefix(a.State, "geo.state.")+" "+a.Zipcode+" already exists in the system "+who)
		if w.Status != 409 || string(w.Body) != want {
			t.Errorf("seed %d: got %d %s\nwant %s", seed, w.Status, w.Body, want)
		}
	}
}

// TestConcurrentDuplicatePhonesAndAddresses: the check and the write are
// one atomic step: of many customers racing for one new phone number, or
// one new address, only one gets it without a warning.
func TestConcurrentDuplicatePhonesAndAddresses(t *testing.T) {
	for name, body := range map[string]func(id int) string{
		"phone": func(int) string { return `{"Phones":{"results":[{"phone":"3075550150"}]}}` },
		"address": func(id int) string {
			return fmt.Sprintf(`{"PrimaryAddress":{"address1":"1 Race Way","city":"Casper","state":"geo.state.WY","zipcode":"82601","__update":true,"__id":%d}}`, 2*id-1)
		},
	} {
		t.Run(name, func(t *testing.T) {
			sb := newSandbox(t)
			const n = 24
			var wg sync.WaitGroup
			codes := make([]int, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i] = sb.Do(t, "PUT", fmt.Sprintf("%s/Customers(%d)", base, 10+i), body(10+i), auth()...).Status
				}()
			}
			wg.Wait()
			if ok := slices.Index(codes, 200); ok < 0 || slices.Index(codes[ok+1:], 200) >= 0 || slices.ContainsFunc(codes, func(c int) bool { return c != 200 && c != 409 }) {
				t.Fatalf("statuses %v: want one 200, the rest 409", codes)
			}
		})
	}
}
