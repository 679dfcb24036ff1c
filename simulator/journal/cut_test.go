package journal_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
)

func TestCut(t *testing.T) {
	const login = `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`
	for _, tc := range []struct {
		name, body string
		max        int
		want       string
	}{
		{"short body unchanged, not re-encoded", "{ \"token\" : \"t\" }", 100, "{ \"token\" : \"t\" }"},
		{"at max unchanged", "abcd", 4, "abcd"},
		{"no limit", login, 0, login},
		{"empty", "", 10, ""},
		// The raw cut would end `"value":"Pas`, which the JSON masker
		// cannot read and the old loose pattern missed.
		{"cut where the password was", login, 52, `{"email":"alice@example.com","password":{"value":"***`},
		{"masked whole when it fits", `{"token":"` + strings.Repeat("x", 100) + `"}`, 20, `{"token":"****"}`},
		{"text masked before the cut", "email=a@b.c&password=Passw0rd%21&x=" + strings.Repeat("y", 50), 30,
			"email=a@b.c&password=****&x=yyy"},
		{"ssn", `{"d":{"results":[{"ssn":"123456789"},{"ssn":"987654321"}]}}`, 40, `{"d":{"results":[{"ssn":"****"},{"ssn":"*`},
		{"never inside a character", `{"n":"` + strings.Repeat("é", 10) + `"}`, 10, `{"n":"éé`},
		{"binary: raw first max+1 bytes", "\xff\x00" + login, 5, "\xff\x00{\"em"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := journal.Cut([]byte(tc.body), tc.max); got != tc.want {
				t.Fatalf("Cut =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// Wherever the cut falls, neither Cut nor what Masked then shows holds any
// part of a secret, and the result is valid UTF-8 of at most max+1 bytes.
func TestCutNeverShowsASecret(t *testing.T) {
	bodies := []string{
		`{"email":"alice@example.com","password":{"value":"Xyzzy42!"},"note":"é€"}`,
		`{"d":{"results":[{"firstName":"Jo","ssn":"XXXXXXXXX"},{"ssn":"XXXXXXXXX"}]}}`,
		`{"token":"Xyzzy","secret":{"a":["Xq",{"b":"X"}]}}`,
		`email=alice%40example.com&password=Xyzzy42%21&note=%C3%A9`,
		`not json {"password":"Xyzzy42!"} é`,
	}
	for _, body := range bodies {
		for m := 1; m < len(body); m++ {
			got := journal.Cut([]byte(body), m)
			if len(got) > m+1 || !utf8.ValidString(got) {
				t.Fatalf("Cut(%q, %d) = %q: over max+1 or not UTF-8", body, m, got)
			}
			shown := journal.MaskBody("", []byte(got), m)
			if strings.Contains(got, "X") || strings.Contains(shown, "X") {
				t.Fatalf("Cut(%q, %d) = %q, shown %q: a secret shows", body, m, got, shown)
			}
		}
	}
}
