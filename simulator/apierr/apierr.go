// Package apierr holds the vendor-neutral shape of a simulated vendor error:
// each documented error is defined once as data (a Def in a Catalog) and
// every simulated response, whether produced by a natural rule or by the
// scenario engine, is written by the one writer, Write.
//
// The sandbox's own failures (bad control request, unknown sandbox route) are
// not Defs: they use SandboxError so that a client never confuses a sandbox
// problem with a simulated vendor error.
package apierr

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
)

// Def is one documented vendor error: its qualified name (vendor.NAME), the
// HTTP status and the default headers and body the vendor sends.
type Def struct {
	Vendor  string      // "weavr" or "loanpro"
	Name    string      // the vendor's own code, e.g. EMAIL_NOT_UNIQUE
	Status  int         // HTTP status
	Header  http.Header // fixed headers beyond the vendor's per-request ones
	Body    []byte      // default body (JSON), nil when the vendor sends none
	Summary string      // what triggers it on the real service
}

// QualifiedName is the catalog key, e.g. "weavr.EMAIL_NOT_UNIQUE".
func (d *Def) QualifiedName() string { return d.Vendor + "." + d.Name }

// Response renders the Def with its default body.
func (d *Def) Response() *Response {
	return &Response{Status: d.Status, Header: d.Header.Clone(), Body: d.Body, Def: d}
}

// WithBody renders the Def with a body computed for this request (for
// example the invalidFields of a 400). v is marshalled to JSON.
func (d *Def) WithBody(v any) *Response {
	r := d.Response()
	b, err := json.Marshal(v)
	if err != nil {
		// Bodies are built from sandbox-owned types; failing here is a bug.
		panic(fmt.Sprintf("apierr: marshal body of %s: %v", d.QualifiedName(), err))
	}
	r.Body = b
	return r
}

// Response is a fully rendered simulated response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	Def    *Def // the catalog entry it came from, nil for raw responses
}

// SetHeader sets a header on the response (e.g. x-ratelimit-reset computed
// at request time) and returns r for chaining.
func (r *Response) SetHeader(key, value string) *Response {
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header.Set(key, value)
	return r
}

// Write is the one writer of simulated responses.
func Write(w http.ResponseWriter, r *Response) { WritePartial(w, r, len(r.Body), r.Body) }

// WritePartial writes r announcing a Content-Length of length but sending
// only body: the scenario engine's truncated and malformed faults. Write
// is WritePartial with the whole body.
func WritePartial(w http.ResponseWriter, r *Response, length int, body []byte) {
	h := w.Header()
	for k, vs := range r.Header {
		h[k] = append([]string(nil), vs...)
	}
	if length > 0 {
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "application/json")
		}
		h.Set("Content-Length", strconv.Itoa(length))
	}
	w.WriteHeader(r.Status)
	if len(body) > 0 {
		_, _ = w.Write(body)
	}
	if len(body) < length {
		if f, ok := w.(http.Flusher); ok {
			f.Flush() // the client gets the half before the connection ends
		}
	}
}

// Catalog is the set of documented errors of all vendors, keyed by qualified
// name. It is built once at startup and read-only afterwards.
type Catalog struct {
	byName map[string]*Def
}

// NewCatalog builds a catalog; a duplicate or incomplete Def is an error.
func NewCatalog(defs ...[]Def) (*Catalog, error) {
	c := &Catalog{byName: map[string]*Def{}}
	for _, group := range defs {
		for i := range group {
			d := group[i]
			if d.Vendor == "" || d.Name == "" || d.Status < 100 || d.Status > 599 {
				return nil, fmt.Errorf("apierr: incomplete definition %+v", d)
			}
			if d.Body != nil && !json.Valid(d.Body) {
				return nil, fmt.Errorf("apierr: %s: body is not valid JSON", d.QualifiedName())
			}
			if _, dup := c.byName[d.QualifiedName()]; dup {
				return nil, fmt.Errorf("apierr: %s defined twice", d.QualifiedName())
			}
			c.byName[d.QualifiedName()] = &d
		}
	}
	return c, nil
}

// Lookup finds a Def by qualified name ("weavr.EMAIL_NOT_UNIQUE").
func (c *Catalog) Lookup(name string) (*Def, bool) {
	d, ok := c.byName[name]
	return d, ok
}

// All lists every Def sorted by qualified name.
func (c *Catalog) All() []*Def {
	out := make([]*Def, 0, len(c.byName))
	for _, d := range c.byName {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].QualifiedName() < out[j].QualifiedName() })
	return out
}

// SandboxError is the body of a failure of the sandbox itself (not a
// simulated vendor error): {"sandboxError":{"message":…}}.
type SandboxError struct {
	Message string `json:"message"`
}

// WriteSandboxError writes a sandbox-owned error, distinct in shape from
// every vendor body so that clients and humans can tell them apart.
func WriteSandboxError(w http.ResponseWriter, status int, format string, args ...any) {
	b, _ := json.Marshal(map[string]SandboxError{"sandboxError": {Message: fmt.Sprintf(format, args...)}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Sandbox-Error", "true")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
