package jsonenc_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/jsonenc"
)

// TestStringMatchesEncodingJSON: the fast path writes exactly what
// encoding/json writes, escapes and all.
func TestStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "<b>&amp;</b>", "tab\there", "nl\n", "\x00\x1f", "é ü 名", "\u2028\u2029", "bad\xffutf8", "~ DEL\x7f"} {
		want, _ := json.Marshal(s)
		if got := jsonenc.String([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("String(%q) = %s, want x%s", s, got, want)
		}
	}
}

func FuzzString(f *testing.F) {
	f.Add("plain")
	f.Add("<\u2028\xff>")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := jsonenc.String(nil, s); string(got) != string(want) {
			t.Fatalf("String(%q) = %s, want %s", s, got, want)
		}
	})
}

// An object built member by member.
func ExampleField() {
	b := []byte{'{'}
	b = jsonenc.String(jsonenc.Field(b, "name"), "Ann <A>")
	b = jsonenc.Int(jsonenc.Field(b, "age"), 41)
	b = jsonenc.Bool(jsonenc.Field(b, "active"), true)
	fmt.Println(string(append(b, '}')))
	// Output: {"name":"Ann \u003cA\u003e","age":41,"active":true}
}
