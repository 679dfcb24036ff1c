package store

import (
	"encoding/json"
	"strconv"
)

// Codec is how a Table forked in a shared Scope (ForkIn) stores its
// overlay in Redis: keys become hash field names and records bytes. A
// replica decodes what another encoded, so decoding must give back the
// record exactly (reflect.DeepEqual: a vendor's rule must not see a record
// that differs from the one written), including nil against empty slices
// and unexported fields; a vendor tests its codec on every fixture and on
// generated records.
type Codec[K comparable, V any] struct {
	// FormatKey names key k in Redis; ParseKey(FormatKey(k)) must be k.
	// Its strings must not contain NUL (index entries list keys joined
	// by NUL).
	FormatKey func(K) string
	ParseKey  func(string) (K, error)
	// Marshal encodes a record; Unmarshal(Marshal(v)) must equal v.
	Marshal   func(V) ([]byte, error)
	Unmarshal func([]byte) (V, error)
}

func (c Codec[K, V]) complete() bool {
	return c.FormatKey != nil && c.ParseKey != nil && c.Marshal != nil && c.Unmarshal != nil
}

// StringKeys is a Codec for string keys (used as they are) with the given
// record encoding.
func StringKeys[V any](marshal func(V) ([]byte, error), unmarshal func([]byte) (V, error)) Codec[string, V] {
	return Codec[string, V]{
		FormatKey: func(k string) string { return k },
		ParseKey:  func(s string) (string, error) { return s, nil },
		Marshal:   marshal,
		Unmarshal: unmarshal,
	}
}

// IntKeys is a Codec for int keys (in decimal) with the given record
// encoding.
func IntKeys[V any](marshal func(V) ([]byte, error), unmarshal func([]byte) (V, error)) Codec[int, V] {
	return Codec[int, V]{
		FormatKey: strconv.Itoa,
		ParseKey:  strconv.Atoi,
		Marshal:   marshal,
		Unmarshal: unmarshal,
	}
}

// JSON is the record encoding of encoding/json, for records whose fields
// are all exported and have no custom (vendor-format) JSON methods. It
// keeps nil apart from empty slices and maps; a time.Time comes back as
// the same instant, in UTC when it was in UTC (in a fixed zone otherwise)
// and without a monotonic reading.
func JSON[V any]() (marshal func(V) ([]byte, error), unmarshal func([]byte) (V, error)) {
	return func(v V) ([]byte, error) { return json.Marshal(v) },
		func(b []byte) (V, error) {
			var v V
			err := json.Unmarshal(b, &v)
			return v, err
		}
}
