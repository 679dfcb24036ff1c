package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
)

// version is the release this binary is, set when it is built:
//
//	go build -ldflags "-X main.version=v1.4.0" ./cmd/sandbox
//
// .ci/image sets it and the image's org.opencontainers.image.version label
// from the same value, so `sandbox version`, the banner and the label agree.
// Written only by the linker.
var version string

// pseudoVersion matches the versions the go command stamps on a build of
// an untagged or modified checkout (v0.0.0-20261207130000-f89fe84abcde,
// …+dirty): not a release, reported as "devel" like the image's default label.
var pseudoVersion = regexp.MustCompile(`-(0\.)?\d{14}-[0-9a-f]{12}|\+`)

// buildVersion is the version the binary reports: the linker's, else the
// module version `go install …@v1.4.0` stamps, else "devel".
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" && !pseudoVersion.MatchString(v) {
			return v
		}
	}
	return "devel"
}

// versionCmd prints the version, and the commit when the go command
// recorded one.
func versionCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: sandbox version")
		return exitError{2}
	}
	line := buildVersion()
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				line += " (commit " + s.Value[:12] + ")"
			}
		}
	}
	fmt.Fprintln(stdout, line)
	return nil
}

// healthCmd asks a running sandbox's /__sandbox/readyz and exits 0 when it
// answers 200, 1 otherwise: the image's HEALTHCHECK, where there is no
// shell and no curl. The address is --addr's (or SANDBOX_ADDR, as the
// server reads it); a wildcard host is asked on loopback.
func healthCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	addr := getenv(envName("addr"))
	switch {
	case len(args) == 2 && (args[0] == "--addr" || args[0] == "-addr"):
		addr = args[1]
	case len(args) == 1 && (strings.HasPrefix(args[0], "--addr=") || strings.HasPrefix(args[0], "-addr=")):
		_, addr, _ = strings.Cut(args[0], "=")
	case len(args) != 0:
		fmt.Fprintln(stderr, "usage: sandbox health [--addr HOST:PORT]\n\nExits 0 when the sandbox at HOST:PORT (default: SANDBOX_ADDR, else 127.0.0.1:8080) is ready, 1 otherwise.")
		return exitError{2}
	}
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintf(stderr, "sandbox health: address %q: %v\n", addr, err)
		return exitError{2}
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, port) + "/__sandbox/readyz"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "sandbox health: %v\n", err)
		return exitError{1}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "sandbox health: %s: %v\n", url, err)
		return exitError{1}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "sandbox health: %s answered %d %s\n", url, resp.StatusCode, strings.TrimSpace(string(body)))
		return exitError{1}
	}
	fmt.Fprintf(stdout, "ready: %s\n", url)
	return nil
}
