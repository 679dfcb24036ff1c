package statetest

import "syscall"

// dieWithParent makes a redis-server the tests start die with the test
// binary (Pdeathsig), so a test killed by its timeout leaves no server.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
