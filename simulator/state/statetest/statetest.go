// Package statetest gives tests a real Redis: the one SANDBOX_TEST_REDIS
// names (.ci/run starts one), or else a redis-server the test binary
// starts itself on a free loopback port and that dies with it. Each call
// returns a URL with a key prefix of its own, so parallel tests (and
// packages) share one server without seeing each other's keys.
package statetest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// EnvURL names a running Redis for the tests (redis://HOST:PORT/DB).
const EnvURL = "SANDBOX_TEST_REDIS"

var (
	once    sync.Once
	baseURL string
	baseErr error
	seq     atomic.Uint64
)

// URL returns a Redis URL for t with a fresh key prefix. A missing
// redis-server fails the test (install it: apt-get install -y
// redis-server, or set SANDBOX_TEST_REDIS): a test that needs Redis never
// passes without one. Under -short (go test -short, for machines with no
// services installed) a missing Redis skips the test instead.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(func() { baseURL, baseErr = server() })
	if baseErr != nil {
		missing(t, baseErr)
	}
	return withPrefix(t, EnvURL, baseURL)
}

// withPrefix is rawURL (from env) with a key prefix of its own.
func withPrefix(t testing.TB, env, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("statetest: %s: %v", env, err)
	}
	q := u.Query()
	q.Set("prefix", fmt.Sprintf("t%d-%d-%d:", os.Getpid(), time.Now().UnixNano()%1e9, seq.Add(1)))
	u.RawQuery = q.Encode()
	return u.String()
}

// Open connects to URL(t) and closes the client when t ends.
func Open(t testing.TB) *state.Redis {
	t.Helper()
	return OpenURL(t, URL(t))
}

// OpenURL connects to rawURL (a URL from URL or Server) and closes the
// client when t ends. Two clients of one URL are two replicas of one
// sandbox: separate pools, the same keys.
func OpenURL(t testing.TB, rawURL string) *state.Redis {
	t.Helper()
	r, err := state.Open(context.Background(), rawURL)
	if err != nil {
		t.Fatalf("statetest: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// Replicas opens two clients on one fresh URL: two replicas sharing one
// backend.
func Replicas(t testing.TB) (*state.Redis, *state.Redis) {
	t.Helper()
	url := URL(t)
	return OpenURL(t, url), OpenURL(t, url)
}

// server is SANDBOX_TEST_REDIS, or a redis-server started for this
// process (on Linux killed when the process exits: dieWithParent).
func server() (string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return u, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", fmt.Errorf("no Redis for the tests: set %s or install redis-server (apt-get install -y redis-server)", EnvURL)
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "statetest-redis-")
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start redis-server: %w", err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := waitTCP(addr); err != nil {
		_ = cmd.Process.Kill()
		return "", err
	}
	return "redis://" + addr + "/0", nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Server starts a redis-server of the test's own on a free port (for
// tests that stop and restart Redis) and returns its URL and a stop
// function; start it again with the returned restart.
func Server(t testing.TB) (rawURL string, stop, restart func()) {
	t.Helper()
	rawURL, stop, restart, _ = server2(t)
	return rawURL, stop, restart
}

// Freezable starts a redis-server of the test's own and returns its URL
// and functions that freeze it (SIGSTOP: connections stay open, nothing
// answers, as with a Redis that hangs) and thaw it (Linux only).
func Freezable(t testing.TB) (rawURL string, freeze, thaw func()) {
	t.Helper()
	rawURL, _, _, proc := server2(t)
	freeze = func() { signal(t, proc(), true) }
	thaw = func() { signal(t, proc(), false) }
	t.Cleanup(thaw)
	return rawURL, freeze, thaw
}

func server2(t testing.TB) (rawURL string, stop, restart func(), proc func() *os.Process) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		missing(t, fmt.Errorf("install redis-server (apt-get install -y redis-server): %w", err))
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	dir := t.TempDir()
	var cmd *exec.Cmd
	start := func() {
		cmd = exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
		cmd.SysProcAttr = dieWithParent()
		if err := cmd.Start(); err != nil {
			t.Fatalf("statetest: start redis-server: %v", err)
		}
		for range 100 {
			if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
				_ = c.Close()
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("statetest: redis-server on %s did not start", addr)
	}
	stop = func() {
		if cmd != nil && cmd.Process != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			cmd = nil
		}
	}
	start()
	t.Cleanup(stop)
	return "redis://" + addr + "/0", stop, start, func() *os.Process {
		if cmd == nil {
			return nil
		}
		return cmd.Process
	}
}

// missing ends a test that needs Redis and has none: skipped under
// -short, failed otherwise (.ci/run installs and starts one).
func missing(t testing.TB, err error) {
	t.Helper()
	if testing.Short() {
		t.Skipf("statetest: needs Redis (redis-server or %s), skipped under -short: %v", EnvURL, err)
	}
	t.Fatalf("statetest: %v", err)
}

// Aborted runs fn and returns the *state.Unavailable it aborted with
// (state.Abort: how a component meets a Redis that does not answer), nil
// when fn returned; any other panic goes on.
func Aborted(fn func()) (u *state.Unavailable) {
	defer func() {
		if v := recover(); v != nil {
			if u = state.Recovered(v); u == nil {
				panic(v)
			}
		}
	}()
	fn()
	return nil
}
