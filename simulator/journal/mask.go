package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Mask is what a secret is replaced with.
const Mask = "****"

// secretHeader reports whether a header carries a credential. The names
// are compared case-insensitively.
func secretHeader(name string) bool {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization", "api-key", "programme-key",
		"cookie", "set-cookie", "x-admin-token":
		return true
	}
	return false
}

// MaskHeaders returns a copy of h in which credentials are masked, so a
// journal can be shown to anyone holding the session's name. The headers
// masked are Authorization, Proxy-Authorization, api-key, programme-key,
// Cookie, Set-Cookie and X-Admin-Token, matched case-insensitively. Rules:
//
//   - Authorization and Proxy-Authorization keep their scheme word:
//     "Bearer abc.def" becomes "Bearer ****"; a value with no space is
//     "****".
//   - Any other masked value longer than 8 bytes keeps its last 4 bytes, so
//     an integrator can tell which key they sent without revealing it:
//     "sandbox-api-key" becomes "****-key". Values of 8 bytes or fewer
//     become "****".
//   - An empty value stays empty: sending nothing is worth seeing.
//
// Other headers are copied unchanged. A nil h gives nil.
func MaskHeaders(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		if !secretHeader(k) {
			out[k] = append([]string(nil), vs...)
			continue
		}
		auth := strings.EqualFold(k, "authorization") || strings.EqualFold(k, "proxy-authorization")
		masked := make([]string, len(vs))
		for i, v := range vs {
			masked[i] = maskHeaderValue(v, auth)
		}
		out[k] = masked
	}
	return out
}

func maskHeaderValue(v string, auth bool) string {
	switch {
	case v == "":
		return ""
	case auth:
		if scheme, _, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
			return scheme + " " + Mask
		}
		return Mask
	case len(v) > 8:
		tail := v[len(v)-4:]
		for !utf8.ValidString(tail) && len(tail) > 0 { // do not split a rune
			tail = tail[1:]
		}
		return Mask + tail
	default:
		return Mask
	}
}

// secretKey reports whether a JSON object key (or a form or query
// parameter name) names a secret, compared case-insensitively: password,
// accessPassword (LoanPro's customer login), oldPassword and newPassword
// (password changes), token, secret, apiKey, ssn and socialSecurityNumber
// (LoanPro customers), and the one-time codes a user is sent:
// verificationCode and nonce. "value" is not one by itself:
// it is masked because it sits under "password", as in Weavr's
// {"password":{"value":"…"}}.
func secretKey(k string) bool {
	switch strings.ToLower(k) {
	case "password", "accesspassword", "oldpassword", "newpassword", "token", "secret", "apikey", "ssn", "socialsecuritynumber",
		"verificationcode", "nonce":
		return true
	}
	return false
}

// secretNames are the keys of secretKey as a regular expression.
const secretNames = `password|accesspassword|oldpassword|newpassword|token|secret|apikey|ssn|socialsecuritynumber|verificationcode|nonce`

// looseSecret finds a secret key's scalar value in text that is not valid
// JSON; "value" is included there because nesting cannot be known. A string
// that is not closed before the end of the text (a body cut inside it) is a
// value too, running to the end.
var looseSecret = regexp.MustCompile(`(?i)("(?:` + secretNames + `|value)"\s*:\s*)("(?:[^"\\]|\\.)*(?:"|\\?\z)|-?[0-9][0-9.eE+-]*|true|false)`)

// formName finds the names of name=value pairs in text that is not JSON,
// as in a form body (password=…&email=…) or a query string quoted in plain
// text. Only the name and '=' are matched, so a value holding another pair
// ("next=/reset?token=…") is searched too; maskLoose finds where the value
// ends (valueEnd).
var formName = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.\[\]%-])([A-Za-z0-9_.\[\]%-]+)=`)

// valueEnd is the end of the form value starting at text[i:]: the next '&',
// white space, '"', '<' or '>', or the end of the text.
func valueEnd(text string, i int) int {
	if j := strings.IndexAny(text[i:], "&\"<> \t\r\n\f\v"); j >= 0 {
		return i + j
	}
	return len(text)
}

// MaskBody renders a request or response body for the journal:
//
//   - An empty body is "".
//   - A body that is not valid UTF-8, or holds a NUL byte, is
//     "(N bytes binary)". When max > 0 and the body is longer than max (it
//     was cut when recorded), an incomplete UTF-8 sequence at its very end
//     is dropped first, so a cut inside a character does not make a text
//     body look binary; the result is then marked truncated (below) even
//     if it fits in max.
//   - A body that parses as JSON is JSON, whatever contentType says
//     (missing, text/plain, a form type, a +json type or anything else):
//     the value of every key named password, accessPassword, token,
//     secret, apiKey, ssn or socialSecurityNumber (any case) is masked as
//     "****"; when that value is an object or array, every string, number
//     and boolean inside it is masked instead, keeping its shape:
//     {"password":{"value":"x"}} becomes {"password":{"value":"****"}}.
//     null stays null. Any other string value that mentions "ssn" (any
//     case) has its SSN-looking parts masked as in a query (see Masked):
//     "SSN 123456789 already exists" becomes "SSN **** already exists". If
//     something was masked the JSON is re-encoded compactly in its original
//     key order; otherwise the original text is kept.
//   - Any other text is masked loosely, keeping the rest of the text as is:
//     the string, number or boolean after any "password",
//     "accessPassword", "token", "secret", "apiKey", "ssn",
//     "socialSecurityNumber" or "value" key becomes "****", a string left
//     open at the end of the text (a body cut inside it) included, masked
//     to the end; and in name=value pairs (a form body such as
//     password=…&email=…) a non-empty value whose name has a secret key as
//     a part (password, user[password], Password%5Bvalue%5D, …) becomes
//     "****". The value runs to the next '&', white space, '"', '<' or '>'.
//
// contentType is no longer consulted: the body's own syntax decides, so a
// client mislabelling its body cannot expose a secret.
//
// Then, if max > 0 and the result is longer than max bytes (or the body was
// cut inside a character, above), it is cut to at most max bytes (never
// inside a UTF-8 character) and "…(truncated, N bytes)" is appended, N
// being the size of the body as received. Masking comes first, so
// truncation can never expose a secret.
func MaskBody(contentType string, body []byte, max int) string {
	if len(body) == 0 {
		return ""
	}
	text, cut := body, false
	if max > 0 && len(body) > max {
		text = trimPartialRune(body)
		cut = len(text) < len(body)
	}
	if !utf8.Valid(text) || bytes.IndexByte(text, 0) >= 0 {
		return fmt.Sprintf("(%d bytes binary)", len(body))
	}
	masked := maskText(text)
	if max > 0 && (cut || len(masked) > max) {
		end := min(max, len(masked))
		for end < len(masked) && end > 0 && !utf8.RuneStart(masked[end]) {
			end--
		}
		masked = fmt.Sprintf("%s…(truncated, %d bytes)", masked[:end], len(body))
	}
	return masked
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

// maskText masks the secrets in a text body (valid UTF-8, no NUL): with the
// JSON masker when it parses as JSON, loosely otherwise.
func maskText(body []byte) string {
	if json.Valid(body) {
		return maskJSONText(body)
	}
	return maskLoose(string(body))
}

// maskLoose masks secrets in text that is not JSON, by pattern.
func maskLoose(text string) string {
	text = looseSecret.ReplaceAllString(text, "${1}\""+Mask+"\"")
	locs := formName.FindAllStringSubmatchIndex(text, -1)
	if locs == nil {
		return text
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		vs := l[1] // just after '='
		if l[2] < last || !secretName(text[l[2]:l[3]]) {
			continue // inside a value already masked, or not a secret
		}
		ve := valueEnd(text, vs)
		if ve == vs {
			continue // an empty value is worth seeing
		}
		b.WriteString(text[last:vs])
		b.WriteString(Mask)
		last = ve
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// secretName reports whether a form or query parameter name has a secret
// key as one of its parts: "password", "user[password]",
// "password.value", "Password%5Bvalue%5D".
func secretName(name string) bool {
	parts := strings.FieldsFunc(unescapeLenient(name), func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	})
	for _, p := range parts {
		if secretKey(p) {
			return true
		}
	}
	return false
}

// maskJSONText masks secrets in body, which must be valid JSON, keeping the
// original text when there are none.
func maskJSONText(body []byte) string {
	// A body that names an SSN field anywhere (a search over "ssn", a
	// warning about a duplicate SSN) may carry the number in any string:
	// nine-digit runs are masked in all of them.
	m := jsonMasker{dec: json.NewDecoder(bytes.NewReader(body)), ssnBody: mentionsSSN(string(body))}
	m.dec.UseNumber()
	if err := m.value(false); err != nil || !m.masked {
		return string(body)
	}
	return m.out.String()
}

// jsonMasker re-emits a JSON token stream compactly, masking secrets. The
// token stream keeps object keys in document order.
type jsonMasker struct {
	dec     *json.Decoder
	out     bytes.Buffer
	masked  bool
	ssnBody bool // the body mentions an SSN field somewhere
}

// value copies one JSON value; secret says it sits under a secret key.
func (m *jsonMasker) value(secret bool) error {
	tok, err := m.dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		return m.container(t, secret)
	case nil:
		m.out.WriteString("null")
	case string, json.Number, bool:
		if secret {
			m.masked = true
			m.writeString(Mask)
			return nil
		}
		if s, ok := t.(string); ok {
			ms := s
			switch {
			case mentionsSSN(s):
				ms = maskSSNText(s)
			case m.ssnBody && bareNumber(s):
				ms = maskSSNDigits(s, false)
			}
			if ms != s {
				m.masked = true
				s = ms
			}
			m.writeString(s)
		} else {
			fmt.Fprint(&m.out, t)
		}
	}
	return nil
}

// container copies an object or array whose opening delimiter was read.
func (m *jsonMasker) container(open json.Delim, secret bool) error {
	m.out.WriteRune(rune(open))
	for i := 0; m.dec.More(); i++ {
		if i > 0 {
			m.out.WriteByte(',')
		}
		if open == '{' {
			tok, err := m.dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			m.writeString(key)
			m.out.WriteByte(':')
			if err := m.value(secret || secretKey(key)); err != nil {
				return err
			}
			continue
		}
		if err := m.value(secret); err != nil {
			return err
		}
	}
	closing, err := m.dec.Token()
	if err != nil {
		return err
	}
	m.out.WriteRune(rune(closing.(json.Delim)))
	return nil
}

// writeString writes s as a JSON string without HTML escaping, so "<" in a
// body stays readable.
func (m *jsonMasker) writeString(s string) {
	enc := json.NewEncoder(&m.out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	m.out.Truncate(m.out.Len() - 1) // Encode appends a newline
}
