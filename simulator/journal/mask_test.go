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
		{"text is not parsed", "text/plain", `{"token":"t"}`, 0, `{"token":"t"}`},
		{"no content type, not JSON", "", `token=t`, 0, `token=t`},
		{"malformed content type", "application/json;;;", `{"token":"t"}`, 0, `{"token":"t"}`},
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
