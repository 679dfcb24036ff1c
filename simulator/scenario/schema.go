package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/sandbox-dev/fintech-sandbox/simulator/webhook"
)

// Schema derives the JSON Schema of a scenario file for vocabulary v from
// template (the shipped scenarios/scenario.schema.json): the operation ids,
// the vendor wildcards ("weavr.*"), the catalog error names and the webhook
// event paths come from the vendors' declarations, so a new vendor needs
// no schema edit; the webhook faults come from the engine. The rest of the
// template (keys, shapes, descriptions) is kept as it is.
func Schema(template []byte, v Vocabulary) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(template, &doc); err != nil {
		return nil, fmt.Errorf("scenario schema template: %w", err)
	}
	ops := make([]string, 0, len(v.Operations))
	vendors := []string{}
	seen := map[string]bool{}
	for _, op := range v.Operations {
		ops = append(ops, op.ID)
		if !seen[op.Vendor] {
			seen[op.Vendor] = true
			vendors = append(vendors, regexp.QuoteMeta(op.Vendor))
		}
	}
	sort.Strings(ops)
	errs := []string{}
	if v.Catalog != nil {
		for _, d := range v.Catalog.All() {
			errs = append(errs, d.QualifiedName())
		}
	}
	opAny, err := schemaAt(doc, "$defs", "match", "properties", "operation", "anyOf")
	if err != nil {
		return nil, err
	}
	alts, ok := opAny.([]any)
	if !ok || len(alts) != 2 {
		return nil, fmt.Errorf("scenario schema template: match.operation.anyOf must hold an enum and a pattern")
	}
	enum, ok1 := alts[0].(map[string]any)
	wild, ok2 := alts[1].(map[string]any)
	errEnum, err := schemaAt(doc, "$defs", "response", "properties", "error")
	errMap, ok3 := errEnum.(map[string]any)
	if err != nil || !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("scenario schema template: unexpected shape of match.operation or response.error")
	}
	enum["enum"] = ops
	wild["pattern"] = `^(\*|(` + strings.Join(vendors, "|") + `)\.\*)$`
	errMap["enum"] = errs
	event, err1 := schemaAt(doc, "$defs", "event")
	fault, err2 := schemaAt(doc, "$defs", "response", "properties", "webhook")
	eventMap, ok1 := event.(map[string]any)
	faultMap, ok2 := fault.(map[string]any)
	if err1 != nil || err2 != nil || !ok1 || !ok2 {
		return nil, fmt.Errorf("scenario schema template: unexpected shape of $defs.event or response.webhook")
	}
	eventMap["enum"] = append([]string{}, newVocab(v).events...)
	faultMap["enum"] = webhook.FaultKinds()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func schemaAt(doc map[string]any, path ...string) (any, error) {
	var cur any = doc
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("scenario schema template: no %s", strings.Join(path, "."))
		}
		cur = m[p]
	}
	if cur == nil {
		return nil, fmt.Errorf("scenario schema template: no %s", strings.Join(path, "."))
	}
	return cur, nil
}
