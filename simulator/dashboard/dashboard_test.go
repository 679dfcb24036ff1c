package dashboard_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/dashboard"
	"github.com/sandbox-dev/fintech-sandbox/simulator/sandboxtest"
)

// TestFilesServed: the page and each of its files load without the admin
// token (they hold no data), with their type, a policy that keeps the
// browser inside the sandbox, and revalidation; the control API itself
// still needs the token.
func TestFilesServed(t *testing.T) {
	sb := sandboxtest.New(t, sandboxtest.WithConfig(func(c *simulator.Config) { c.AdminToken = "tok" }))
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	types := map[string]string{".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
	for _, name := range dashboard.Files() {
		path := "/__sandbox/ui/" + name
		if name == dashboard.Index {
			path = "/__sandbox/ui"
		}
		t.Run(name, func(t *testing.T) {
			r := sb.Do(t, "GET", path, "")
			ext := name[strings.LastIndexByte(name, '.'):]
			if r.Status != 200 || r.Header.Get("Content-Type") != types[ext] || len(r.Body) == 0 {
				t.Fatalf("%s: %d %q (%d bytes)", path, r.Status, r.Header.Get("Content-Type"), len(r.Body))
			}
			if got := r.Header.Get("Content-Security-Policy"); got != csp {
				t.Errorf("policy %q", got)
			}
			if r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("headers %v", r.Header)
			}
			etag := r.Header.Get("ETag")
			if again := sb.Do(t, "GET", path, "", "If-None-Match", etag); etag == "" || again.Status != http.StatusNotModified || len(again.Body) != 0 {
				t.Errorf("revalidation with %q: %d", etag, again.Status)
			}
		})
	}
	for _, tc := range []struct{ path, body string }{
		{"/__sandbox/ui/nope.js", `{"sandboxError":{"message":"sandbox: the dashboard has no file \"nope.js\" (open /__sandbox/ui)"}}`},
		{"/__sandbox/ui/index.html", `{"sandboxError":{"message":"sandbox: the dashboard has no file \"index.html\" (open /__sandbox/ui)"}}`},
	} {
		if r := sb.Do(t, "GET", tc.path, ""); r.Status != 404 || string(r.Body) != tc.body || r.Header.Get("X-Sandbox-Error") != "true" {
			t.Errorf("%s: %d %s", tc.path, r.Status, r.Body)
		}
	}
	if r := sb.Do(t, "GET", "/__sandbox/sessions", ""); r.Status != 401 {
		t.Errorf("the control API without the token: %d", r.Status)
	}
}

// TestReferencesResolve: every file the page names (src, href, a module
// import) is one of the embedded files, named relatively, so the page
// loads whole and from the sandbox only.
func TestReferencesResolve(t *testing.T) {
	sb := sandboxtest.New(t)
	files := dashboard.Files()
	refs := regexp.MustCompile(`(?:src|href)="([^"#]+)"|from '([^']+)'`)
	seen := 0
	for _, name := range files {
		if !strings.HasSuffix(name, ".html") && !strings.HasSuffix(name, ".js") {
			continue
		}
		path := "/__sandbox/ui/" + name
		if name == dashboard.Index {
			path = "/__sandbox/ui"
		}
		body := string(sb.Do(t, "GET", path, "").Body)
		for _, m := range refs.FindAllStringSubmatch(body, -1) {
			ref := m[1] + m[2]
			target, ok := strings.CutPrefix(ref, "ui/") // from the page at /__sandbox/ui
			if !ok {
				target, ok = strings.CutPrefix(ref, "./") // from a module under /__sandbox/ui/
			}
			if !ok || !slices.Contains(files, target) {
				t.Errorf("%s refers to %q, not an embedded file named relatively", name, ref)
			}
			seen++
		}
	}
	if seen < 8 {
		t.Errorf("only %d references found: the pattern no longer matches the files", seen)
	}
}
