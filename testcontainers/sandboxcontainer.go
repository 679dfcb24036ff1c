// Package sandboxcontainer runs the fintech sandbox's image in a
// Testcontainers test, shaped like testcontainers-go's own modules
// (modules/mockserver): Run with the image, options, then URL.
//
//	c, err := sandboxcontainer.Run(ctx, "fintech-sandbox:latest",
//		sandboxcontainer.WithScenarios("testdata/scenarios"),
//		sandboxcontainer.WithSeed(7))
//	defer testcontainers.TerminateContainer(c)
//	base, err := c.URL(ctx) // http://127.0.0.1:32771
//
// It is a module of its own so that the sandbox's module gains no Docker
// dependency. Where Ryuk (Testcontainers' reaper, an image of its own)
// cannot be pulled, run with TESTCONTAINERS_RYUK_DISABLED=true and
// terminate every container yourself (defer / t.Cleanup): nothing else
// removes one a crashed test left.
package sandboxcontainer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
)

// Port is the port the image listens on (its SANDBOX_ADDR=:8080).
const Port = "8080/tcp"

// ScenarioDir is where WithScenarios puts the scenario files in the
// container (the image's SANDBOX_SCENARIOS then points at it).
const ScenarioDir = "/scenarios"

// HostGateway is the name a container started by Run reaches the host
// (the test process) by: Docker Desktop defines it, and Run maps it to
// the host's gateway (--add-host host.docker.internal:host-gateway) for
// Linux daemons, which do not.
const HostGateway = "host.docker.internal"

// Container is a running sandbox.
type Container struct {
	testcontainers.Container
	ready *ready
}

// Run starts the sandbox image img. Its defaults come first, so the
// caller's options override them: port 8080 exposed, host.docker.internal
// mapped to the host, SANDBOX_SHUTDOWN_DELAY=0s, and a wait until
// /__sandbox/readyz answers 200 (at most 30 s). A
// container that exits at startup (a bad setting, a missing scenarios
// folder) fails Run at once with the sandbox's own one-line error.
func Run(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	r := &ready{timeout: 30 * time.Second}
	defaults := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(Port),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.ExtraHosts = append(hc.ExtraHosts, HostGateway+":host-gateway")
		}),
		// No load balancer to drain in a test: docker stop and Terminate
		// end it at once instead of after the default 5 s.
		testcontainers.WithEnv(map[string]string{"SANDBOX_SHUTDOWN_DELAY": "0s"}),
		testcontainers.WithWaitStrategy(r),
	}
	ctr, err := testcontainers.Run(ctx, img, append(defaults, opts...)...)
	var c *Container
	if ctr != nil {
		c = &Container{Container: ctr, ready: r}
	}
	if err != nil {
		if c != nil {
			if why := exitReason(ctx, c); why != "" {
				return c, fmt.Errorf("run sandbox: %s (%w)", why, err)
			}
		}
		return c, fmt.Errorf("run sandbox: %w", err)
	}
	return c, nil
}

// exitReason says how the container ended, with the sandbox's own error
// line ("sandbox: …" on stderr; the last line when there is none), or ""
// while it runs.
func exitReason(ctx context.Context, c *Container) string {
	st, err := c.State(ctx)
	if err != nil || st.Running {
		return ""
	}
	why := "the sandbox exited with code " + strconv.Itoa(st.ExitCode)
	logs, err := c.Logs(ctx)
	if err != nil {
		return why
	}
	defer logs.Close()
	b, _ := io.ReadAll(io.LimitReader(logs, 1<<20))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "sandbox: ") {
			last = strings.TrimSpace(lines[i])
			break
		}
	}
	if last != "" {
		why += ": " + last
	}
	return why
}

// URL is the sandbox's base URL from the test process
// (http://HOST:MAPPED-PORT): vendor routes and /__sandbox/ under it.
func (c *Container) URL(ctx context.Context) (string, error) {
	if c.ready != nil {
		if base := c.ready.url(); base != "" {
			return base, nil // the host that answered readiness
		}
	}
	return c.PortEndpoint(ctx, Port, "http")
}

// WithScenarios copies dir's scenario files (*.yaml, *.yml) into the
// container and loads them over the embedded catalog (SANDBOX_SCENARIOS).
// Like every scenario, they act once activated: per request with the
// X-Sandbox-Scenario header, or for a session through the control API.
func WithScenarios(dir string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("WithScenarios: %w", err)
		}
		for _, e := range entries {
			ext := filepath.Ext(e.Name())
			if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
				continue
			}
			req.Files = append(req.Files, testcontainers.ContainerFile{
				HostFilePath:      filepath.Join(dir, e.Name()),
				ContainerFilePath: ScenarioDir + "/" + e.Name(),
				FileMode:          0o644, // the image's user is not root
			})
		}
		return testcontainers.WithEnv(map[string]string{"SANDBOX_SCENARIOS": ScenarioDir})(req)
	}
}

// WithSeed seeds the fake customers and consumers: the same seed gives
// the same data in every container (SANDBOX_SEED).
func WithSeed(seed int64) testcontainers.CustomizeRequestOption {
	return testcontainers.WithEnv(map[string]string{"SANDBOX_SEED": strconv.FormatInt(seed, 10)})
}

// WithWebhookURL is where every session's webhooks go unless the session
// sets its own (SANDBOX_WEBHOOK_URL). For a receiver in the test process
// use ReceiverURL.
func WithWebhookURL(url string) testcontainers.CustomizeRequestOption {
	return testcontainers.WithEnv(map[string]string{"SANDBOX_WEBHOOK_URL": url})
}

// WithFlags passes command-line flags to the sandbox
// (WithFlags("--weavr-rate-limit", "off")); `sandbox --help` lists them.
func WithFlags(flags ...string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		req.Cmd = append(req.Cmd, flags...)
		return nil
	}
}

// WithEnv sets environment variables: every flag --some-name is also
// SANDBOX_SOME_NAME.
func WithEnv(env map[string]string) testcontainers.CustomizeRequestOption {
	return testcontainers.WithEnv(env)
}

// ListenForContainer opens a listener in the test process that a
// container can connect to: on every interface (a listener on 127.0.0.1
// is the host's loopback, which a container does not share), on a free
// port. Serve a receiver on it and give ReceiverURL to the sandbox.
func ListenForContainer() (net.Listener, error) {
	return net.Listen("tcp", "0.0.0.0:0")
}

// ReceiverURL is the URL a container started by Run reaches ln at, with
// path appended: http://host.docker.internal:PORT/path.
func ReceiverURL(ln net.Listener, path string) (string, error) {
	tcp, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return "", errors.New("ReceiverURL: not a TCP listener")
	}
	return "http://" + net.JoinHostPort(HostGateway, strconv.Itoa(tcp.Port)) + path, nil
}
