package scoring

import (
	"fmt"
	"math"
)

// normaliseColumn turns one indicator's raw values into scores. dir is the
// indicator's direction; targets and worsts are the per-unit values for the
// distance-to-target method (nil when constants are used). Missing values
// (NaN) stay missing. The column is not modified.
func normaliseColumn(raw []float64, dir int, m Normalisation, targets, worsts []float64) ([]float64, error) {
	n := len(raw)
	x := make([]float64, n)
	copy(x, raw)
	if m.Log {
		for i, v := range x {
			if math.IsNaN(v) {
				continue
			}
			if v <= -1 {
				return nil, fmt.Errorf("log(1+x) needs values above -1, unit %d has %v", i+1, v)
			}
			x[i] = math.Log1p(v)
		}
	}
	out := make([]float64, n)
	d := float64(dir)
	switch m.Method {
	case NormMinMax, NormMinMax1:
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range x {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v*d), math.Max(hi, v*d)
			}
		}
		from, span := 0.0, 100.0
		if m.Method == NormMinMax1 {
			from, span = 1, 99
		}
		for i, v := range x {
			switch {
			case math.IsNaN(v):
				out[i] = math.NaN()
			case hi == lo:
				// A constant column carries no information: every unit gets
				// the middle of the scale rather than a division by zero.
				out[i] = from + span/2
			default:
				out[i] = from + (v*d-lo)/(hi-lo)*span
			}
		}
	case NormZScore:
		mean, sd, cnt := meanSD(x)
		for i, v := range x {
			switch {
			case math.IsNaN(v) || cnt < 2:
				out[i] = math.NaN()
			case sd == 0:
				out[i] = 0
			default:
				out[i] = (v - mean) / sd * d
			}
			if m.Rescale && !math.IsNaN(out[i]) {
				out[i] = m.Mean + m.SD*out[i]
			}
		}
	case NormGoalposts:
		worst, best := *m.Worst, *m.Best
		if m.Log {
			worst, best = math.Log1p(worst), math.Log1p(best)
		}
		for i, v := range x {
			out[i] = clamp100((v - worst) / (best - worst) * 100)
		}
	case NormTarget:
		for i, v := range x {
			t, w := pick(m.Target, targets, i), pick(m.Worst, worsts, i)
			if m.Log {
				t, w = math.Log1p(t), math.Log1p(w)
			}
			if math.IsNaN(t) || math.IsNaN(w) || t == w {
				out[i] = math.NaN()
				continue
			}
			out[i] = clamp100((v - w) / (t - w) * 100)
		}
	case NormRank:
		signed := make([]float64, n)
		for i, v := range x {
			signed[i] = v * d
		}
		copy(out, PercentRanks(signed))
	case NormNone:
		copy(out, x)
	default:
		return nil, fmt.Errorf("unknown normalisation %q", m.Method)
	}
	return out, nil
}

func pick(constant *float64, perUnit []float64, i int) float64 {
	if perUnit != nil {
		return perUnit[i]
	}
	if constant != nil {
		return *constant
	}
	return math.NaN()
}

// clamp100 truncates to [0,100], keeping NaN.
func clamp100(v float64) float64 {
	switch {
	case math.IsNaN(v):
		return v
	case v < 0:
		return 0
	case v > 100:
		return 100
	}
	return v
}

// meanSD returns the mean and the sample standard deviation (n − 1) of the
// present values, and how many there were.
func meanSD(x []float64) (mean, sd float64, n int) {
	sum := 0.0
	for _, v := range x {
		if !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN(), math.NaN(), 0
	}
	mean = sum / float64(n)
	if n < 2 {
		return mean, math.NaN(), n
	}
	ss := 0.0
	for _, v := range x {
		if !math.IsNaN(v) {
			ss += (v - mean) * (v - mean)
		}
	}
	return mean, math.Sqrt(ss / float64(n-1)), n
}
