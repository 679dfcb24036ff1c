package scenario

import (
	"bytes"
	"net"
	"net/http"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
)

// Serve plays a decision: it waits the delay (giving up silently if the
// client leaves), then injects the fault, writes the response through the
// one writer (apierr.Write), or calls next for pass-through.
func (e *Engine) Serve(w http.ResponseWriter, r *http.Request, d *Decision, next func(http.ResponseWriter)) {
	if d.Delay > 0 {
		if err := e.sleep(r.Context(), d.Delay); err != nil {
			// The client left or the server is stopping: drop the
			// connection, never answer an empty 200.
			closeConn(w, false)
			return
		}
	}
	s := d.Step
	switch s.Fault {
	case FaultReset:
		closeConn(w, true)
		return
	case FaultEmpty:
		closeConn(w, false)
		return
	case FaultHang:
		t := time.NewTimer(e.hangMax)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-t.C:
		}
		closeConn(w, false)
		return
	}
	// Name the scenario on the answer (the header that names scenarios on a
	// request), so a trace shows the sandbox, not the vendor logic, answered.
	w.Header().Set(HeaderScenario, d.Scenario)
	cut := s.Fault == FaultTruncated || s.Fault == FaultMalformed
	var resp *apierr.Response
	switch {
	case s.Pass && !cut:
		next(w)
		return
	case s.Pass:
		rec := &recorder{header: w.Header(), status: http.StatusOK}
		next(rec)
		resp = &apierr.Response{Status: rec.status, Body: rec.body.Bytes()}
	default:
		resp = s.Response()
	}
	switch s.Fault {
	case FaultTruncated:
		// Announce the whole body, send half: the client reads an
		// unexpected EOF and net/http closes the connection.
		apierr.WritePartial(w, resp, len(resp.Body), resp.Body[:len(resp.Body)/2])
	case FaultMalformed:
		half := resp.Body[:len(resp.Body)/2]
		apierr.WritePartial(w, resp, len(half), half)
	default:
		apierr.Write(w, resp)
	}
}

// recorder captures the normal answer so a fault can cut it. Headers go
// straight to the real writer's map; status and body are held back.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}

// closeConn drops the connection without an answer; with reset it makes
// the kernel send RST (SO_LINGER 0) so the client sees "connection reset".
// A writer that cannot be hijacked (HTTP/2, a recorder) gets a sandbox
// error saying so rather than a silent success.
func closeConn(w http.ResponseWriter, reset bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		apierr.WriteSandboxError(w, http.StatusNotImplemented, "sandbox: connection faults need an HTTP/1.x connection")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		apierr.WriteSandboxError(w, http.StatusNotImplemented, "sandbox: connection faults need an HTTP/1.x connection: %v", err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
