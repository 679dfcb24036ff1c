// Command baseline is the load benchmark's yardstick: a bare gin handler,
// built from the same gin version as the sandbox (it lives in the same
// module), so bench/run compares like with like.
//
// It has two modes:
//
//	baseline ADDR
//
// answers a small fixed body on PATCH /multi/consumers and on PUT to any
// path (the PUT case's script rotates the customer id, and a 404 would
// make the yardstick measure gin's not-found path instead).
//
//	baseline ADDR METHOD=FILE...    (or FILE..., named after the method: patch.http)
//
// is the same-answer baseline: each FILE is a raw HTTP response exactly as
// `curl -si` writes it (status line, headers, blank line, body), captured
// from the sandbox, and the baseline answers every path of that method with
// exactly that status, those headers and those body bytes. That is the real
// limit for an answer: the cost of a handler that does nothing but send it,
// so a ratio to it says how much the sandbox's own work costs, not how big
// its answers are.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/gin-gonic/gin"
)

// answer is one precomputed response. Everything is worked out at startup
// so the handler does no per-request work beyond setting headers and
// writing: any parsing, copying or formatting per request would be cost
// the yardstick has and a fast handler need not have, and would flatter
// the sandbox.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// parseCapture reads a response as `curl -si` writes it. Informational
// (1xx) responses before the final one, such as curl's "100 Continue", are
// skipped. The Date header is dropped: net/http writes a fresh one on
// every answer, as it does for the sandbox, and a stale copy would both be
// wrong and suppress that. Content-Length is kept as captured (it matches
// the body, which ReadResponse read to that length). A chunked answer is
// written by curl with its Transfer-Encoding header but its body already
// decoded, so a body that is not chunked on the wire is taken as it is;
// either way it is served without a length, and net/http frames it itself,
// as it did for the sandbox.
func parseCapture(raw []byte) (answer, error) {
	rd := bytes.NewReader(raw)
	br := bufio.NewReader(rd)
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return answer{}, err
		}
		// ReadResponse has read the head only: the body starts here.
		start := len(raw) - rd.Len() - br.Buffered()
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil && len(resp.TransferEncoding) > 0 {
			body, err = raw[start:], nil
		}
		if err != nil {
			return answer{}, err
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 {
			continue
		}
		h := resp.Header.Clone()
		h.Del("Date")
		return answer{status: resp.StatusCode, header: h, body: body}, nil
	}
}

// methodOf says which method a capture answers: "METHOD=FILE", or else
// the file's name up to its first '.', '-' or '_' (patch.http, put-1.http).
func methodOf(arg string) (method, file string, err error) {
	if m, f, ok := strings.Cut(arg, "="); ok && m != "" && strings.ToUpper(m) == m && !strings.ContainsRune(m, '/') {
		return m, f, nil
	}
	name := filepath.Base(arg)
	if i := strings.IndexAny(name, ".-_"); i > 0 {
		name = name[:i]
	}
	switch m := strings.ToUpper(name); m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m, arg, nil
	}
	return "", "", fmt.Errorf("%s: say which method it answers (PATCH=%s, or name it patch.http)", arg, arg)
}

// serve returns the handler sending a. The header values are assigned,
// not copied: net/http only reads them, and a shared slice costs nothing
// per request. It writes through c.Writer, not c.Data, so gin sets no
// Content-Type of its own over the captured one.
func serve(a answer) gin.HandlerFunc {
	return func(c *gin.Context) {
		// Drained, like any handler that reads its request, so the
		// connection is reusable and the work is the sandbox's.
		_, _ = io.Copy(io.Discard, c.Request.Body)
		h := c.Writer.Header()
		for k, v := range a.header {
			h[k] = v
		}
		c.Writer.WriteHeader(a.status)
		_, _ = c.Writer.Write(a.body)
	}
}

func main() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	addr := "127.0.0.1:8090"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	if len(os.Args) <= 2 {
		small := answer{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}},
			body: []byte(`{"id":{"type":"CONSUMER","id":"1"}}`)}
		r.PATCH("/multi/consumers", serve(small))
		r.PUT("/*any", serve(small))
	}
	seen := map[string]bool{}
	for _, arg := range os.Args[min(2, len(os.Args)):] {
		method, file, err := methodOf(arg)
		if err == nil && seen[method] {
			err = fmt.Errorf("%s: a second answer for %s (one per method)", arg, method)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "baseline:", err)
			os.Exit(2)
		}
		seen[method] = true
		raw, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, "baseline:", err)
			os.Exit(2)
		}
		a, err := parseCapture(raw)
		if err != nil {
			fmt.Fprintf(os.Stderr, "baseline: %s: %v\n", file, err)
			os.Exit(2)
		}
		// Any path: the cases' scripts rotate ids and query strings.
		r.Handle(method, "/*any", serve(a))
	}
	if err := r.Run(addr); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}
