package statetest

import (
	"os"
	"syscall"
	"testing"
)

// dieWithParent makes a redis-server the tests start die with the test
// binary (Pdeathsig), so a test killed by its timeout leaves no server.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// signal freezes (SIGSTOP) or thaws (SIGCONT) a redis-server.
func signal(t testing.TB, p *os.Process, stop bool) {
	t.Helper()
	if p == nil {
		return
	}
	sig := syscall.SIGCONT
	if stop {
		sig = syscall.SIGSTOP
	}
	if err := p.Signal(sig); err != nil && stop {
		t.Fatalf("statetest: freeze redis-server: %v", err)
	}
}
