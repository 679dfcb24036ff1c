package control

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/scenario"
)

// scenarioView is a scenario as the control API shows it.
type scenarioView struct {
	Name           string  `json:"name"`
	Description    string  `json:"description"`
	Operation      string  `json:"operation"`
	Source         string  `json:"source"`
	Steps          int     `json:"steps"`
	Times          int     `json:"times,omitempty"`
	After          int     `json:"after,omitempty"`
	Probability    float64 `json:"probability"`
	ActiveGlobally bool    `json:"activeGlobally"`
}

func view(sc *scenario.Scenario, global []string) scenarioView {
	v := scenarioView{Name: sc.Name, Description: sc.Description, Operation: sc.Applies(), Source: sc.Source, Steps: len(sc.Steps),
		Times: sc.Times, After: sc.After, Probability: sc.Probability}
	for _, g := range global {
		v.ActiveGlobally = v.ActiveGlobally || g == sc.Name
	}
	return v
}

func (a *api) listScenarios(c *gin.Context) {
	global := a.Engine.Global()
	out := []scenarioView{}
	for _, sc := range a.Engine.Set().All() {
		out = append(out, view(sc, global))
	}
	c.JSON(http.StatusOK, gin.H{"scenarios": out, "activeGlobally": nonNil(global)})
}

func (a *api) getScenario(c *gin.Context) {
	sc, ok := a.Engine.Set().Lookup(c.Param("scenario"))
	if !ok {
		controlError(c, &scenario.UnknownScenarioError{Name: c.Param("scenario")})
		return
	}
	c.JSON(http.StatusOK, view(sc, a.Engine.Global()))
}

func (a *api) activateGlobal(c *gin.Context) {
	if err := a.Engine.ActivateGlobal(c.Param("scenario")); err != nil {
		controlError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"activeGlobally": a.Engine.Global()})
}

func (a *api) deactivateGlobal(c *gin.Context) {
	a.Engine.DeactivateGlobal(c.Param("scenario"))
	c.JSON(http.StatusOK, gin.H{"activeGlobally": nonNil(a.Engine.Global())})
}

func (a *api) reloadNow(c *gin.Context) {
	if a.Reloader.Dir() == "" {
		apierr.WriteSandboxError(c.Writer, http.StatusConflict, msgNoReloadDir)
		return
	}
	if err := a.Reloader.Reload(); err != nil {
		apierr.WriteSandboxError(c.Writer, http.StatusUnprocessableEntity, "sandbox: reload failed, previous scenarios kept:\n%v", err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"scenarios": a.Engine.Set().Len()})
}

func (a *api) sessionScenarios(c *gin.Context) {
	if sess, ok := a.existing(c); ok {
		st := a.Scenarios.Of(sess)
		c.JSON(http.StatusOK, gin.H{"active": nonNil(st.Active()), "counters": st.Counters()})
	}
}

// activate activates a scenario for the session's requests, creating the
// session when it is new: a test arms its scenarios before its first call.
func (a *api) activate(c *gin.Context) {
	name, ok := a.creatable(c)
	if !ok {
		return
	}
	if _, known := a.Engine.Set().Lookup(c.Param("scenario")); !known {
		controlError(c, &scenario.UnknownScenarioError{Name: c.Param("scenario")})
		return
	}
	st := a.Scenarios.Of(a.Sessions.Touch(name))
	if err := st.Activate(c.Param("scenario")); err != nil {
		controlError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"active": st.Active(), "counters": st.Counters()})
}

func (a *api) deactivate(c *gin.Context) {
	if sess, ok := a.existing(c); ok {
		st := a.Scenarios.Of(sess)
		st.Deactivate(c.Param("scenario"))
		c.JSON(http.StatusOK, gin.H{"active": nonNil(st.Active()), "counters": st.Counters()})
	}
}

func (a *api) deactivateAll(c *gin.Context) {
	if sess, ok := a.existing(c); ok {
		st := a.Scenarios.Of(sess)
		st.Deactivate()
		c.JSON(http.StatusOK, gin.H{"active": nonNil(st.Active()), "counters": st.Counters()})
	}
}
