package scenario

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"
)

// TestReloadWaitsForFilesToSettle: a change is loaded only once two checks
// in a row see the same files, so an editor's truncate-then-write is never
// loaded half done; an empty file is refused outright. This is the race
// that once made TestScenarioDirOverridesAndReloads flaky: the watcher
// loaded the override's file while it was empty, and the empty version
// became the last good one.
func TestReloadWaitsForFilesToSettle(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.yaml")
	write := func(data string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("name: mine-one\ndescription: d\nrespond: {status: 418}\n")
	failed := 0
	w, e, err := NewWatcher(Catalog{Vocabulary: testVocab(t), Dir: dir}, Options{}, nil, func() { failed++ })
	if err != nil {
		t.Fatal(err)
	}
	has := func(name string) bool { _, ok := e.Set().Lookup(name); return ok }

	write("name: mine-two\ndescription: d\nrespond: {status: 418}\n")
	if err := w.Check(); err != nil || has("mine-two") || !has("mine-one") {
		t.Fatalf("first check after a change loaded it (err %v)", err)
	}
	if err := w.Check(); err != nil || !has("mine-two") || has("mine-one") {
		t.Fatalf("second check with the same files did not load them (err %v)", err)
	}

	write("") // the truncate of a save, seen twice
	_ = w.Check()
	if err := w.Check(); err == nil || !has("mine-two") || failed != 1 {
		t.Fatalf("an empty file was loaded (err %v, %d failures counted)", err, failed)
	}
	write("name: mine-three\ndescription: d\nrespond: {status: 418}\n")
	write("name: mine-three\ndescription: d\nrespond: {status: 418}\n# saved again\n") // changed between checks
	_ = w.Check()
	write("name: mine-three\ndescription: d\nrespond: {status: 418}\n")
	_ = w.Check()
	if has("mine-three") {
		t.Fatal("files that changed between two checks were loaded")
	}
	if err := w.Check(); err != nil || !has("mine-three") {
		t.Fatalf("settled files not loaded (err %v)", err)
	}
	if err := w.Reload(); err != nil || !has("mine-three") {
		t.Fatalf("a forced reload: %v", err)
	}
}

// TestCatalogRefusesAMissingDirectory: --scenarios must name a directory.
func TestCatalogRefusesAMissingDirectory(t *testing.T) {
	_, err := Catalog{Vocabulary: testVocab(t), Dir: filepath.Join(t.TempDir(), "none")}.Load()
	if err == nil {
		t.Fatal("a missing directory loaded")
	}
}

// TestReloadKeepsCountersOfUnchangedScenarios: a reload restarts the
// counters of the scenarios whose definition changed, and only those. A
// scenario that moved (down its file because another was added above, or
// to another file), or whose file only changed in layout, comments or key
// order, keeps counting; an edit of its definition restarts it.
func TestReloadKeepsCountersOfUnchangedScenarios(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	remove := func(name string) {
		t.Helper()
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	const twice = "name: twice\ndescription: d\nmatch: {operation: acme.update}\ntimes: 2\nrespond: {error: acme.TAKEN}\n"
	const other = "name: other\ndescription: d\nmatch: {operation: acme.get}\nrespond: {error: acme.DOWN}\n"
	write("a.yaml", twice)
	w, e, err := NewWatcher(Catalog{Vocabulary: testVocab(t), Dir: dir}, Options{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := e.NewState()
	if err := st.Activate("twice"); err != nil {
		t.Fatal(err)
	}
	update := func() *Request { return request("acme.update", "PATCH", "/things", "{}") }
	if got := strings.Join(fired(t, e, st, 3, update), ","); got != "TAKEN,TAKEN," {
		t.Fatalf("before any reload: fired %q, want TAKEN,TAKEN,", got)
	}
	check := func() error { // what Run does: two checks that agree load
		if err := w.Check(); err != nil {
			return err
		}
		return w.Check()
	}
	steps := []struct {
		name    string
		edit    func()
		reload  func() error
		source  string // where twice is defined after the reload
		n       int    // requests played after the reload
		want    string // what they answered
		counter Counter
	}{
		{"unrelated file added", func() { write("b.yaml", other) }, w.Reload,
			"a.yaml:1", 1, "", Counter{"twice", 4, 2}},
		{"forced reload, nothing changed", func() {}, w.Reload,
			"a.yaml:1", 1, "", Counter{"twice", 5, 2}},
		{"another file added, seen by the checks", func() { write("c.yaml", strings.ReplaceAll(other, "other", "third")) }, check,
			"a.yaml:1", 1, "", Counter{"twice", 6, 2}},
		{"moved down its file: another scenario added above", func() { write("a.yaml", strings.ReplaceAll(other, "other", "above")+"---\n"+twice) }, w.Reload,
			"a.yaml:6", 1, "", Counter{"twice", 7, 2}},
		{"moved to another file", func() { remove("a.yaml"); write("d.yaml", twice) }, w.Reload,
			"d.yaml:1", 1, "", Counter{"twice", 8, 2}},
		{"layout, comments, quoting and key order changed", func() {
			write("d.yaml", "# counts\n\nname: \"twice\"\nmatch:\n  operation: acme.update\ntimes: 2 # two\ndescription: 'd'\nrespond:\n  error: acme.TAKEN\n")
		}, w.Reload, "d.yaml:3", 1, "", Counter{"twice", 9, 2}},
		{"definition edited: times 3 restarts the counter", func() { write("d.yaml", strings.Replace(twice, "times: 2", "times: 3", 1)) }, w.Reload,
			"d.yaml:1", 4, "TAKEN,TAKEN,TAKEN,", Counter{"twice", 4, 3}},
		{"edited back to times 2: restarts again", func() { write("d.yaml", twice) }, w.Reload,
			"d.yaml:1", 3, "TAKEN,TAKEN,", Counter{"twice", 3, 2}},
	}
	for _, s := range steps {
		s.edit()
		if err := s.reload(); err != nil {
			t.Fatalf("%s: reload: %v", s.name, err)
		}
		sc, ok := e.Set().Lookup("twice")
		if !ok || sc.Source != filepath.Join(dir, s.source) {
			t.Fatalf("%s: twice defined at %v, want %s (the edit was not loaded)", s.name, sc, filepath.Join(dir, s.source))
		}
		if got := strings.Join(fired(t, e, st, s.n, update), ","); got != s.want {
			t.Errorf("%s: fired %q, want %q", s.name, got, s.want)
		}
		if got := st.Counters(); len(got) != 1 || got[0] != s.counter {
			t.Errorf("%s: counters %+v, want [%+v]", s.name, got, s.counter)
		}
	}
}

// TestReloadTimesOut: a reload that cannot finish (a read that blocks, as
// on a stalled network mount) gives up after Timeout, keeps the previous
// set and says so; while the stuck read has not ended, later reloads do
// not start another one; once it ends, reloads work again.
func TestReloadTimesOut(t *testing.T) {
	g := &gateFS{files: fstest.MapFS{"a.yaml": {Data: []byte("name: a\ndescription: d\nrespond: {pass: true}\n")}}}
	var failed atomic.Int32
	w, e, err := NewWatcher(Catalog{Vocabulary: testVocab(t), Base: []Layer{{Name: "base", FS: g}}}, Options{}, nil, func() { failed.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	before := e.Set()
	w.Timeout = 50 * time.Millisecond
	release := g.close()
	defer release()
	tests := []struct {
		name string
		want string
	}{
		{"a read blocks", "scenario reload timed out after 50ms (a file that cannot be read?); the previous scenarios stay active"},
		{"the blocked read has not ended", "scenario reload timed out after 50ms: the previous reload is still blocked (a file that cannot be read?); the previous scenarios stay active"},
	}
	for i, tt := range tests {
		err := make(chan error, 1)
		go func() { err <- w.Reload() }()
		select {
		case err := <-err:
			if err == nil || err.Error() != tt.want {
				t.Errorf("%s: Reload() = %v, want %q", tt.name, err, tt.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Reload has not returned after 5s", tt.name)
		}
		if e.Set() != before || failed.Load() != int32(i+1) {
			t.Errorf("%s: the set changed (%v) or %d failures counted, want %d", tt.name, e.Set() != before, failed.Load(), i+1)
		}
	}
	release()
	w.Timeout = time.Minute // waits for the stuck read to end, then loads
	if err := w.Reload(); err != nil || e.Set() == before || failed.Load() != 2 {
		t.Errorf("after the read ended: Reload() = %v, set replaced %v, %d failures", err, e.Set() != before, failed.Load())
	}
}

// gateFS serves files whose Open waits while the gate is closed.
type gateFS struct {
	files fstest.MapFS
	mu    sync.Mutex
	gate  chan struct{} // nil when open
}

func (g *gateFS) Open(name string) (fs.File, error) {
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	if gate != nil {
		<-gate
	}
	return g.files.Open(name)
}

// close closes the gate; the function returned opens it (idempotent).
func (g *gateFS) close() func() {
	gate := make(chan struct{})
	g.mu.Lock()
	g.gate = gate
	g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			g.gate = nil
			g.mu.Unlock()
			close(gate)
		})
	}
}
