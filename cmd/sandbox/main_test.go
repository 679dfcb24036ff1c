package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/loanpro"
	"github.com/sandbox-dev/fintech-sandbox/simulator/weavr"
)

func weavrOf(o options) *weavr.Settings { return contract.SettingsOf[weavr.Settings](o.sim.Vendors) }

func loanproOf(o options) *loanpro.Settings {
	return contract.SettingsOf[loanpro.Settings](o.sim.Vendors)
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"--seed", "9", "--rate-limit", "off", "--consumers", "3"}, env(map[string]string{"SANDBOX_SEED": "4", "SANDBOX_CUSTOMERS": "7", "SANDBOX_LOG_FORMAT": "json"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	w, lp := weavrOf(o), loanproOf(o)
	if o.sim.Seed != 9 || w.Consumers != 3 || lp.Customers != 7 || o.logFormat != "json" || w.RateLimit != nil {
		t.Errorf("flags over env not applied: %+v %+v %+v", o, w, lp)
	}
	if b, _ := parseFlags([]string{"--max-body-bytes", "4096"}, env(nil), io.Discard); b.sim.MaxBodyBytes != 4096 {
		t.Errorf("--max-body-bytes: %d", b.sim.MaxBodyBytes)
	}
	l, _ := parseFlags([]string{"--loanpro-statuses", "Active, ,Closed", "--rate-limit", "off", "--rate-limit", "on"}, env(nil), io.Discard)
	if got := loanproOf(l).Statuses; !slices.Equal(got, []string{"Active", "Closed"}) || len(weavrOf(l).RateLimit) != 3 {
		t.Errorf("vendor list and rate-limit flags: statuses %q, rate limit %v", got, weavrOf(l).RateLimit)
	}
	d, _ := parseFlags(nil, env(nil), io.Discard)
	if dw := weavrOf(d); d.addr != "127.0.0.1:8080" || d.sim.Seed != 1 || dw.Consumers != 1000 || len(dw.RateLimit) != 3 || d.sim.MaxBodyBytes != 1<<20 {
		t.Errorf("defaults: %+v %+v", d, dw)
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
