// Package jsonenc appends JSON values to a byte slice exactly as
// encoding/json writes them, for the response bodies the vendors render on
// every request: a body built with these is byte-for-byte the one
// json.Marshal would give, without its reflection and allocations.
package jsonenc

import (
	"encoding/json"
	"strconv"
)

// String appends s as a JSON string, escaped as encoding/json escapes it
// (HTML characters and U+2028/U+2029 included). Plain printable ASCII, the
// common case, is copied as is; anything else goes through encoding/json.
func String(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always marshals
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// Field appends `"name":` after a comma unless it is the object's first
// member (buf ends with '{'). name must need no escaping.
func Field(buf []byte, name string) []byte {
	if len(buf) > 0 && buf[len(buf)-1] != '{' {
		buf = append(buf, ',')
	}
	buf = append(buf, '"')
	buf = append(buf, name...)
	return append(buf, '"', ':')
}

// Bool appends true or false.
func Bool(buf []byte, v bool) []byte { return strconv.AppendBool(buf, v) }

// Int appends v in decimal.
func Int(buf []byte, v int64) []byte { return strconv.AppendInt(buf, v, 10) }
