package scenario

import (
	"os"
	"path/filepath"
	"testing"
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
