package simulator

import (
	"bufio"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// maxJournalBody bounds each body the journal keeps.
const maxJournalBody = journal.MaxBody

// observe runs next for one simulated request and records it: the
// session's journal entry, the Prometheus metrics and one log line with the
// session and request-ref.
func (s *Server) observe(c *gin.Context, sess *session.Session, vendor, opID string, reqBody []byte, next func()) {
	start := time.Now()
	at := s.cfg.Clock.Now()
	tee := &teeWriter{ResponseWriter: c.Writer}
	c.Writer = tee
	next()
	c.Writer = tee.ResponseWriter
	took := time.Since(start)

	status := tee.Status()
	if tee.hijacked {
		status = 0 // the connection was dropped on purpose: no status
	}
	v, _ := c.Get(scenarioKey)
	scen, _ := v.(string)
	ref := tee.Header().Get("request-ref")
	// Secrets are masked when the journal is read (maskEntry), not here:
	// masking re-encodes JSON, too costly for every request.
	e := journal.Entry{
		Time: at, DurationMs: journal.Millis(took), Session: sess.Name(), Vendor: vendor, Operation: opID,
		Method: c.Request.Method, Path: c.Request.URL.Path, Query: c.Request.URL.RawQuery,
		RequestHeaders: c.Request.Header, RequestBody: journal.Cut(reqBody, maxJournalBody),
		Status: status, ResponseHeaders: tee.Header(), ResponseBody: tee.body.journaled(),
		Scenario: scen, RequestRef: ref,
	}
	if _, dropped, evicted := s.journalKey.Of(sess).Add(e); dropped || evicted > 0 {
		s.metrics.JournalDropped(evicted + boolInt(dropped))
	}
	s.metrics.ObserveRequest(vendor, opID, status, scen, took)
	if scen != "" {
		s.metrics.ScenarioHit(scen)
	}
	// LogAttrs with typed attributes: no boxing on a line written per request.
	s.cfg.Logger.LogAttrs(c.Request.Context(), slog.LevelInfo, "request", slog.String("session", sess.Name()),
		slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.Path), slog.String("operation", opID),
		slog.Int("status", status), slog.String("scenario", scen), slog.String("request-ref", ref),
		slog.Duration("took", took.Round(time.Microsecond)))
}

// vendorOf is the vendor part of an operation id ("weavr.consumerGet").
func vendorOf(opID string) string {
	v, _, _ := strings.Cut(opID, ".")
	return v
}

// teeWriter passes everything to the real writer and keeps the first
// maxJournalBody bytes of the body for the journal.
type teeWriter struct {
	gin.ResponseWriter
	body     limitedBuffer
	hijacked bool
}

func (t *teeWriter) Write(b []byte) (int, error) {
	t.body.write(b)
	return t.ResponseWriter.Write(b)
}

func (t *teeWriter) WriteString(s string) (int, error) {
	t.body.write([]byte(s))
	return t.ResponseWriter.WriteString(s)
}

func (t *teeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	t.hijacked = true
	return t.ResponseWriter.Hijack()
}

// Unwrap lets http.ResponseController reach the real writer.
func (t *teeWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// limitedBuffer keeps the first maxJournalBody+1 bytes written to it. A
// strings.Builder hands its bytes to the journal as a string without a
// second copy.
type limitedBuffer struct{ b strings.Builder }

func (l *limitedBuffer) write(p []byte) {
	if room := maxJournalBody + 1 - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
}

// journaled is what the journal keeps of the body: as written, or, when it
// was longer than the limit, masked before the cut so the cut never ends
// inside a secret (journal.Cut).
func (l *limitedBuffer) journaled() string {
	if l.b.Len() <= maxJournalBody {
		return l.b.String()
	}
	return journal.Cut([]byte(l.b.String()), maxJournalBody)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
