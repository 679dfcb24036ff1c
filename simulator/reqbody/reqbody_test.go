package reqbody_test

import (
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/sandbox-dev/fintech-sandbox/simulator/reqbody"
)

func TestReadAfterReadAhead(t *testing.T) {
	cut := errors.New("connection closed mid-body")
	tests := []struct {
		name          string
		body          io.Reader
		ahead, limit  int64
		want          string
		tooLarge      bool
		wantErr       error
		sharesAheadOf bool // Read returns ReadAhead's own bytes
	}{
		{"whole body read ahead", strings.NewReader(`{"a":1}`), 100, 50, `{"a":1}`, false, nil, true},
		{"at the vendor's limit", strings.NewReader("12345"), 100, 5, "12345", false, nil, true},
		{"over the vendor's limit", strings.NewReader("123456"), 100, 5, "", true, nil, false},
		{"longer than the read-ahead", strings.NewReader(strings.Repeat("x", 30)), 10, 50, strings.Repeat("x", 30), false, nil, false},
		{"longer than both", strings.NewReader(strings.Repeat("x", 30)), 10, 20, "", true, nil, false},
		{"cut mid-body", io.MultiReader(strings.NewReader("12"), iotest.ErrReader(cut)), 100, 50, "", false, cut, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("PUT", "/", tt.body)
			ahead := reqbody.ReadAhead(r, tt.ahead)
			b, tooLarge, err := reqbody.Read(r, tt.limit)
			if string(b) != tt.want || tooLarge != tt.tooLarge || !errors.Is(err, tt.wantErr) {
				t.Fatalf("Read = %q, %v, %v; want %q, %v, %v", b, tooLarge, err, tt.want, tt.tooLarge, tt.wantErr)
			}
			if shared := len(b) > 0 && &b[0] == &ahead[0]; shared != tt.sharesAheadOf {
				t.Errorf("Read shares ReadAhead's bytes: %v, want %v", shared, tt.sharesAheadOf)
			}
		})
	}
}

// A body somebody started reading is never handed out whole again: Read
// continues where the reader stopped.
func TestReadAfterAPartialRead(t *testing.T) {
	r := httptest.NewRequest("PUT", "/", strings.NewReader("abcdef"))
	reqbody.ReadAhead(r, 100)
	if _, err := io.ReadFull(r.Body, make([]byte, 2)); err != nil {
		t.Fatal(err)
	}
	if b, _, err := reqbody.Read(r, 100); err != nil || string(b) != "cdef" {
		t.Fatalf("Read = %q, %v", b, err)
	}
}

// Without a read-ahead, Read reads the body itself.
func TestReadWithoutReadAhead(t *testing.T) {
	r := httptest.NewRequest("PUT", "/", strings.NewReader("abc"))
	if b, tooLarge, err := reqbody.Read(r, 3); string(b) != "abc" || tooLarge || err != nil {
		t.Fatalf("Read = %q, %v, %v", b, tooLarge, err)
	}
	if b, tooLarge, err := reqbody.Read(httptest.NewRequest("GET", "/", nil), 3); b != nil || tooLarge || err != nil {
		t.Fatalf("no body: Read = %q, %v, %v", b, tooLarge, err)
	}
}

// The server reads a body ahead for the journal; the vendor then gets the
// same bytes within its own limit.
func ExampleRead() {
	r := httptest.NewRequest("PATCH", "/multi/consumers", strings.NewReader(`{"tag":"x"}`))
	journal := reqbody.ReadAhead(r, 1<<20+1)
	body, tooLarge, err := reqbody.Read(r, 1<<10)
	fmt.Println(string(journal), string(body), tooLarge, err)
	// Output: {"tag":"x"} {"tag":"x"} false <nil>
}

// A declared Content-Length only sizes the buffer: a body shorter or
// longer than declared is read as it comes, and the limit still holds.
func TestReadAheadDeclaredLength(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		declared int64
		limit    int64
		want     string
		whole    bool
	}{
		{"exact", "abcdef", 6, 100, "abcdef", true},
		{"declared shorter", "abcdef", 2, 100, "abcdef", true},
		{"declared longer", "abc", 50, 100, "abc", true},
		{"unknown length", "abcdef", -1, 100, "abcdef", true},
		{"declared within limit, body beyond it", strings.Repeat("x", 30), 5, 10, strings.Repeat("x", 10), false},
		{"declared beyond the limit", strings.Repeat("x", 30), 30, 10, strings.Repeat("x", 10), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("PUT", "/", iotest.OneByteReader(strings.NewReader(tt.body)))
			r.ContentLength = tt.declared
			got := reqbody.ReadAhead(r, tt.limit)
			if string(got) != tt.want {
				t.Fatalf("ReadAhead = %q, want %q", got, tt.want)
			}
			b, tooLarge, err := reqbody.Read(r, 1000)
			if err != nil || tooLarge || string(b) != tt.body {
				t.Fatalf("Read after = %q, %v, %v; want the whole body %q", b, tooLarge, err, tt.body)
			}
			// A body read ahead whole is handed out without a copy.
			if shared := &b[0] == &got[0]; shared != tt.whole {
				t.Errorf("Read shares ReadAhead's bytes: %v, want %v", shared, tt.whole)
			}
		})
	}
}
