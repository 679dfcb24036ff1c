package control

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
)

// Paging of the data listings: default and largest page.
const (
	defaultLimit = 50
	maxLimit     = 1000
)

// paging reads offset and limit (default 50, at most 1000), reporting the
// first bad one in that order.
func paging(c *gin.Context) (offset, limit int, ok bool) {
	offset, limit = 0, defaultLimit
	for _, p := range []struct {
		name string
		dst  *int
	}{{"offset", &offset}, {"limit", &limit}} {
		if v := c.Query(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				apierr.WriteSandboxError(c.Writer, http.StatusBadRequest, msgBadPaging, p.name, v)
				return 0, 0, false
			}
			*p.dst = n
		}
	}
	return offset, min(limit, maxLimit), true
}

// collectionView is a data collection as a generic client (the dashboard)
// browses it: where it lives, what its search parameter matches and which
// actions its records take, so the client needs no vendor knowledge.
type collectionView struct {
	Vendor      string       `json:"vendor"`
	VendorTitle string       `json:"vendorTitle"`
	Name        string       `json:"name"`
	Item        string       `json:"item"`
	Search      string       `json:"search"`
	SearchHelp  string       `json:"searchHelp"`
	Summary     string       `json:"summary"`
	Actions     []actionView `json:"actions"`
}

// actionView is one back-office action: what it does and an example body.
type actionView struct {
	Name    string          `json:"name"`
	Summary string          `json:"summary"`
	Example json.RawMessage `json:"example,omitempty"`
}

// listCollections lists every vendor's data collections, in vendor order.
func (a *api) listCollections(c *gin.Context) {
	out := []collectionView{}
	for _, v := range a.Vendors {
		for _, col := range v.Data {
			cv := collectionView{Vendor: v.Name, VendorTitle: v.Title, Name: col.Name, Item: col.Item, Search: col.Search,
				SearchHelp: col.SearchHelp, Summary: col.Summary, Actions: []actionView{}}
			for _, act := range col.Actions {
				av := actionView{Name: act.Name, Summary: act.Summary}
				if json.Valid([]byte(act.Example)) {
					av.Example = json.RawMessage(act.Example)
				}
				cv.Actions = append(cv.Actions, av)
			}
			out = append(out, cv)
		}
	}
	c.JSON(http.StatusOK, gin.H{"collections": out})
}

// collection finds the vendor and collection of the path, answering 404
// (in the sandbox's shape) when either is unknown.
func (a *api) collection(c *gin.Context) (*contract.Vendor, *contract.Collection, bool) {
	for _, v := range a.Vendors {
		if v.Name != c.Param("vendor") {
			continue
		}
		for i := range v.Data {
			if v.Data[i].Name == c.Param("collection") {
				return v, &v.Data[i], true
			}
		}
	}
	apierr.WriteSandboxError(c.Writer, http.StatusNotFound, "sandbox: no route %s %s", c.Request.Method, c.Request.URL.Path)
	return nil, nil, false
}

// listRecords pages through a vendor's collection in a session, e.g.
// /__sandbox/sessions/default/weavr/consumers?email=alice.
func (a *api) listRecords(c *gin.Context) {
	_, col, ok := a.collection(c)
	if !ok {
		return
	}
	offset, limit, ok := paging(c)
	if !ok {
		return
	}
	sess, ok := a.existing(c)
	if !ok {
		return
	}
	page, total := col.List(sess, c.Query(col.Search), offset, limit)
	out := gin.H{col.Name: page, "total": total, "offset": offset, "limit": limit}
	for k, v := range col.Extra {
		out[k] = v
	}
	c.JSON(http.StatusOK, out)
}

// getRecord shows one record of a vendor's collection in a session.
func (a *api) getRecord(c *gin.Context) {
	v, col, ok := a.collection(c)
	if !ok {
		return
	}
	sess, ok := a.existing(c)
	if !ok {
		return
	}
	rec, ok := col.Get(sess, c.Param("id"))
	if !ok {
		apierr.WriteSandboxError(c.Writer, http.StatusNotFound, msgNoRecord, v.Title, col.Item, c.Param("id"), sess.Name())
		return
	}
	c.JSON(http.StatusOK, rec)
}
