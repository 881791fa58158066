package scoring

import "testing"

func TestDefaultNilProbe(t *testing.T) {
	for _, f := range []string{"x >= 1 ? (x - 1) / 4 * 100 : nil", "x >= 1 ? (x - 1) / 4 * 100 : 0/0", "x / y", "(x-1)/4*100"} {
		n := &Node{Code: "T", Formula: f}
		var probs []string
		compileFormula(n, map[string]bool{"x": true, "y": true}, true, func(s string, a ...any) { probs = append(probs, s) })
		if len(probs) > 0 {
			t.Logf("%s: compile %v", f, probs)
			continue
		}
		for _, x := range []float64{0, 1, 3, 5} {
			v, err := runFormula(n, map[string]any{"x": x, "y": 0.0})
			t.Logf("%s x=%v: %v %v", f, x, v, err)
		}
	}
}
