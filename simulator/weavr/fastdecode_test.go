package weavr

import (
	"reflect"
	"testing"
	"unicode/utf8"
)

// fastSeeds are bodies on both sides of the fast path's limits.
var fastSeeds = []string{
	`{"name":"Jane","surname":"Doe","tag":"load_1","address":{"addressLine1":"1 Main St","city":"Valletta","postCode":"VLT1000","country":"MT"}}`,
	` { "mobile" : { "countryCode" : "+356" , "number" : "79123456" } , "dateOfBirth" : {"year":1990,"month":4,"day":12} } `,
	`{"resetMobileCounter":true,"locale":"en-GB","brand":null,"address":null,"dateOfBirth":{"year":-0,"month":null}}`,
	`{}`, `{"tag":"x","tag":"y"}`, `{"tag":null,"tag":"y"}`, `{"tag":"y","tag":null}`, `{"address":{"city":"a"},"address":{"postCode":"b"}}`,
	`{"NAME":"x"}`, `{"n\u0061me":"x"}`, `{"name":"\u00e9"}`, `{"name":"é"}`, `{"name":"a\tb"}`, `{"tag":1}`, `{"name":"x",}`,
	`{"dateOfBirth":{"year":1e3}}`, `{"dateOfBirth":{"year":01}}`, `{"dateOfBirth":{"year":1.0}}`, `{"dateOfBirth":{"year":9999999999999999999}}`,
	`{"resetMobileCounter":"true"}`, `{"mobile":"x"}`, `{"unknown":1}`, `{"name":"x"} x`, `{"name":"x"}}`, `[]`, `null`, `{"name"`,
	`{"email":"a@b.co","password":{"value":"Passw0rd!"}}`, `{"password":{"value":"x","value":"y"}}`, `{"password":null,"email":null}`,
}

// The fast path answers the common bodies, and gives the others up.
func TestDecodeFastTakesTheCommonBodies(t *testing.T) {
	for _, body := range []string{fastSeeds[0], fastSeeds[1], fastSeeds[2], `{}`, `{"tag":null,"tag":"y"}`, `{"name":"é"}`} {
		var u updateRequest
		if !decodeFast([]byte(body), &u) {
			t.Errorf("fast path gave up %s", body)
		}
	}
	for _, body := range []string{`{"tag":"x","tag":"y"}`, `{"NAME":"x"}`, `{"n\u0061me":"x"}`, `{"dateOfBirth":{"year":1e3}}`, `{"name":"x"} x`, `null`} {
		var u updateRequest
		if decodeFast([]byte(body), &u) {
			t.Errorf("fast path took %s", body)
		}
		if !reflect.DeepEqual(u, updateRequest{}) {
			t.Errorf("fast path left %s half decoded: %+v", body, u)
		}
	}
}

// FuzzFastDecode: on every body the fast path accepts, the exact path
// (matchNames + encoding/json) accepts it too, with no unknown property,
// and decodes the same request; a body it gives up leaves the request
// zero.
func FuzzFastDecode(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if !utf8.ValidString(body) { // decode refuses it before either path
			return
		}
		var fu, eu updateRequest
		if decodeFast([]byte(body), &fu) {
			unknown, msg := decodeObject([]byte(body), &eu, updateObject)
			if msg != "" || len(unknown) > 0 || !reflect.DeepEqual(fu, eu) {
				t.Fatalf("%s: fast %+v; exact %+v, %v, %q", body, fu, eu, unknown, msg)
			}
		} else if !reflect.DeepEqual(fu, updateRequest{}) {
			t.Fatalf("%s: given up but left %+v", body, fu)
		}
		var fl, el loginRequest
		if decodeFast([]byte(body), &fl) {
			unknown, msg := decodeObject([]byte(body), &el, loginObject)
			if msg != "" || len(unknown) > 0 || !reflect.DeepEqual(fl, el) {
				t.Fatalf("%s: fast %+v; exact %+v, %v, %q", body, fl, el, unknown, msg)
			}
		} else if !reflect.DeepEqual(fl, loginRequest{}) {
			t.Fatalf("%s: given up but left %+v", body, fl)
		}
	})
}

// FuzzPattern: every field pattern matches as its regexp does.
func FuzzPattern(f *testing.F) {
	for _, s := range []string{"", "a", "AB", "MT", "Jane O'Neil", "x9", "12345678901234", "123456", "+356", "en-GB", "é", "\xff", "a\nb", "VLT 1000", "tag_1-x"} {
		f.Add(s)
	}
	all := []*pattern{digits, nameRe, tagRe, dialRe, numberRe, countryRe, postCodeRe, currencyRe, localeRe, brandRe, codeRe, emailLocal, emailHost}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range all {
			if got, want := p.MatchString(s), p.re.MatchString(s); got != want {
				t.Fatalf("%s on %q: %v, regexp says %v", p, s, got, want)
			}
		}
	})
}

// The one-class patterns take the table path.
func TestPatternClassForm(t *testing.T) {
	for _, p := range []*pattern{digits, nameRe, tagRe, numberRe, countryRe, postCodeRe, currencyRe, brandRe, codeRe} {
		if !p.class {
			t.Errorf("%s is not matched by its class", p)
		}
	}
	for _, p := range []*pattern{dialRe, localeRe, emailLocal, emailHost} {
		if p.class {
			t.Errorf("%s taken for a class", p)
		}
	}
}

func TestRequestRef(t *testing.T) {
	for _, tc := range []struct {
		n    uint64
		want string
	}{{1, "ab12-0000000001"}, {1234567890, "ab12-1234567890"}, {12345678901, "ab12-12345678901"}} {
		if got := requestRef("ab12", tc.n); got != tc.want {
			t.Errorf("requestRef(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
