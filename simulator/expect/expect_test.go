package expect_test

import (
	"fmt"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/expect"
)

// A verify request is one flat object: the caller's filter fields and the
// bounds, described in words a failing test prints as is.
func ExampleObject() {
	raw, b, err := expect.Object([]byte(`{"event":"/consumers/kyc/watch","atLeast":1,"atMost":3}`), []string{"event"}, `{"exactly":1}`)
	ev, _ := expect.String(raw, "event")
	fmt.Println(ev, b.Describe("delivery", "deliveries"), b.Holds(2), b.Holds(4), err)
	// Output: /consumers/kyc/watch at least 1 and at most 3 deliveries true false <nil>
}

func TestObjectErrors(t *testing.T) {
	for body, want := range map[string]string{
		``:                         `empty verify request: want a JSON object such as {"exactly":1}`,
		`[1]`:                      `verify request must be a JSON object such as {"exactly":1}`,
		`{`:                        `verify request is not valid JSON: unexpected end of JSON input`,
		`{"exactli":1}`:            `unknown field "exactli" in verify request; known fields: atLeast, atMost, event, exactly`,
		`{"event":"x"}`:            `verify request needs a bound: one of exactly, atLeast or atMost`,
		`{"exactly":1,"atMost":2}`: `verify request: exactly cannot be combined with atLeast or atMost`,
		`{"atLeast":3,"atMost":2}`: `verify request: atLeast 3 is greater than atMost 2`,
		`{"exactly":-1}`:           `invalid exactly -1: want a whole number >= 0`,
		`{"exactly":"1"}`:          `invalid exactly "1": want a whole number >= 0`,
	} {
		if _, _, err := expect.Object([]byte(body), []string{"event"}, `{"exactly":1}`); err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %s", body, err, want)
		}
	}
	if d := (expect.Bounds{Exactly: new(int)}).Describe("request", "requests"); d != "exactly 0 requests" {
		t.Errorf("describe: %s", d)
	}
}
