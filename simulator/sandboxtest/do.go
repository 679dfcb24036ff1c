package sandboxtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/internal/oascheck"
)

// Result is one answer of Do or Raw.
type Result struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as a JSON object, failing t when it is not one.
func (r Result) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.Body, err)
	}
	return m
}

// Do sends one request straight to the sandbox's handler (no network);
// header is name, value pairs (a repeated name replaces the earlier value).
// A vendor answer under the prefix of one of the vendor's OpenAPI
// documents is checked against it, every violation reported on t, so a
// whole suite proves the vendor contract; the sandbox's own errors
// (X-Sandbox-Error) are not vendor answers and are not checked.
func (sb *Sandbox) Do(t testing.TB, method, path, body string, header ...string) Result {
	t.Helper()
	r := sb.Raw(t, method, path, body, header...)
	if r.Header.Get("X-Sandbox-Error") == "" {
		p, _, _ := strings.Cut(path, "?")
		for _, c := range sb.checkers(t) {
			if strings.HasPrefix(p, c.Prefix()+"/") {
				for _, v := range c.Check(method, p, r.Status, r.Header, r.Body) {
					t.Errorf("vendor document violation: %s (body %s)", v, r.Body)
				}
			}
		}
	}
	return r
}

// Raw is Do without the document check, for answers the vendor does not
// document (scenario faults, raw statuses, undocumented paths).
func (sb *Sandbox) Raw(t testing.TB, method, path, body string, header ...string) Result {
	t.Helper()
	if len(header)%2 != 0 {
		t.Fatalf("sandboxtest: header %q is not name, value pairs", header)
	}
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return sb.Send(req)
}

// Send serves a request built by the caller straight to the handler, with
// no check: for what Do cannot express (a body that fails mid-read, a
// request target no client would send).
func (sb *Sandbox) Send(req *http.Request) Result {
	rec := httptest.NewRecorder()
	sb.Server.ServeHTTP(rec, req)
	return Result{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// checkers are the validators of every vendor document that describes
// sandbox routes.
func (sb *Sandbox) checkers(t testing.TB) []*oascheck.Checker {
	t.Helper()
	var out []*oascheck.Checker
	for _, v := range sb.Server.Vendors() {
		for _, d := range v.Documents {
			if d.Prefix == "" {
				continue
			}
			c, err := parsed(d)
			if err != nil {
				t.Fatalf("sandboxtest: vendor %s document %s: %v", v.Name, d.Name, err)
			}
			out = append(out, c)
		}
	}
	return out
}

// documents memoises parsed vendor documents for the test binary: a
// document is immutable embedded data and Weavr's takes over a second to
// parse, so every sandbox of a run shares one validator per document.
var documents sync.Map // docKey → func() (*oascheck.Checker, error)

type docKey struct{ name, server, prefix string }

func parsed(d contract.Document) (*oascheck.Checker, error) {
	k := docKey{d.Name, d.Server, d.Prefix}
	f, _ := documents.LoadOrStore(k, sync.OnceValues(func() (*oascheck.Checker, error) {
		c, err := oascheck.New(d.Data, d.Server, d.Prefix)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.Name, err)
		}
		return c, nil
	}))
	return f.(func() (*oascheck.Checker, error))()
}
