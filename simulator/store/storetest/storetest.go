// Package storetest holds the checks every vendor's store.Codec must
// pass, so each vendor's codec test states its records, not the loop.
package storetest

import (
	"reflect"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/store"
)

// RoundTrip fails t unless every record of recs encodes and decodes back
// to itself exactly (reflect.DeepEqual: nil against empty, unexported
// fields), which is what store.Codec asks of a codec: a replica must read
// the record another one wrote. It returns each record's encoding, for
// further checks of the format.
func RoundTrip[K comparable, V any](t testing.TB, c store.Codec[K, V], recs []V) [][]byte {
	t.Helper()
	out := make([][]byte, len(recs))
	for i, v := range recs {
		raw, err := c.Marshal(v)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		got, err := c.Unmarshal(raw)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Fatalf("record %d changed:\n got %+v\nwant %+v", i, got, v)
		}
		out[i] = raw
	}
	return out
}
