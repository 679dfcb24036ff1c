// Package dashboard is the sandbox's web page: sessions, live traffic,
// scenarios, the error catalog, vendor data, webhook deliveries and a
// metrics chart, for people who would rather look than read JSON (someone
// demoing error handling, a CI user reading what a red test's client
// sent).
//
// The page is plain HTML, CSS and JavaScript modules embedded in the
// binary: no build step, no external request (the sandbox works offline,
// and a Content-Security-Policy of 'self' makes the browser enforce it).
// It reads and steers the sandbox only through the control API, so it is
// vendor-neutral: vendors, their data and errors come from
// GET /__sandbox/vendors, /collections, /errors and /operations.
package dashboard

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
)

//go:embed static
var static embed.FS

// Index is the page's file: GET base serves it.
const Index = "index.html"

// policy is the Content-Security-Policy of every file: everything from the
// sandbox itself, nothing from anywhere else, no inline script or style.
const policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// contentType is the type of a page file, fixed here rather than read
// from the host's mime.types, so every machine serves the same.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return "application/octet-stream"
}

// asset is one embedded file with what its answer needs.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// Mount serves the page at base (GET /__sandbox/ui) and its files at
// base/{asset}. The files hold no data and no secret, so they are served
// without the admin token; the page sends the token (kept in the browser's
// sessionStorage) on each control API call, and asks for it when one
// answers 401.
func Mount(r gin.IRouter, base string) {
	assets := load()
	r.GET(base, serve(assets[Index]))
	r.GET(base+"/:asset", func(c *gin.Context) {
		a, ok := assets[c.Param("asset")]
		if !ok || c.Param("asset") == Index {
			apierr.WriteSandboxError(c.Writer, http.StatusNotFound, "sandbox: the dashboard has no file %q (open %s)", c.Param("asset"), base)
			return
		}
		serve(a)(c)
	})
}

// Files lists the embedded files' names (for tests and documentation).
func Files() []string {
	var out []string
	entries, _ := fs.ReadDir(static, "static")
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// load reads every embedded file once, with its type and a content hash
// for revalidation (the browser asks again on each load, cheaply).
func load() map[string]*asset {
	out := map[string]*asset{}
	for _, name := range Files() {
		body, err := static.ReadFile("static/" + name)
		if err != nil {
			panic("dashboard: embedded file " + name + ": " + err.Error()) // cannot happen: the names come from the same FS
		}
		sum := sha256.Sum256(body)
		out[name] = &asset{body: body, contentType: contentType(name), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	return out
}

func serve(a *asset) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", policy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		if c.GetHeader("If-None-Match") == a.etag {
			c.Status(http.StatusNotModified)
			return
		}
		c.Data(http.StatusOK, a.contentType, a.body)
	}
}
