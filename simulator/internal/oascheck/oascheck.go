// Package oascheck validates the sandbox's responses against a vendor's own
// OpenAPI document with libopenapi-validator, so tests prove every simulated
// body, status and header is one the vendor documents.
package oascheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// Checker validates responses against one document. It is safe for
// concurrent use.
type Checker struct {
	server string // the document's server URL, e.g. https://sandbox.weavr.io/multi
	prefix string // the sandbox path prefix the server URL stands for, e.g. /multi

	mu sync.Mutex
	v  validator.Validator
}

// Load reads the OpenAPI document at path. server is the document's server
// URL and prefix the sandbox path prefix it corresponds to. It returns
// os.ErrNotExist (wrapped) when the document is absent.
func Load(path, server, prefix string) (*Checker, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		return nil, fmt.Errorf("oascheck: parse %s: %w", path, err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("oascheck: build validator: %v", errs)
	}
	return &Checker{server: strings.TrimSuffix(server, "/"), prefix: prefix, v: v}, nil
}

// LoadWeavr loads Weavr's Multi document from ../shared/vendor, mapping its
// sandbox server to the sandbox's /multi routes. It takes over a second:
// a test binary wraps it in sync.OnceValues.
func LoadWeavr() (*Checker, error) {
	return Load(VendorDoc("weavr-multi-openapi.yml"), "https://sandbox.weavr.io/multi", "/multi")
}

// Report checks one exchange against the document load gives and reports
// every violation on t. An absent document (no shared/ beside the
// checkout) checks nothing; any other load error fails t.
func Report(t testing.TB, load func() (*Checker, error), method, path string, status int, header http.Header, body []byte) {
	t.Helper()
	doc, err := load()
	switch {
	case err == nil:
		for _, v := range doc.Check(method, path, status, header, body) {
			t.Errorf("vendor document violation: %s (body %s)", v, body)
		}
	case !errors.Is(err, os.ErrNotExist):
		t.Fatalf("load the vendor document: %v", err)
	}
}

// Check validates one exchange: method and sandbox path of the request, and
// the response's status, headers and body. It returns one line per
// violation (nil when the response is as the document describes).
func (c *Checker) Check(method, path string, status int, header http.Header, body []byte) []string {
	rest, ok := strings.CutPrefix(path, c.prefix)
	if !ok {
		return []string{fmt.Sprintf("%s is not under %s", path, c.prefix)}
	}
	u, err := url.Parse(c.server + rest)
	if err != nil {
		return []string{err.Error()}
	}
	req := &http.Request{Method: method, URL: u, Header: http.Header{}, Host: u.Host}
	resp := &http.Response{StatusCode: status, Header: header.Clone(), Body: io.NopCloser(bytes.NewReader(body)), Request: req}
	c.mu.Lock()
	ok, verrs := c.v.ValidateHttpResponse(req, resp)
	c.mu.Unlock()
	if ok {
		return nil
	}
	var out []string
	for _, e := range verrs {
		line := fmt.Sprintf("%s %s -> %d: %s", method, path, status, e.Message)
		if e.Reason != "" {
			line += ": " + e.Reason
		}
		for _, s := range e.SchemaValidationErrors {
			line += fmt.Sprintf(" [%s: %s]", s.FieldPath, s.Reason)
		}
		out = append(out, line)
	}
	return out
}

// VendorDoc is the path of a vendor document in shared/vendor, which sits
// beside the project's checkout (found by walking up to go.mod).
func VendorDoc(name string) string {
	dir, err := os.Getwd()
	if err != nil {
		return name
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "vendor", name)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return name
		}
		dir = parent
	}
}
