package scenario

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// definitionDigest identifies the definition a scenario's YAML node
// gives: a hash of its content — kinds, resolved tags, values, aliases
// replaced by what they name — and of nothing else: not where it is
// written (file, line, column), not comments, layout (block or flow),
// quoting style or anchor names, not the order of mapping keys (which
// never matters to a scenario). A reload keeps the counters of a scenario
// whose digest did not change.
func definitionDigest(n *yaml.Node) string {
	d := digester{sums: map[*yaml.Node][sha256.Size]byte{}, open: map[*yaml.Node]bool{}}
	sum := d.sum(n)
	return hex.EncodeToString(sum[:])
}

// digester hashes a node tree bottom up; each node is hashed once, so an
// alias used many times costs one hash (no exponential expansion).
type digester struct {
	sums map[*yaml.Node][sha256.Size]byte
	open map[*yaml.Node]bool // being hashed: an alias back to one is a cycle
}

func (d *digester) sum(n *yaml.Node) [sha256.Size]byte {
	for n.Kind == yaml.AliasNode && n.Alias != nil { // an anchor is never on an alias
		n = n.Alias
	}
	if s, ok := d.sums[n]; ok {
		return s
	}
	if d.open[n] {
		return sha256.Sum256([]byte("cycle"))
	}
	d.open[n] = true
	defer delete(d.open, n)
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%d\x00%s\x00", n.Kind, n.ShortTag(), len(n.Value), n.Value)
	var parts [][sha256.Size]byte
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := d.sum(n.Content[i]), d.sum(n.Content[i+1])
			parts = append(parts, sha256.Sum256(append(k[:], v[:]...)))
		}
		slices.SortFunc(parts, func(a, b [sha256.Size]byte) int { return bytes.Compare(a[:], b[:]) })
	} else {
		for _, c := range n.Content {
			parts = append(parts, d.sum(c))
		}
	}
	for _, p := range parts {
		h.Write(p[:])
	}
	var s [sha256.Size]byte
	h.Sum(s[:0])
	d.sums[n] = s
	return s
}
