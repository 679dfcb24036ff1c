package simulator

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// ginWriter lets a gin handler write into a plain http.ResponseWriter (a
// scenario's recorder): gin handlers only write through gin.ResponseWriter.
// Connection-level methods (Hijack, CloseNotify, Pusher) stay with the real
// writer.
type ginWriter struct {
	gin.ResponseWriter
	w      http.ResponseWriter
	status int
	size   int
}

func (g *ginWriter) Header() http.Header { return g.w.Header() }

func (g *ginWriter) WriteHeader(code int) {
	if g.status == 0 && code > 0 {
		g.status = code
		g.w.WriteHeader(code)
	}
}

func (g *ginWriter) WriteHeaderNow() {
	if g.status == 0 {
		g.WriteHeader(http.StatusOK)
	}
}

func (g *ginWriter) Write(b []byte) (int, error) {
	g.WriteHeaderNow()
	n, err := g.w.Write(b)
	g.size += n
	return n, err
}

func (g *ginWriter) WriteString(s string) (int, error) { return g.Write([]byte(s)) }

func (g *ginWriter) Status() int {
	if g.status == 0 {
		return http.StatusOK
	}
	return g.status
}

func (g *ginWriter) Size() int {
	if g.status == 0 {
		return -1
	}
	return g.size
}

func (g *ginWriter) Written() bool { return g.status != 0 }

func (g *ginWriter) Flush() {}
