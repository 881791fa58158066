package scoring

import (
	"fmt"
	"math"

	"github.com/expr-lang/expr/vm"
)

// runFormula evaluates an indicator's compiled formula with env holding
// every variable it names. The formula language is expr's: arithmetic,
// comparisons, and/or/not, the ternary ?:, and min, max, abs, ceil, floor,
// round.
func runFormula(n *Node, env map[string]any) (float64, error) {
	var machine vm.VM
	out, err := machine.Run(n.program, env)
	if err != nil {
		return math.NaN(), err
	}
	switch v := out.(type) {
	case float64:
		return v, nil
	case int:
		return float64(v), nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case nil:
		return math.NaN(), nil
	}
	return math.NaN(), fmt.Errorf("formula gave %T, not a number", out)
}
