package journal

import (
	"regexp"
	"strings"
)

// MaxBody bounds each body the journal keeps (the first MaxBody bytes and
// one more, so a reader knows it was cut).
const MaxBody = 64 << 10

// Masked is the entry as the control API shows it, secrets hidden:
//
//   - Request and response headers through MaskHeaders.
//   - Request and response bodies through MaskBody with MaxBody: by field
//     when the body parses as JSON, whatever its Content-Type says, by
//     pattern otherwise (form bodies included).
//   - The query: a parameter whose name has a secret key as a part (as
//     for JSON keys: password, token, ssn, …) or mentions "ssn" has its
//     value masked as "****". In any other parameter whose value mentions
//     "ssn" or "socialSecurityNumber" (any case), as LoanPro's
//     $filter=ssn eq '123456789', every quoted string literal ('…' as in
//     OData, a doubled quote inside, or "…"; one left open runs to the
//     end) becomes '****' (or "****"), and every bare run of exactly nine
//     digits or NNN-NN-NNNN becomes ****. A masked value is re-encoded
//     with %20 for a space and only the bytes a query needs escaped;
//     every other parameter, and the separators, stay byte for byte. The
//     query is split on '&' and decoded leniently (a bad %-escape is kept
//     as it is), so a query url.ParseQuery rejects is masked too.
//   - The path: an NNN-NN-NNNN run is masked as ****; if the path mentions
//     "ssn" it is masked like a query value.
//
// Bodies cut when recorded stay safe: a body cut at MaxBody+1 bytes without
// masking first (as recorded before Cut existed, or a response body kept by
// a bounded buffer) is no longer JSON, and the loose masking masks a secret
// string the cut left open, to the end of the text. Cut masks a whole body
// before cutting it, which is better still: nothing under a secret key is
// lost to a cut, whatever its shape.
//
// Masking happens when the journal is read, never per request (it
// re-encodes JSON).
func (e Entry) Masked() Entry {
	e.RequestBody = MaskBody(e.RequestHeaders.Get("Content-Type"), []byte(e.RequestBody), MaxBody)
	e.ResponseBody = MaskBody(e.ResponseHeaders.Get("Content-Type"), []byte(e.ResponseBody), MaxBody)
	e.RequestHeaders = MaskHeaders(e.RequestHeaders)
	e.ResponseHeaders = MaskHeaders(e.ResponseHeaders)
	e.Query = maskQuery(e.Query)
	e.Path = maskPath(e.Path)
	return e
}

// mentionsSSN reports whether s mentions an SSN field: "ssn" or
// "socialSecurityNumber", in any case.
func mentionsSSN(s string) bool {
	return containsFold(s, "ssn") || containsFold(s, "socialsecuritynumber")
}

// containsFold reports whether s contains sub (lower-case ASCII), ignoring
// ASCII case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for j < len(sub) && s[i+j]|0x20 == sub[j] {
			j++
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}

// quotedLiteral is a string literal in a filter or search text: '…' (OData,
// a doubled quote being a quote inside) or "…" (backslash escapes); one not
// closed runs to the end of the text.
var quotedLiteral = regexp.MustCompile(`'(?:[^']|'')*(?:'|\z)|"(?:[^"\\]|\\.)*(?:"|\\?\z)`)

// ssnDigits is a run that may be an SSN: NNN-NN-NNNN, or digits (an SSN
// when there are exactly nine).
var ssnDigits = regexp.MustCompile(`[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]+`)

// maskSSNText masks what may be an SSN in a text that mentions one: every
// quoted literal becomes '****' (or "****"), every bare nine-digit or
// NNN-NN-NNNN run ****.
func maskSSNText(s string) string {
	s = quotedLiteral.ReplaceAllStringFunc(s, func(lit string) string {
		if lit[0] == '"' {
			return `"` + Mask + `"`
		}
		return "'" + Mask + "'"
	})
	return maskSSNDigits(s, false)
}

// maskSSNDigits masks NNN-NN-NNNN runs not touching other digits and, unless
// dashedOnly, runs of exactly nine digits.
func maskSSNDigits(s string, dashedOnly bool) string {
	locs := ssnDigits.FindAllStringIndex(s, -1)
	var b strings.Builder
	last := 0
	for _, l := range locs {
		start, end := l[0], l[1]
		var ssn bool
		if end-start == 11 && s[start+3] == '-' {
			ssn = (start == 0 || !isDigit(s[start-1])) && (end == len(s) || !isDigit(s[end]))
		} else {
			ssn = !dashedOnly && end-start == 9
		}
		if !ssn {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(Mask)
		last = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// bareNumber reports whether s is only digits and dashes, save for search
// wildcards, quotes and spaces around them ("*900123987*"): how an SSN is
// searched for. A LoanPro date "/Date(332640000)/" is not one.
func bareNumber(s string) bool {
	s = strings.Trim(s, "*?\"' ")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// maskPath masks what may be an SSN in a request path (see Masked).
func maskPath(p string) string {
	if mentionsSSN(p) {
		return maskSSNText(p)
	}
	return maskSSNDigits(p, true)
}

// maskQuery masks secrets in a raw query string (see Masked). Parameters
// that need no masking are kept byte for byte.
func maskQuery(q string) string {
	if q == "" {
		return q
	}
	params := strings.Split(q, "&")
	changed := false
	for i, p := range params {
		if m, ok := maskQueryParam(p); ok {
			params[i] = m
			changed = true
		}
	}
	if !changed {
		return q
	}
	return strings.Join(params, "&")
}

// maskQueryParam masks one name=value parameter of a raw query, reporting
// whether it changed.
func maskQueryParam(p string) (string, bool) {
	rawName, rawValue, hasValue := strings.Cut(p, "=")
	name := unescapeLenient(rawName)
	if !hasValue { // a bare name: mask it as a value
		if !mentionsSSN(name) {
			return p, false
		}
		if m := maskSSNText(name); m != name {
			return escapeQueryValue(m), true
		}
		return p, false
	}
	value := unescapeLenient(rawValue)
	var m string
	switch {
	case value == "":
		return p, false
	case secretName(name) || mentionsSSN(name):
		m = Mask
	case mentionsSSN(value):
		m = maskSSNText(value)
	default:
		return p, false
	}
	if m == value {
		return p, false
	}
	return rawName + "=" + escapeQueryValue(m), true
}

// unescapeLenient decodes a query component like url.QueryUnescape ('+' is
// a space, %XX a byte), keeping a malformed %-escape as it is instead of
// failing.
func unescapeLenient(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// escapeQueryValue encodes a masked query value: letters, digits and
// -._~!$'()*,/:@? stay as they are (so '****' stays readable), a space is
// %20 and every other byte %XX.
func escapeQueryValue(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || strings.IndexByte("-._~!$'()*,/:@?", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
