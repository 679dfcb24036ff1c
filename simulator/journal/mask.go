package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
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

// secretKey reports whether a JSON object key names a secret. "value" is
// not one by itself: it is masked because it sits under "password", as in
// Weavr's {"password":{"value":"…"}}.
func secretKey(k string) bool {
	switch strings.ToLower(k) {
	case "password", "token", "secret", "apikey":
		return true
	}
	return false
}

// looseSecret finds a secret key's scalar value in text that is not valid
// JSON; "value" is included there because nesting cannot be known.
var looseSecret = regexp.MustCompile(`(?i)("(?:password|token|secret|apikey|value)"\s*:\s*)("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false)`)

// MaskBody renders a request or response body for the journal:
//
//   - An empty body is "".
//   - A body that is not valid UTF-8, or holds a NUL byte, is
//     "(N bytes binary)".
//   - A JSON body (media type application/json or any +json type, or no
//     content type at all and a body that parses as JSON) has the value of
//     every key named password, token, secret or apiKey (any case) masked
//     as "****"; when that value is an object or array, every string,
//     number and boolean inside it is masked instead, keeping its shape:
//     {"password":{"value":"x"}} becomes {"password":{"value":"****"}}.
//     null stays null. If something was masked the JSON is re-encoded
//     compactly in its original key order; otherwise the original text is
//     kept. A body labelled JSON that does not parse is masked by pattern:
//     the string, number or boolean after any "password", "token",
//     "secret", "apiKey" or "value" key becomes "****".
//   - Other text is kept as is.
//
// Then, if max > 0 and the result is longer than max bytes, it is cut to at
// most max bytes (never inside a UTF-8 character) and
// "…(truncated, N bytes)" is appended, N being the size of the body as
// received. Masking comes first, so truncation can never expose a secret.
func MaskBody(contentType string, body []byte, max int) string {
	if len(body) == 0 {
		return ""
	}
	if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 {
		return fmt.Sprintf("(%d bytes binary)", len(body))
	}
	text := string(body)
	switch {
	case isJSONType(contentType):
		text = maskJSONText(body)
	case strings.TrimSpace(contentType) == "" && json.Valid(body):
		text = maskJSONText(body)
	}
	if max > 0 && len(text) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = fmt.Sprintf("%s…(truncated, %d bytes)", text[:cut], len(body))
	}
	return text
}

func isJSONType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// maskJSONText masks secrets in body, keeping the original text when there
// are none.
func maskJSONText(body []byte) string {
	if !json.Valid(body) {
		return looseSecret.ReplaceAllString(string(body), "${1}\""+Mask+"\"")
	}
	m := jsonMasker{dec: json.NewDecoder(bytes.NewReader(body))}
	m.dec.UseNumber()
	if err := m.value(false); err != nil || !m.masked {
		return string(body)
	}
	return m.out.String()
}

// jsonMasker re-emits a JSON token stream compactly, masking secrets. The
// token stream keeps object keys in document order.
type jsonMasker struct {
	dec    *json.Decoder
	out    bytes.Buffer
	masked bool
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

// MaxBody bounds each body the journal keeps (the first MaxBody bytes and
// one more, so a reader knows it was cut).
const MaxBody = 64 << 10

// Masked is the entry as the control API shows it: credentials in headers,
// passwords and tokens in bodies hidden. Masking happens when the journal
// is read, never per request (it re-encodes JSON).
func (e Entry) Masked() Entry {
	e.RequestBody = MaskBody(e.RequestHeaders.Get("Content-Type"), []byte(e.RequestBody), MaxBody)
	e.ResponseBody = MaskBody(e.ResponseHeaders.Get("Content-Type"), []byte(e.ResponseBody), MaxBody)
	e.RequestHeaders = MaskHeaders(e.RequestHeaders)
	e.ResponseHeaders = MaskHeaders(e.ResponseHeaders)
	return e
}
