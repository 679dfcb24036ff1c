package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/sandbox-dev/fintech-sandbox/simulator"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
)

// exitError ends the program with a status and no further message (the
// command already printed what went wrong).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// commands are the tools besides serving: each gets the arguments after
// its name.
var commands = map[string]func(args []string, getenv func(string) string, stdout, stderr io.Writer) error{
	"validate":  validateCmd,
	"scenarios": scenariosCmd,
	"errors":    errorsCmd,
}

// validateCmd checks scenario files (a directory means its *.yaml and
// *.yml files) against the sandbox's operations and error catalog, printing
// every problem as file:line:col: message.
func validateCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: sandbox validate FILE|DIR…\n\nChecks scenario files and prints every problem as file:line:col: message.")
		return exitError{2}
	}
	vocab, err := simulator.Vocabulary(simulator.DefaultConfig())
	if err != nil {
		return err
	}
	files, err := scenarioFiles(args)
	if err != nil {
		return err
	}
	var problems scenario.ErrorList
	seen := map[string]string{}
	count := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, scenario.Error{File: f, Msg: err.Error()})
			continue
		}
		scs, err := scenario.Parse(f, data, vocab)
		var el scenario.ErrorList
		if errors.As(err, &el) {
			problems = append(problems, el...)
			continue
		}
		for _, sc := range scs {
			if prev, dup := seen[sc.Name]; dup {
				problems = append(problems, scenario.Error{File: f, Msg: fmt.Sprintf("scenario %s defined twice (%s and %s)", sc.Name, prev, sc.Source)})
			}
			seen[sc.Name] = sc.Source
			count++
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, p.Error())
		}
		fmt.Fprintf(stderr, "%d problem(s) in %d file(s)\n", len(problems), len(files))
		return exitError{1}
	}
	fmt.Fprintf(stdout, "ok: %d scenarios in %d file(s)\n", count, len(files))
	return nil
}

func scenarioFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ext := filepath.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenario files (*.yaml, *.yml) in %s", strings.Join(args, " "))
	}
	return out, nil
}

// scenariosCmd lists the scenario catalog: name, operation, what it does.
func scenariosCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, vocab, err := flagsAndVocabulary(args, getenv, stderr)
	if err != nil {
		return err
	}
	set, err := simulator.LoadScenarios(vocab, o.sim.ScenarioDir)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, sc := range set.All() {
		op := sc.Match.Operation
		if op == "" {
			op = "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", sc.Name, op, sc.Description)
	}
	return tw.Flush()
}

// errorsCmd lists the error catalog both natural rules and scenarios use.
func errorsCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	_, vocab, err := flagsAndVocabulary(args, getenv, stderr)
	if err != nil {
		return err
	}
	defs := vocab.Catalog.All()
	sort.SliceStable(defs, func(i, j int) bool { return defs[i].Vendor < defs[j].Vendor })
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, d := range defs {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", d.QualifiedName(), d.Status, d.Summary)
	}
	return tw.Flush()
}

// flagsAndVocabulary reads the usual flags (statuses and fixtures shape the
// catalog) and builds what scenario files may name.
func flagsAndVocabulary(args []string, getenv func(string) string, stderr io.Writer) (options, scenario.Vocabulary, error) {
	o, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return o, scenario.Vocabulary{}, err
	}
	vocab, err := simulator.Vocabulary(o.sim)
	return o, vocab, err
}
