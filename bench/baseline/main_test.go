package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// wire is a capture in curl's form: head's lines end in CRLF, body is as is.
func wire(head, body string) []byte { return []byte(strings.ReplaceAll(head, "\n", "\r\n") + body) }

func TestParseCapture(t *testing.T) {
	tests := []struct {
		name   string
		raw    []byte
		status int
		header http.Header
		body   string
	}{
		{"sandbox PATCH", wire("HTTP/1.1 200 OK\nContent-Length: 11\nContent-Type: application/json\nRequest-Ref: 920bbbd584f2-0000000002\nDate: Wed, 02 Dec 2026 15:16:01 GMT\n\n", `{"id":"1"}`+"\n"),
			200, http.Header{"Content-Length": {"11"}, "Content-Type": {"application/json"}, "Request-Ref": {"920bbbd584f2-0000000002"}}, "{\"id\":\"1\"}\n"},
		{"error with repeated header", wire("HTTP/1.1 409 Conflict\nContent-Type: application/json\nVary: Origin\nVary: Accept\nDate: Wed, 02 Dec 2026 15:16:01 GMT\nContent-Length: 2\n\n", "{}"),
			409, http.Header{"Content-Type": {"application/json"}, "Vary": {"Origin", "Accept"}, "Content-Length": {"2"}}, "{}"},
		{"100 Continue first", wire("HTTP/1.1 100 Continue\n\nHTTP/1.1 201 Created\nContent-Length: 3\n\n", "abc"),
			201, http.Header{"Content-Length": {"3"}}, "abc"},
		{"chunked: no length, body joined", wire("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nContent-Type: text/plain\n\n3\nabc\n2\nde\n0\n\n", ""),
			200, http.Header{"Content-Type": {"text/plain"}}, "abcde"},
		{"chunked as curl writes it: decoded body", wire("HTTP/1.1 200 OK\nContent-Type: application/json\nTransfer-Encoding: chunked\n\n", `{"a":1}`),
			200, http.Header{"Content-Type": {"application/json"}}, `{"a":1}`},
		{"LF only", []byte("HTTP/1.1 200 OK\nContent-Length: 2\nDate: x\n\nok"), 200, http.Header{"Content-Length": {"2"}}, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parseCapture(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			if a.status != tt.status || !reflect.DeepEqual(a.header, tt.header) || string(a.body) != tt.body {
				t.Errorf("got %d %v %q, want %d %v %q", a.status, a.header, a.body, tt.status, tt.header, tt.body)
			}
		})
	}
	if _, err := parseCapture([]byte("not a response")); err == nil {
		t.Error("garbage parsed")
	}
}

// TestServe: the handler sends the capture back on any path of its method,
// with a Date of its own.
func TestServe(t *testing.T) {
	a, err := parseCapture(wire("HTTP/1.1 200 OK\nContent-Length: 4\nContent-Type: application/json\nRequest-Ref: r-1\nDate: Mon, 01 Jan 2001 00:00:00 GMT\n\n", "[42]"))
	if err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Handle("PUT", "/*any", serve(a))
	srv := httptest.NewServer(r)
	defer srv.Close()
	for _, path := range []string{"/api/public/api/1/odata.svc/Customers(7)", "/x?$top=1"} {
		req, _ := http.NewRequest("PUT", srv.URL+path, strings.NewReader(`{"firstName":"x"}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || string(body) != "[42]" || resp.Header.Get("Request-Ref") != "r-1" ||
			resp.Header.Get("Content-Type") != "application/json" || resp.ContentLength != 4 {
			t.Errorf("%s: %d %v %q", path, resp.StatusCode, resp.Header, body)
		}
		if d := resp.Header.Get("Date"); d == "" || strings.HasPrefix(d, "Mon, 01 Jan 2001") {
			t.Errorf("%s: Date %q, want a fresh one", path, d)
		}
	}
}

func TestMethodOf(t *testing.T) {
	for arg, want := range map[string]string{"PATCH=/w/a.http": "PATCH", "/w/put.http": "PUT", "post-search.http": "POST", "/w/x=y/patch.http": "PATCH"} {
		if m, _, err := methodOf(arg); err != nil || m != want {
			t.Errorf("%s: %q %v, want %s", arg, m, err, want)
		}
	}
	if _, _, err := methodOf("/w/answer.http"); err == nil {
		t.Error("answer.http: no method, want an error")
	}
}
