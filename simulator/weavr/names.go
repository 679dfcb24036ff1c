package weavr

import (
	"encoding/json"
	"reflect"
	"strings"
)

// JSON property names are case-sensitive on Weavr's Java stack: {"NAME":…}
// does not set name, it is an unknown property (ignored by default, like the
// vendor; refused under Settings.StrictUnknownFields). encoding/json matches
// names case-insensitively, so before it decodes a body, matchNames walks
// the body's objects against the request struct's exact json names and
// blanks out every property name that is not one of them (same length, so
// byte offsets in error messages do not move): encoding/json then ignores
// it, and still reports malformed JSON and wrong types exactly as before.

// object is the exact property names of one request object, derived from
// the json tags of its struct (so the names cannot drift from the structs).
type object struct {
	fields []objectField
}

type objectField struct {
	name  string
	sub   *object // the field's object, when its type is a struct or a slice of structs
	array bool    // the field is a slice of sub's objects
}

// objectOf describes the struct type t (pointers followed).
func objectOf(t reflect.Type) *object {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	o := &object{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		of := objectField{name: name}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Slice {
			if et := ft.Elem(); et.Kind() == reflect.Struct || et.Kind() == reflect.Pointer && et.Elem().Kind() == reflect.Struct {
				of.sub, of.array = objectOf(et), true
			}
		} else if ft.Kind() == reflect.Struct {
			of.sub = objectOf(ft)
		}
		o.fields = append(o.fields, of)
	}
	return o
}

// The request objects of the served operations.
var (
	updateObject = objectOf(reflect.TypeFor[updateRequest]())
	loginObject  = objectOf(reflect.TypeFor[loginRequest]())
	verifyObject = objectOf(reflect.TypeFor[verifyRequest]())
)

func (o *object) field(key []byte) (*objectField, bool) {
	for i := range o.fields {
		if o.fields[i].name == string(key) {
			return &o.fields[i], true
		}
	}
	return nil, false
}

// blank is what an unknown property name is overwritten with: no request
// field's name contains '~', even case-insensitively.
const blank = '~'

// nameMatcher walks one body.
type nameMatcher struct {
	b       []byte // the body; copied before the first write
	copied  bool
	path    [4]string // the known parents of the current object (request objects nest 2 deep)
	depth   int
	unknown []InvalidField // every unknown property, in body order
}

// matchNames returns body with every property name that is not an exact
// name of o (at any depth of o's known objects) blanked out, and the
// unknown properties found, each as an InvalidField with error IN: params
// the path of parent objects (known names, as sent), fieldName the
// unknown property's name as sent (unescaped), e.g. params ["address"],
// fieldName "Cityy". Nested properties of an unknown property are not
// listed (their parent is). The body is copied only if a name must be
// blanked. ok is false when the body is not valid JSON: it is then
// returned unchanged, for encoding/json to report the syntax error.
func matchNames(body []byte, o *object) (out []byte, unknown []InvalidField, ok bool) {
	m := nameMatcher{b: body}
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return body, nil, true // not an object: encoding/json says so
	}
	if _, ok := m.object(i, o); !ok {
		return body, nil, false
	}
	return m.b, m.unknown, true
}

// object walks the object starting at b[i] == '{' and returns the index
// after it.
func (m *nameMatcher) object(i int, o *object) (int, bool) {
	b := m.b
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return 0, false
		}
		start := i + 1
		end, escaped, ok := skipString(b, i)
		if !ok {
			return 0, false
		}
		key := b[start : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		i = skipSpace(b, i+1)
		f, known := o.field(key)
		if !known && escaped { // a name spelled with escapes, e.g. "n\u0061me"
			var s string
			if json.Unmarshal(b[start-1:end], &s) != nil {
				return 0, false
			}
			f, known = o.field([]byte(s))
		}
		if !known {
			m.addUnknown(key, escaped)
			m.blankOut(start, end-1)
			b = m.b
		}
		if known && f.sub != nil && i < len(b) && (b[i] == '{' && !f.array || b[i] == '[' && f.array) {
			m.path[m.depth] = f.name
			m.depth++
			if f.array {
				i, ok = m.array(i, f.sub)
			} else {
				i, ok = m.object(i, f.sub)
			}
			m.depth--
			b = m.b
		} else {
			i, ok = skipValue(b, i)
		}
		if !ok {
			return 0, false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case '}':
			return i + 1, true
		case ',':
			i = skipSpace(b, i+1)
		default:
			return 0, false
		}
	}
}

// array walks the array starting at b[i] == '[' whose elements are
// objects o describes (other elements are skipped: encoding/json reports
// their type) and returns the index after it. Unknown names inside an
// element have the array's path as params, as Weavr reports no index.
func (m *nameMatcher) array(i int, o *object) (int, bool) {
	i = skipSpace(m.b, i+1)
	if i < len(m.b) && m.b[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i < len(m.b) && m.b[i] == '{' {
			i, ok = m.object(i, o)
		} else {
			i, ok = skipValue(m.b, i)
		}
		if !ok {
			return 0, false
		}
		if i = skipSpace(m.b, i); i >= len(m.b) {
			return 0, false
		}
		switch m.b[i] {
		case ']':
			return i + 1, true
		case ',':
			i = skipSpace(m.b, i+1)
		default:
			return 0, false
		}
	}
}

func (m *nameMatcher) addUnknown(key []byte, escaped bool) {
	name := string(key)
	if escaped {
		var s string
		if json.Unmarshal([]byte(`"`+name+`"`), &s) == nil {
			name = s
		}
	}
	m.unknown = append(m.unknown, InvalidField{Params: append([]string{}, m.path[:m.depth]...), FieldName: name, Error: kindIn})
}

// blankOut overwrites b[from:to] (a property name's bytes between its
// quotes) with blank.
func (m *nameMatcher) blankOut(from, to int) {
	if !m.copied {
		m.b = append([]byte(nil), m.b...)
		m.copied = true
	}
	for j := from; j < to; j++ {
		m.b[j] = blank
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString skips the string at b[i] == '"'; it returns the index after
// the closing quote and whether the string has escapes.
func skipString(b []byte, i int) (end int, escaped, ok bool) {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '"':
			return i + 1, escaped, true
		case '\\':
			escaped = true
			i++
		}
	}
	return 0, false, false
}

// skipValue skips any JSON value at b[i]. It is lenient (encoding/json
// validates afterwards) but exact on valid JSON.
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		end, _, ok := skipString(b, i)
		return end, ok
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1, true
				}
			case '"':
				end, _, ok := skipString(b, i)
				if !ok {
					return 0, false
				}
				i = end - 1
			}
		}
		return 0, false
	default: // number, true, false, null
		start := i
		for i < len(b) && !isDelim(b[i]) {
			i++
		}
		return i, i > start
	}
}

func isDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', '}', ']', ':':
		return true
	}
	return false
}
