package loanpro_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestJournalMasksLoanProBodies: the session journal keeps the bodies of
// nested edits and their warnings readable while the secrets stay out:
// the SSN and the portal password of the request, the SSN inside the
// duplicate-SSN warning, and a password sent with the wrong type (which the
// answer does not echo).
func TestJournalMasksLoanProBodies(t *testing.T) {
	sb := newSandbox(t)
	w := sb.Do(t, "PUT", base+"/Customers(5)", `{"ssn":"900333444","birthDate":"1975-03-02","accessPassword":"hunter2!",`+
		`"Phones":{"results":[{"phone":"2175550142"}]},"PrimaryAddress":{`+janeMail+`}}`, auth()...)
	if w.Status != 409 {
		t.Fatalf("PUT: %d %s", w.Status, w.Body)
	}
	if w := sb.Do(t, "PUT", base+"/Customers(1)", `{"accessPassword":31415926}`, auth()...); w.Status != 409 ||
		!strings.Contains(string(w.Body), "Invalid type for field 'accessPassword': expected string, got number (value not shown).") {
		t.Fatalf("PUT: %d %s", w.Status, w.Body)
	}
	entries, err := sb.Session("default").Journal(url.Values{"operation": {"loanpro.customerUpdate"}})
	if err != nil || len(entries) != 2 {
		t.Fatalf("journal: %d entries, %v", len(entries), err)
	}
	for _, e := range entries {
		for _, secret := range []string{"900333444", "hunter2", "31415926"} {
			if strings.Contains(e.RequestBody, secret) || strings.Contains(e.ResponseBody, secret) {
				t.Errorf("the journal shows %s:\n%s\n%s", secret, e.RequestBody, e.ResponseBody)
			}
		}
	}
	for _, want := range []string{
		`"ssn":"****"`, `"accessPassword":"****"`, `"phone":"2175550142"`, `"address1":"PO Box 1208"`,
	} {
		if !strings.Contains(entries[0].RequestBody, want) {
			t.Errorf("request body lacks %s: %s", want, entries[0].RequestBody)
		}
	}
	for _, want := range []string{
		"SSN **** with birth date 1975-03-02 already exists in the system (Customer ID 3: Mary Major).",
		"Phone number 2175550142 already exists in the system (Customer ID 1: John Doe).",
		"Address PO Box 1208, Riverton, WY 82501 already exists in the system (Customer ID 2: Jane Doe).",
	} {
		if !strings.Contains(entries[0].ResponseBody, want) {
			t.Errorf("response body lacks %q: %s", want, entries[0].ResponseBody)
		}
	}
}
