package sandboxcontainer_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	sandboxcontainer "github.com/sandbox-dev/fintech-sandbox/testcontainers"
)

// image is the sandbox image under test: .ci/container builds it and sets
// SANDBOX_IMAGE. Only `go test -short` may run without one.
func image(t *testing.T) string {
	t.Helper()
	img := os.Getenv("SANDBOX_IMAGE")
	if img == "" {
		if testing.Short() {
			t.Skip("needs Docker and SANDBOX_IMAGE (an image built by .ci/image TAG)")
		}
		t.Fatal("SANDBOX_IMAGE is not set: build the image with .ci/image TAG and set SANDBOX_IMAGE=TAG (or run .ci/container)")
	}
	return img
}

// start runs the image with opts and terminates it when the test ends.
func start(t *testing.T, opts ...testcontainers.ContainerCustomizer) (*sandboxcontainer.Container, string) {
	t.Helper()
	ctx := context.Background()
	c, err := sandboxcontainer.Run(ctx, image(t), opts...)
	testcontainers.CleanupContainer(t, c)
	if err != nil {
		t.Fatal(err)
	}
	base, err := c.URL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return c, base
}

// call sends one request and returns the status and body.
func call(t *testing.T, method, url, body string, headers ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

const apiKey = "sandbox-api-key"

// login logs alice in and returns her token.
func login(t *testing.T, base string, headers ...string) string {
	t.Helper()
	st, b := call(t, "POST", base+"/multi/login_with_password", `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`, append([]string{"api-key", apiKey}, headers...)...)
	var out struct{ Token string }
	if err := json.Unmarshal(b, &out); st != 200 || err != nil || out.Token == "" {
		t.Fatalf("login: %d %s", st, b)
	}
	return out.Token
}

func TestRunServesBothVendors(t *testing.T) {
	_, base := start(t)
	tok := login(t, base)
	st, b := call(t, "PATCH", base+"/multi/consumers", `{"address":{"addressLine1":"1 Dock St","city":"Leith","postCode":"EH6 6AA","country":"GB"}}`,
		"api-key", apiKey, "Authorization", "Bearer "+tok)
	if st != 200 || !strings.Contains(string(b), `"addressLine1":"1 Dock St"`) {
		t.Fatalf("PATCH /multi/consumers: %d %s", st, b)
	}
	// A natural rule: bob already has this email.
	st, b = call(t, "PATCH", base+"/multi/consumers", `{"email":"bob@example.com"}`, "api-key", apiKey, "Authorization", "Bearer "+tok)
	if st != 409 || string(b) != `{"errorCode":"EMAIL_NOT_UNIQUE"}` {
		t.Fatalf("PATCH with bob's email: %d %s, want 409 EMAIL_NOT_UNIQUE", st, b)
	}
	lp := []string{"Authorization", "Bearer sandbox-token", "Autopal-Instance-Id", "5200000"}
	st, b = call(t, "PUT", base+"/api/public/api/1/odata.svc/Customers(1)", `{"firstName":"Johnny"}`, lp...)
	if st != 200 || !strings.Contains(string(b), `"firstName":"Johnny"`) {
		t.Fatalf("PUT Customers(1): %d %s", st, b)
	}
	st, b = call(t, "GET", base+"/api/public/api/1/odata.svc/Customers(1)", "", lp...)
	if st != 200 || !strings.Contains(string(b), `"firstName":"Johnny"`) {
		t.Fatalf("GET Customers(1) after the PUT: %d %s", st, b)
	}
}

func TestWithScenariosLoadsAFolder(t *testing.T) {
	dir := t.TempDir()
	y := "name: tc-teapot\ndescription: loaded by WithScenarios\nmatch:\n  operation: weavr.consumerUpdate\nrespond:\n  status: 503\n"
	if err := os.WriteFile(filepath.Join(dir, "teapot.yaml"), []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("not a scenario"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, base := start(t, sandboxcontainer.WithScenarios(dir))
	tok := login(t, base)
	// Loaded, but acts only once activated (here, for one request).
	patch := func(headers ...string) int {
		st, _ := call(t, "PATCH", base+"/multi/consumers", `{"surname":"Smith"}`, append([]string{"api-key", apiKey, "Authorization", "Bearer " + tok}, headers...)...)
		return st
	}
	if st := patch(); st != 200 {
		t.Fatalf("PATCH without the scenario: %d, want 200", st)
	}
	if st := patch("X-Sandbox-Scenario", "tc-teapot"); st != 503 {
		t.Fatalf("PATCH with X-Sandbox-Scenario: tc-teapot: %d, want 503", st)
	}
}

func TestWithSeedGivesTheSameData(t *testing.T) {
	get := func(base string) string {
		st, b := call(t, "GET", base+"/api/public/api/1/odata.svc/Customers(7)", "", "Authorization", "Bearer sandbox-token", "Autopal-Instance-Id", "5200000")
		var out struct {
			D struct{ FirstName, LastName string }
		}
		if err := json.Unmarshal(b, &out); st != 200 || err != nil || out.D.LastName == "" {
			t.Fatalf("GET Customers(7): %d %s", st, b)
		}
		return out.D.FirstName + " " + out.D.LastName
	}
	_, a := start(t, sandboxcontainer.WithSeed(42))
	_, b := start(t, sandboxcontainer.WithSeed(42))
	_, c := start(t, sandboxcontainer.WithSeed(43))
	if x, y := get(a), get(b); x != y {
		t.Fatalf("seed 42 twice: %q and %q", x, y)
	}
	if x, z := get(a), get(c); x == z {
		t.Fatalf("seeds 42 and 43 both gave %q", x)
	}
}

// A receiver in the test process gets Weavr's KYC webhook from the
// container, signed as Weavr signs it.
func TestWebhookReachesTheTestProcess(t *testing.T) {
	ln, err := sandboxcontainer.ListenForContainer()
	if err != nil {
		t.Fatal(err)
	}
	type delivery struct {
		path string
		h    http.Header
		body []byte
	}
	got := make(chan delivery, 16)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{r.URL.Path, r.Header.Clone(), b}
		w.WriteHeader(http.StatusNoContent)
	}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	hook, err := sandboxcontainer.ReceiverURL(ln, "/hooks")
	if err != nil {
		t.Fatal(err)
	}
	_, base := start(t, sandboxcontainer.WithWebhookURL(hook))
	tok := login(t, base)
	if st, b := call(t, "POST", base+"/multi/consumers/kyc", `{}`, "api-key", apiKey, "Authorization", "Bearer "+tok); st != 200 {
		t.Fatalf("start KYC: %d %s", st, b)
	}
	select {
	case d := <-got:
		if d.path != "/hooks/consumers/kyc/watch" {
			t.Fatalf("webhook path %q", d.path)
		}
		mac := hmac.New(sha256.New, []byte(apiKey))
		mac.Write([]byte(d.h.Get("Call-Ref")))
		mac.Write(d.body)
		mac.Write([]byte(d.h.Get("Published-Timestamp")))
		if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); d.h.Get("Signature-V2") != want {
			t.Fatalf("signature-v2 %q, want %q (body %s)", d.h.Get("Signature-V2"), want, d.body)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no webhook reached the receiver at " + hook)
	}
}

// Bad input ends the container at once with the sandbox's one-line
// error, which Run returns: never a container that looks healthy.
func TestBadInputFailsRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  testcontainers.ContainerCustomizer
		want string
	}{
		{"bad SANDBOX_ value", sandboxcontainer.WithEnv(map[string]string{"SANDBOX_WEAVR_RATE_LIMIT": "lots"}), `sandbox: SANDBOX_WEAVR_RATE_LIMIT="lots": `},
		{"bad flag", sandboxcontainer.WithFlags("--seed", "abc"), `invalid value "abc" for flag -seed`},
		{"missing scenarios folder", sandboxcontainer.WithEnv(map[string]string{"SANDBOX_SCENARIOS": "/nowhere"}), "sandbox: --scenarios /nowhere: not a readable directory (stat /nowhere: no such file or directory)"},
		{"port taken", sandboxcontainer.WithFlags("--pprof", ":8080"), "sandbox: --pprof: listen tcp :8080: bind: address already in use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			c, err := sandboxcontainer.Run(ctx, image(t), tc.opt)
			testcontainers.CleanupContainer(t, c)
			if err == nil {
				t.Fatal("Run succeeded")
			}
			if !strings.Contains(err.Error(), "the sandbox exited with code") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run: %v\nwant the exit and %q", err, tc.want)
			}
			st, serr := c.State(ctx)
			if serr != nil || st.Running || st.ExitCode == 0 {
				t.Fatalf("container state %+v %v, want exited non-zero", st, serr)
			}
		})
	}
}
