package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/sandbox-dev/fintech-sandbox/fixtures"
	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
)

// options is the parsed command line: the server's own settings and the
// simulator's Config.
type options struct {
	addr      string
	logFormat string
	logLevel  slog.Level
	pprof     string
	sim       simulator.Config
}

// envPrefix: every flag --some-name can also be set as SANDBOX_SOME_NAME;
// a flag on the command line wins over the environment.
const envPrefix = "SANDBOX_"

// parseFlags reads args and the environment into options, validating every
// value once so a bad setting fails at startup.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	o := options{sim: simulator.DefaultConfig()}
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var fixturesDir string
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&o.pprof, "pprof", "", "address of a separate net/http/pprof listener for profiling, e.g. 127.0.0.1:6060 (off when empty)")
	fs.Int64Var(&o.sim.Seed, "seed", o.sim.Seed, "seed of the generated data: same seed and counts, same data")
	fs.StringVar(&fixturesDir, "fixtures", "", "directory of fixture files (one per vendor, named after it: VENDOR.yaml) replacing the embedded fixtures")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	fs.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "log level: debug, info (one line per request), warn or error")
	fs.Int64Var(&o.sim.MaxBodyBytes, "max-body-bytes", o.sim.MaxBodyBytes, "largest accepted request body on every vendor; larger is 413 in the vendor's error shape")
	for _, p := range o.sim.Vendors {
		p.Flags(fs)
	}
	var active multiFlag
	fs.StringVar(&o.sim.ScenarioDir, "scenarios", "", "directory of scenario files loaded over the embedded catalog (same name replaces); reloaded when they change")
	fs.Var(&active, "scenario", "activate a scenario for all traffic (repeatable; `sandbox scenarios` lists them)")
	fs.DurationVar(&o.sim.ScenarioReload, "scenario-reload", o.sim.ScenarioReload, "how often --scenarios DIR is checked for changes (0 disables reloading)")
	fs.StringVar(&o.sim.AdminToken, "admin-token", "", "when set, the control API (/__sandbox) requires 'Authorization: Bearer TOKEN'; vendor routes are unaffected")
	fs.IntVar(&o.sim.JournalCapacity, "journal-capacity", o.sim.JournalCapacity, "requests kept in each session's journal (oldest dropped)")
	fs.DurationVar(&o.sim.SessionIdleTTL, "session-ttl", o.sim.SessionIdleTTL, "sessions idle this long are deleted (0 keeps them; the default session is never deleted)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: sandbox [flags]\n\nRuns the fintech API sandbox: every vendor of the vendor list (simulator/vendors.go).\n\nCommands:\n  sandbox validate FILE|DIR…   check scenario files (file:line:col: message)\n  sandbox scenarios            list the scenario catalog\n  sandbox errors               list the error catalog\n  sandbox schema               print the JSON Schema of scenario files\n\n Every flag can also be set as %sNAME (e.g. %sRATE_LIMIT=off).\n\nFlags:\n", envPrefix, envPrefix)
		fs.PrintDefaults()
	}

	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%q: %v", name, v, err)
			}
		}
	})
	if envErr != nil {
		return o, envErr
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return o, fmt.Errorf("--log-format: want text or json, got %q", o.logFormat)
	}
	if o.sim.JournalCapacity < 1 {
		return o, fmt.Errorf("--journal-capacity: want at least 1, got %d", o.sim.JournalCapacity)
	}
	if o.sim.SessionIdleTTL < 0 {
		return o, fmt.Errorf("--session-ttl: must not be negative, got %s", o.sim.SessionIdleTTL)
	}
	o.sim.Scenarios = active
	if fixturesDir != "" {
		o.sim.Fixtures = fixtures.Dir(fixturesDir)
	}
	return o, nil
}

// multiFlag is a repeatable string flag; commas also separate values, so
// SANDBOX_SCENARIO=a,b works from the environment.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	*m = append(*m, contract.SplitList(v)...)
	return nil
}
