package loanpro_test

import (
	"testing"
)

// TestSubResourceQueryOptions: Customers(id)/PrimaryAddress, /MailAddress
// and /Phones answer the nested entity or collection whole: $format=json
// and nopaging=true change nothing and are taken; every option that would
// shape the answer is refused with LoanPro's query error instead of being
// ignored, before the customer is looked up.
func TestSubResourceQueryOptions(t *testing.T) {
	sb := newSandbox(t)
	refused := []struct{ query, option string }{
		{"$top=1", "$top"}, {"$skip=1", "$skip"}, {"$select=phone", "$select"}, {"$expand=Phones", "$expand"},
		{"$filter=id%20eq%201", "$filter"}, {"$orderby=id", "$orderby"}, {"$inlinecount=allpages", "$inlinecount"},
		{"$format=json&nopaging=true&$top=1", "$top"},
	}
	for _, nav := range []string{"PrimaryAddress", "MailAddress", "Phones"} {
		path := base + "/Customers(1)/" + nav
		whole := sb.Do(t, "GET", path, "", auth()...)
		for _, q := range []string{"$format=json", "nopaging=true", "$format=json&nopaging=true&cb=123"} {
			if w := sb.Do(t, "GET", path+"?"+q, "", auth()...); w.Status != 200 || string(w.Body) != string(whole.Body) {
				t.Errorf("%s?%s: %d %s", nav, q, w.Status, w.Body)
			}
		}
		for _, r := range refused {
			want := `{"error":{"message":"Unsupported query option '` + r.option + `' for Customers(id)/` + nav +
				`: the sandbox answers a customer's nested entity or collection whole, with $format and nopaging only.","type":"InvalidQueryOptionException","code":409}}`
			for _, id := range []string{"1", "99999999"} {
				w := sb.Do(t, "GET", base+"/Customers("+id+")/"+nav+"?"+r.query, "", auth()...)
				if w.Status != 409 || string(w.Body) != want {
					t.Errorf("%s/%s?%s: got %d %s\nwant %s", id, nav, r.query, w.Status, w.Body, want)
				}
			}
		}
	}
}
