package scoring

import (
	"errors"
	"fmt"
	"math"
)

// Entropy variants, named distinctly because they give different weights
// for the same data.
const (
	// EntropyClassic computes shares on the raw values (values must be ≥ 0);
	// it reproduces the published weights of Xu (2004) and Zavadskas &
	// Podvezko (2016).
	EntropyClassic = "classic"
	// EntropyMinMax first min-max scales each column to [0,1], reversing cost
	// columns: the common Chinese textbook form of 熵权法.
	EntropyMinMax = "minmax"
)

// EntropyWeights computes entropy weights for the columns of x (x[i][j]:
// unit i, criterion j). Classic: p_ij = x_ij/Σ_i x_ij on raw values (a
// negative value is an error), E_j = −(1/ln m) Σ_i p_ij ln p_ij with
// 0·ln 0 = 0, d_j = 1 − E_j and w_j = d_j/Σ d. MinMax: each column is first
// scaled to [0,1] by (x − min)/(max − min), or (max − x)/(max − min) for a
// cost column (dirs[j] = −1), then the classic steps follow. NaN is a
// missing value: it is left out of its column, and m counts the units that
// have a value in that column. A constant column gets d_j = 0; if every d_j
// is 0 the weights are equal. Fewer than 2 units (in x, or with a value in
// some column) is an error. dirs may be nil (every column a benefit, +1);
// only MinMax uses them, since classic shares of raw values have no
// direction (the published classic examples ignore cost columns too).
func EntropyWeights(x [][]float64, dirs []int, variant string) ([]float64, error) {
	_, d, err := entropyDivergence(x, dirs, variant)
	if err != nil {
		return nil, err
	}
	k := len(d)
	total := 0.0
	for _, v := range d {
		total += v
	}
	w := make([]float64, k)
	if total == 0 {
		for j := range w {
			w[j] = 1 / float64(k)
		}
		return w, nil
	}
	for j, v := range d {
		w[j] = v / total
	}
	return w, nil
}

// entropyDivergence returns the entropy E_j and divergence d_j = 1 − E_j of
// every column, with the validation of EntropyWeights.
func entropyDivergence(x [][]float64, dirs []int, variant string) (e, d []float64, err error) {
	if variant != EntropyClassic && variant != EntropyMinMax {
		return nil, nil, fmt.Errorf("entropy weights: unknown variant %q (want %q or %q)", variant, EntropyClassic, EntropyMinMax)
	}
	if len(x) < 2 {
		return nil, nil, fmt.Errorf("entropy weights: %d units, at least 2 are needed", len(x))
	}
	k := len(x[0])
	if k == 0 {
		return nil, nil, errors.New("entropy weights: no criteria")
	}
	for i, row := range x {
		if len(row) != k {
			return nil, nil, fmt.Errorf("entropy weights: unit %d has %d values, unit 1 has %d", i+1, len(row), k)
		}
	}
	if dirs != nil && len(dirs) != k {
		return nil, nil, fmt.Errorf("entropy weights: %d directions for %d criteria", len(dirs), k)
	}
	e = make([]float64, k)
	d = make([]float64, k)
	col := make([]float64, 0, len(x))
	for j := range k {
		dir := 1
		if dirs != nil {
			dir = dirs[j]
		}
		if dir != 1 && dir != -1 {
			return nil, nil, fmt.Errorf("entropy weights: criterion %d: direction %d, want 1 or -1", j+1, dir)
		}
		col = col[:0]
		for i, row := range x {
			v := row[j]
			switch {
			case math.IsNaN(v):
				continue
			case math.IsInf(v, 0):
				return nil, nil, fmt.Errorf("entropy weights: unit %d, criterion %d: %v is not a number", i+1, j+1, v)
			case v < 0 && variant == EntropyClassic:
				return nil, nil, fmt.Errorf("entropy weights: unit %d, criterion %d: %g is negative; classic entropy needs values ≥ 0 (use %q)", i+1, j+1, v, EntropyMinMax)
			}
			col = append(col, v)
		}
		if len(col) < 2 {
			return nil, nil, fmt.Errorf("entropy weights: criterion %d has a value for %d units, at least 2 are needed", j+1, len(col))
		}
		lo, hi := col[0], col[0]
		for _, v := range col {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo == hi {
			// No spread, no information; computing would leave 1 − E ≈ ±1e-16.
			e[j], d[j] = 1, 0
			continue
		}
		if variant == EntropyMinMax {
			for i, v := range col {
				if dir == 1 {
					col[i] = (v - lo) / (hi - lo)
				} else {
					col[i] = (hi - v) / (hi - lo)
				}
			}
		}
		e[j] = entropyOf(col)
		d[j] = max(0, 1-e[j])
	}
	return e, d, nil
}

// entropyOf returns −(1/ln m) Σ p ln p for the shares p of the non-negative
// values v (m = len(v) ≥ 2, Σ v > 0), with 0·ln 0 = 0.
func entropyOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	h := 0.0
	for _, x := range v {
		if x > 0 {
			p := x / s
			h -= p * math.Log(p)
		}
	}
	return h / math.Log(float64(len(v)))
}

// MixWeights returns α·subjective + (1 − α)·objective, re-normalised to sum
// 1, with α in [0,1]. Each input is first scaled to sum 1, so subjective
// weights given as points out of 100 mix on the same footing as entropy
// weights. The inputs must have the same length, no negative or NaN entry
// and a positive sum.
func MixWeights(subjective, objective []float64, alpha float64) ([]float64, error) {
	if math.IsNaN(alpha) || alpha < 0 || alpha > 1 {
		return nil, fmt.Errorf("mix weights: α = %v, want a value in [0,1]", alpha)
	}
	if len(subjective) != len(objective) {
		return nil, fmt.Errorf("mix weights: %d subjective and %d objective weights", len(subjective), len(objective))
	}
	if len(subjective) == 0 {
		return nil, errors.New("mix weights: no weights")
	}
	s, err := mixScaled(subjective, "subjective")
	if err != nil {
		return nil, err
	}
	o, err := mixScaled(objective, "objective")
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(s))
	total := 0.0
	for j := range s {
		out[j] = alpha*s[j] + (1-alpha)*o[j]
		total += out[j]
	}
	for j := range out {
		out[j] /= total
	}
	return out, nil
}

// mixScaled returns w scaled to sum 1, refusing negative, NaN or infinite
// entries and a zero sum.
func mixScaled(w []float64, what string) ([]float64, error) {
	total := 0.0
	for j, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, fmt.Errorf("mix weights: %s weight %d is %v, want a number ≥ 0", what, j+1, v)
		}
		total += v
	}
	if total == 0 {
		return nil, fmt.Errorf("mix weights: the %s weights are all 0", what)
	}
	out := make([]float64, len(w))
	for j, v := range w {
		out[j] = v / total
	}
	return out, nil
}
