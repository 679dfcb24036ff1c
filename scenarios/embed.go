// Package scenarios embeds the shipped scenario catalog: one scenario per
// documented error of both vendors plus common flows (rate-limited then
// recovers, flaky then succeeds, slow vendor). `--scenarios DIR` adds to
// it or replaces entries by name.
package scenarios

import "embed"

// FS holds the shipped *.yaml scenario files.
//
//go:embed *.yaml
var FS embed.FS

// Schema is the JSON Schema of a scenario file, for editors (see README).
//
//go:embed scenario.schema.json
var Schema []byte
