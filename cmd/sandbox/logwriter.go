package main

import (
	"bufio"
	"context"
	"io"
	"sync"
	"time"
)

// logWriter buffers log output and flushes it every interval and at
// shutdown: one write syscall per request line would cost the sandbox a
// good part of its throughput under load, and a tail -f still sees each
// line within the interval.
type logWriter struct {
	mu sync.Mutex
	bw *bufio.Writer
}

func newLogWriter(w io.Writer) *logWriter { return &logWriter{bw: bufio.NewWriterSize(w, 64<<10)} }

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bw.Write(p)
}

// Flush writes out what is buffered.
func (l *logWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bw.Flush()
}

// run flushes every interval until ctx ends, then once more.
func (l *logWriter) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = l.Flush()
			return
		case <-t.C:
			_ = l.Flush()
		}
	}
}
