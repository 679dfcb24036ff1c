//go:build !linux

package statetest

import "syscall"

// dieWithParent has no Pdeathsig outside Linux: the server is killed by
// the test's cleanup, and SANDBOX_TEST_REDIS avoids starting one at all.
func dieWithParent() *syscall.SysProcAttr { return nil }
