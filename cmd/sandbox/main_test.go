package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"--seed", "9", "--rate-limit", "off", "--consumers", "3"}, env(map[string]string{"SANDBOX_SEED": "4", "SANDBOX_CUSTOMERS": "7", "SANDBOX_LOG_FORMAT": "json"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.sim.Seed != 9 || o.sim.Weavr.Consumers != 3 || o.sim.LoanPro.Customers != 7 || o.logFormat != "json" || o.sim.Weavr.RateLimit != nil {
		t.Errorf("flags over env not applied: %+v", o)
	}
	if b, _ := parseFlags([]string{"--max-body-bytes", "4096"}, env(nil), io.Discard); b.sim.Weavr.MaxBodyBytes != 4096 || b.sim.LoanPro.MaxBodyBytes != 4096 {
		t.Errorf("--max-body-bytes sets both vendors: weavr %d, loanpro %d", b.sim.Weavr.MaxBodyBytes, b.sim.LoanPro.MaxBodyBytes)
	}
	d, _ := parseFlags(nil, env(nil), io.Discard)
	if d.addr != "127.0.0.1:8080" || d.sim.Seed != 1 || d.sim.Weavr.Consumers != 1000 || len(d.sim.Weavr.RateLimit) != 3 {
		t.Errorf("defaults: %+v", d)
	}
	for _, bad := range [][]string{{"--rate-limit", "x"}, {"--log-format", "xml"}, {"extra"}, {"--seed", "one"}} {
		if _, err := parseFlags(bad, env(nil), io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if _, err := parseFlags(nil, env(map[string]string{"SANDBOX_CONSUMERS": "many"}), io.Discard); err == nil || !strings.Contains(err.Error(), "SANDBOX_CONSUMERS") {
		t.Errorf("bad env value: %v", err)
	}
	var help bytes.Buffer
	if _, err := parseFlags([]string{"--help"}, env(nil), &help); !errors.Is(err, flag.ErrHelp) || !strings.Contains(help.String(), "SANDBOX_") {
		t.Errorf("help: %v %q", err, help.String())
	}
}

// TestRunServesAndShutsDown starts the real program on a free port, calls it,
// and checks that cancelling the context stops it cleanly.
func TestRunServesAndShutsDown(t *testing.T) {
	free := func() string {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		defer ln.Close()
		return ln.Addr().String()
	}
	addr, pprofAddr := free(), free()
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", addr, "--pprof", pprofAddr, "--consumers", "5", "--customers", "5"}, env(nil), &out, io.Discard)
	}()
	var resp *http.Response
	var err error
	for i := 0; i < 100; i++ {
		if resp, err = http.Get("http://" + addr + "/api/public/api/1/odata.svc/Customers(1)"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("unauthenticated LoanPro GET: %d", resp.StatusCode)
	}
	// pprof answers on its own port only.
	for _, c := range []struct {
		url    string
		status int
	}{{"http://" + pprofAddr + "/debug/pprof/cmdline", 200}, {"http://" + addr + "/debug/pprof/cmdline", 404}} {
		r, err := http.Get(c.url)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != c.status {
			t.Errorf("GET %s: %d, want %d", c.url, r.StatusCode, c.status)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out.String(), "sandbox listening") || !strings.Contains(out.String(), "curl -s -X POST") {
		t.Errorf("banner missing: %s", out.String())
	}
}
