package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
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
	if d.shutdownDelay != 5*time.Second || d.shutdownGrace != 10*time.Second {
		t.Errorf("shutdown defaults: delay %s, grace %s", d.shutdownDelay, d.shutdownGrace)
	}
	if s, _ := parseFlags([]string{"--shutdown-grace", "0"}, env(map[string]string{"SANDBOX_SHUTDOWN_DELAY": "250ms", "SANDBOX_SHUTDOWN_GRACE": "3s"}), io.Discard); s.shutdownDelay != 250*time.Millisecond || s.shutdownGrace != 0 {
		t.Errorf("shutdown flags and env: delay %s, grace %s", s.shutdownDelay, s.shutdownGrace)
	}
	for _, bad := range [][]string{{"--shutdown-delay", "-1s"}, {"--shutdown-grace", "-5ms"}, {"--shutdown-delay", "soon"}} {
		_, err := parseFlags(bad, env(nil), io.Discard)
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(bad[0], "-")) {
			t.Errorf("%v: %v", bad, err)
		}
	}
	if _, err := parseFlags(nil, env(map[string]string{"SANDBOX_SHUTDOWN_GRACE": "-1s"}), io.Discard); err == nil || !strings.Contains(err.Error(), "--shutdown-grace: must not be negative") {
		t.Errorf("negative SANDBOX_SHUTDOWN_GRACE: %v", err)
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
	addr, pprofAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, []string{"--addr", addr, "--pprof", pprofAddr, "--shutdown-delay", "0", "--consumers", "5", "--customers", "5"}, env(nil), &out, io.Discard)
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
	if !strings.Contains(out.String(), "msg=stopped") {
		t.Errorf("no stopped line: %s", out.String())
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// sandbox is run serving in the background: cancel is the first signal,
// hurry the second.
type sandbox struct {
	base   string
	cancel context.CancelFunc
	hurry  func()
	done   chan error
	out    bytes.Buffer // read it only once run returned
}

// startRun runs the program with args on a free port and waits until it
// answers; the test's cleanup stops it if the test did not.
func startRun(t *testing.T, args ...string) *sandbox {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	now := make(chan struct{})
	var once sync.Once
	s := &sandbox{base: "http://" + addr, cancel: cancel, hurry: func() { once.Do(func() { close(now) }) }, done: make(chan error, 1)}
	args = append([]string{"--addr", addr, "--consumers", "5", "--customers", "5"}, args...)
	go func() { s.done <- run(ctx, now, args, env(nil), &s.out, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		s.hurry()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("run did not return")
		}
	})
	for i := 0; ; i++ {
		resp, err := http.Get(s.base + "/__sandbox/healthz")
		if err == nil {
			resp.Body.Close()
			return s
		}
		if i == 100 {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wait is what run returned, failing the test when it did not return
// within limit (a bound for "returned at all", not a timing check).
func (s *sandbox) wait(t *testing.T, limit time.Duration) error {
	t.Helper()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(limit):
		t.Fatalf("run did not return within %s", limit)
		return nil
	}
}

// call sends a request and returns the status (0 with the error when
// there was no answer) and whether the server closes the connection after it.
func call(method, url, body string, headers ...string) (status int, closes bool, err error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, false, err
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Close, err
}

func login(base string) (int, bool, error) {
	return call("POST", base+"/multi/login_with_password", `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`,
		"api-key", "sandbox-api-key", "Content-Type", "application/json")
}

// TestShutdownServesDuringDelay: after the signal readiness is 503 at once
// while vendor requests are still served; a second signal stops at once.
func TestShutdownServesDuringDelay(t *testing.T) {
	s := startRun(t, "--shutdown-delay", "1m", "--shutdown-grace", "2s")
	if st, _, err := call("GET", s.base+"/__sandbox/readyz", ""); st != 200 {
		t.Fatalf("readyz before the signal: %d %v", st, err)
	}
	s.cancel()
	var st int
	var err error
	for i := 0; i < 100; i++ { // the signal reaches run asynchronously
		if st, _, err = call("GET", s.base+"/__sandbox/readyz", ""); st == 503 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st != 503 {
		t.Fatalf("readyz after the signal: %d %v", st, err)
	}
	for i := 0; i < 3; i++ {
		st, closes, err := login(s.base)
		if st != 200 {
			t.Fatalf("login during the delay: %d %v", st, err)
		}
		if !closes {
			t.Error("an answer during the delay keeps the connection: the client would not reconnect elsewhere")
		}
	}
	s.hurry() // a second signal: no waiting out the minute
	if err := s.wait(t, 10*time.Second); err != nil {
		t.Fatalf("run: %v", err)
	}
	if _, _, err := login(s.base); err == nil {
		t.Error("still serving after run returned")
	}
	for _, want := range []string{"shutting down: readiness 503, still serving for 1m0s", "second signal: cut 0 in-flight requests", "msg=stopped"} {
		if !strings.Contains(s.out.String(), want) {
			t.Errorf("log has no %q:\n%s", want, s.out.String())
		}
	}
}

// TestShutdownEndsParkedRequests: a request parked by the hang fault does
// not hold the shutdown: it ends when the grace period starts and run
// returns nil without cutting anything.
func TestShutdownEndsParkedRequests(t *testing.T) {
	s := startRun(t, "--shutdown-delay", "300ms", "--shutdown-grace", "2s")
	if st, _, err := call("PUT", s.base+"/__sandbox/scenarios/loanpro-hang/active", ""); st != 200 {
		t.Fatalf("activating loanpro-hang: %d %v", st, err)
	}
	parked := make(chan error, 1)
	go func() {
		st, _, err := call("GET", s.base+"/api/public/api/1/odata.svc/Customers(1)", "",
			"Authorization", "Bearer sandbox-token", "Autopal-Instance-Id", "5200000")
		if err == nil {
			err = errors.New("answered " + http.StatusText(st))
		}
		parked <- err
	}()
	waitFired(t, s.base, "loanpro-hang")
	select {
	case err := <-parked:
		t.Fatalf("the hang request ended before the signal: %v", err)
	default:
	}
	s.cancel()
	if err := s.wait(t, 300*time.Millisecond+2*time.Second+10*time.Second); err != nil {
		t.Fatalf("run with a parked request: %v (want nil: a deliberate shutdown)", err)
	}
	select {
	case err := <-parked:
		t.Logf("the parked request ended without an answer, as a hang does: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("the parked request did not end")
	}
	log := s.out.String()
	for _, want := range []string{"still serving for 300ms", "draining: waiting up to 2s for 1 in-flight requests", "msg=stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log has no %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "cut ") {
		t.Errorf("the parked request was cut instead of ended:\n%s", log)
	}
}

// waitFired waits until scenario has played once in the default session:
// its request is in the handler.
func waitFired(t *testing.T, base, scenario string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		resp, err := http.Get(base + "/__sandbox/sessions/default/scenarios")
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Counters []struct {
				Scenario string
				Fired    int
			}
		}
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got.Counters {
			if c.Scenario == scenario && c.Fired > 0 {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never fired", scenario)
}

// TestShutdownCutsWhatOutlastsTheGrace: a request that ignores its context
// (here: its handler waits for a body the client never sends) is cut when
// the grace period ends; that is still a clean stop.
func TestShutdownCutsWhatOutlastsTheGrace(t *testing.T) {
	s := startRun(t, "--shutdown-delay", "0", "--shutdown-grace", "300ms")
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Expect: 100-continue: the server says "100 Continue" when the
	// handler starts reading the body, so the request is in flight.
	_, err = io.WriteString(conn, "POST /multi/login_with_password HTTP/1.1\r\nHost: sandbox\r\napi-key: sandbox-api-key\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	if line, err := br.ReadString('\n'); err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("no 100 Continue: %q %v", line, err)
	}
	s.cancel()
	if err := s.wait(t, 15*time.Second); err != nil {
		t.Fatalf("run after cutting a request: %v (want nil)", err)
	}
	if rest, err := io.ReadAll(br); err == nil && strings.Contains(string(rest), "HTTP/1.1 200") {
		t.Errorf("the cut request was answered: %q", rest)
	}
	for _, want := range []string{"draining: waiting up to 300ms for 1 in-flight requests", "grace period over: cut 1 in-flight requests", "msg=stopped"} {
		if !strings.Contains(s.out.String(), want) {
			t.Errorf("log has no %q:\n%s", want, s.out.String())
		}
	}
}

func TestMemoryBoundFlags(t *testing.T) {
	d, err := parseFlags(nil, env(nil), io.Discard)
	if err != nil || d.sim.JournalMemory != 64<<20 || d.sim.MaxSessions != 10_000 {
		t.Fatalf("defaults: %v %d %d", err, d.sim.JournalMemory, d.sim.MaxSessions)
	}
	for v, want := range map[string]int64{"0": 0, "4096": 4096, "512KiB": 512 << 10, "64MiB": 64 << 20, "2 GiB": 2 << 30} {
		o, err := parseFlags([]string{"--journal-memory", v}, env(nil), io.Discard)
		if err != nil || o.sim.JournalMemory != want {
			t.Errorf("--journal-memory %s: %v %d, want %d", v, err, o.sim.JournalMemory, want)
		}
	}
	for _, bad := range [][]string{{"--journal-memory", "64MB"}, {"--journal-memory", "-1"}, {"--max-sessions", "-1"}, {"--journal-memory", "9999999GiB"}} {
		if _, err := parseFlags(bad, env(nil), io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if o, err := parseFlags(nil, env(map[string]string{"SANDBOX_MAX_SESSIONS": "3", "SANDBOX_JOURNAL_MEMORY": "1MiB"}), io.Discard); err != nil || o.sim.MaxSessions != 3 || o.sim.JournalMemory != 1<<20 {
		t.Errorf("from the environment: %v %+v", err, o.sim)
	}
}

// TestNamespacedVendorFlags: every vendor flag carries its vendor's name,
// on the command line and as SANDBOX_*; the older Weavr names and
// --customers are aliases of the same settings.
func TestNamespacedVendorFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		ttl  time.Duration
		rate int // number of windows: 0 off, 3 the vendor's
		cust int
	}{
		{"prefixed flags", []string{"--weavr-token-ttl", "1m", "--weavr-rate-limit", "off", "--loanpro-customers", "5"}, nil, time.Minute, 0, 5},
		{"aliases", []string{"--token-ttl", "2m", "--rate-limit", "off", "--customers", "6"}, nil, 2 * time.Minute, 0, 6},
		{"prefixed env", nil, map[string]string{"SANDBOX_WEAVR_TOKEN_TTL": "3m", "SANDBOX_WEAVR_RATE_LIMIT": "off", "SANDBOX_LOANPRO_CUSTOMERS": "7"}, 3 * time.Minute, 0, 7},
		{"alias env", nil, map[string]string{"SANDBOX_TOKEN_TTL": "4m", "SANDBOX_RATE_LIMIT": "off", "SANDBOX_CUSTOMERS": "8"}, 4 * time.Minute, 0, 8},
		{"flag over env", []string{"--weavr-rate-limit", "on"}, map[string]string{"SANDBOX_RATE_LIMIT": "off"}, 5 * time.Minute, 3, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseFlags(tt.args, env(tt.env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			w, lp := weavrOf(o), loanproOf(o)
			if w.TokenTTL != tt.ttl || len(w.RateLimit) != tt.rate || lp.Customers != tt.cust {
				t.Errorf("token ttl %s, rate windows %d, customers %d; want %s, %d, %d", w.TokenTTL, len(w.RateLimit), lp.Customers, tt.ttl, tt.rate, tt.cust)
			}
		})
	}
	var help strings.Builder
	if _, err := parseFlags([]string{"--help"}, env(nil), &help); err == nil {
		t.Fatal("--help: no flag.ErrHelp")
	}
	for _, want := range []string{"-weavr-rate-limit SPEC", "-rate-limit value\n    \talias of --weavr-rate-limit", "-loanpro-page-size int"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}
