package loanpro

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// The fast path of reading a PUT body (issue #17). encoding/json decoded
// every body twice by reflection (a probe into any for the error message,
// then into map[string]json.RawMessage) and every string field a third
// time. A body is mostly plain: an object of known keys and short strings
// without escapes. Such a body is checked once with json.Valid (no
// allocation) and cut into key → raw value here, the values sharing the
// body's bytes; a string without escapes is taken as it is. Whatever this
// code is not sure to read exactly as encoding/json does (an escaped or
// malformed key, a number encoding/json may not fit in a float64, anything
// not valid) goes through the reference decoders instead, which produce
// the same result or the same error as before. fuzz_split_test.go checks
// both against each other.

// maxPlainNumber is the longest number splitObject vouches for: one
// without an exponent and at most this long is below float64's maximum
// (about 1.8e308), so the reference's probe into any cannot fail on it.
const maxPlainNumber = 300

// splitObject cuts a JSON object into its members as
// json.Unmarshal(b, &map[string]json.RawMessage) does: each value's exact
// bytes, the last of duplicate keys winning. ok is false when b is not
// valid JSON, not an object, has a key with an escape or invalid UTF-8
// (encoding/json rewrites those), or a number the reference's probe might
// refuse: the caller then uses the reference decoder. The values alias b,
// capped so that an append copies; b must not be modified while they are
// in use. b carries no surrounding whitespace.
func splitObject(b []byte) (map[string]json.RawMessage, bool) {
	if len(b) < 2 || b[0] != '{' || !json.Valid(b) {
		return nil, false
	}
	obj := make(map[string]json.RawMessage, countMembers(b))
	i := skipSpace(b, 1)
	if b[i] == '}' {
		return obj, i == len(b)-1
	}
	for {
		if b[i] != '"' {
			return nil, false
		}
		ks := i + 1
		ke := bytes.IndexByte(b[ks:], '"')
		if ke < 0 {
			return nil, false
		}
		ke += ks
		key := b[ks:ke]
		if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
			return nil, false
		}
		i = skipSpace(b, ke+1)
		if b[i] != ':' {
			return nil, false
		}
		vs := skipSpace(b, i+1)
		ve, ok := skipValue(b, vs)
		if !ok {
			return nil, false
		}
		obj[internKey(key)] = b[vs:ve:ve]
		i = skipSpace(b, ve)
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return obj, i == len(b)-1
		default:
			return nil, false
		}
	}
}

// countMembers sizes splitObject's map: the commas at depth one, plus one.
// It over-counts nothing: commas inside strings and nested values are
// skipped.
func countMembers(b []byte) int {
	n, depth, inStr := 1, 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		case c == ',' && depth == 1:
			n++
		}
	}
	return n
}

// skipSpace returns the index of the first non-space byte of b at or after
// i (len(b) at the end).
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value starting at b[i], b being
// valid JSON. ok is false for a number splitObject does not vouch for
// (maxPlainNumber), anywhere inside the value, or a truncated value.
func skipValue(b []byte, i int) (end int, ok bool) {
	depth := 0
	for i < len(b) {
		switch c := b[i]; {
		case c == '"':
			i++
			for i < len(b) && b[i] != '"' {
				if b[i] == '\\' {
					i++
				}
				i++
			}
			i++ // the closing quote
		case c == '{' || c == '[':
			depth++
			i++
		case c == '}' || c == ']':
			depth--
			i++
		case c == '-' || (c >= '0' && c <= '9'):
			s := i
			for i < len(b) && (b[i] == '-' || b[i] == '+' || b[i] == '.' || (b[i] >= '0' && b[i] <= '9') || b[i] == 'e' || b[i] == 'E') {
				if b[i] == 'e' || b[i] == 'E' {
					return 0, false
				}
				i++
			}
			if i-s > maxPlainNumber {
				return 0, false
			}
		case c == 't' || c == 'n':
			i += 4
		case c == 'f':
			i += 5
		default: // whitespace, ':' and ',' inside a container
			i++
		}
		if depth == 0 {
			return i, i <= len(b)
		}
	}
	return 0, false
}

// knownKeys are the property names a PUT body is expected to carry, so
// that splitObject stores them without allocating a string per key.
var knownKeys = func() map[string]string {
	m := map[string]string{}
	add := func(names ...string) {
		for _, n := range names {
			m[n] = n
		}
	}
	for _, f := range patchFields {
		add(f.name)
	}
	for _, f := range customerFields() {
		add(f.name)
	}
	for _, n := range navProps() {
		add(n.name)
	}
	add(bodyControls...)
	add(editedNested...)
	add(addressWritable...)
	add(addressReadOnly...)
	add(addressControls...)
	add(phoneWritable...)
	add(phoneReadOnly...)
	add(phoneControls...)
	add("results", "__deferred", "uri")
	return m
}()

// internKey is key as a string, shared for a known name (the map lookup
// with string(key) does not allocate).
func internKey(key []byte) string {
	if k, ok := knownKeys[string(key)]; ok {
		return k
	}
	return string(key)
}

// plainString reads a JSON string token without escapes: raw is `"…"`
// with no backslash, no control character and valid UTF-8 inside, which
// encoding/json decodes to exactly those bytes. ok is false otherwise:
// the caller decodes raw with encoding/json.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	in := raw[1 : len(raw)-1]
	for _, c := range in {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}
