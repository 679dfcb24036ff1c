package simulator

import (
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"
	"gopkg.in/yaml.v3"
)

// controlAPIDoc is the OpenAPI document of the control API and the
// simulated routes, served at /__sandbox/openapi.json. A test keeps it in
// step with the routes registered in controlRoutes.
//
//go:embed controlapi.yaml
var controlAPIDoc []byte

// controlAPIJSON converts the embedded document once.
func controlAPIJSON() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(controlAPIDoc, &doc); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

func (s *Server) openapi(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", s.openapiJSON)
}
