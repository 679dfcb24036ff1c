package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPseudoVersionsAreNotReleases(t *testing.T) {
	for v, release := range map[string]bool{
		"v1.4.0":                               true,
		"v0.3.1-rc.1":                          true,
		"v0.0.0-20261207130000-f89fe84abcde":   false,
		"v1.4.1-0.20261207130000-f89fe84abcde": false,
		"v1.4.0+dirty":                         false,
	} {
		if got := !pseudoVersion.MatchString(v); got != release {
			t.Errorf("%s: release = %v, want %v", v, got, release)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), nil, []string{"version"}, env(nil), &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	// A test binary carries no linker version and no release module version.
	if got := out.String(); !strings.HasPrefix(got, "devel") || !strings.HasSuffix(got, "\n") || strings.Count(got, "\n") != 1 {
		t.Fatalf("sandbox version = %q, want one line starting devel", got)
	}
	var exit exitError
	if err := run(context.Background(), nil, []string{"version", "extra"}, env(nil), &out, &errOut); !errors.As(err, &exit) || exit.code != 2 {
		t.Fatalf("sandbox version extra = %v, want exit 2", err)
	}
}

// The image's HEALTHCHECK: exit 0 on a 200 from /__sandbox/readyz, 1 on
// anything else or no answer, 2 on a bad address; the address from
// --addr or SANDBOX_ADDR, a wildcard host asked on loopback.
func TestHealthCommand(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/__sandbox/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		w.Write([]byte(`{"status":"draining"}`))
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	health := func(getenv map[string]string, args ...string) (int, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		err := run(context.Background(), nil, append([]string{"health"}, args...), env(getenv), &out, &errOut)
		var exit exitError
		switch {
		case err == nil:
			return 0, out.String()
		case errors.As(err, &exit):
			return exit.code, errOut.String()
		}
		t.Fatalf("health: %v", err)
		return -1, ""
	}
	if code, out := health(nil, "--addr", addr); code != 0 || out != "ready: http://"+addr+"/__sandbox/readyz\n" {
		t.Errorf("ready: exit %d, %q", code, out)
	}
	if code, out := health(map[string]string{"SANDBOX_ADDR": ":" + port}); code != 0 || !strings.Contains(out, "http://127.0.0.1:"+port+"/") {
		t.Errorf("SANDBOX_ADDR=:%s: exit %d, %q (want asked on loopback)", port, code, out)
	}
	if code, _ := health(nil, "--addr=0.0.0.0:"+port); code != 0 {
		t.Errorf("--addr=0.0.0.0:%s: exit %d", port, code)
	}
	status = http.StatusServiceUnavailable
	if code, msg := health(nil, "--addr", addr); code != 1 || msg != "sandbox health: http://"+addr+"/__sandbox/readyz answered 503 {\"status\":\"draining\"}\n" {
		t.Errorf("draining: exit %d, %q", code, msg)
	}
	if code, msg := health(nil, "--addr", freeAddr(t)); code != 1 || !strings.Contains(msg, "connection refused") {
		t.Errorf("nothing listening: exit %d, %q", code, msg)
	}
	if code, msg := health(nil, "--addr", "nonsense"); code != 2 || !strings.Contains(msg, `address "nonsense"`) {
		t.Errorf("bad address: exit %d, %q", code, msg)
	}
	if code, _ := health(nil, "--verbose"); code != 2 {
		t.Errorf("unknown argument: exit %d, want 2", code)
	}
}
