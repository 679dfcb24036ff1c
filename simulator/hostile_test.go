package simulator_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// The hostile-input suite: what a broken or malicious client can send to
// the running handler, for both vendors. Each case asserts the exact
// status, the vendor's body shape (Weavr 400 {"message"}, 404/405/413/415
// {"code","message"}; LoanPro {"error":{"message","type","code"}}) and that
// a rejected request changed nothing (GET before and after are equal).
// Connection-level cases (huge headers, slow headers, bodies that end
// early) are in hostile_conn_test.go.

// hostileVendor is how the suite addresses one vendor's record: its
// headers, the write it attacks and the GET that shows the record.
type hostileVendor struct {
	name           string
	method, path   string // the write under attack
	read           string // GET path of the record
	headers        []string
	field, field42 string // a string field of the record and a body setting it to 42
}

func hostileVendors(s *sandbox) []hostileVendor {
	return []hostileVendor{
		{name: "weavr", method: "PATCH", path: "/multi/consumers", read: "/multi/consumers",
			headers: s.weavr("alice@example.com"), field: "tag", field42: `{"tag":42}`},
		{name: "loanpro", method: "PUT", path: lpCustomer, read: lpCustomer,
			headers: lpHeaders(), field: "firstName", field42: `{"firstName":42}`},
	}
}

// hostileSet returns h with header name replaced by value ("" removes it).
func hostileSet(h []string, name, value string) []string {
	out := make([]string, 0, len(h)+2)
	for i := 0; i+1 < len(h); i += 2 {
		if !strings.EqualFold(h[i], name) {
			out = append(out, h[i], h[i+1])
		}
	}
	if value != "" {
		out = append(out, name, value)
	}
	return out
}

// hostileJSONEqual compares two JSON documents ignoring formatting.
func hostileJSONEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// hostileField reads a string field of a Weavr consumer (under rootUser
// for the identity fields) or a LoanPro entity (under d).
func hostileField(t *testing.T, vendor string, body []byte, field string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("record is not JSON: %q", body)
	}
	if vendor == "loanpro" {
		m, _ = m["d"].(map[string]any)
	} else if ru, ok := m["rootUser"].(map[string]any); ok && ru[field] != nil {
		m = ru
	}
	return m[field]
}

func lpError(status int, typ, msg string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": status}})
	return string(b)
}

const weavrTooLarge = `{"code":"PAYLOAD_TOO_LARGE","message":"The request body is too large"}`

func weavrMessage(msg string) string {
	b, _ := json.Marshal(map[string]string{"message": "Invalid request: " + msg})
	return string(b)
}

// nested is depth opening brackets around x, closed again.
func nested(depth int, x string) string {
	return strings.Repeat("[", depth) + x + strings.Repeat("]", depth)
}

// TestHostileBodies sends malformed, truncated, mistyped, deeply nested,
// non-UTF-8, duplicate-keyed, oversized and mislabelled bodies to each
// vendor's write. want maps the vendor to the exact status and body; a 200
// wants the field set to set (the change applied), anything else wants the
// record unchanged.
func TestHostileBodies(t *testing.T) {
	type answer struct {
		status int
		body   string // exact JSON body ("" for a 200)
		set    string // the field's value after a 200
	}
	const lpVal, lpPay = "ValidationException", "InvalidPayloadException"
	invalid := func(m string) answer {
		return answer{409, lpError(409, lpPay, "The request body is not valid JSON: "+m+"."), ""}
	}
	utf8Bad := answer{400, weavrMessage("the request body is not valid UTF-8"), ""}
	lpUTF8 := invalid("malformed UTF-8 characters")
	tests := []struct {
		name  string
		body  func(v hostileVendor) string
		ctype string // "" keeps application/json, "-" sends none
		want  map[string]answer
	}{
		{name: "malformed JSON", body: func(v hostileVendor) string { return `{"` + v.field + `":` },
			want: map[string]answer{"weavr": {400, weavrMessage("malformed JSON at byte 7"), ""}, "loanpro": invalid("unexpected end of JSON input")}},
		{name: "truncated string", body: func(v hostileVendor) string { return `{"` + v.field + `":"Ali` },
			want: map[string]answer{"weavr": {400, weavrMessage("malformed JSON at byte 11"), ""}, "loanpro": invalid("unexpected end of JSON input")}},
		{name: "truncated after a comma", body: func(v hostileVendor) string { return `{"` + v.field + `":"A",` },
			want: map[string]answer{"weavr": {400, weavrMessage("malformed JSON at byte 11"), ""}, "loanpro": invalid("unexpected end of JSON input")}},
		{name: "trailing garbage", body: func(v hostileVendor) string { return `{"` + v.field + `":"A"}}` },
			want: map[string]answer{"weavr": {400, weavrMessage("malformed JSON at byte 12"), ""},
				"loanpro": invalid("invalid character '}' after top-level value")}},
		{name: "single quotes", body: func(v hostileVendor) string { return `{'` + v.field + `':'A'}` },
			want: map[string]answer{"weavr": {400, weavrMessage("malformed JSON at byte 2"), ""},
				"loanpro": invalid("invalid character '\\'' looking for beginning of object key string")}},
		{name: "number for a string", body: func(v hostileVendor) string { return v.field42 },
			want: map[string]answer{"weavr": {400, weavrMessage("tag must be a string, got number"), ""},
				"loanpro": {409, lpError(409, lpVal, "Invalid type for field 'firstName': expected string, got number 42."), ""}}},
		{name: "object for a string", body: func(v hostileVendor) string { return `{"` + v.field + `":{"a":1}}` },
			want: map[string]answer{"weavr": {400, weavrMessage("tag must be a string, got object"), ""},
				"loanpro": {409, lpError(409, lpVal, `Invalid type for field 'firstName': expected string, got object {"a":1}.`), ""}}},
		{name: "array body", body: func(v hostileVendor) string { return `[{"` + v.field + `":"A"}]` },
			want: map[string]answer{"weavr": {400, weavrMessage("the request body must be a JSON object"), ""},
				"loanpro": {409, lpError(409, lpPay, "The request body must be a JSON object, got array."), ""}}},
		{name: "string body", body: func(hostileVendor) string { return `"A"` },
			want: map[string]answer{"weavr": {400, weavrMessage("the request body must be a JSON object"), ""},
				"loanpro": {409, lpError(409, lpPay, "The request body must be a JSON object, got string."), ""}}},
		{name: "empty body", body: func(hostileVendor) string { return "" },
			want: map[string]answer{"weavr": {400, weavrMessage("the request body is required"), ""},
				"loanpro": {409, lpError(409, lpPay, "The request body is empty: send a JSON object."), ""}}},
		{name: "100k nested arrays", body: func(hostileVendor) string { return nested(100_000, "") },
			want: map[string]answer{"weavr": {400, weavrMessage("malformed JSON at byte 10001"), ""},
				"loanpro": invalid("invalid character '[' exceeded max depth")}},
		{name: "100k nested arrays in a field", body: func(v hostileVendor) string { return `{"` + v.field + `":` + nested(100_000, "1") + `}` },
			want: map[string]answer{"weavr": {400, weavrMessage("malformed JSON at byte 10007"), ""},
				"loanpro": invalid("invalid character '[' exceeded max depth")}},
		{name: "100k nested objects", body: func(hostileVendor) string {
			return strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000)
		}, want: map[string]answer{"weavr": {400, weavrMessage("malformed JSON at byte 50001"), ""},
			"loanpro": invalid("invalid character '{' exceeded max depth")}},
		{name: "invalid UTF-8 in a value", body: func(v hostileVendor) string { return `{"` + v.field + "\":\"A\xff\"}" },
			want: map[string]answer{"weavr": utf8Bad, "loanpro": lpUTF8}},
		{name: "invalid UTF-8 in a key", body: func(v hostileVendor) string { return `{"` + v.field + "\xc3\":\"A\"}" },
			want: map[string]answer{"weavr": utf8Bad, "loanpro": lpUTF8}},
		{name: "overlong UTF-8 slash", body: func(v hostileVendor) string { return `{"` + v.field + "\":\"\xc0\xaf\"}" },
			want: map[string]answer{"weavr": utf8Bad, "loanpro": lpUTF8}},
		{name: "duplicate keys: the last wins", body: func(v hostileVendor) string { return `{"` + v.field + `":"First","` + v.field + `":"Last"}` },
			want: map[string]answer{"weavr": {200, "", "Last"}, "loanpro": {200, "", "Last"}}},
		{name: "duplicate keys: an invalid last value", body: func(v hostileVendor) string { return `{"` + v.field + `":"Ok","` + v.field + `":42}` },
			want: map[string]answer{"weavr": {400, weavrMessage("tag must be a string, got number"), ""},
				"loanpro": {409, lpError(409, lpVal, "Invalid type for field 'firstName': expected string, got number 42."), ""}}},
		{name: "10 MB body", body: func(v hostileVendor) string { return `{"` + v.field + `":"` + strings.Repeat("x", 10<<20) + `"}` },
			want: map[string]answer{"weavr": {413, weavrTooLarge, ""},
				"loanpro": {413, lpError(413, "RequestEntityTooLargeException", "The request body exceeds 1048576 bytes."), ""}}},
		{name: "text/plain", ctype: "text/plain", body: func(v hostileVendor) string { return `{"` + v.field + `":"Plain"}` },
			// LoanPro does not check Content-Type (the reference is silent; its PHP reads the raw body).
			want: map[string]answer{"weavr": {415, `{"code":"UNSUPPORTED_MEDIA_TYPE","message":"Content-Type must be application/json"}`, ""},
				"loanpro": {200, "", "Plain"}}},
		{name: "malformed Content-Type", ctype: "application/json; charset", body: func(v hostileVendor) string { return `{"` + v.field + `":"Bad"}` },
			want: map[string]answer{"weavr": {415, `{"code":"UNSUPPORTED_MEDIA_TYPE","message":"Content-Type must be application/json"}`, ""},
				"loanpro": {200, "", "Bad"}}},
		{name: "no Content-Type", ctype: "-", body: func(v hostileVendor) string { return `{"` + v.field + `":"None"}` },
			want: map[string]answer{"weavr": {200, "", "None"}, "loanpro": {200, "", "None"}}},
	}
	for _, tt := range tests {
		for _, vendor := range []string{"weavr", "loanpro"} {
			t.Run(vendor+"/"+tt.name, func(t *testing.T) {
				s := newSandbox(t)
				var v hostileVendor
				for _, c := range hostileVendors(s) {
					if c.name == vendor {
						v = c
					}
				}
				h := v.headers
				switch tt.ctype {
				case "":
				case "-":
					h = hostileSet(h, "Content-Type", "")
				default:
					h = hostileSet(h, "Content-Type", tt.ctype)
				}
				want := tt.want[vendor]
				before := s.do("GET", v.read, "", v.headers...)
				r := s.do(v.method, v.path, tt.body(v), h...)
				after := s.do("GET", v.read, "", v.headers...)
				if r.status != want.status {
					t.Fatalf("status %d, want %d: %.300s", r.status, want.status, r.body)
				}
				if want.status == http.StatusOK {
					if got := hostileField(t, vendor, after.body, v.field); got != want.set {
						t.Errorf("%s after the 200 is %v, want %q", v.field, got, want.set)
					}
					return
				}
				if !hostileJSONEqual(r.body, []byte(want.body)) {
					t.Errorf("body\n got  %.300s\n want %s", r.body, want.body)
				}
				if !bytes.Equal(before.body, after.body) || before.status != http.StatusOK {
					t.Errorf("a rejected request changed the record:\nbefore %d %s\nafter  %s", before.status, before.body, after.body)
				}
			})
		}
	}
}

// TestHostileRoutes: unknown paths and methods under a vendor's prefix get
// that vendor's 404 or 405 (never gin's text answers), and nothing changes.
func TestHostileRoutes(t *testing.T) {
	const lpBase = "/api/public/api/1/odata.svc"
	weavrNotFound := `{"code":"NOT_FOUND","message":"No such resource"}`
	weavrMethod := `{"code":"METHOD_NOT_ALLOWED","message":"Method not allowed"}`
	tests := []struct {
		method, path string
		status       int
		body         string
		allow        string // the Allow header of a 405
	}{
		{"GET", "/multi/nothing", 404, weavrNotFound, ""},
		{"POST", "/multi/consumers/nothing/deeper", 404, weavrNotFound, ""},
		{"GET", "/multi/../__sandbox/sessions", 404, weavrNotFound, ""},
		{"POST", "/simulate/api/nothing", 404, weavrNotFound, ""},
		{"DELETE", "/multi/consumers", 405, weavrMethod, "POST, GET, PATCH"},
		{"PUT", "/multi/consumers", 405, weavrMethod, "POST, GET, PATCH"},
		{"GET", "/multi/login_with_password", 405, weavrMethod, "POST"},
		{"BREW", "/multi/consumers", 405, weavrMethod, "POST, GET, PATCH"},
		{"GET", "/simulate/api/consumers/1/verify", 405, weavrMethod, "POST"},
		{"GET", "/multi/consumers/", 404, weavrNotFound, ""},
		{"GET", lpBase + "/Loans(1)", 404, lpError(404, "ResourceNotFoundException", "Resource not found for the segment 'Loans'."), ""},
		{"GET", "/api/public/api/1/nothing", 404, lpError(404, "ResourceNotFoundException", "Resource not found for the segment 'nothing'."), ""},
		{"GET", lpBase + "/Customers(1)/Phones/1", 404, lpError(404, "ResourceNotFoundException", "Resource not found for the segment '1'."), ""},
		{"DELETE", lpBase + "/Customers(1)", 405,
			lpError(405, "MethodNotAllowedException", "The HTTP method DELETE is not allowed on 'odata.svc/Customers(1)'."), "GET, PUT"},
		{"PATCH", lpBase + "/Customers(1)", 405,
			lpError(405, "MethodNotAllowedException", "The HTTP method PATCH is not allowed on 'odata.svc/Customers(1)'."), "GET, PUT"},
		{"POST", lpBase + "/Customers", 405,
			lpError(405, "MethodNotAllowedException", "The HTTP method POST is not allowed on 'odata.svc/Customers'."), "GET"},
		{"PUT", lpBase + "/Customers", 405,
			lpError(405, "MethodNotAllowedException", "The HTTP method PUT is not allowed on 'odata.svc/Customers'."), "GET"},
		{"GET", lpBase, 404, lpError(404, "ResourceNotFoundException", "Resource not found for the segment 'odata.svc'."), ""},
		{"GET", "/nothing", 404, `{"sandboxError":{"message":"sandbox: no route GET /nothing"}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			s := newSandbox(t)
			wh := s.weavr("alice@example.com")
			h := lpHeaders()
			if !strings.HasPrefix(tt.path, "/api/") {
				h = wh
			}
			weavrBefore, lpBefore := s.do("GET", "/multi/consumers", "", wh...), s.do("GET", lpCustomer, "", lpHeaders()...)
			r := s.raw(tt.method, tt.path, `{"tag":"x","firstName":"X"}`, h...)
			if r.status != tt.status || !hostileJSONEqual(r.body, []byte(tt.body)) {
				t.Fatalf("got %d %q (%v)\nwant %d %s", r.status, r.body, r.header, tt.status, tt.body)
			}
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			if strings.HasPrefix(tt.path, "/multi/") && r.header.Get("request-ref") == "" {
				t.Error("Weavr answer without request-ref")
			}
			if tt.path == "/nothing" && r.header.Get("X-Sandbox-Error") != "true" {
				t.Error("sandbox error without X-Sandbox-Error")
			}
			if w := s.do("GET", "/multi/consumers", "", wh...); !bytes.Equal(w.body, weavrBefore.body) {
				t.Errorf("the consumer changed:\n%s\n%s", weavrBefore.body, w.body)
			}
			if l := s.do("GET", lpCustomer, "", lpHeaders()...); !bytes.Equal(l.body, lpBefore.body) {
				t.Errorf("the customer changed:\n%s\n%s", lpBefore.body, l.body)
			}
		})
	}
}
