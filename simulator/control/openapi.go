package control

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sandbox-dev/fintech-sandbox/simulator/contract"
)

// baseDoc is the OpenAPI document of the control API's own routes; OpenAPI
// adds each vendor's data collections and operations. A test keeps it in
// step with the routes Mount registers.
//
//go:embed controlapi.yaml
var baseDoc []byte

// OpenAPI is the document served at /__sandbox/openapi.json: the control
// API, each vendor's collections and each simulated operation, derived
// from the vendors' declarations.
func OpenAPI(vendors []*contract.Vendor) ([]byte, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(baseDoc, &doc); err != nil {
		return nil, fmt.Errorf("control: controlapi.yaml: %w", err)
	}
	paths, _ := doc["paths"].(map[string]any)
	if paths == nil {
		return nil, fmt.Errorf("control: controlapi.yaml has no paths")
	}
	session := map[string]any{"$ref": "#/components/parameters/session"}
	ok := map[string]any{"$ref": "#/components/responses/ok"}
	errResp := map[string]any{"$ref": "#/components/responses/error"}
	for _, v := range vendors {
		for _, col := range v.Data {
			base := fmt.Sprintf("%s/sessions/{session}/%s/%s", Prefix, v.Name, col.Name)
			params := []any{
				map[string]any{"name": "offset", "in": "query", "schema": map[string]any{"type": "integer"}},
				map[string]any{"name": "limit", "in": "query", "schema": map[string]any{"type": "integer"}},
			}
			if col.Search != "" {
				params = append([]any{map[string]any{"name": col.Search, "in": "query", "schema": map[string]any{"type": "string"}, "description": col.SearchHelp}}, params...)
			}
			paths[base] = map[string]any{
				"parameters": []any{session},
				"get": map[string]any{"summary": col.Summary, "parameters": params,
					"responses": map[string]any{"200": ok, "400": errResp}},
			}
			paths[base+"/{id}"] = map[string]any{
				"parameters": []any{session, map[string]any{"name": "id", "in": "path", "required": true, "schema": map[string]any{"type": "string"}}},
				"get":        map[string]any{"summary": "one " + col.Item, "responses": map[string]any{"200": ok, "404": errResp}},
			}
			for _, act := range col.Actions {
				post := map[string]any{"summary": act.Summary, "responses": map[string]any{"200": ok, "204": map[string]any{"description": "done"}, "400": errResp, "404": errResp, "409": errResp}}
				if act.Example != "" {
					post["requestBody"] = map[string]any{"content": map[string]any{"application/json": map[string]any{
						"schema": map[string]any{"type": "object"}, "example": json.RawMessage(act.Example)}}}
				}
				paths[base+"/{id}/"+act.Name] = map[string]any{
					"parameters": []any{session, map[string]any{"name": "id", "in": "path", "required": true, "schema": map[string]any{"type": "string"}}},
					"post":       post,
				}
			}
		}
		for _, op := range v.Operations {
			item, _ := paths[op.Path].(map[string]any)
			if item == nil {
				item = map[string]any{}
				if params := pathParams(op.Path); len(params) > 0 {
					item["parameters"] = params
				}
				paths[op.Path] = item
			}
			item[strings.ToLower(op.Method)] = map[string]any{
				"summary":   fmt.Sprintf("%s: %s (%s); see the vendor's own document", v.Title, op.Summary, op.ID),
				"security":  []any{},
				"responses": map[string]any{"default": map[string]any{"description": "as the vendor answers"}},
			}
		}
	}
	return json.Marshal(doc)
}

// pathParams declares the {name} parameters of an OpenAPI path template,
// including those inside a segment (OData's Customers({id})).
func pathParams(path string) []any {
	var out []any
	for rest := path; ; {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			return out
		}
		out = append(out, map[string]any{"name": rest[i+1 : j], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		rest = rest[j+1:]
	}
}
