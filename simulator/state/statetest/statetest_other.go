//go:build !linux

package statetest

import (
	"os"
	"syscall"
	"testing"
)

// dieWithParent has no Pdeathsig outside Linux: the server is killed by
// the test's cleanup, and SANDBOX_TEST_REDIS avoids starting one at all.
func dieWithParent() *syscall.SysProcAttr { return nil }

// signal: freezing a server is a Linux-only helper (Freezable); the
// sandbox's own CI runs on Linux.
func signal(t testing.TB, _ *os.Process, _ bool) {
	t.Helper()
	t.Skip("statetest: Freezable needs SIGSTOP (Linux)")
}
