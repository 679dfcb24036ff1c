package oascheck_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/internal/oascheck"
)

// Weavr's webhooks document is the oracle: a KycEvent as documented
// passes, a wrong enum, a missing required header and an unknown path do
// not.
func TestWebhooksChecksDeliveries(t *testing.T) {
	raw, err := os.ReadFile("../../weavr/openapi/weavr-webhooks-openapi.yml")
	if err != nil {
		t.Fatal(err)
	}
	w, err := oascheck.NewWebhooks(raw)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}, "Call-Ref": {"ref-1"}, "Published-Timestamp": {"1700000000000"},
		"Signature": {"c2ln"}, "Signature-V2": {"c2ln"}}
	good := `{"consumerId":"110546000000000001","consumerEmail":"a@example.com","status":"APPROVED","ongoingStatus":"APPROVED","details":[],"rejectionComment":"","eventTimestamp":"1700000000000"}`
	if v := w.Check("/consumers/kyc/watch", h, []byte(good)); v != nil {
		t.Errorf("a documented KycEvent flagged: %v", v)
	}
	if v := w.Check("/consumers/kyc/watch", h, []byte(strings.Replace(good, `"status":"APPROVED"`, `"status":"DONE"`, 1))); v == nil {
		t.Error("an undocumented status passed")
	}
	noTS := h.Clone()
	noTS.Del("Published-Timestamp")
	if v := w.Check("/consumers/kyc/watch", noTS, []byte(good)); v == nil {
		t.Error("a delivery without published-timestamp passed")
	}
	if v := w.Check("/consumers/nothing/watch", h, []byte(good)); v == nil {
		t.Error("an undocumented event path passed")
	}
}
