package scenario

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSchemaIsDerivedFromTheVocabulary(t *testing.T) {
	tmpl := `{"$defs":{"match":{"properties":{"operation":{"anyOf":[{"type":"string"},{"type":"string"}]}}},` +
		`"event":{"type":"string"},"response":{"properties":{"error":{"type":"string"},"webhook":{"type":"string"}}}}}`
	b, err := Schema([]byte(tmpl), testVocab(t))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs struct {
			Match struct {
				Properties struct {
					Operation struct {
						AnyOf []struct {
							Enum    []string
							Pattern string
						}
					}
				}
			}
			Event    struct{ Enum []string }
			Response struct {
				Properties struct{ Error, Webhook struct{ Enum []string } }
			}
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	op := doc.Defs.Match.Properties.Operation.AnyOf
	if got := strings.Join(op[0].Enum, ","); got != "acme.get,acme.update,other.get" {
		t.Errorf("operations %s", got)
	}
	if op[1].Pattern != `^(\*|(acme|other)\.\*)$` {
		t.Errorf("vendor wildcard %s", op[1].Pattern)
	}
	if got := strings.Join(doc.Defs.Response.Properties.Error.Enum, ","); got != "acme.BAD,acme.DOWN,acme.LIMIT,acme.LOCKED,acme.TAKEN,other.OOPS" {
		t.Errorf("errors %s", got)
	}
	if got := strings.Join(doc.Defs.Event.Enum, ","); got != "/other/watch,/things/closed/watch,/things/kyc/watch" {
		t.Errorf("events %s", got)
	}
	if got := strings.Join(doc.Defs.Response.Properties.Webhook.Enum, ","); got != "delay,duplicate,reorder,drop,bad-signature,stale-timestamp" {
		t.Errorf("webhook faults %s", got)
	}
	if _, err := Schema([]byte(`{"$defs":{}}`), testVocab(t)); err == nil {
		t.Error("a template without the operation enum was accepted")
	}
}
