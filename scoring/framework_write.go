package scoring

import (
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// WriteYAML writes the framework as a native framework file that
// ReadFrameworkYAML reads back into the same framework: names, weights,
// normalisations, formulas, cards, variables, band sets and AHP matrices.
// The form is canonical: the defaults Validate filled in are written out,
// and the weights of children of an AHP node are left out because reading
// the file derives them from the matrix again. f is not changed.
func (f *Framework) WriteYAML(w io.Writer) error {
	out := *f
	out.Root = canonicalNode(f.Root, false)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("write framework %s %s: %w", f.Code, f.Version, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write framework %s %s: %w", f.Code, f.Version, err)
	}
	return nil
}

// canonicalNode copies n and its subtree as they are written; underAHP
// says the parent's matrix gives n its weight.
func canonicalNode(n *Node, underAHP bool) *Node {
	if n == nil {
		return nil
	}
	c := &Node{Code: n.Code, NameZh: n.NameZh, NameEn: n.NameEn, Unit: n.Unit, Direction: n.Direction,
		Weight: n.Weight, Normalise: n.Normalise, Aggregate: n.Aggregate, Formula: n.Formula,
		MinSample: n.MinSample, Card: n.Card, Weighting: n.Weighting, Bands: n.Bands}
	if underAHP {
		c.Weight = nil
	}
	if n.AHP != nil {
		spec := *n.AHP
		c.AHP = &spec
	}
	for _, ch := range n.Children {
		c.Children = append(c.Children, canonicalNode(ch, n.AHP != nil))
	}
	return c
}
