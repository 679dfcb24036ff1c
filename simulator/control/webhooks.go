package control

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// Messages of the webhook routes' errors.
const (
	msgNoDelivery = "sandbox: no webhook delivery %q in session %q (GET /__sandbox/sessions/%s/webhooks/deliveries lists them)"
	msgWebhookURL = `sandbox: want {"url":"http://host:port/path"}: %v`
)

// readBody reads a control request body (at most 1 MiB).
func readBody(c *gin.Context) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20))
	if err != nil {
		apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgBodyUnreadable, err)
		return nil, false
	}
	return body, true
}

// decodeBody reads a control request's body as exactly one JSON object of
// dst's fields (unknown fields refused, so a typo is never a no-op),
// answering 400 with msg (a format taking the error) otherwise.
func decodeBody(c *gin.Context, dst any, msg string) bool {
	body, ok := readBody(c)
	if !ok {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msg, err)
		return false
	}
	return true
}

// getWebhooks shows where the session's webhooks go.
func (a *api) getWebhooks(c *gin.Context) {
	if sess, ok := a.existing(c); ok {
		c.JSON(http.StatusOK, a.Webhooks.Target(sess))
	}
}

// putWebhooks sets the session's own receiver: {"url":"http://…"}. It
// creates the session, so a test can set its receiver first.
func (a *api) putWebhooks(c *gin.Context) {
	name, ok := a.creatable(c)
	if !ok {
		return
	}
	var req struct {
		URL *string `json:"url"`
	}
	if !decodeBody(c, &req, msgWebhookURL) {
		return
	}
	if req.URL == nil || *req.URL == "" {
		apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgWebhookURL, errors.New("url is missing"))
		return
	}
	sess := a.Sessions.Touch(name)
	if err := a.Webhooks.SetURL(sess, *req.URL); err != nil {
		apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, "sandbox: %v", err)
		return
	}
	c.JSON(http.StatusOK, a.Webhooks.Target(sess))
}

// deleteWebhooks returns the session to the default receiver.
func (a *api) deleteWebhooks(c *gin.Context) {
	if sess, ok := a.existing(c); ok {
		_ = a.Webhooks.SetURL(sess, "")
		c.JSON(http.StatusOK, a.Webhooks.Target(sess))
	}
}

// listDeliveries lists the session's deliveries, oldest first, filtered
// by event, state, subject, vendor, status (500 or 5xx) and limit.
func (a *api) listDeliveries(c *gin.Context) {
	sess, ok := a.existing(c)
	if !ok {
		return
	}
	f, err := webhook.ParseFilter(c.Query)
	if err != nil {
		controlError(c, err)
		return
	}
	c.JSON(http.StatusOK, a.Webhooks.Deliveries(sess, f))
}

func (a *api) clearDeliveries(c *gin.Context) {
	if sess, ok := a.existing(c); ok {
		a.Webhooks.Clear(sess)
		c.Status(http.StatusNoContent)
	}
}

func (a *api) getDelivery(c *gin.Context) {
	sess, ok := a.existing(c)
	if !ok {
		return
	}
	if d, ok := a.Webhooks.Delivery(sess, c.Param("id")); ok {
		c.JSON(http.StatusOK, d)
		return
	}
	apierr.WriteSandboxError(c.Writer, http.StatusNotFound, msgNoDelivery, c.Param("id"), sess.Name(), sess.Name())
}

// redeliver sends a delivery again now: 202 with the delivery, 409 when
// it is still pending or the session has no receiver.
func (a *api) redeliver(c *gin.Context) {
	sess, ok := a.existing(c)
	if !ok {
		return
	}
	d, err := a.Webhooks.Redeliver(sess, c.Param("id"))
	switch {
	case errors.Is(err, webhook.ErrNoDelivery):
		apierr.WriteSandboxError(c.Writer, http.StatusNotFound, msgNoDelivery, c.Param("id"), sess.Name(), sess.Name())
	case err != nil:
		apierr.WriteSandboxError(c.Writer, http.StatusConflict, "sandbox: %v", err)
	default:
		c.JSON(http.StatusAccepted, d)
	}
}

// verifyDeliveries asserts a count of deliveries like the journal's
// verify: 200 when it holds, 417 when not, both with the verdict.
func (a *api) verifyDeliveries(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	x, err := webhook.ParseExpectation(body)
	if err != nil {
		controlError(c, err)
		return
	}
	v := webhook.Verdict{Message: "no session " + c.Param("session") + " yet: no deliveries"}
	if sess, ok := a.Sessions.Lookup(c.Param("session")); ok {
		v = a.Webhooks.Verify(sess, x)
	} else {
		v.OK = x.Holds(0)
	}
	status := http.StatusOK
	if !v.OK {
		status = http.StatusExpectationFailed
	}
	c.JSON(status, v)
}

// runAction runs a vendor's back-office action on one record, e.g. POST
// /__sandbox/sessions/default/weavr/consumers/{id}/deactivate.
func (a *api) runAction(c *gin.Context) {
	v, col, ok := a.collection(c)
	if !ok {
		return
	}
	var act *contract.Action
	for i := range col.Actions {
		if col.Actions[i].Name == c.Param("action") {
			act = &col.Actions[i]
		}
	}
	if act == nil {
		names := make([]string, len(col.Actions))
		for i, x := range col.Actions {
			names[i] = x.Name
		}
		apierr.WriteSandboxError(c.Writer, http.StatusNotFound, "sandbox: %s %s have no action %q (actions: %s)", v.Title, col.Name, c.Param("action"), strings.Join(names, ", "))
		return
	}
	name, ok := a.creatable(c)
	if !ok {
		return
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	out, err := act.Do(a.Sessions.Touch(name), c.Param("id"), body)
	var ae *contract.ActionError
	switch {
	case errors.As(err, &ae):
		apierr.WriteSandboxError(c.Writer, ae.Status, "sandbox: %s", ae.Msg)
	case err != nil:
		apierr.WriteSandboxError(c.Writer, http.StatusInternalServerError, "sandbox: %v", err)
	case out == nil:
		c.Status(http.StatusNoContent)
	default:
		c.JSON(http.StatusOK, out)
	}
}
