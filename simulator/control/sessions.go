package control

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/journal"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// sessionView is a session with its journal and scenario summary.
type sessionView struct {
	session.Info
	Journal   journalSummary `json:"journal"`
	Scenarios []string       `json:"activeScenarios"`
	// Clock is the session's clock once it was moved (absent while the
	// session keeps the real time): the dashboard shows its time.
	Clock *session.ClockInfo `json:"clock,omitempty"`
}

type journalSummary struct {
	Entries  int    `json:"entries"`
	Capacity int    `json:"capacity"`
	Dropped  uint64 `json:"dropped"`
}

func (a *api) sessionView(sess *session.Session) sessionView {
	j := a.Journal.Of(sess)
	v := sessionView{Info: sess.Info(), Journal: journalSummary{Entries: j.Len(), Capacity: j.Capacity(), Dropped: j.Dropped()},
		Scenarios: nonNil(a.Scenarios.Of(sess).Active())}
	if sess.Moved() {
		c := sess.ClockInfo()
		v.Clock = &c
	}
	return v
}

func (a *api) listSessions(c *gin.Context) {
	out := []sessionView{}
	for _, info := range a.Sessions.List() {
		if sess, ok := a.Sessions.Lookup(info.Name); ok {
			out = append(out, a.sessionView(sess))
		}
	}
	c.JSON(http.StatusOK, gin.H{"sessions": out})
}

// existing finds the session of the path or answers 404: read-only and
// deleting routes never create a session, nor mark one used.
func (a *api) existing(c *gin.Context) (*session.Session, bool) {
	sess, ok := a.Sessions.Lookup(c.Param("session"))
	if !ok {
		apierr.WriteSandboxError(c.Writer, http.StatusNotFound, msgNoSession, c.Param("session"))
	}
	return sess, ok
}

func (a *api) getSession(c *gin.Context) {
	if sess, ok := a.existing(c); ok {
		c.JSON(http.StatusOK, a.sessionView(sess))
	}
}

func (a *api) deleteSession(c *gin.Context) {
	if !a.Sessions.Delete(c.Param("session")) {
		apierr.WriteSandboxError(c.Writer, http.StatusNotFound, msgNoSession, c.Param("session"))
		return
	}
	c.Status(http.StatusNoContent)
}

// resetSession returns a session to the seed: data, tokens, rate-limit
// windows, scenario activations and counters, and journal. Resetting a
// session that does not exist yet creates it fresh (the same outcome).
func (a *api) resetSession(c *gin.Context) {
	name, ok := a.creatable(c)
	if !ok {
		return
	}
	if !a.Sessions.Reset(name) {
		a.Sessions.Touch(name)
	}
	sess, _ := a.Sessions.Lookup(name)
	c.JSON(http.StatusOK, a.sessionView(sess))
}

// journalQuery finds the session's journal and parses the filter of the
// query string, answering 404 or 400 itself.
func (a *api) journalQuery(c *gin.Context) (*journal.Journal, journal.Filter, bool) {
	sess, ok := a.existing(c)
	if !ok {
		return nil, journal.Filter{}, false
	}
	f, err := journal.ParseFilter(c.Request.URL.Query(), a.Clock.Now())
	if err != nil {
		controlError(c, err)
		return nil, journal.Filter{}, false
	}
	return a.Journal.Of(sess), f, true
}

func (a *api) getJournal(c *gin.Context) {
	if j, f, ok := a.journalQuery(c); ok {
		// lastSeq lets a poller (?after=SEQ) notice a journal replaced by a
		// reset or a delete: its cursor is then above lastSeq. Read before
		// the entries, it is never above the newest one returned.
		last := j.LastSeq()
		entries := j.Entries(f)
		for i := range entries {
			entries[i] = entries[i].Masked()
		}
		c.JSON(http.StatusOK, gin.H{"entries": entries, "dropped": j.Dropped(), "capacity": j.Capacity(), "lastSeq": last})
	}
}

func (a *api) clearJournal(c *gin.Context) {
	if sess, ok := a.existing(c); ok {
		a.Journal.Of(sess).Clear()
		c.Status(http.StatusNoContent)
	}
}

func (a *api) countJournal(c *gin.Context) {
	if j, f, ok := a.journalQuery(c); ok {
		c.JSON(http.StatusOK, gin.H{"count": j.Count(f), "dropped": j.Dropped()})
	}
}

// verifyJournal answers whether the session's journal holds exactly / at
// least / at most N matching requests: 200 when it does, 417 Expectation
// Failed when not (so `curl -f` fails a CI step), both with the verdict.
// A session that served nothing yet verifies against an empty journal.
func (a *api) verifyJournal(c *gin.Context) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20))
	if err != nil {
		apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgBodyUnreadable, err)
		return
	}
	x, err := journal.ParseExpectation(body, a.Clock.Now())
	if err != nil {
		controlError(c, err)
		return
	}
	v := journal.New(1, nil).Verify(x) // an empty journal
	if sess, ok := a.Sessions.Lookup(c.Param("session")); ok {
		v = a.Journal.Of(sess).Verify(x)
	}
	status := http.StatusOK
	if !v.OK {
		status = http.StatusExpectationFailed
	}
	c.JSON(status, v)
}

// creatable is the path's session name when a route may create the session
// (reset, activating a scenario for its future requests), or answers 400.
func (a *api) creatable(c *gin.Context) (string, bool) {
	name := c.Param("session")
	if err := session.CheckName(name); err != nil {
		apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, "sandbox: %v", err)
		return "", false
	}
	return name, true
}
