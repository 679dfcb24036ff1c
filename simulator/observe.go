package simulator

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
	"unsafe"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
	"github.com/sandbox-dev/fintech-sandbox/simulator/state"
)

// maxJournalBody bounds each body the journal keeps.
const maxJournalBody = journal.MaxBody

// observe runs next for one simulated request and records it: the
// session's journal entry, the Prometheus metrics and one log line with the
// session and request-ref. next serves the request and returns the name
// of the scenario that answered it ("" for the vendor's own answer).
//
// In Redis mode (b set) the journal entry goes out with the request's
// flush (state.Batch.Flush), with its deferred commit when it has one;
// the answer is then held until the commit landed. An overtaken commit
// runs the handler again (again), nothing deferred, and it is that
// second answer the client and the journal get.
func (s *Server) observe(c *gin.Context, sess *session.Session, vendor, opID string, reqBody []byte, b *state.Batch, again func(), next func() string) {
	start := time.Now()
	at := s.cfg.Clock.Now()
	tee := &teeWriter{ResponseWriter: c.Writer}
	if b != nil {
		tee.hold = &heldAnswer{b: b}
	}
	var before http.Header
	if again != nil {
		before = c.Writer.Header().Clone()
	}
	c.Writer = tee
	scen := next()
	end := time.Now()
	e := s.entry(c, tee, sess, vendor, opID, reqBody, scen, at, end.Sub(start))
	var dropped bool
	var evicted int
	if b == nil {
		_, dropped, evicted = s.journalKey.Of(sess).Add(e)
	} else {
		j := s.journalKey.Of(sess)
		ctx := c.Request.Context()
		committed := false
		var done state.Appended
		if !b.Failed() {
			committed, done = b.Flush(ctx, j.Batched(e))
		}
		if !committed { // overtaken: run the handler again, as the first time
			b.Reset()
			tee.restart(before)
			again()
			end = time.Now()
			e = s.entry(c, tee, sess, vendor, opID, reqBody, scen, at, end.Sub(start))
			_, done = b.Flush(ctx, j.Batched(e))
		}
		tee.release()
		dropped = done.Dropped > 0
	}
	c.Writer = tee.ResponseWriter
	if dropped || evicted > 0 {
		s.metrics.JournalDropped(evicted + boolInt(dropped))
	}
	took := end.Sub(start)
	s.metrics.ObserveRequest(vendor, opID, e.Status, scen, took)
	if scen != "" {
		s.metrics.ScenarioHit(scen)
	}
	s.logRequest(c.Request.Context(), end, slog.String("session", sess.Name()),
		slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.Path), slog.String("operation", opID),
		slog.Int("status", e.Status), slog.String("scenario", scen), slog.String("request-ref", e.RequestRef),
		slog.Duration("took", took.Round(time.Microsecond)))
}

// entry is the journal entry of the answer tee holds.
func (s *Server) entry(c *gin.Context, tee *teeWriter, sess *session.Session, vendor, opID string, reqBody []byte, scen string, at time.Time, took time.Duration) journal.Entry {
	status := tee.Status()
	if tee.hijacked {
		status = 0 // the connection was dropped on purpose: no status
	}
	// Secrets are masked when the journal is read (maskEntry), not here:
	// masking re-encodes JSON, too costly for every request.
	e := journal.Entry{
		Time: at, DurationMs: journal.Millis(took), Session: sess.Name(), Vendor: vendor, Operation: opID,
		Method: c.Request.Method, Path: c.Request.URL.Path, Query: c.Request.URL.RawQuery,
		RequestHeaders: c.Request.Header, RequestBody: shareOrCut(reqBody),
		Status: status, ResponseHeaders: tee.Header(), ResponseBody: tee.body.journaled(),
		Scenario: scen, RequestRef: tee.Header().Get("Request-Ref"),
	}
	if st := sess.Clock().State(); st.Version > 0 { // moved: add the session's time
		t := st.At(at)
		e.SessionTime = &t
	}
	return e
}

// logRequest writes the per-request line at info level. It hands the
// record to the handler itself, with no program counter: slog's Logger
// looks up its caller for every line (runtime.Callers), which a line
// never logged with its source does not need. The line's time is when the
// answer was done (end), read once for the duration too. Typed
// attributes: no boxing.
func (s *Server) logRequest(ctx context.Context, end time.Time, attrs ...slog.Attr) {
	h := s.cfg.Logger.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	r := slog.NewRecord(end, slog.LevelInfo, "request", 0)
	r.AddAttrs(attrs...)
	_ = h.Handle(ctx, r)
}

// vendorOf is the vendor part of an operation id ("weavr.consumerGet").
func vendorOf(opID string) string {
	v, _, _ := strings.Cut(opID, ".")
	return v
}

// teeWriter passes everything to the real writer and keeps the first
// maxJournalBody bytes of the body for the journal: the bytes themselves
// when the handler hands them over (contract.Data), a copy otherwise.
// While hold has a deferred commit (Redis mode), the answer is held
// instead (status and body), and goes out with release once the commit
// landed.
type teeWriter struct {
	gin.ResponseWriter
	body     limitedBuffer
	hijacked bool
	hold     *heldAnswer // Redis mode only: the in-memory path carries one pointer
}

// heldAnswer is an answer held while its request's commit waits (b).
type heldAnswer struct {
	b      *state.Batch
	on     bool
	status int
	out    []byte
}

// held is the answer being held, or nil when it is passed through.
func (t *teeWriter) held() *heldAnswer {
	if h := t.hold; h != nil && h.on {
		return h
	}
	return nil
}

// Keep implements contract.Keeper.
func (t *teeWriter) Keep(b []byte) { t.body.offered = b }

// holding starts holding the answer when a commit waits and nothing was
// sent yet; it returns the held answer, or nil.
func (t *teeWriter) holding() *heldAnswer {
	h := t.hold
	if h == nil {
		return nil
	}
	if !h.on && h.b.Deferred() && !t.ResponseWriter.Written() {
		h.on = true
	}
	if !h.on {
		return nil
	}
	return h
}

// code is the held status: the first one written, 200 when none was.
func (h *heldAnswer) code() int {
	if h.status == 0 {
		return http.StatusOK
	}
	return h.status
}

func (t *teeWriter) WriteHeader(code int) {
	if h := t.holding(); h != nil {
		if h.status == 0 && code > 0 {
			h.status = code
		}
		return
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *teeWriter) WriteHeaderNow() {
	if t.holding() != nil {
		return
	}
	t.ResponseWriter.WriteHeaderNow()
}

func (t *teeWriter) Write(b []byte) (int, error) {
	t.body.write(b)
	if h := t.holding(); h != nil {
		h.status = h.code()
		h.out = append(h.out, b...)
		return len(b), nil
	}
	return t.ResponseWriter.Write(b)
}

func (t *teeWriter) WriteString(s string) (int, error) {
	t.body.write([]byte(s))
	if h := t.holding(); h != nil {
		h.status = h.code()
		h.out = append(h.out, s...)
		return len(s), nil
	}
	return t.ResponseWriter.WriteString(s)
}

func (t *teeWriter) Status() int {
	if h := t.held(); h != nil {
		return h.code()
	}
	return t.ResponseWriter.Status()
}

func (t *teeWriter) Size() int {
	if h := t.held(); h != nil {
		return len(h.out)
	}
	return t.ResponseWriter.Size()
}

func (t *teeWriter) Written() bool { return t.held() != nil || t.ResponseWriter.Written() }

func (t *teeWriter) Flush() {
	if t.held() == nil {
		t.ResponseWriter.Flush()
	}
}

func (t *teeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	t.hijacked = true
	return t.ResponseWriter.Hijack()
}

// restart forgets a held answer (and the headers set since before) for
// the handler's run again.
func (t *teeWriter) restart(before http.Header) {
	h := t.ResponseWriter.Header()
	clear(h)
	for k, v := range before {
		h[k] = v
	}
	t.body = limitedBuffer{}
	t.hold = &heldAnswer{b: t.hold.b}
}

// release sends a held answer.
func (t *teeWriter) release() {
	h := t.held()
	if h == nil {
		return
	}
	h.on = false
	t.ResponseWriter.WriteHeader(h.code())
	if len(h.out) > 0 {
		_, _ = t.ResponseWriter.Write(h.out)
	} else {
		t.ResponseWriter.WriteHeaderNow()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (t *teeWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// limitedBuffer keeps the first maxJournalBody+1 bytes written to it. A
// strings.Builder hands its bytes to the journal as a string without a
// second copy. A body offered (Keep) and then written whole as the first
// write is kept as it is, without any copy.
type limitedBuffer struct {
	b       strings.Builder
	offered []byte // handed over by Keep, until written
	kept    []byte // the whole body, when it was the offered one
}

func (l *limitedBuffer) write(p []byte) {
	offered := l.offered
	l.offered = nil
	if len(p) == 0 {
		return
	}
	if l.b.Len() == 0 && l.kept == nil && len(offered) == len(p) && &offered[0] == &p[0] {
		l.kept = p
		return
	}
	if l.kept != nil { // a second write after a kept one: copy from here on
		l.b.Write(l.kept[:min(len(l.kept), maxJournalBody+1)])
		l.kept = nil
	}
	if room := maxJournalBody + 1 - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
}

// journaled is what the journal keeps of the body: as written, or, when it
// was longer than the limit, masked before the cut so the cut never ends
// inside a secret (journal.Cut).
func (l *limitedBuffer) journaled() string {
	if l.kept != nil { // the handler gave the bytes up (contract.Data)
		return shareOrCut(l.kept)
	}
	if l.b.Len() <= maxJournalBody {
		return l.b.String()
	}
	return journal.Cut([]byte(l.b.String()), maxJournalBody)
}

// shareOrCut is what the journal keeps of a body nothing writes again
// (the read-ahead request body, which vendors take read-only, or an
// answer handed over by contract.Data): the bytes themselves when they
// fit, cut and masked otherwise. A buffer with much more room than body
// (an answer appended into a guessed capacity) is copied instead: the
// journal keeps bodies for as long as the session lives, and sharing would
// keep the unused room too (10k sessions × 2 consumer answers: ~9 MB).
func shareOrCut(b []byte) string {
	if len(b) == 0 || len(b) > maxJournalBody {
		return journal.Cut(b, maxJournalBody)
	}
	if cap(b)-len(b) > 64+len(b)/8 {
		return string(b)
	}
	return unsafe.String(&b[0], len(b))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
