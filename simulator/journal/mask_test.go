package journal_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
)

func TestMaskHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   http.Header
		want http.Header
	}{
		{"nil", nil, nil},
		{"empty", http.Header{}, http.Header{}},
		{"bearer keeps scheme", http.Header{"Authorization": {"Bearer eyJhbGciOi.payload.sig"}},
			http.Header{"Authorization": {"Bearer ****"}}},
		{"basic keeps scheme", http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}},
			http.Header{"Authorization": {"Basic ****"}}},
		{"authorization without scheme", http.Header{"Authorization": {"sandbox-token-without-scheme"}},
			http.Header{"Authorization": {"****"}}},
		{"authorization leading space", http.Header{"Authorization": {"  Bearer x"}},
			http.Header{"Authorization": {"Bearer ****"}}},
		{"proxy authorization", http.Header{"Proxy-Authorization": {"Basic abc"}},
			http.Header{"Proxy-Authorization": {"Basic ****"}}},
		{"api key keeps last 4", http.Header{"Api-Key": {"sandbox-api-key"}},
			http.Header{"Api-Key": {"****-key"}}},
		{"short value fully masked", http.Header{"Api-Key": {"12345678"}},
			http.Header{"Api-Key": {"****"}}},
		{"nine bytes keeps last 4", http.Header{"Programme-Key": {"123456789"}},
			http.Header{"Programme-Key": {"****6789"}}},
		{"non-canonical key name", http.Header{"api-key": {"sandbox-api-key-2"}, "x-admin-token": {"t"}},
			http.Header{"api-key": {"****ey-2"}, "x-admin-token": {"****"}}},
		{"cookies", http.Header{"Cookie": {"sid=abcdefghijkl"}, "Set-Cookie": {"sid=zz; Path=/", "short"}},
			http.Header{"Cookie": {"****ijkl"}, "Set-Cookie": {"****th=/", "****"}}},
		{"admin token", http.Header{"X-Admin-Token": {"admin-secret-123"}},
			http.Header{"X-Admin-Token": {"****-123"}}},
		{"multi-byte tail not split", http.Header{"Api-Key": {"abcdefghé€"}},
			http.Header{"Api-Key": {"****€"}}},
		{"empty value kept", http.Header{"Api-Key": {""}, "Authorization": {""}},
			http.Header{"Api-Key": {""}, "Authorization": {""}}},
		{"others unchanged", http.Header{"Content-Type": {"application/json"}, "Autopal-Instance-Id": {"5200000"}, "X-Sandbox-Session": {"s1"}},
			http.Header{"Content-Type": {"application/json"}, "Autopal-Instance-Id": {"5200000"}, "X-Sandbox-Session": {"s1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := journal.MaskHeaders(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("MaskHeaders = %#v, want %#v", got, tc.want)
			}
		})
	}
}

// The input is never changed and the output shares no slices with it.
func TestMaskHeadersCopies(t *testing.T) {
	in := http.Header{"Api-Key": {"sandbox-api-key"}, "Accept": {"a"}}
	out := journal.MaskHeaders(in)
	out["Accept"][0] = "changed"
	if in.Get("Api-Key") != "sandbox-api-key" || in.Get("Accept") != "a" {
		t.Fatalf("input changed: %v", in)
	}
}

func TestMaskBody(t *testing.T) {
	const js = "application/json"
	for _, tc := range []struct {
		name, contentType, body string
		max                     int
		want                    string
	}{
		{"empty", js, "", 0, ""},
		{"weavr login password object", js,
			`{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`, 0,
			`{"email":"alice@example.com","password":{"value":"****"}}`},
		{"original text kept when nothing masked", js,
			"{ \"name\" : \"Alicia\",\n  \"tag\": \"t_1\" }", 0,
			"{ \"name\" : \"Alicia\",\n  \"tag\": \"t_1\" }"},
		{"key order and numbers kept", js,
			`{"z":1.50,"token":"abc","a":[1,2e3,true,null],"n":null}`, 0,
			`{"z":1.50,"token":"****","a":[1,2e3,true,null],"n":null}`},
		{"any case and nested", js,
			`{"user":{"Password":"p","TOKEN":"t","apikey":"k","ApiKey":"k2","Secret":"s"},"list":[{"secret":"s2"}]}`, 0,
			`{"user":{"Password":"****","TOKEN":"****","apikey":"****","ApiKey":"****","Secret":"****"},"list":[{"secret":"****"}]}`},
		{"scalars of every kind", js,
			`{"token":12345,"secret":true,"password":null}`, 0,
			`{"token":"****","secret":"****","password":null}`},
		{"everything under a secret keeps its shape", js,
			`{"secret":{"a":["x",1,{"b":false}],"c":null}}`, 0,
			`{"secret":{"a":["****","****",{"b":"****"}],"c":null}}`},
		{"value alone is not a secret", js,
			`{"value":"shown","passwordless":"shown too"}`, 0,
			`{"value":"shown","passwordless":"shown too"}`},
		{"html and unicode unescaped", js,
			`{"note":"<b>é</b> \u0026","token":"t"}`, 0,
			`{"note":"<b>é</b> &","token":"****"}`},
		{"top-level array", js, `[{"token":"a"},{"token":"b"}]`, 0, `[{"token":"****"},{"token":"****"}]`},
		{"vendor json type with charset", "application/vnd.api+json; charset=utf-8",
			`{"token":"t"}`, 0, `{"token":"****"}`},
		{"no content type but JSON", "", `{"token":"t"}`, 0, `{"token":"****"}`},
		// These three pinned the old leak (a body was parsed only when its
		// Content-Type said JSON, text was kept as is): a secret now never
		// shows, whatever the label.
		{"text/plain JSON is parsed", "text/plain", `{"token":"t"}`, 0, `{"token":"****"}`},
		{"no content type, not JSON", "", `token=t`, 0, `token=****`},
		{"malformed content type", "application/json;;;", `{"token":"t"}`, 0, `{"token":"****"}`},
		{"invalid JSON masked by pattern", js,
			`{"email":"a@b.c","password":{"value":"Pa\"ss"},"token": 42, "secret":true,`, 0,
			`{"email":"a@b.c","password":{"value":"****"},"token": "****", "secret":"****",`},
		{"binary", "application/octet-stream", "\xff\xfe\x00\x01", 0, "(4 bytes binary)"},
		{"NUL is binary", js, "{\"a\":\"\x00\"}", 0, "(9 bytes binary)"},
		{"truncated", "text/plain", "abcdefghij", 4, "abcd…(truncated, 10 bytes)"},
		{"at max not truncated", "text/plain", "abcd", 4, "abcd"},
		{"zero max means no limit", "text/plain", strings.Repeat("a", 100), 0, strings.Repeat("a", 100)},
		{"truncation respects runes", "text/plain", "aéé", 2, "a…(truncated, 5 bytes)"},
		{"masked before truncation, N is received size", js,
			`{"token":"a-very-long-secret-token"}`, 12, `{"token":"**…(truncated, 36 bytes)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := journal.MaskBody(tc.contentType, []byte(tc.body), tc.max); got != tc.want {
				t.Fatalf("MaskBody =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// A body is JSON when it parses as JSON, whatever its Content-Type says;
// other text, form bodies included, is masked by pattern.
func TestMaskBodyWhateverContentType(t *testing.T) {
	const login = `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`
	const masked = `{"email":"alice@example.com","password":{"value":"****"}}`
	for _, tc := range []struct {
		name, contentType, body, want string
	}{
		{"weavr login as text/plain", "text/plain", login, masked},
		{"weavr login without content type", "", login, masked},
		{"JSON sent as a form", "application/x-www-form-urlencoded", login, masked},
		{"problem+json", "application/problem+json", `{"title":"x","token":"t"}`, `{"title":"x","token":"****"}`},
		{"JSON answered as text/html", "text/html; charset=utf-8", `{"secret":"s"}`, `{"secret":"****"}`},
		{"text/plain JSON with nothing secret kept as sent", "text/plain", `{ "a" : 1 }`, `{ "a" : 1 }`},
		{"form login", "application/x-www-form-urlencoded",
			`email=alice%40example.com&password=Passw0rd%21`, `email=alice%40example.com&password=****`},
		{"form login without content type", "", `password=Passw0rd!&email=a@b.c`, `password=****&email=a@b.c`},
		{"form names with a secret part", "application/x-www-form-urlencoded",
			`password%5Bvalue%5D=x&user[password]=y&API.KEY=k&apiKey=k2&value=shown&passwordless=shown&accessPassword=z`,
			`password%5Bvalue%5D=****&user[password]=****&API.KEY=k&apiKey=****&value=shown&passwordless=shown&accessPassword=****`},
		{"empty form value kept", "", `password=&email=a`, `password=&email=a`},
		{"query quoted in text", "text/plain", "open /reset?token=abc123 now\nnext=/x?secret=s&y=1",
			"open /reset?token=**** now\nnext=/x?secret=****&y=1"},
		{"form value ends at a quote", "text/html", `<a href="/r?token=abc">r</a>`, `<a href="/r?token=****">r</a>`},
		{"JSON-like text with trailing garbage", "text/plain", login + " trailing",
			`{"email":"alice@example.com","password":{"value":"****"}} trailing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := journal.MaskBody(tc.contentType, []byte(tc.body), 0); got != tc.want {
				t.Fatalf("MaskBody =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// The sandbox answers a text/plain login 415 but journals it: the password
// must not show.
func TestMaskedLoginAsTextPlain(t *testing.T) {
	e := journal.Entry{
		RequestHeaders:  http.Header{"Content-Type": {"text/plain"}, "Api-Key": {"sandbox-api-key"}},
		RequestBody:     `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`,
		ResponseHeaders: http.Header{"Content-Type": {"text/plain"}},
		ResponseBody:    `{"token":"eyJ.payload.sig"}`,
	}.Masked()
	if want := `{"email":"alice@example.com","password":{"value":"****"}}`; e.RequestBody != want {
		t.Errorf("request body = %s, want %s", e.RequestBody, want)
	}
	if want := `{"token":"****"}`; e.ResponseBody != want {
		t.Errorf("response body = %s, want %s", e.ResponseBody, want)
	}
}

// A string left open at the end of a text (a body cut inside it when
// recorded) is a secret's value to the end.
func TestMaskBodyUnterminatedSecret(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"weavr password cut", `{"email":"a@b.c","password":{"value":"Passw`, `{"email":"a@b.c","password":{"value":"****"`},
		{"cut after a backslash", `{"token":"ab\`, `{"token":"****"`},
		{"cut after an escape", `{"token":"ab\"c`, `{"token":"****"`},
		{"cut just after the quote", `{"secret": "`, `{"secret": "****"`},
		{"ssn cut", `{"d":{"results":[{"ssn":"123456789"},{"ssn":"9876`, `{"d":{"results":[{"ssn":"****"},{"ssn":"****"`},
		{"number cut", `{"ssn":1234`, `{"ssn":"****"`},
		{"open string runs over lines", "{\"password\":\"a\nb", `{"password":"****"`},
		{"cut before the value shows nothing", `{"password":`, `{"password":`},
		{"other strings left open are kept", `{"email":"alice@exa`, `{"email":"alice@exa`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := journal.MaskBody("application/json", []byte(tc.body), 0); got != tc.want {
				t.Fatalf("MaskBody =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// An entry recorded before Cut existed holds the raw first MaxBody+1 bytes,
// which may end inside a password: Masked still hides it.
func TestMaskedRawCutBody(t *testing.T) {
	const tail = `","password":{"value":"Passw0rd!"}}`
	pad := journal.MaxBody + 1 - len(`{"pad":"`) - len(`","password":{"value":"Passw`)
	full := `{"pad":"` + strings.Repeat("a", pad) + tail
	recorded := full[:journal.MaxBody+1] // as observe records it
	if !strings.HasSuffix(recorded, `"value":"Passw`) {
		t.Fatalf("test body cut at the wrong place: %q", recorded[len(recorded)-20:])
	}
	e := journal.Entry{RequestHeaders: http.Header{"Content-Type": {"application/json"}}, RequestBody: recorded}.Masked()
	want := `{"pad":"` + strings.Repeat("a", pad) + `","password":{"value":"****…(truncated, 65537 bytes)`
	if e.RequestBody != want {
		t.Fatalf("Masked body ends %q, want %q", e.RequestBody[len(e.RequestBody)-60:], want[len(want)-60:])
	}
}

// A body cut inside a UTF-8 character when recorded is still text, marked
// truncated.
func TestMaskBodyCutInsideRune(t *testing.T) {
	body := `{"note":"x` + strings.Repeat("é", journal.MaxBody)
	recorded := body[:journal.MaxBody+1] // ends with half an é
	got := journal.MaskBody("application/json", []byte(recorded), journal.MaxBody)
	want := recorded[:journal.MaxBody] + "…(truncated, 65537 bytes)"
	if got != want {
		t.Fatalf("MaskBody ends %q, want %q", got[max(0, len(got)-40):], want[len(want)-40:])
	}
	// A short body is cut the same way.
	if got := journal.MaskBody("text/plain", []byte("abc\xc3"), 3); got != "abc…(truncated, 4 bytes)" {
		t.Fatalf("MaskBody = %q", got)
	}
	// Binary stays binary.
	if got := journal.MaskBody("", []byte("\xff\xfeabc\xc3"), 4); got != "(6 bytes binary)" {
		t.Fatalf("MaskBody = %q", got)
	}
}

// LoanPro SSNs are secrets in bodies: by key, and inside strings that
// mention an SSN (error messages, warnings, search texts).
func TestMaskBodySSN(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"customer PUT",
			`{"firstName":"John","ssn":"123456789","SSN":"987-65-4321","socialSecurityNumber":"111223333","accessPassword":"pw","customerIdType":"customer.idType.ssn","__update":true}`,
			`{"firstName":"John","ssn":"****","SSN":"****","socialSecurityNumber":"****","accessPassword":"****","customerIdType":"customer.idType.ssn","__update":true}`},
		{"customer GET answer",
			`{"d":{"id":5200001,"ssn":"123456789","accessPassword":null,"birthDate":"/Date(332640000)/"}}`,
			`{"d":{"id":5200001,"ssn":"****","accessPassword":null,"birthDate":"/Date(332640000)/"}}`},
		{"ssn as a number", `{"ssn":123456789}`, `{"ssn":"****"}`},
		{"search by ssn", `{"query":{"bool":{"must":[{"match":{"ssn":"123456789"}},{"wildcard":{"ssn":{"value":"*6789"}}}]}}}`,
			`{"query":{"bool":{"must":[{"match":{"ssn":"****"}},{"wildcard":{"ssn":{"value":"****"}}}]}}}`},
		{"query_string naming ssn", `{"query":{"query_string":{"query":"ssn:123456789 AND lastName:\"Doe\""}}}`,
			`{"query":{"query_string":{"query":"ssn:**** AND lastName:\"****\""}}}`},
		{"invalid ssn message",
			`{"error":{"message":"Invalid value '12345678' for field 'ssn': expected nine digits without dashes.","code":400}}`,
			`{"error":{"message":"Invalid value '****' for field '****': expected nine digits without dashes.","code":400}}`},
		{"duplicate ssn warning",
			`{"warnings":["SSN 123456789 with birth date 1990-01-01 already exists in the system (Customer ID 139: Jane Doe)."]}`,
			`{"warnings":["SSN **** with birth date 1990-01-01 already exists in the system (Customer ID 139: Jane Doe)."]}`},
		{"other strings untouched", `{"note":"call 123456789","id":"123456789"}`, `{"note":"call 123456789","id":"123456789"}`},
		{"invalid JSON", `{"ssn":"123456789","Ssn": 987654321,`, `{"ssn":"****","Ssn": "****",`},
		{"form", `ssn=123456789&firstName=John`, `ssn=****&firstName=John`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := journal.MaskBody("application/json", []byte(tc.body), 0); got != tc.want {
				t.Fatalf("MaskBody =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// SSNs in the query ($filter) and path are masked; everything else in the
// query stays byte for byte.
func TestMaskedQuery(t *testing.T) {
	for _, tc := range []struct{ name, query, want string }{
		{"empty", "", ""},
		{"odata literal", "$filter=ssn%20eq%20'123456789'&$top=5", "$filter=ssn%20eq%20'****'&$top=5"},
		{"encoded, any case, every literal, others byte for byte",
			"%24filter=SSN+eq+%27123456789%27+and+lastName+eq+%27O%27%27Brien%27&%24orderby=id+asc&nopaging=true",
			"%24filter=SSN%20eq%20'****'%20and%20lastName%20eq%20'****'&%24orderby=id+asc&nopaging=true"},
		{"bare digits", "$filter=ssn%20eq%20123456789%20or%20ssn%20eq%20123-45-6789%20or%20id%20eq%205200001",
			"$filter=ssn%20eq%20****%20or%20ssn%20eq%20****%20or%20id%20eq%205200001"},
		{"ten digits and dates are not SSNs", "$filter=ssn%20eq%201234567890%20and%20created%20gt%202024-01-02",
			"$filter=ssn%20eq%201234567890%20and%20created%20gt%202024-01-02"},
		{"substringof", "$filter=substringof('6789',ssn)", "$filter=substringof('****',ssn)"},
		{"socialSecurityNumber", "$filter=SocialSecurityNumber%20eq%20%22123456789%22",
			"$filter=SocialSecurityNumber%20eq%20%22****%22"},
		{"literal left open", "$filter=ssn%20eq%20'1234", "$filter=ssn%20eq%20'****'"},
		{"no ssn: unchanged", "$filter=lastName%20eq%20'Doe'&$top=123456789&x=%zz",
			"$filter=lastName%20eq%20'Doe'&$top=123456789&x=%zz"},
		{"secret parameter names", "ssn=123456789&token=abc&customerSsn=6789&password=&x=1",
			"ssn=****&token=****&customerSsn=****&password=&x=1"},
		{"unparseable query", "$filter=ssn%20eq%20'123456789'%zz;x=1&bad=%&$top=5",
			"$filter=ssn%20eq%20'****'%25zz%3Bx%3D1&bad=%&$top=5"},
		{"bare name", "ssn%20eq%20'123456789'&a", "ssn%20eq%20'****'&a"},
		{"separators kept", "&&$filter=ssn%20eq%20'1'&", "&&$filter=ssn%20eq%20'****'&"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (journal.Entry{Query: tc.query}).Masked().Query; got != tc.want {
				t.Fatalf("Masked query =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestMaskedPath(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/api/public/api/1/odata.svc/Customers(5200001)", "/api/public/api/1/odata.svc/Customers(5200001)"},
		{"/multi/consumers/123456789", "/multi/consumers/123456789"}, // a Weavr id, not an SSN
		{"/lookup/123-45-6789", "/lookup/****"},
		{"/lookup/ssn/123456789", "/lookup/ssn/****"},
		{"/odata.svc/Customers(ssn='123456789')", "/odata.svc/Customers(ssn='****')"},
	} {
		if got := (journal.Entry{Path: tc.path}).Masked().Path; got != tc.want {
			t.Errorf("Masked path %s = %s, want %s", tc.path, got, tc.want)
		}
	}
}

// TestMaskBodySSNInASearch: a search over the ssn field carries the number
// in a sibling string (query_string's query) or a value under another key
// (terms): a body that names ssn anywhere has its nine-digit runs masked.
func TestMaskBodySSNInASearch(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"query":{"query_string":{"query":"900123987","fields":["ssn"]}}}`, `{"query":{"query_string":{"query":"****","fields":["ssn"]}}}`},
		{`{"query":{"query_string":{"query":"*900-12-3987*","fields":["SSN","email"]}}}`, `{"query":{"query_string":{"query":"******","fields":["SSN","email"]}}}`},
		{`{"d":{"ssn":"900123987","birthDate":"/Date(332640000)/"}}`, `{"d":{"ssn":"****","birthDate":"/Date(332640000)/"}}`},
		{`{"query":{"match":{"customId":"900123987"}}}`, `{"query":{"match":{"customId":"900123987"}}}`},
	} {
		if got := journal.MaskBody("application/json", []byte(tc.in), journal.MaxBody); got != tc.want {
			t.Errorf("MaskBody(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// Password changes and one-time codes are secrets in bodies: Weavr's
// oldPassword and newPassword ({"value": …}), verificationCode (email,
// SMS enrolment, step-up) and the lost-password nonce, in JSON and
// loosely in text that is not JSON.
func TestMaskBodyPasswordChangesAndCodes(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"password update",
			`{"oldPassword":{"value":"Passw0rd!"},"newPassword":{"value":"N3w-Passw0rd!"}}`,
			`{"oldPassword":{"value":"****"},"newPassword":{"value":"****"}}`},
		{"verification code", `{"verificationCode":"123456"}`, `{"verificationCode":"****"}`},
		{"password reset",
			`{"email":"alice@example.com","nonce":"123456","newPassword":{"value":"Th1rd-Passw0rd!"}}`,
			`{"email":"alice@example.com","nonce":"****","newPassword":{"value":"****"}}`},
		{"cut JSON", `{"nonce":"123456","verificationCode":"65432`, `{"nonce":"****","verificationCode":"****"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := journal.MaskBody("application/json", []byte(tc.body), 0); got != tc.want {
				t.Errorf("MaskBody(%s)\n got  %s\n want %s", tc.body, got, tc.want)
			}
		})
	}
}
