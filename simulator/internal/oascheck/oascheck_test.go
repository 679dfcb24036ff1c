package oascheck_test

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/internal/oascheck"
)

var weavrDoc = oascheck.VendorDoc("weavr-multi-openapi.yml")

func TestCheckFlagsViolations(t *testing.T) {
	c, err := oascheck.Load(weavrDoc, "https://sandbox.weavr.io/multi", "/multi")
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("vendor document %s is absent: skipping the OpenAPI check", weavrDoc)
	}
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}, "Request-Ref": {"r1"}}
	if v := c.Check("PATCH", "/multi/consumers", 409, h, []byte(`{"errorCode":"EMAIL_NOT_UNIQUE"}`)); v != nil {
		t.Errorf("documented 409 flagged: %v", v)
	}
	if v := c.Check("PATCH", "/multi/consumers", 409, h, []byte(`{"errorCode":"NOT_A_CODE"}`)); v == nil {
		t.Error("unknown errorCode not flagged")
	}
	bad := c.Check("PATCH", "/multi/consumers", 200, h, []byte(`{"id":{"type":"CONSUMER","id":"x1"}}`))
	if len(bad) == 0 || !strings.Contains(strings.Join(bad, "\n"), "PATCH /multi/consumers -> 200") {
		t.Errorf("invalid consumer not flagged: %v", bad)
	}
}
