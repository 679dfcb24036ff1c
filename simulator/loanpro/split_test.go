package loanpro

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// splitCases are bodies at the edges of splitObject's fast path: what it
// reads itself and what it must leave to the reference decoder.
var splitCases = []string{
	`{}`, ` { } `, "\t{\n\"a\" : 1 ,\r\n\"b\":[1, {\"c\":\"}\"}]}\n", `{"firstName":"Jo1","__ignoreWarnings":true}`,
	`{"a":1,"a":2}`, `{"a":{"x":1},"a":"last"}`, `{"a":null}`, `{"a":true,"b":false,"c":null,"d":-0.5}`,
	`{"a":"x\"y"}`, `{"a":"\u00e9\ud800"}`, `{"a\u0062":1}`, `{"a\"b":1}`, `{"\ud800":1}`, `{"é":"ü"}`,
	`{"a":1e3}`, `{"a":1E400}`, `{"a":[1e999]}`, `{"a":{"b":-1.5e-400}}`, `{"a":` + strings.Repeat("9", 400) + `}`,
	`{"a":` + strings.Repeat("9", 300) + `}`, `{"a":` + strings.Repeat("9", 301) + `}`,
	`{"a":"` + strings.Repeat("9", 400) + `"}`, `{"a":"e","b":"1e999"}`, `{"a":[true,false,null,"e"]}`,
	`{"a":1}{"b":2}`, `{"a":1,}`, `{"a"}`, `{"a":}`, `{'a':1}`, `{"a":1`, `{`, `}`, `[1]`, `"x"`, `42`, `null`, ``, ` `,
	"{\"a\":\"\xff\"}", "{\"\xff\":1}", "{\"a\":\"\x01\"}", `{"a":"\/"}`, `{"PrimaryAddress":{"__id":1,"city":"X"},"Phones":{"results":[]}}`,
	`{"a":[` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `]}`, `{"":""}`, `{"a":""}`, `{"a":"\\"}`,
}

// sameDecode fails t unless decodeObject and the reference decodeObjectStd
// agree on b: the same properties with the same bytes, or the same error.
func sameDecode(t *testing.T, b []byte) {
	t.Helper()
	got, gerr := decodeObject(b)
	want, werr := decodeObjectStd(b)
	if !reflect.DeepEqual(gerr, werr) {
		t.Fatalf("%q: error %v, reference %v", b, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: %q, reference %q", b, got, want)
	}
	split, fast := splitObject(bytes.TrimSpace(b))
	if fast {
		// Also as the nested objects use it (nestedObject, rawObject):
		// exactly json.Unmarshal into a map of raw values.
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil || !reflect.DeepEqual(split, m) {
			t.Fatalf("%q: splitObject %q, json.Unmarshal %q (%v)", b, split, m, err)
		}
	}
	for k, v := range got {
		if fast && cap(v) != len(v) {
			t.Fatalf("%q: value of %q shares capacity beyond itself: an append would write into the body", b, k)
		}
		if len(v) > 0 && v[0] == '"' {
			samePlainString(t, v)
		}
	}
}

// samePlainString fails t unless plainString reads raw as json.Unmarshal
// does whenever it reads it at all.
func samePlainString(t *testing.T, raw []byte) {
	t.Helper()
	got, ok := plainString(raw)
	if !ok {
		return
	}
	var want string
	if err := json.Unmarshal(raw, &want); err != nil || got != want {
		t.Fatalf("plainString(%q) = %q, json.Unmarshal %q (%v)", raw, got, want, err)
	}
}

func TestDecodeObjectMatchesReference(t *testing.T) {
	for _, c := range splitCases {
		sameDecode(t, []byte(c))
	}
}

// TestSplitObjectTakesPlainBodies: the fast path really serves the usual
// bodies (else the test above would pass with no fast path at all), and
// leaves the unsure ones to the reference.
func TestSplitObjectTakesPlainBodies(t *testing.T) {
	for body, want := range map[string]bool{
		`{"firstName":"Jo1","__ignoreWarnings":true}`: true, `{}`: true, `{"a":1,"a":2}`: true,
		`{"PrimaryAddress":{"__id":1,"city":"X"}}`: true, `{"a":"x\"y"}`: true,
		`{"a\u0062":1}`: false, `{"a":1e3}`: false, "{\"\xff\":1}": false, `{"a":1,}`: false, `[1]`: false,
	} {
		if _, ok := splitObject(bytes.TrimSpace([]byte(body))); ok != want {
			t.Errorf("splitObject(%q): ok %v, want %v", body, ok, want)
		}
	}
	for raw, want := range map[string]bool{`"abc"`: true, `""`: true, `"é"`: true, `"a\"b"`: false, `"\u0041"`: false, "\"\x01\"": false, "\"\xff\"": false, `1`: false} {
		if _, ok := plainString([]byte(raw)); ok != want {
			t.Errorf("plainString(%q): ok %v, want %v", raw, ok, want)
		}
	}
}

// FuzzDecodeObject: on every input decodeObject (one pass for a plain
// object) and decodeObjectStd (encoding/json, the reference) give the same
// properties or the same error, and plainString reads each string value
// as encoding/json does whenever it reads it.
func FuzzDecodeObject(f *testing.F) {
	for _, c := range splitCases {
		f.Add([]byte(c))
	}
	f.Add([]byte(`{"id":1,"__id":"1","__update":true,"lastName":"Roe","PrimaryAddress":{"address1":"1 Main","__update":true,"__id":2281},` +
		`"Phones":{"results":[{"phone":"555-0100","isPrimary":"0","__id":739}]},"CustomFieldValues":{},"creditLimit":0}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sameDecode(t, b)
		samePlainString(t, b)
		if utf8.Valid(b) {
			samePlainString(t, []byte(`"`+string(b)+`"`))
		}
	})
}
