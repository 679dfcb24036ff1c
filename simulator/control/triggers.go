package control

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
)

// msgTriggerBody explains the body of POST …/triggers.
const msgTriggerBody = `sandbox: want {"error":"weavr.EMAIL_NOT_UNIQUE","operation":"weavr.consumerUpdate"} (operation optional: every operation of the error's vendor): %v`

// triggersView is a session's armed one-shot answers, oldest first.
type triggersView struct {
	Armed []scenario.Trigger `json:"armed"`
}

// armTrigger arms a catalog error for the session's next request of the
// operation, once: the dashboard's "trigger once on the next request". It
// creates the session, like activating a scenario, but only once the
// trigger is known to be valid.
func (a *api) armTrigger(c *gin.Context) {
	name, ok := a.creatable(c)
	if !ok {
		return
	}
	var t scenario.Trigger
	if !decodeBody(c, &t, msgTriggerBody) {
		return
	}
	if _, err := a.Engine.CheckTrigger(t); err != nil {
		controlError(c, err)
		return
	}
	armed, err := a.Scenarios.Of(a.Sessions.Touch(name)).Arm(t)
	switch {
	case errors.Is(err, scenario.ErrTooManyTriggers):
		apierr.WriteSandboxError(c.Writer, http.StatusConflict, "sandbox: %v", err)
	case err != nil:
		controlError(c, err)
	default:
		c.JSON(http.StatusOK, triggersView{Armed: armed})
	}
}

// listTriggers shows what is armed in the session.
func (a *api) listTriggers(c *gin.Context) {
	if sess, ok := a.existing(c); ok {
		c.JSON(http.StatusOK, triggersView{Armed: a.Scenarios.Of(sess).Armed()})
	}
}

// disarmTriggers clears what is armed in the session.
func (a *api) disarmTriggers(c *gin.Context) {
	if sess, ok := a.existing(c); ok {
		st := a.Scenarios.Of(sess)
		st.Disarm()
		c.JSON(http.StatusOK, triggersView{Armed: st.Armed()})
	}
}
