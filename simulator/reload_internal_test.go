package simulator

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
	cfg := DefaultConfig()
	cfg.ScenarioDir, cfg.ScenarioReload = dir, 0
	cfg.Weavr.Consumers, cfg.LoanPro.Customers = 1, 1
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	has := func(name string) bool { _, ok := s.engine.Set().Lookup(name); return ok }

	write("name: mine-two\ndescription: d\nrespond: {status: 418}\n")
	if err := s.reload(false); err != nil || has("mine-two") || !has("mine-one") {
		t.Fatalf("first check after a change loaded it (err %v)", err)
	}
	if err := s.reload(false); err != nil || !has("mine-two") || has("mine-one") {
		t.Fatalf("second check with the same files did not load them (err %v)", err)
	}

	write("") // the truncate of a save, seen twice
	_ = s.reload(false)
	if err := s.reload(false); err == nil || !has("mine-two") {
		t.Fatalf("an empty file was loaded (err %v)", err)
	}
	write("name: mine-three\ndescription: d\nrespond: {status: 418}\n")
	write("name: mine-three\ndescription: d\nrespond: {status: 418}\n# saved again\n") // changed between checks
	_ = s.reload(false)
	write("name: mine-three\ndescription: d\nrespond: {status: 418}\n")
	_ = s.reload(false)
	if has("mine-three") {
		t.Fatal("files that changed between two checks were loaded")
	}
	if err := s.reload(false); err != nil || !has("mine-three") {
		t.Fatalf("settled files not loaded (err %v)", err)
	}
	if err := s.reloadScenarios(); err != nil || !has("mine-three") {
		t.Fatalf("a forced reload: %v", err)
	}
}
