// Package oascheck validates the sandbox's responses against a vendor's own
// OpenAPI document with libopenapi-validator, so tests prove every simulated
// body, status and header is one the vendor documents.
package oascheck

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/errors"
)

// Checker validates responses against one document. It is safe for
// concurrent use.
type Checker struct {
	server string // the document's server URL, e.g. https://sandbox.weavr.io/multi
	prefix string // the sandbox path prefix the server URL stands for, e.g. /multi

	mu sync.Mutex
	v  validator.Validator
}

// New parses an OpenAPI document. server is the document's server URL and
// prefix the sandbox path prefix it stands for.
func New(raw []byte, server, prefix string) (*Checker, error) {
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		return nil, fmt.Errorf("oascheck: parse: %w", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("oascheck: build validator: %v", errs)
	}
	return &Checker{server: strings.TrimSuffix(server, "/"), prefix: prefix, v: v}, nil
}

// Prefix is the sandbox path prefix the document describes.
func (c *Checker) Prefix() string { return c.prefix }

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
	return describe(fmt.Sprintf("%s %s -> %d", method, path, status), verrs)
}

// describe renders the validator's errors one line each, after what.
func describe(what string, verrs []*errors.ValidationError) []string {
	var out []string
	for _, e := range verrs {
		line := what + ": " + e.Message
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
