// Command sandbox runs the fintech API sandbox: Weavr Multi consumers and
// LoanPro customers, simulated in memory. With no flags it serves the
// embedded fixtures on 127.0.0.1:8080.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/redis/go-redis/v9"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/logline"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

func main() {
	ctx, now, release := stopSignals()
	defer release()
	err := run(ctx, now, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	var exit exitError
	switch {
	case errors.As(err, &exit):
		os.Exit(exit.code)
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}

// run is the whole program: parse, build, serve until ctx ends, then shut
// down in phases (see shutdown); closing now cuts the shutdown short (nil:
// never). Only a real failure is an error: a shutdown that had to cut
// requests is still a clean stop.
func run(ctx context.Context, now <-chan struct{}, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if cmd, ok := commands[args[0]]; ok {
			return cmd(args[1:], getenv, stdout, stderr)
		}
	}
	gin.SetMode(gin.ReleaseMode) // the program owns the process: no gin debug output
	opts, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	lw := newLogWriter(stdout)
	flushCtx, stopFlush := context.WithCancel(context.Background())
	flushed := make(chan struct{})
	go func() { lw.run(flushCtx, 100*time.Millisecond); close(flushed) }()
	defer func() { stopFlush(); <-flushed }() // the last lines are written before run returns
	logger := newLogger(opts.logFormat, opts.logLevel, lw)
	opts.sim.Logger = logger
	start := time.Now()
	if opts.state != "" {
		rd, err := openState(ctx, opts.state, logger)
		if err != nil {
			return err
		}
		defer rd.Close()
		opts.sim.State = rd
	}
	srv, err := simulator.New(opts.sim)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return err
	}
	// Every request's context derives from base, which ends (cause
	// errShuttingDown) when the grace period starts: requests parked on
	// purpose (a hang fault) end then instead of holding the shutdown.
	base, cancelBase := context.WithCancelCause(context.Background())
	endRequests := func() { cancelBase(errShuttingDown) }
	defer endRequests()
	reqs := &tracker{next: srv}
	httpSrv := &http.Server{
		Handler:           reqs,
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	banner(logger, srv, baseURL(ln.Addr()), time.Since(start))
	// Background work (scenario reload, session expiry) goes on while the
	// sandbox still serves, so it ends with run, not with the signal.
	bg, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	go srv.Run(bg)
	if opts.pprof != "" {
		stopProfiling, err := servePprof(opts.pprof, logger)
		if err != nil {
			return err
		}
		defer stopProfiling()
	}

	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sd := shutdown{srv: httpSrv, sandbox: srv, reqs: reqs, endRequests: endRequests, served: served, now: now, log: logger}
	return sd.run(opts.shutdownDelay, opts.shutdownGrace)
}

// openState connects to the shared state backend, failing fast when it
// does not answer, and sends go-redis' own messages (reconnect attempts
// while Redis is away) to the sandbox log at debug level: the sandbox
// reports the outage itself (warnings per failed request, readiness).
func openState(ctx context.Context, url string, logger *slog.Logger) (*state.Redis, error) {
	redis.SetLogger(redisLog{logger})
	octx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rd, err := state.Open(octx, url)
	if err != nil {
		return nil, fmt.Errorf("--state: %w", err)
	}
	logger.Info("shared state", "redis", rd.Addr(), "prefix", rd.Prefix())
	return rd, nil
}

type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.Debug("redis client", "msg", fmt.Sprintf(format, v...))
}

// servePprof serves net/http/pprof on its own listener (never on the
// sandbox's port, so vendor routes stay exactly the vendor's), for
// profiling under real load: go tool pprof http://ADDR/debug/pprof/profile.
func servePprof(addr string, l *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	l.Info("pprof listening", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { _ = srv.Close() }, nil
}

// newLogger is the sandbox's logger: text or JSON lines at level and up.
func newLogger(format string, level slog.Level, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	// logline's handlers write what slog's do, byte for byte, with the
	// request line (one per request) formatted without slog's generic path.
	if format == "json" {
		return slog.New(logline.NewJSON(w, opts))
	}
	return slog.New(logline.NewText(w, opts))
}

// baseURL is the URL the banner's curl lines use: a wildcard listen
// address (the image's :8080) is shown as localhost, which is where a
// user with the port published reaches it.
func baseURL(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		return "http://" + net.JoinHostPort("localhost", strconv.Itoa(tcp.Port))
	}
	return "http://" + a.String()
}

// banner logs what a user needs to start: the address, then each vendor's
// credentials, logins and a ready-to-paste curl line.
func banner(l *slog.Logger, srv *simulator.Server, base string, took time.Duration) {
	l.Info("sandbox listening", "url", base, "version", buildVersion(), "startup", took.Round(time.Millisecond))
	for _, v := range srv.Vendors() {
		if v.Banner == nil {
			continue
		}
		for _, line := range v.Banner(base) {
			l.Info(line.Msg, line.Attrs...)
		}
	}
}
