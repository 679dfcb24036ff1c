package control

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
	"github.com/sandbox-dev/fintech-sandbox/simulator/metrics"
)

// vendorStats is one vendor's traffic since the sandbox started, read from
// sandbox_requests_total: cheap JSON a dashboard polls and differentiates
// into requests per second and error rate, instead of parsing /metrics.
type vendorStats struct {
	Vendor   string `json:"vendor"`
	Requests uint64 `json:"requests"`
	// Errors are the answers a client handles as failures: a status of 400
	// or more, or none at all (a connection fault).
	Errors uint64 `json:"errors"`
	// ByStatusClass counts "2xx" … "5xx", and "none" for a fault.
	ByStatusClass map[string]uint64 `json:"byStatusClass"`
}

// stats answers every vendor's totals, in the vendor list's order (a vendor
// with no traffic yet has zeros).
func (a *api) stats(c *gin.Context) {
	rec := &capture{header: http.Header{}, status: http.StatusOK}
	req, _ := http.NewRequestWithContext(c.Request.Context(), http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "text/plain")
	a.Metrics.ServeHTTP(rec, req)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(&rec.body)
	if err != nil || rec.status != http.StatusOK {
		apierr.WriteSandboxError(c.Writer, http.StatusInternalServerError, "sandbox: the metrics could not be read (status %d): %v", rec.status, err)
		return
	}
	out := make([]vendorStats, len(a.Vendors))
	index := map[string]int{}
	for i, v := range a.Vendors {
		out[i] = vendorStats{Vendor: v.Name, ByStatusClass: map[string]uint64{}}
		index[v.Name] = i
	}
	if f := families[metrics.RequestsTotal]; f != nil {
		for _, m := range f.GetMetric() {
			var vendor, status string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "vendor":
					vendor = l.GetValue()
				case "status":
					status = l.GetValue()
				}
			}
			i, ok := index[vendor]
			if !ok {
				continue
			}
			n := uint64(m.GetCounter().GetValue())
			code, _ := strconv.Atoi(status)
			class := "none"
			if code >= 100 && code <= 599 {
				class = strconv.Itoa(code/100) + "xx"
			}
			vs := &out[i]
			vs.Requests += n
			vs.ByStatusClass[class] += n
			if code == 0 || code >= 400 {
				vs.Errors += n
			}
		}
	}
	c.JSON(http.StatusOK, gin.H{"vendors": out})
}

// capture is the response of the metrics handler, read in process.
type capture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *capture) Header() http.Header         { return r.header }
func (r *capture) WriteHeader(status int)      { r.status = status }
func (r *capture) Write(b []byte) (int, error) { return r.body.Write(b) }
