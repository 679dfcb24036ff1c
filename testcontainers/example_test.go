package sandboxcontainer_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/testcontainers/testcontainers-go"

	sandboxcontainer "github.com/sandbox-dev/fintech-sandbox/testcontainers"
)

// A Go test's sandbox: the image, a folder of scenarios and a fixed seed;
// terminate it when the test ends (t.Cleanup with
// testcontainers.CleanupContainer in a test).
func ExampleRun() {
	ctx := context.Background()
	c, err := sandboxcontainer.Run(ctx, "fintech-sandbox:latest",
		sandboxcontainer.WithScenarios("testdata/scenarios"),
		sandboxcontainer.WithSeed(7),
		sandboxcontainer.WithFlags("--weavr-rate-limit", "off"))
	defer func() { _ = testcontainers.TerminateContainer(c) }()
	if err != nil {
		log.Fatal(err)
	}
	base, err := c.URL(ctx)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := http.Get(base + "/__sandbox/readyz")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status)
}

// A receiver in the test process for the sandbox's webhooks: listen where
// a container reaches (every interface), tell the sandbox the URL.
func ExampleReceiverURL() {
	ln, err := sandboxcontainer.ListenForContainer()
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	}()
	hook, err := sandboxcontainer.ReceiverURL(ln, "/hooks")
	if err != nil {
		log.Fatal(err)
	}
	c, err := sandboxcontainer.Run(context.Background(), "fintech-sandbox:latest", sandboxcontainer.WithWebhookURL(hook))
	defer func() { _ = testcontainers.TerminateContainer(c) }()
	if err != nil {
		log.Fatal(err)
	}
}
