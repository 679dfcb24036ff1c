// Command baseline is the load benchmark's yardstick: a bare gin handler
// answering a fixed body, built from the same gin version as the sandbox
// (it lives in the same module), so bench/run compares like with like.
package main

import (
	"io"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
)

func main() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	body := []byte(`{"id":{"type":"CONSUMER","id":"1"}}`)
	h := func(c *gin.Context) {
		_, _ = io.Copy(io.Discard, c.Request.Body)
		c.Data(http.StatusOK, "application/json", body)
	}
	r.PATCH("/multi/consumers", h)
	r.PUT("/api/public/api/1/odata.svc/Customers(1)", h)
	addr := "127.0.0.1:8090"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	if err := r.Run(addr); err != nil {
		os.Exit(1)
	}
}
