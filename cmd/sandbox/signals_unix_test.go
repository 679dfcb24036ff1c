//go:build unix

package main

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// TestStopSignals: the first SIGTERM starts the shutdown, the second cuts
// it short.
func TestStopSignals(t *testing.T) {
	ctx, now, release := stopSignals()
	defer release()
	for _, step := range []<-chan struct{}{ctx.Done(), now} {
		if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-step:
		case <-time.After(5 * time.Second):
			t.Fatal("signal not seen")
		}
	}
}
