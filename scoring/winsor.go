package scoring

import (
	"math"
	"slices"
)

// COINr's defaults for outlier treatment: Treat() calls winsorise() with
// winmax = 5, skew_thresh = 2 and kurt_thresh = 3.5 (R/treat.R).
const (
	defaultWinsorSkewLimit = 2
	defaultWinsorKurtLimit = 3.5
	defaultWinsorMaxPoints = 5
)

// WinsorResult says what winsorisation did to one column.
//
// Treated is the treated copy (the input is never modified); Points is the
// number of values changed; SkewBefore and KurtBefore describe the input
// and SkewAfter and KurtAfter the output (equal to the former when nothing
// was done). Applied reports whether any value changed.
type WinsorResult struct {
	Treated                                      []float64
	Points                                       int
	SkewBefore, KurtBefore, SkewAfter, KurtAfter float64
	Applied                                      bool
}

// Winsorise applies COINr's default outlier treatment (winsorise() in
// R/treat.R of github.com/bluefoxr/COINr) to a copy of xs.
//
// While |Skewness| > skewLimit and Kurtosis > kurtLimit and fewer than
// maxPoints values have been changed, the most extreme value on the side
// of the skew (the highest when skewness ≥ 0, the lowest otherwise, as
// COINr decides) is replaced by the next distinct value on that side, and
// skewness and kurtosis are computed again. A zero, negative or NaN
// skewLimit, kurtLimit or maxPoints selects COINr's default (2, 3.5, 5).
//
// Ties are handled as COINr does: every value equal to the extreme is
// replaced in the same step and each counts as one point. Values already
// winsorised sit at the new extreme, so they move again together with the
// value they were set to; Points counts each changed unit once. Because the
// cap is checked before each step, a final step that meets a tie can take
// Points past maxPoints (COINr's nwin can exceed winmax the same way).
//
// NaN values are missing: they are left out of skewness and kurtosis and
// stay NaN in Treated. A column with fewer than 4 values, or constant, has
// NaN kurtosis and is never treated.
func Winsorise(xs []float64, skewLimit, kurtLimit float64, maxPoints int) WinsorResult {
	if !(skewLimit > 0) {
		skewLimit = defaultWinsorSkewLimit
	}
	if !(kurtLimit > 0) {
		kurtLimit = defaultWinsorKurtLimit
	}
	if maxPoints <= 0 {
		maxPoints = defaultWinsorMaxPoints
	}

	out := slices.Clone(xs)
	sk, kt := Skewness(out), Kurtosis(out)
	res := WinsorResult{SkewBefore: sk, KurtBefore: kt}
	changed := make([]bool, len(out))
	points := 0
	for points < maxPoints && math.Abs(sk) > skewLimit && kt > kurtLimit {
		extreme, next, ok := winsorTarget(out, sk >= 0)
		if !ok {
			break // cannot happen with a finite, non-constant column
		}
		for i, x := range out {
			if x == extreme {
				out[i] = next
				if !changed[i] {
					changed[i] = true
					points++
				}
			}
		}
		sk, kt = Skewness(out), Kurtosis(out)
	}
	res.Treated = out
	res.Points = points
	res.Applied = points > 0
	res.SkewAfter, res.KurtAfter = sk, kt
	return res
}

// winsorTarget returns the extreme non-NaN value of xs on one side (the
// highest when high, else the lowest) and the next distinct value on that
// side. ok is false when there is no second distinct value.
func winsorTarget(xs []float64, high bool) (extreme, next float64, ok bool) {
	sign := 1.0
	if !high {
		sign = -1 // work on −x so that "highest" covers both sides
	}
	first, second := math.Inf(-1), math.Inf(-1)
	found := false
	for _, x := range xs {
		if math.IsNaN(x) {
			continue
		}
		v := sign * x
		switch {
		case !found || v > first:
			if found {
				second = first
			}
			first, found = v, true
		case v < first && v > second:
			second = v
		}
	}
	if !found || math.IsInf(second, -1) {
		return 0, 0, false
	}
	return sign * first, sign * second, true
}
