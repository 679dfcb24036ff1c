package control

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/clock"
	"github.com/sandbox-dev/fintech-sandbox/simulator/session"
)

// Messages of the clock routes.
const (
	msgClockBody   = "sandbox: the clock body must be a JSON object {\"by\": \"6m\"} or {\"to\": \"2026-01-02T15:04:05Z\"}: %v"
	msgClockOneOf  = "sandbox: give exactly one of \"by\" (a Go duration such as 6m or 1h30m) and \"to\" (an RFC 3339 time)"
	msgClockBy     = "sandbox: \"by\" must be a Go duration such as 10s, 6m or 1h30m, got %q"
	msgClockBack   = "sandbox: time never runs backwards: \"by\" must not be negative, got %q"
	msgClockTo     = "sandbox: \"to\" must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q"
	msgClockPast   = "sandbox: time never runs backwards: \"to\" %q is before the session's now (%s)"
	msgClockFar    = "sandbox: %q would move the session's clock past the year 9999"
	msgClockFrozen = "sandbox: the clock body must be a JSON object {\"frozen\": true} or {\"frozen\": false}: %v"
)

// latest is as far as a session clock goes: RFC 3339 has four-digit years.
var latest = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// getClock shows a session's time. A session that does not exist yet is
// not created: its clock would start at the real time, which is shown.
func (a *api) getClock(c *gin.Context) {
	name, ok := a.creatable(c)
	if !ok {
		return
	}
	if sess, ok := a.Sessions.Lookup(name); ok {
		c.JSON(http.StatusOK, sess.ClockInfo())
		return
	}
	now := a.Clock.Now()
	c.JSON(http.StatusOK, session.ClockInfo{Now: now, Real: now, Offset: "0s"})
}

// advanceClock moves a session's time forward: {"by": "6m"} or {"to":
// RFC 3339}. Whatever falls due by then (a token's idle expiry, a code's,
// a rate-limit window's end, a webhook retry) is due at once.
func (a *api) advanceClock(c *gin.Context) {
	name, ok := a.creatable(c)
	if !ok {
		return
	}
	var req struct {
		By *string `json:"by"`
		To *string `json:"to"`
	}
	if !decodeBody(c, &req, msgClockBody) {
		return
	}
	if (req.By == nil) == (req.To == nil) {
		apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgClockOneOf)
		return
	}
	var move func(st clock.State, base time.Time) (clock.State, error)
	var given string
	if req.By != nil {
		given = *req.By
		d, err := time.ParseDuration(given)
		if err != nil {
			apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgClockBy, given)
			return
		}
		if d < 0 {
			apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgClockBack, given)
			return
		}
		move = func(st clock.State, base time.Time) (clock.State, error) {
			if st.At(base).After(latest.Add(-d)) || st.Offset+d < st.Offset {
				return st, errFar // past 9999, or past what an offset holds (292 years)
			}
			return st.Advanced(d, base), nil
		}
	} else {
		given = *req.To
		to, err := time.Parse(time.RFC3339Nano, given)
		if err != nil {
			apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgClockTo, given)
			return
		}
		if to.After(latest) {
			apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgClockFar, given)
			return
		}
		move = func(st clock.State, base time.Time) (clock.State, error) {
			if now := st.At(base); to.Before(now) {
				return st, &pastError{now: now}
			}
			next := st.To(to, base)
			if !next.At(base).Equal(to) {
				return st, errFar // further than an offset holds (292 years)
			}
			return next, nil
		}
	}
	a.moveClock(c, name, given, move)
}

// moveClock moves the session's clock by move and answers the clock, or
// the 400 naming the value given when move refuses it.
func (a *api) moveClock(c *gin.Context, name, given string, move func(st clock.State, base time.Time) (clock.State, error)) {
	sess, err := a.Sessions.MoveClock(name, move)
	var past *pastError
	switch {
	case errors.As(err, &past):
		apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgClockPast, given, past.now.Format(time.RFC3339Nano))
	case errors.Is(err, errFar):
		apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgClockFar, given)
	case err != nil:
		apierr.WriteSandboxError(c.Writer, http.StatusConflict, "sandbox: session %q: %v", name, err)
	default:
		c.JSON(http.StatusOK, sess.ClockInfo())
	}
}

// putClock freezes a session's clock ({"frozen": true}: it stands still
// until advanced, so timestamps are exact) or lets it run again from
// where it stands ({"frozen": false}, the default mode).
func (a *api) putClock(c *gin.Context) {
	name, ok := a.creatable(c)
	if !ok {
		return
	}
	var req struct {
		Frozen *bool `json:"frozen"`
	}
	if !decodeBody(c, &req, msgClockFrozen) {
		return
	}
	if req.Frozen == nil {
		apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgClockFrozen, "\"frozen\" is missing")
		return
	}
	freeze := *req.Frozen
	a.moveClock(c, name, "", func(st clock.State, base time.Time) (clock.State, error) {
		if st.Frozen.IsZero() != freeze {
			return st, nil // already so
		}
		return st.Freeze(freeze, base), nil
	})
}

var errFar = errors.New("past the year 9999")

type pastError struct{ now time.Time }

func (e *pastError) Error() string { return fmt.Sprintf("before %s", e.now) }
