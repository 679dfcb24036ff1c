package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/sandbox-dev/fintech-sandbox/scenarios"
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
	"schema":    schemaCmd,
	"version":   versionCmd,
	"health":    healthCmd,
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
	files, err := scenarioFiles(args, stderr)
	if err != nil {
		return err
	}
	scs, err := scenario.ParseFiles(vocab, files...)
	var problems scenario.ErrorList
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Fprintln(stderr, p.Error())
		}
		fmt.Fprintf(stderr, "%d problem(s) in %d file(s)\n", len(problems), len(files))
		return exitError{1}
	}
	fmt.Fprintf(stdout, "ok: %d scenarios in %d file(s)\n", len(scs), len(files))
	return nil
}

// scenarioFiles reads the files named, and the scenario files of the
// directories named, as the loader reads --scenarios DIR.
// A file the loader skips (a FIFO, a socket) is reported on stderr.
func scenarioFiles(args []string, stderr io.Writer) ([]scenario.File, error) {
	var out []scenario.File
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if st.IsDir() {
			files, skipped, err := scenario.ReadFilesSkipping(os.DirFS(a), a)
			for _, sk := range skipped {
				fmt.Fprintln(stderr, sk.Error())
			}
			if err != nil {
				return nil, err
			}
			out = append(out, files...)
			continue
		}
		data, err := os.ReadFile(a)
		if err != nil {
			return nil, err
		}
		out = append(out, scenario.File{Name: a, Data: data})
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
		fmt.Fprintf(tw, "%s\t%s\t%s\n", sc.Name, sc.Applies(), sc.Description)
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

// schemaCmd prints the JSON Schema of a scenario file for the sandbox's
// vendors (scenarios/scenario.schema.json is its copy for editors).
func schemaCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	_, vocab, err := flagsAndVocabulary(args, getenv, stderr)
	if err != nil {
		return err
	}
	b, err := scenario.Schema(scenarios.Schema, vocab)
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}
