package scoring

import "fmt"

// applyAHP sets a node's child weights from its pairwise comparison matrix
// and records the consistency ratio; a matrix above the CR limit is refused.
func applyAHP(n *Node) error {
	spec := n.AHP
	if len(spec.Names) != len(n.Children) {
		return fmt.Errorf("ahp names %d children, the node has %d", len(spec.Names), len(n.Children))
	}
	pos := map[string]int{}
	for i, name := range spec.Names {
		pos[name] = i
	}
	for _, c := range n.Children {
		if _, ok := pos[c.Code]; !ok {
			return fmt.Errorf("ahp names do not include child %q", c.Code)
		}
	}
	if len(spec.Matrix) != len(spec.Names) {
		return fmt.Errorf("ahp matrix has %d rows for %d names", len(spec.Matrix), len(spec.Names))
	}
	m := make([][]float64, len(spec.Matrix))
	for i, row := range spec.Matrix {
		if len(row) != len(spec.Names) {
			return fmt.Errorf("ahp matrix row %d has %d cells, want %d", i+1, len(row), len(spec.Names))
		}
		m[i] = make([]float64, len(row))
		for j, cell := range row {
			v, err := ahpParseCell(cell)
			if err != nil {
				return fmt.Errorf("ahp matrix row %d column %d: %v", i+1, j+1, err)
			}
			m[i][j] = v
		}
	}
	if err := CheckReciprocal(m); err != nil {
		return fmt.Errorf("ahp matrix: %w", err)
	}
	riName := spec.RI
	if riName == "" {
		riName = "saaty2005"
	}
	ri, ok := RITables()[riName]
	if !ok {
		return fmt.Errorf("ahp: unknown RI table %q (saaty2005, dd1991 or saaty1980)", riName)
	}
	maxCR := spec.MaxCR
	if maxCR == 0 {
		maxCR = 0.10
	}
	res, err := AHP(spec.Names, m, ri, maxCR)
	if err != nil {
		return err
	}
	spec.CR = res.CR
	for _, c := range n.Children {
		w := res.Weights[pos[c.Code]]
		c.Weight = &w
	}
	return nil
}
