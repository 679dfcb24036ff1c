//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestValidateReportsSkippedFiles: a FIFO named like a scenario file is
// reported, never read (reading it would block).
func TestValidateReportsSkippedFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ok.yaml"), []byte("name: x\ndescription: d\nrespond: {pass: true}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), nil, []string{"validate", dir}, env(nil), &out, &errOut); err != nil {
		t.Fatalf("validate: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(errOut.String(), "pipe.yaml: skipped: not a regular file") || !strings.HasPrefix(out.String(), "ok: 1 scenarios") {
		t.Errorf("stdout %q, stderr %q", out.String(), errOut.String())
	}
}
