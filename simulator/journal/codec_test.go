package journal

import (
	"net/http"
	"reflect"
	"testing"
	"time"
)

// What the add script stores decodes to the entry; anything shorter,
// longer or of another version is refused, never half read.
func TestCodec(t *testing.T) {
	e := Entry{
		Time: time.Date(2024, 1, 2, 15, 4, 5, 6, time.FixedZone("", 2*3600)), DurationMs: 0.25, Session: "s", Vendor: "weavr",
		Operation: "weavr.login", Method: "POST", Path: "/login", Query: "q=1", RequestHeaders: http.Header{"A": {"1", "2"}},
		RequestBody: "{\"p\":\"x\"}", Status: 201, ResponseHeaders: http.Header{"B": {""}}, ResponseBody: "\x00\xff", Scenario: "sc", RequestRef: "r",
	}
	s := newStored(e)
	body := encodeEntry(&s)
	stored := "42:" + body
	got, err := decodeEntry(stored)
	if err != nil {
		t.Fatal(err)
	}
	want := e
	want.Seq = 42
	full := got.full()
	if !full.Time.Equal(e.Time) || full.Time.Format(time.RFC3339Nano) != e.Time.Format(time.RFC3339Nano) {
		t.Fatalf("time %v, want %v", full.Time, e.Time)
	}
	full.Time = e.Time
	if !reflect.DeepEqual(full, want) {
		t.Fatalf("decoded %#v\nwant %#v", full, want)
	}
	for n := range len(stored) {
		if _, err := decodeEntry(stored[:n]); err == nil {
			t.Fatalf("a prefix of %d bytes decoded", n)
		}
	}
	for name, v := range map[string]string{
		"trailing bytes": stored + "x",
		"no seq":         body,
		"bad seq":        "x:" + body,
		"other version":  "42:" + string([]byte{codecV1 + 1}) + body[1:],
	} {
		if _, err := decodeEntry(v); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}
