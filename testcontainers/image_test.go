package sandboxcontainer_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// The image as a product: small, non-root, labelled with the version the
// binary reports, healthy by its own HEALTHCHECK, stopped cleanly.
func TestImage(t *testing.T) {
	img := image(t)
	ctx := context.Background()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	info, err := cli.ImageInspect(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size > 40_000_000 {
		t.Errorf("image is %d bytes, want ≤ 40 MB", info.Size)
	}
	cfg := info.Config
	if cfg.User != "65532:65532" {
		t.Errorf("User = %q, want the numeric non-root 65532:65532", cfg.User)
	}
	if cfg.Healthcheck == nil || strings.Join(cfg.Healthcheck.Test, " ") != "CMD /sandbox health" {
		t.Errorf("Healthcheck = %+v, want CMD /sandbox health", cfg.Healthcheck)
	}
	if _, ok := cfg.ExposedPorts["8080/tcp"]; !ok || len(cfg.ExposedPorts) != 1 {
		t.Errorf("ExposedPorts = %v, want 8080/tcp", cfg.ExposedPorts)
	}
	for _, k := range []string{"source", "version", "licenses", "description"} {
		if cfg.Labels["org.opencontainers.image."+k] == "" {
			t.Errorf("label org.opencontainers.image.%s missing (labels %v)", k, cfg.Labels)
		}
	}

	// `sandbox version` in the image prints the label's version.
	v, err := testcontainers.Run(ctx, img, testcontainers.WithCmd("version"), testcontainers.WithWaitStrategy(wait.ForExit().WithExitTimeout(20*time.Second)))
	testcontainers.CleanupContainer(t, v)
	if err != nil {
		t.Fatal(err)
	}
	out := logsOf(t, v)
	if got, want := strings.Fields(string(out)), cfg.Labels["org.opencontainers.image.version"]; len(got) == 0 || got[0] != want {
		t.Errorf("sandbox version printed %q, label says %q", out, want)
	}
}

func TestHealthyThenStopsWithExitZero(t *testing.T) {
	c, base := start(t)
	ctx := context.Background()
	deadline := time.Now().Add(40 * time.Second)
	for {
		in, err := c.Inspect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if in.State.Health != nil && in.State.Health.Status == "healthy" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not healthy within 40 s: %+v", in.State.Health)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if st, _ := call(t, "GET", base+"/__sandbox/readyz", ""); st != 200 {
		t.Fatalf("readyz %d", st)
	}
	timeout := 10 * time.Second
	if err := c.Stop(ctx, &timeout); err != nil {
		t.Fatal(err)
	}
	st, err := c.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Running || st.ExitCode != 0 || st.OOMKilled {
		t.Fatalf("after docker stop: %+v, want exited with code 0 (SIGTERM drains)", st)
	}
	out := logsOf(t, c)
	if !strings.Contains(string(out), `msg="sandbox listening" url=http://localhost:8080`) {
		t.Errorf("logs do not show the listening line on stdout:\n%s", out)
	}
}

// logsOf is what the container wrote to stdout and stderr so far.
func logsOf(t *testing.T, c testcontainers.Container) []byte {
	t.Helper()
	logs, err := c.Logs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	out, err := io.ReadAll(logs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
