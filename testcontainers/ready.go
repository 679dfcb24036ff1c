package sandboxcontainer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go/wait"
)

// ready waits until the sandbox's /__sandbox/readyz answers 200 and
// remembers the host that answered, which URL then uses.
//
// Testcontainers guesses the host a published port is reached on: the
// Docker host's name, or, when the test itself runs in a container (a
// /.dockerenv file) on a local socket, the default network's gateway. A
// CI job whose dockerd runs inside that same container publishes ports on
// its own loopback instead, where the guess is wrong; so the guess is
// tried first and 127.0.0.1 after it, and only a body that is the
// sandbox's readiness counts. TESTCONTAINERS_HOST_OVERRIDE, when set, is
// the one host asked.
type ready struct {
	timeout time.Duration

	mu   sync.Mutex
	base string // http://HOST:PORT that answered; "" until then
}

var _ wait.Strategy = (*ready)(nil)

func (r *ready) url() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.base
}

// WaitUntilReady implements wait.Strategy.
func (r *ready) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil}}
	var last error
	for {
		if st, err := target.State(ctx); err == nil && !st.Running {
			return fmt.Errorf("container exited with code %d", st.ExitCode)
		}
		port, err := target.MappedPort(ctx, Port)
		if err == nil && port.Port() != "" {
			for _, host := range r.hosts(ctx, target) {
				base := "http://" + net.JoinHostPort(host, port.Port())
				if last = probe(ctx, client, base); last == nil {
					r.mu.Lock()
					r.base = base
					r.mu.Unlock()
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return fmt.Errorf("%w (last answer: %v)", ctx.Err(), last)
			}
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (r *ready) hosts(ctx context.Context, target wait.StrategyTarget) []string {
	if h, ok := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE"); ok {
		return []string{h}
	}
	var out []string
	if h, err := target.Host(ctx); err == nil && h != "" {
		out = append(out, h)
	}
	if len(out) == 0 || (out[0] != "127.0.0.1" && out[0] != "localhost") {
		out = append(out, "127.0.0.1")
	}
	return out
}

// probe is nil when base answers the sandbox's readiness with 200.
func probe(ctx context.Context, client *http.Client, base string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/__sandbox/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status":"ready"`) {
		return errors.New(resp.Status + " " + strings.TrimSpace(string(body)))
	}
	return nil
}
