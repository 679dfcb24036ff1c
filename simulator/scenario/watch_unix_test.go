//go:build unix

package scenario

import (
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/internal/syncbuf"
)

// TestNonRegularFilesAreSkipped: a named pipe or a socket named like a
// scenario file (directly or through a symbolic link) is not opened — a
// pipe would block the load forever — but reported, and the regular
// files, a symbolic link to one included, load. Catalog.Load, NewWatcher,
// Watcher.Reload and Watcher.Check must all return.
func TestNonRegularFilesAreSkipped(t *testing.T) {
	dir := t.TempDir()
	put := func(name, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fifo := func(name string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
		// A reader blocked on the pipe (the bug) is let go when the test ends.
		t.Cleanup(func() {
			if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				f.Close()
			}
		})
	}
	put("good.yaml", "name: good\ndescription: d\nrespond: {status: 418}\n")
	put(".data/linked.yaml", "name: linked\ndescription: d\nrespond: {status: 418}\n") // hidden: read through the link only
	if err := os.Symlink(filepath.Join(".data", "linked.yaml"), filepath.Join(dir, "linked.yaml")); err != nil {
		t.Fatal(err)
	}
	fifo("pipe.yaml")
	if err := os.Symlink("pipe.yaml", filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(dir, "sock.yml"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	skipped := func(names ...string) []Error {
		var out []Error
		for _, n := range names {
			kind := "named pipe"
			if strings.HasPrefix(n, "sock") {
				kind = "socket"
			}
			out = append(out, Error{File: filepath.Join(dir, n), Msg: "skipped: not a regular file (" + kind + ")"})
		}
		return out
	}
	logged := func(errs []Error) string {
		var b strings.Builder
		for _, e := range errs {
			b.WriteString(`level=ERROR msg="scenario file skipped" error="` + e.Error() + "\"\n")
		}
		return b.String()
	}
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	catalog := Catalog{Vocabulary: testVocab(t), Dir: dir}

	var set *Set
	returns(t, "Catalog.Load", func() { set, err = catalog.Load() })
	if err != nil {
		t.Fatal(err)
	}
	if got := names(set); !slices.Equal(got, []string{"good", "linked"}) {
		t.Errorf("loaded %v, want [good linked]", got)
	}
	want := skipped("link.yaml", "pipe.yaml", "sock.yml")
	if got := set.Skipped(); !slices.Equal(got, want) {
		t.Errorf("skipped:\n%v\nwant\n%v", got, want)
	}

	var w *Watcher
	var e *Engine
	returns(t, "NewWatcher", func() { w, e, err = NewWatcher(catalog, Options{}, logger, nil) })
	if err != nil {
		t.Fatal(err)
	}
	if got := logs.Take(); got != logged(want) {
		t.Errorf("NewWatcher logged:\n%s\nwant:\n%s", got, logged(want))
	}
	returns(t, "Watcher.Reload", func() { err = w.Reload() })
	if err != nil {
		t.Fatal(err)
	}
	if got := logs.Take(); !strings.HasPrefix(got, logged(want)) || !strings.Contains(got, `msg="scenarios reloaded"`) {
		t.Errorf("Reload logged:\n%s\nwant first:\n%s", got, logged(want))
	}
	if got := names(e.Set()); !slices.Equal(got, []string{"good", "linked"}) {
		t.Errorf("after Reload: %v, want [good linked]", got)
	}

	fifo("late.yaml") // a pipe added later changes the files: the checks load and report it
	returns(t, "Watcher.Check", func() { err = w.Check() })
	if err != nil {
		t.Fatal(err)
	}
	returns(t, "Watcher.Check", func() { err = w.Check() })
	if err != nil {
		t.Fatal(err)
	}
	if want := logged(skipped("late.yaml", "link.yaml", "pipe.yaml", "sock.yml")); !strings.HasPrefix(logs.Take(), want) {
		t.Errorf("the checks did not load and report the new pipe; want the log to start with:\n%s", want)
	}
}

// returns runs fn and fails the test if it has not returned in 5 seconds
// (it is left running: the test is about completion, not speed).
func returns(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s has not returned after 5s", what)
	}
}

func names(s *Set) []string {
	var out []string
	for _, sc := range s.All() {
		out = append(out, sc.Name)
	}
	return out
}

type lockedBuffer = syncbuf.Buffer
