package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// options is the parsed command line: the server's own settings and the
// simulator's Config.
type options struct {
	addr      string
	logFormat string
	logLevel  slog.Level
	pprof     string
	// shutdownDelay is how long the sandbox keeps serving after the
	// signal, readiness already 503, so a load balancer stops sending
	// before it stops accepting; shutdownGrace is how long in-flight
	// requests then get to finish before their connections are closed.
	shutdownDelay time.Duration
	shutdownGrace time.Duration
	// state is the shared state backend's URL (--state; "" in memory).
	state string
	sim   simulator.Config
}

// envPrefix: every flag --some-name can also be set as SANDBOX_SOME_NAME;
// a flag on the command line wins over the environment.
const envPrefix = "SANDBOX_"

// envName is the environment variable of the flag --name.
func envName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// parseFlags reads args and the environment into options, validating every
// value once so a bad setting fails at startup.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	o := options{sim: simulator.DefaultConfig()}
	var fixturesDir string
	var active multiFlag
	fs, err := defineFlags(&o, &fixturesDir, &active, stderr)
	if err != nil {
		return o, err
	}

	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		if v := getenv(name); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%q: %v", name, v, err)
			}
		}
	})
	if envErr != nil {
		return o, envErr
	}
	// A bad flag is one line on stderr (main prints the error), the
	// usage only for --help: a container's log then shows the cause.
	usage := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		fs.SetOutput(stderr)
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return o, err
		}
		return o, fmt.Errorf("%v (see --help)", err)
	}
	fs.SetOutput(stderr)
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return o, fmt.Errorf("--log-format: want text or json, got %q", o.logFormat)
	}
	if o.sim.JournalCapacity < 1 {
		return o, fmt.Errorf("--journal-capacity: want at least 1, got %d", o.sim.JournalCapacity)
	}
	if o.sim.MaxSessions < 0 {
		return o, fmt.Errorf("--max-sessions: must not be negative, got %d", o.sim.MaxSessions)
	}
	if o.sim.SessionIdleTTL < 0 {
		return o, fmt.Errorf("--session-ttl: must not be negative, got %s", o.sim.SessionIdleTTL)
	}
	if o.shutdownDelay < 0 {
		return o, fmt.Errorf("--shutdown-delay: must not be negative, got %s", o.shutdownDelay)
	}
	if o.shutdownGrace < 0 {
		return o, fmt.Errorf("--shutdown-grace: must not be negative, got %s", o.shutdownGrace)
	}
	if o.sim.WebhookTimeout <= 0 {
		return o, fmt.Errorf("--webhook-timeout: must be positive, got %s", o.sim.WebhookTimeout)
	}
	o.sim.Scenarios = active
	if fixturesDir != "" {
		o.sim.Fixtures = fixtures.Dir(fixturesDir)
	}
	return o, nil
}

// defineFlags declares every flag on a new flag set writing into o: the one
// definition --help prints, the environment fills and docs/configuration.md's
// table is generated from (cmd/sandbox/gendocs_test.go).
func defineFlags(o *options, fixturesDir *string, active *multiFlag, stderr io.Writer) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address, `HOST:PORT`")
	fs.DurationVar(&o.shutdownDelay, "shutdown-delay", 5*time.Second, "on SIGTERM/SIGINT, readiness answers 503 at once and requests are still served for this long before the sandbox stops accepting")
	fs.DurationVar(&o.shutdownGrace, "shutdown-grace", 10*time.Second, "after --shutdown-delay, in-flight requests get this long to finish (parked ones, e.g. a hang fault, end at once); the rest are cut")
	fs.StringVar(&o.pprof, "pprof", "", "`ADDR`ess of a separate net/http/pprof listener for profiling, e.g. 127.0.0.1:6060 (off when empty)")
	fs.Int64Var(&o.sim.Seed, "seed", o.sim.Seed, "seed of the generated data: same seed and counts, same data")
	fs.StringVar(fixturesDir, "fixtures", "", "`DIR`ectory of fixture files (one per vendor, named after it: VENDOR.yaml) replacing the embedded fixtures")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	fs.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "log level: debug, info (one line per request), warn or error")
	fs.Int64Var(&o.sim.MaxBodyBytes, "max-body-bytes", o.sim.MaxBodyBytes, "largest accepted request body on every vendor; larger is 413 in the vendor's error shape")
	for _, p := range o.sim.Vendors {
		if err := contract.RegisterFlags(fs, p); err != nil {
			return nil, err
		}
	}
	fs.StringVar(&o.sim.ScenarioDir, "scenarios", "", "`DIR`ectory of scenario files loaded over the embedded catalog (same name replaces); reloaded when they change")
	fs.Var(active, "scenario", "activate the scenario `NAME` for all traffic (repeatable or comma-separated; 'sandbox scenarios' lists them)")
	fs.DurationVar(&o.sim.ScenarioReload, "scenario-reload", o.sim.ScenarioReload, "how often --scenarios DIR is checked for changes (0 disables reloading)")
	fs.StringVar(&o.sim.AdminToken, "admin-token", "", "when set, the control API (/__sandbox) requires 'Authorization: Bearer `TOKEN`'; vendor routes are unaffected")
	fs.IntVar(&o.sim.JournalCapacity, "journal-capacity", o.sim.JournalCapacity, "requests kept in each session's journal (oldest dropped)")
	fs.Func("journal-memory", "estimated memory of every session's journal together, a `SIZE` such as 64MiB, 512KiB or bytes; past it the sandbox's oldest entries are evicted and counted (0: no budget)", func(v string) error {
		n, err := parseBytes(v)
		o.sim.JournalMemory = n
		return err
	})
	fs.IntVar(&o.sim.MaxSessions, "max-sessions", o.sim.MaxSessions, "most live sessions; past it the least recently used one other than default is evicted (0: no cap)")
	fs.DurationVar(&o.sim.SessionIdleTTL, "session-ttl", o.sim.SessionIdleTTL, "sessions idle this long are deleted (0 keeps them; the default session is never deleted)")
	fs.Func("webhook-url", "`URL` receiving every session's webhooks, the event path appended (http://host:port/path); a session sets its own with PUT /__sandbox/sessions/{s}/webhooks; unset: events are recorded, not delivered", func(v string) error {
		if err := webhook.CheckURL(v); err != nil {
			return err
		}
		o.sim.WebhookURL = v
		return nil
	})
	fs.DurationVar(&o.sim.WebhookSchedule.First, "webhook-backoff", o.sim.WebhookSchedule.First, "wait before the first webhook retry (Weavr: 10s); each next one waits --webhook-factor times longer")
	fs.Float64Var(&o.sim.WebhookSchedule.Factor, "webhook-factor", o.sim.WebhookSchedule.Factor, "growth of the wait between webhook retries (Weavr: 6)")
	fs.IntVar(&o.sim.WebhookSchedule.Retries, "webhook-retries", o.sim.WebhookSchedule.Retries, "webhook retries after the first attempt, on 408, 409, 425, 5xx or no answer (Weavr: 5); then the delivery is failed")
	fs.Func("webhook-order", `order of a session's webhooks: "session" (each waits until the earlier ones are delivered or failed, retries included) or "none" (each on its own: a later event may overtake a retry)`, func(v string) error {
		switch v {
		case "session":
			o.sim.WebhookUnordered = false
		case "none":
			o.sim.WebhookUnordered = true
		default:
			return fmt.Errorf(`want "session" or "none", got %q`, v)
		}
		return nil
	})
	fs.Func("state", "`URL` of the shared state backend for several replicas: redis://[:PASSWORD@]HOST:PORT/DB or rediss:// (TLS), or a Redis Cluster as redis://HOST:PORT?addr=HOST:PORT&addr=HOST:PORT, optional ?prefix=KEYS; every session, record change, token, rate-limit window, scenario counter, journal and webhook delivery then lives in Redis (unset: in process). Prefer SANDBOX_STATE for a password", func(v string) error {
		if _, err := state.ParseURL(v); err != nil {
			return err
		}
		o.state = v
		return nil
	})
	fs.DurationVar(&o.sim.WebhookTimeout, "webhook-timeout", o.sim.WebhookTimeout, "how long one webhook attempt waits for the receiver's answer")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: sandbox [flags]\n\nRuns the fintech API sandbox: every vendor of the vendor list (simulator/vendors.go).\n\nCommands:\n  sandbox validate FILE|DIR…   check scenario files (file:line:col: message)\n  sandbox scenarios            list the scenario catalog\n  sandbox errors               list the error catalog\n  sandbox schema               print the JSON Schema of scenario files\n  sandbox health [--addr A]    exit 0 if the sandbox at A is ready (the image's HEALTHCHECK)\n  sandbox version              print the version\n\nStopping: on SIGTERM or SIGINT /__sandbox/readyz answers 503 at once and\nrequests are still served for --shutdown-delay; then the sandbox stops\naccepting, ends parked requests (hang faults) and gives the rest\n--shutdown-grace to finish before closing their connections (exit 0).\nA second signal closes at once.\n\nEvery flag can also be set as %sNAME (e.g. %sWEAVR_RATE_LIMIT=off).\nVendor flags carry the vendor's name (--weavr-..., --loanpro-...); Weavr's\nand --customers also answer to their older un-prefixed names (aliases).\n\nFlags:\n", envPrefix, envPrefix)
		fs.PrintDefaults()
	}

	// Func flags have no default of their own to print.
	fs.Lookup("journal-memory").DefValue = "64MiB"
	fs.Lookup("webhook-order").DefValue = "session"
	return fs, nil
}

// multiFlag is a repeatable string flag; commas also separate values, so
// SANDBOX_SCENARIO=a,b works from the environment.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	*m = append(*m, contract.SplitList(v)...)
	return nil
}

// parseBytes reads a size: bytes, or a number with KiB, MiB or GiB.
func parseBytes(v string) (int64, error) {
	num, mult := strings.TrimSpace(v), int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<50)/mult {
		return 0, fmt.Errorf("want a size such as 64MiB, 512KiB or a number of bytes, got %q", v)
	}
	return n * mult, nil
}
