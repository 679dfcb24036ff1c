package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
)

// errShuttingDown is the cause of every request context's end when the
// grace period starts: context.Cause(r.Context()) tells it from a client
// that left.
var errShuttingDown = errors.New("sandbox shutting down")

// stopSignals is how the process is told to stop: the context ends at the
// first SIGINT or SIGTERM (the phased shutdown starts), the channel closes
// at the second (the shutdown is cut short). release stops listening.
func stopSignals() (ctx context.Context, now <-chan struct{}, release func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	second, quit := make(chan struct{}), make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-quit:
			return
		}
		select {
		case <-sigs:
			close(second)
		case <-quit:
		}
	}()
	return ctx, second, func() { signal.Stop(sigs); close(quit); cancel() }
}

// tracker counts the requests in flight and, once the sandbox is stopping,
// asks every client to close its connection after the answer, so clients
// holding a keep-alive connection reconnect (through the load balancer)
// to another instance instead of being cut when the grace period ends.
type tracker struct {
	next     http.Handler
	inflight atomic.Int64
	stopping atomic.Bool
}

func (t *tracker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.inflight.Add(1)
	defer t.inflight.Add(-1)
	if t.stopping.Load() {
		w.Header().Set("Connection", "close")
	}
	t.next.ServeHTTP(w, r)
}

// shutdown stops a serving sandbox in phases:
//
//  1. readiness answers 503 at once, and for the delay every request is
//     still served normally (a load balancer polling readiness stops
//     sending before the sandbox stops accepting);
//  2. the grace period: the listener closes, every request's context
//     ends (endRequests), so requests parked on purpose (hang faults)
//     end now, and the rest get up to grace to finish;
//  3. whatever is still open then is cut (srv.Close).
//
// now closing skips to 3. Cutting requests is a deliberate, clean stop: only
// a real failure of the server is an error.
type shutdown struct {
	srv         *http.Server
	sandbox     *simulator.Server
	reqs        *tracker
	endRequests func()
	served      <-chan error // what srv.Serve returned
	now         <-chan struct{}
	log         *slog.Logger
}

func (s shutdown) run(delay, grace time.Duration) error {
	s.sandbox.Drain()
	s.reqs.stopping.Store(true)
	s.log.Info(fmt.Sprintf("shutting down: readiness 503, still serving for %s", delay))
	wait := time.NewTimer(delay)
	defer wait.Stop()
	select {
	case <-wait.C:
	case <-s.now:
		return s.cut("second signal")
	case err := <-s.served:
		return err // the listener failed while still serving
	}

	s.log.Info(fmt.Sprintf("draining: waiting up to %s for %d in-flight requests", grace, s.reqs.inflight.Load()))
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	go func() {
		select {
		case <-s.now:
			cancel()
		case <-ctx.Done():
		}
	}()
	// Shutdown closes the listener first, then runs this: no request
	// starts on a context that has already ended.
	s.srv.RegisterOnShutdown(s.endRequests)
	switch err := s.srv.Shutdown(ctx); {
	case errors.Is(err, context.DeadlineExceeded):
		return s.cut("grace period over")
	case errors.Is(err, context.Canceled):
		return s.cut("second signal")
	case err != nil:
		return fmt.Errorf("shutdown: %w", err)
	}
	s.drainWebhooks(ctx)
	return s.stopped()
}

// drainWebhooks gives pending webhook deliveries what is left of ctx (no
// more requests can cause new ones): each is attempted now; those still
// undelivered then are logged one by one by the dispatcher.
func (s shutdown) drainWebhooks(ctx context.Context) {
	if n := s.sandbox.Webhooks().Pending(); n > 0 {
		s.log.Info(fmt.Sprintf("delivering %d pending webhooks before stopping", n))
	}
	if n := s.sandbox.DrainWebhooks(ctx); n > 0 {
		s.log.Warn(fmt.Sprintf("%d webhook deliveries undelivered at shutdown", n))
	}
}

// cut closes every connection still open, logging how many requests that
// cuts short.
func (s shutdown) cut(why string) error {
	n := s.reqs.inflight.Load()
	s.endRequests()
	if err := s.srv.Close(); err != nil {
		s.log.Warn("closing the listener", "err", err)
	}
	s.log.Warn(fmt.Sprintf("%s: cut %d in-flight requests", why, n))
	done, cancel := context.WithCancel(context.Background())
	cancel()
	s.drainWebhooks(done)
	return s.stopped()
}

func (s shutdown) stopped() error {
	if err := <-s.served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.log.Info("stopped")
	return nil
}
