package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidate: the shipped catalog passes; each kind of mistake is
// reported as file:line:col with a non-zero exit.
func TestValidate(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), nil, []string{"validate", "../../scenarios"}, env(nil), &out, &errOut); err != nil {
		t.Fatalf("shipped scenarios: %v\n%s", err, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "ok: ") {
		t.Errorf("stdout %q", out.String())
	}
	head := "name: x\ndescription: d\nmatch:\n  operation: weavr.consumerUpdate\n"
	tests := []struct{ name, src, want string }{
		{"unknown key", head + "respond:\n  eror: weavr.EMAIL_NOT_UNIQUE\n", `f.yaml:6:3: unknown key "eror" in response`},
		{"unknown operation", "name: x\ndescription: d\nmatch:\n  operation: weavr.consumerDelete\nrespond: {pass: true}\n", `f.yaml:4:14: unknown operation "weavr.consumerDelete"`},
		{"unknown error", head + "respond:\n  error: weavr.EMAIL_TAKEN\n", `f.yaml:6:10: respond: unknown error "weavr.EMAIL_TAKEN"`},
		{"bad regex", head + "  body: {email: {regex: \"[\"}}\nrespond: {pass: true}\n", `f.yaml:5:25: body.email: bad regex "["`},
		{"bad duration", head + "respond: {pass: true, delay: 5 sec}\n", `f.yaml:5:30: delay: bad duration "5 sec"`},
		{"other vendor's error", head + "respond: {error: loanpro.TIMEOUT}\n", `f.yaml:1:1: scenario x: error loanpro.TIMEOUT cannot answer weavr operation weavr.consumerUpdate`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			f := filepath.Join(dir, "f.yaml")
			if err := os.WriteFile(f, []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			err := run(context.Background(), nil, []string{"validate", dir}, env(nil), &out, &errOut)
			var exit exitError
			if !errors.As(err, &exit) || exit.code != 1 {
				t.Fatalf("err = %v, want exit 1", err)
			}
			if want := filepath.Join(dir, tt.want); !strings.Contains(errOut.String(), want) {
				t.Errorf("stderr:\n%s\nwant a line containing %q", errOut.String(), want)
			}
		})
	}
	t.Run("no arguments", func(t *testing.T) {
		var errOut bytes.Buffer
		var exit exitError
		if err := run(context.Background(), nil, []string{"validate"}, env(nil), &out, &errOut); !errors.As(err, &exit) || exit.code != 2 || !strings.Contains(errOut.String(), "usage") {
			t.Errorf("err = %v, stderr %q", err, errOut.String())
		}
	})
}

func TestScenariosAndErrorsList(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, []string{"scenarios"}, env(nil), &out, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 20 || !strings.HasPrefix(lines[0], "loanpro-") || !strings.Contains(out.String(), "weavr-email-not-unique  ") {
		t.Errorf("scenarios listing:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), nil, []string{"errors"}, env(nil), &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "weavr.EMAIL_NOT_UNIQUE") || !strings.Contains(out.String(), "loanpro.RATE_LIMITED") {
		t.Errorf("errors listing:\n%s", out.String())
	}
}

// TestSchemaPrintsTheShippedSchema: the schema derived from the vendors is
// the one shipped for editors.
func TestSchemaPrintsTheShippedSchema(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, []string{"schema"}, env(nil), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	shipped, err := os.ReadFile("../../scenarios/scenario.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), shipped) {
		t.Errorf("sandbox schema printed %d bytes unlike scenarios/scenario.schema.json (%d)", out.Len(), len(shipped))
	}
}
