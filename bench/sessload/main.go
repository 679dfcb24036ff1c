// Command sessload drives many sessions through the Weavr journey a CI
// pipeline's tests make (a login and two PATCHes each), for bench/sessions:
// it measures what each session costs the sandbox in memory.
//
//	sessload BASE_URL [SESSIONS] [WORKERS]
//
// It prints the number of requests that did not answer 200.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: sessload BASE_URL [SESSIONS] [WORKERS]")
		os.Exit(2)
	}
	base, n, workers := os.Args[1], arg(2, 10000), arg(3, 16)
	var bad atomic.Int64
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				session(base, fmt.Sprintf("mem-%d", i), i, &bad)
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	fmt.Println(bad.Load())
}

func arg(i, def int) int {
	if len(os.Args) > i {
		if n, err := strconv.Atoi(os.Args[i]); err == nil {
			return n
		}
	}
	return def
}

// session logs alice in within the named session and patches her twice.
func session(base, name string, i int, bad *atomic.Int64) {
	do := func(method, path, token, body string) *http.Response {
		req, _ := http.NewRequest(method, base+path, bytes.NewBufferString(body))
		req.Header.Set("api-key", "sandbox-api-key")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Sandbox-Session", name)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			bad.Add(1)
		}
		return resp
	}
	var login struct{ Token string }
	if resp := do("POST", "/multi/login_with_password", "", `{"email":"alice@example.com","password":{"value":"Passw0rd!"}}`); resp != nil {
		_ = json.NewDecoder(resp.Body).Decode(&login)
		resp.Body.Close()
	}
	for k := range 2 {
		if resp := do("PATCH", "/multi/consumers", login.Token, fmt.Sprintf(`{"name":"Mem","tag":"t_%d_%d"}`, i, k)); resp != nil {
			resp.Body.Close()
		}
	}
}
