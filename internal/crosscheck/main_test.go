package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A module whose only fault is a Linux-only field outside a _linux.go
// file: the fault issue #25 found in statetest (Pdeathsig), in a test file
// so the test variant is covered as well.
func writeModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":     "module example.com/m\n\ngo 1.22\n",
		"lib/a.go":   "package lib\n\nimport \"example.com/m/dep\"\n\nfunc Name() string { return dep.Name }\n",
		"dep/dep.go": "package dep\n\nconst Name = \"dep\"\n",
		// A vet finding in a file only Windows builds: go vet on Linux
		// never sees it.
		"dep/name_windows.go": "package dep\n\nimport \"fmt\"\n\nfunc Describe() string { return fmt.Sprintf(\"%d\", Name) }\n",
		// Unix-only API in a file every target builds: the standard
		// library is checked for the target too, so Windows finds it.
		"dep/stop.go": "package dep\n\nimport \"syscall\"\n\nfunc Stop(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }\n",
		"lib/a_test.go": "package lib\n\nimport (\n\t\"syscall\"\n\t\"testing\"\n)\n\n" +
			"func TestAttr(t *testing.T) { _ = syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}; _ = Name() }\n",
		"lib/x_test.go": "package lib_test\n\nimport (\n\t\"testing\"\n\n\t\"example.com/m/lib\"\n)\n\n" +
			"func TestName(t *testing.T) { var n int = lib.Name(); _ = n }\n",
	}
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheckFindsWhatBreaksOnAnotherOS(t *testing.T) {
	t.Setenv("GOWORK", "off")
	dir := writeModule(t)
	linux, err := check(dir, "linux", "amd64", "./...")
	if err != nil {
		t.Fatal(err)
	}
	darwin, err := check(dir, "darwin", "arm64", "./...")
	if err != nil {
		t.Fatal(err)
	}
	// The external test's type error is reported on every target; the
	// Pdeathsig field only where it does not exist.
	want := "cannot use lib.Name() (value of type string) as int value"
	if len(linux) != 1 || !strings.Contains(linux[0], want) {
		t.Fatalf("linux/amd64 problems = %q, want one containing %q", linux, want)
	}
	if len(darwin) != 2 || !strings.Contains(darwin[0], "unknown field Pdeathsig") ||
		!strings.Contains(darwin[0], filepath.Join("lib", "a_test.go")) || !strings.Contains(darwin[1], want) {
		t.Fatalf("darwin/arm64 problems = %q, want Pdeathsig in lib/a_test.go, then %q", darwin, want)
	}
	windows, err := check(dir, "windows", "amd64", "./...")
	if err != nil {
		t.Fatal(err)
	}
	if len(windows) < 2 || !strings.Contains(windows[0], "undefined: syscall.Kill") ||
		!strings.Contains(windows[0], filepath.Join("dep", "stop.go")) {
		t.Fatalf("windows/amd64 problems = %q, want undefined: syscall.Kill in dep/stop.go first", windows)
	}
	// With the type error gone, go vet's analyzers run for the target.
	if err := os.Remove(filepath.Join(dir, "dep", "stop.go")); err != nil {
		t.Fatal(err)
	}
	windows, err = check(dir, "windows", "amd64", "./dep")
	if err != nil {
		t.Fatal(err)
	}
	vetWant := "fmt.Sprintf format %d has arg Name of wrong type string (printf)"
	if len(windows) != 1 || !strings.Contains(windows[0], vetWant) || !strings.Contains(windows[0], "name_windows.go:5:") {
		t.Fatalf("windows/amd64 problems = %q, want the printf finding in dep/name_windows.go", windows)
	}
	if linux, err := check(dir, "linux", "amd64", "./dep"); err != nil || len(linux) != 0 {
		t.Fatalf("linux/amd64 problems = %q, %v; want none (the file is Windows-only)", linux, err)
	}
}
