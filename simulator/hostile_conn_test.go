package simulator_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Connection-level hostile clients, against the handler behind a real
// http.Server configured like cmd/sandbox (MaxHeaderBytes 1 MiB), with a
// short ReadHeaderTimeout so that a slow-header client is cut off quickly.

// hostileMaxHeader is cmd/sandbox's MaxHeaderBytes; net/http reads up to
// 4096 bytes beyond it before answering 431.
const (
	hostileMaxHeader  = 1 << 20
	hostileHeaderRead = hostileMaxHeader + 4096
)

// hostileServer serves s on a loopback port and returns its address.
func hostileServer(t *testing.T, s *sandbox, readHeaderTimeout time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{
		Handler:           s.srv,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    hostileMaxHeader,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String()
}

// hostileDial opens a raw connection with a generous deadline: a guard
// against a hung test, not a timing assertion.
func hostileDial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	return c.(*net.TCPConn)
}

// hostileHead is a request line and headers, with Content-Length when
// contentLength >= 0.
func hostileHead(method, path string, contentLength int, h ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: sandbox\r\n", method, path)
	for i := 0; i+1 < len(h); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", h[i], h[i+1])
	}
	if contentLength >= 0 {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", contentLength)
	}
	b.WriteString("\r\n")
	return b.String()
}

// hostileRead reads one response from c.
func hostileRead(t *testing.T, c net.Conn, method string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	// net/http closes a connection it refused with unread input left, and
	// on a loaded machine the reset can overtake the 431's short text body;
	// the status line has arrived, which is what the test checks.
	if err != nil && !(resp.StatusCode == http.StatusRequestHeaderFieldsTooLarge && errors.Is(err, syscall.ECONNRESET)) {
		t.Fatalf("read the body: %v", err)
	}
	return resp.StatusCode, resp.Header, body
}

// hostileJournalCount is how many requests of operation (with status,
// unless 0) the default session's journal holds.
func hostileJournalCount(t *testing.T, s *sandbox, operation string, status int) int {
	t.Helper()
	q := "operation=" + operation
	if status != 0 {
		q += fmt.Sprintf("&status=%d", status)
	}
	r := s.do("GET", "/__sandbox/sessions/default/journal/count?"+q, "")
	var n struct{ Count int }
	if err := json.Unmarshal(r.body, &n); r.status != http.StatusOK || err != nil {
		t.Fatalf("journal count: %d %s", r.status, r.body)
	}
	return n.Count
}

// TestHostileBodyEndsEarly: a request whose body stops before its
// Content-Length (the client half-closes, or closes outright) is refused
// with the vendor's answer and never applied, even though the part that
// arrived is a complete JSON object.
func TestHostileBodyEndsEarly(t *testing.T) {
	tests := []struct {
		vendor, method, path, read, operation string
		body                                  string
		status                                int
		want                                  string
	}{
		{"weavr", "PATCH", "/multi/consumers", "/multi/consumers", "weavr.consumerUpdate", `{"name":"Mallory"}`,
			400, `{"message":"Invalid request: the request body could not be read completely"}`},
		{"loanpro", "PUT", lpCustomer, lpCustomer, "loanpro.customerUpdate", `{"firstName":"Mallory"}`,
			409, lpError(409, "InvalidPayloadException", "The request body could not be read.")},
	}
	for _, tt := range tests {
		for _, closeAll := range []bool{false, true} {
			name := tt.vendor + "/half-close"
			if closeAll {
				name = tt.vendor + "/close"
			}
			t.Run(name, func(t *testing.T) {
				s := newSandbox(t)
				h := lpHeaders()
				if tt.vendor == "weavr" {
					h = s.weavr("alice@example.com")
				}
				before := s.do("GET", tt.read, "", h...)
				c := hostileDial(t, hostileServer(t, s, 10*time.Second))
				if _, err := io.WriteString(c, hostileHead(tt.method, tt.path, len(tt.body)+100, h...)+tt.body); err != nil {
					t.Fatal(err)
				}
				if closeAll {
					_ = c.Close()
					// The answer cannot be read: wait for the journal to record it.
					deadline := time.Now().Add(10 * time.Second)
					for hostileJournalCount(t, s, tt.operation, tt.status) == 0 {
						if time.Now().After(deadline) {
							t.Fatalf("no %d %s in the journal", tt.status, tt.operation)
						}
						time.Sleep(5 * time.Millisecond)
					}
				} else {
					_ = c.CloseWrite()
					status, _, body := hostileRead(t, c, tt.method)
					if status != tt.status || !hostileJSONEqual(body, []byte(tt.want)) {
						t.Fatalf("got %d %s\nwant %d %s", status, body, tt.status, tt.want)
					}
				}
				if after := s.do("GET", tt.read, "", h...); !bytes.Equal(after.body, before.body) {
					t.Errorf("the truncated request changed the record:\nbefore %s\nafter  %s", before.body, after.body)
				}
			})
		}
	}
}

// TestHostileConnections: headers over MaxHeaderBytes get net/http's 431
// (the handler never runs); a client that never finishes its headers is
// disconnected by ReadHeaderTimeout (without an answer, or net/http's 400
// when even the request line is incomplete); a request that is not HTTP
// gets net/http's 400. These answers come from net/http before any vendor
// code runs, so they are not vendor-shaped. The server keeps serving and
// no state changes.
func TestHostileConnections(t *testing.T) {
	tests := []struct {
		name   string
		send   func(wh []string) string // what the client writes (wh: Weavr headers)
		status int                      // 0: the server closes without answering
		slow   bool                     // the client stalls: a 200ms ReadHeaderTimeout, else cmd/sandbox's 10s
	}{
		{"2 MiB header", func(wh []string) string {
			return hostileHead("PATCH", "/multi/consumers", 2, append(wh, "X-Big", strings.Repeat("a", 2<<20))...) + "{}"
		}, http.StatusRequestHeaderFieldsTooLarge, false},
		{"100k small headers", func(wh []string) string {
			h := wh
			for i := range 100_000 {
				h = append(h, fmt.Sprintf("X-H%d", i), "v")
			}
			return hostileHead("PATCH", "/multi/consumers", 2, h...) + "{}"
		}, http.StatusRequestHeaderFieldsTooLarge, false},
		{"huge request line", func([]string) string {
			return "GET /multi/consumers?" + strings.Repeat("q", 2<<20) + " HTTP/1.1\r\nHost: x\r\n\r\n"
		}, http.StatusRequestHeaderFieldsTooLarge, false},
		{"slow headers", func(wh []string) string {
			return "PATCH /multi/consumers HTTP/1.1\r\nHost: sandbox\r\napi-key: " + wh[1] + "\r\n"
		}, 0, true},
		// net/http answers 400 when the timeout cuts the request line itself.
		{"slow request line", func([]string) string { return "PATCH /multi/consu" }, http.StatusBadRequest, true},
		{"connects and sends nothing", func([]string) string { return "" }, 0, true},
		{"not HTTP", func([]string) string { return "HELLO THERE\r\n\r\n" }, http.StatusBadRequest, false},
		{"bad header line", func([]string) string { return "GET /multi/consumers HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n" },
			http.StatusBadRequest, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			wh := s.weavr("alice@example.com")
			timeout := 10 * time.Second
			if tt.slow {
				timeout = 200 * time.Millisecond
			}
			addr := hostileServer(t, s, timeout)
			before, lpBefore := s.do("GET", "/multi/consumers", "", wh...), s.do("GET", lpCustomer, "", lpHeaders()...)
			payload := tt.send(wh)
			if tt.status == http.StatusRequestHeaderFieldsTooLarge {
				// Exactly what net/http reads before giving up: were more
				// left unread, its close would send a TCP reset, which can
				// discard the 431 before the client reads it.
				payload = payload[:hostileHeaderRead]
			}
			c := hostileDial(t, addr)
			// Write in the background: the server may answer before the
			// client has sent everything.
			go func() { _, _ = io.WriteString(c, payload) }()
			if tt.status == 0 {
				n, err := c.Read(make([]byte, 1))
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatal("the server did not close a connection that never finished its headers")
				}
				if n != 0 || err == nil {
					t.Fatalf("read %d bytes (%v), want the connection closed without an answer", n, err)
				}
			} else {
				status, _, body := hostileRead(t, c, "GET")
				if status != tt.status {
					t.Fatalf("status %d, want %d: %s", status, tt.status, body)
				}
			}
			if n := hostileJournalCount(t, s, "weavr.consumerUpdate", 0); n != 0 {
				t.Errorf("the handler ran %d times for a request net/http refused", n)
			}
			// The server still serves, and nothing changed.
			resp, body, err := send(t, http.DefaultClient, "GET", "http://"+addr+"/multi/consumers", "", wh...)
			if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(body, before.body) {
				t.Errorf("after the hostile client: %v %v\n%s\nwant %s", resp, err, body, before.body)
			}
			if l := s.do("GET", lpCustomer, "", lpHeaders()...); !bytes.Equal(l.body, lpBefore.body) {
				t.Errorf("the customer changed")
			}
		})
	}
}
