package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/internal/syncbuf"
)

// TestDocs runs the ```sh blocks of README.md and of every docs/*.md page,
// so the manual's commands cannot drift from what the sandbox answers. The
// convention (also written down in docs/architecture.md, "How the docs are
// tested"):
//
//   - only ```sh blocks run (```console, ```go, ```yaml, ```json and the rest
//     do not); a page's blocks are concatenated in order and run by one bash
//     with set -euo pipefail, against a fresh sandbox of the page's own;
//   - <!-- sandbox: --flag value … --> on a line of its own gives the page's
//     sandbox its flags (default: none);
//   - 127.0.0.1:8080 and localhost:8080 are rewritten to that sandbox's
//     address, and lines starting with `go run ./cmd/sandbox` are skipped
//     (the test started it);
//   - curl is a function that keeps the headers of its last call in
//     $HDRFILE, and a command ending in a comment "# NNN …" or "# -> NNN …"
//     (NNN a 3-digit status) asserts that the last HTTP status was NNN.
func TestDocs(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the docs' shell blocks need %s: %v", tool, err)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages := append([]string{filepath.Join(root, "README.md")}, docs...)
	for _, path := range pages {
		rel, _ := filepath.Rel(root, path)
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p := parsePage(rel, string(src))
			if len(p.lines) == 0 {
				t.Logf("%s has no ```sh block", rel)
				return
			}
			runPage(t, root, p)
		})
	}
}

// docPage is what a page contributes: its sandbox flags and the lines of
// its ```sh blocks, each with its line number in the page.
type docPage struct {
	name  string
	flags []string
	lines []docLine
}

type docLine struct {
	n    int // 1-based line number in the page
	text string
}

var sandboxFlagsLine = regexp.MustCompile(`^\s*<!--\s*sandbox:(.*?)-->\s*$`)

// parsePage collects a page's ```sh blocks and its sandbox flags.
func parsePage(name, src string) docPage {
	p := docPage{name: name}
	inSh, inFence := false, false
	for i, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case inFence && strings.HasPrefix(trimmed, "```"):
			inFence, inSh = false, false
		case inFence:
			if inSh {
				p.lines = append(p.lines, docLine{i + 1, line})
			}
		case strings.HasPrefix(trimmed, "```"):
			inFence, inSh = true, strings.TrimSpace(strings.TrimPrefix(trimmed, "```")) == "sh"
		default:
			if m := sandboxFlagsLine.FindStringSubmatch(line); m != nil {
				p.flags = append(p.flags, strings.Fields(m[1])...)
			}
		}
	}
	return p
}

// statusComment is a trailing comment that asserts a status: "# 409 …" or
// "# -> 409 …".
var statusComment = regexp.MustCompile(`^#\s*(?:->\s*)?([1-5][0-9][0-9])(?:[^0-9]|$)`)

// script turns a page's lines into the bash program that runs them (line
// for line after a preamble, so bash's line numbers map back to the page).
func (p docPage) script(base string) string {
	const preamble = 8 // lines before the page's first line, the map included
	var body strings.Builder
	pageLine := make([]string, 0, len(p.lines))
	inQuote := byte(0)
	for i, l := range p.lines {
		text := strings.NewReplacer("127.0.0.1:8080", base, "localhost:8080", base).Replace(l.text)
		startsInQuote := inQuote != 0
		code, comment := splitComment(text, &inQuote)
		switch {
		case !startsInQuote && strings.HasPrefix(strings.TrimSpace(text), "go run ./cmd/sandbox"):
			text = ": skipped: the test runs the sandbox itself"
		case comment != "" && strings.TrimSpace(code) != "" && inQuote == 0:
			if m := statusComment.FindStringSubmatch(comment); m != nil {
				text = fmt.Sprintf("%s ; __expect %s %d", strings.TrimRight(code, " \t"), m[1], l.n)
			}
		}
		body.WriteString(text)
		body.WriteByte('\n')
		pageLine = append(pageLine, fmt.Sprintf("[%d]=%d", preamble+1+i, l.n))
	}
	var s strings.Builder
	fmt.Fprintf(&s, "__PL=(%s)\n", strings.Join(pageLine, " "))
	s.WriteString("set -euo pipefail\n")
	s.WriteString(`trap 'if ((LINENO > 1)) && [[ $BASH_COMMAND != __* ]]; then __cur=$LINENO; fi' DEBUG` + "\n")
	s.WriteString(`__exit() { local rc=$?; if [ $rc -ne 0 ] && [ $rc -ne 86 ]; then echo "$__PAGE:${__PL[${__cur:-0}]:-?}: the command failed (exit status $rc)" >&2; fi; }` + "\n")
	s.WriteString("trap __exit EXIT\n")
	s.WriteString(`curl() { : > "$HDRFILE"; command curl -sS -D "$HDRFILE" "$@"; }` + "\n")
	s.WriteString(`__expect() { local got; got=$(grep -a '^HTTP/' "$HDRFILE" | tail -n 1 | tr -d '\r' | cut -d ' ' -f 2) || true; if [ "$got" != "$1" ]; then echo "$__PAGE:$2: got HTTP status ${got:-none}, want $1" >&2; exit 86; fi; }` + "\n")
	s.WriteString(": the lines of the page follow\n")
	if strings.Count(s.String(), "\n") != preamble {
		panic("docs_test: preamble length changed")
	}
	s.WriteString(body.String())
	return s.String()
}

// splitComment cuts a shell line at its comment (a # starting a word
// outside quotes), carrying the quote state across lines in *q.
func splitComment(line string, q *byte) (code, comment string) {
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case *q == '\'':
			if c == '\'' {
				*q = 0
			}
		case *q == '"':
			if c == '\\' {
				i++
			} else if c == '"' {
				*q = 0
			}
		case c == '\\':
			i++
		case c == '\'' || c == '"':
			*q = c
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t' || line[i-1] == ';'):
			return line[:i], line[i:]
		}
	}
	return line, ""
}

// runPage starts a sandbox for the page and runs the page's script
// against it.
func runPage(t *testing.T, root string, p docPage) {
	base := startDocsSandbox(t, p.flags)
	dir := t.TempDir()
	script := p.script(strings.TrimPrefix(base, "http://"))
	scriptPath := filepath.Join(dir, "page.sh")
	if err := os.WriteFile(scriptPath, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", scriptPath)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "HDRFILE="+filepath.Join(dir, "headers"), "__PAGE="+p.name)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	if err != nil {
		failed := failureLines(out.String(), p.name+":")
		t.Fatalf("%s (sandbox flags %q): %v\n%s\n--- bash output ---\n%s", p.name, p.flags, err, failed, tail(out.String(), 8000))
	}
	t.Logf("%s: %d lines of ```sh ran in %s", p.name, len(p.lines), time.Since(start).Round(time.Millisecond))
}

// startDocsSandbox runs the program with the page's flags on a free port
// and waits until it is ready; it is stopped, at once, when the test ends.
func startDocsSandbox(t *testing.T, flags []string) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	now := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	var log syncedBuffer
	args := append([]string{"--addr", addr, "--shutdown-delay", "0", "--shutdown-grace", "1s"}, flags...)
	go func() { done <- run(ctx, now, args, func(string) string { return "" }, &log, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		once.Do(func() { close(now) })
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("sandbox %v: %v", flags, err)
			}
		case <-time.After(30 * time.Second):
			t.Error("the page's sandbox did not stop")
		}
	})
	base := "http://" + addr
	for i := 0; ; i++ {
		select {
		case err := <-done:
			t.Fatalf("sandbox %v did not start: %v\n%s", flags, err, log.String())
		default:
		}
		resp, err := http.Get(base + "/__sandbox/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if i == 200 {
			t.Fatalf("sandbox %v not ready: %v", flags, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

type syncedBuffer = syncbuf.Buffer

// failureLines are the test's own messages in the output: what failed,
// on which line of the page.
func failureLines(out, prefix string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, prefix); i >= 0 {
			b.WriteString(l[i:] + "\n")
		}
	}
	return b.String()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// TestDocsScript checks the rewriting of a page into its bash program.
func TestDocsScript(t *testing.T) {
	page := "intro\n<!-- sandbox: --rate-limit off -->\n```sh\n" +
		"go run ./cmd/sandbox --webhook-url http://127.0.0.1:9000\n" +
		"curl -s http://127.0.0.1:8080/x   # 404 unknown\n" +
		"curl -s http://localhost:8080/y -d '{\"a\":\n  \"# 200\"}'   # -> 409 taken\n" +
		"# 200 a comment line stays\n" +
		"curl -s http://127.0.0.1:8080/z   # note: 200 is not first\n" +
		"```\n```console\ndocker run x   # 200\n```\n"
	p := parsePage("p.md", page)
	if strings.Join(p.flags, " ") != "--rate-limit off" || len(p.lines) != 6 {
		t.Fatalf("parsed %q, %d lines", p.flags, len(p.lines))
	}
	s := p.script("127.0.0.1:1234")
	for _, want := range []string{
		": skipped: the test runs the sandbox itself\n",
		"curl -s http://127.0.0.1:1234/x ; __expect 404 5\n",
		"  \"# 200\"}' ; __expect 409 7\n",
		"\n# 200 a comment line stays\n",
		"curl -s http://127.0.0.1:1234/z   # note: 200 is not first\n",
		"[9]=4 ",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "docker") {
		t.Errorf("a console block ran:\n%s", s)
	}
}
