package oascheck_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sandbox-dev/fintech-sandbox/simulator/internal/oascheck"
)

// doc is a small document in the shape of Weavr's PATCH /consumers: a 409
// with an errorCode enum and a 200 that needs a full identity.
const doc = `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://sandbox.example.com/multi"}]
paths:
  /consumers:
    patch:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, rootUser]
                properties:
                  id: {type: object}
                  rootUser: {type: object}
        "409":
          description: conflict
          content:
            application/json:
              schema:
                type: object
                properties:
                  errorCode: {type: string, enum: [EMAIL_NOT_UNIQUE]}
`

func TestCheckFlagsViolations(t *testing.T) {
	c, err := oascheck.New([]byte(doc), "https://sandbox.example.com/multi", "/multi")
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if v := c.Check("PATCH", "/multi/consumers", 409, h, []byte(`{"errorCode":"EMAIL_NOT_UNIQUE"}`)); v != nil {
		t.Errorf("documented 409 flagged: %v", v)
	}
	if v := c.Check("PATCH", "/multi/consumers", 409, h, []byte(`{"errorCode":"NOT_A_CODE"}`)); v == nil {
		t.Error("unknown errorCode not flagged")
	}
	bad := c.Check("PATCH", "/multi/consumers", 200, h, []byte(`{"id":{}}`))
	if len(bad) == 0 || !strings.Contains(strings.Join(bad, "\n"), "PATCH /multi/consumers -> 200") {
		t.Errorf("incomplete body not flagged: %v", bad)
	}
	if v := c.Check("PATCH", "/other/consumers", 200, h, nil); len(v) != 1 || !strings.Contains(v[0], "not under /multi") {
		t.Errorf("a path outside the prefix: %v", v)
	}
}

func TestNewRejectsABrokenDocument(t *testing.T) {
	if _, err := oascheck.New([]byte("openapi: [\n"), "https://x", "/x"); err == nil {
		t.Fatal("a document that is not YAML was accepted")
	}
}
