package scoring_test

import (
	"math"
	"slices"
	"testing"

	"govkpi/scoring"
)

var diagNaN = math.NaN()

// diagClose reports whether got equals want within tol, treating two NaNs
// as equal so that "undefined" rows can sit in the same tables.
func diagClose(got, want, tol float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return math.Abs(got-want) <= tol
}

// The reference values below were computed independently of this package
// with Python's statistics module and the explicit Excel formulas
//
//	SKEW = n/((n−1)(n−2)) Σ((x−x̄)/s)³
//	KURT = n(n+1)/((n−1)(n−2)(n−3)) Σ((x−x̄)/s)⁴ − 3(n−1)²/((n−2)(n−3))
//
// with s = statistics.stdev (n−1 denominator), and, where small, by hand.
func TestSkewnessKurtosis(t *testing.T) {
	tests := []struct {
		name       string
		xs         []float64
		skew, kurt float64
	}{
		{
			// Microsoft's worked examples for SKEW and KURT use this data
			// and give 0.359543071 and -0.151799637.
			name: "Excel documentation example",
			xs:   []float64{3, 4, 5, 2, 3, 4, 5, 6, 4, 7},
			skew: 0.3595430714067978,
			kurt: -0.15179963720841272,
		},
		{
			// By hand: mean 5, d = -3 -1 -1 -1 0 0 2 4, Σd² = 32, Σd³ = 42,
			// Σd⁴ = 356. g1 = (42/8)/(32/8)^1.5 = 0.65625, G1 = g1·√56/6.
			// r = 8·356/32² = 2.78125, G2 = (9·(r−3)+6)·7/30 = 0.940625.
			name: "hand-checked eight values",
			xs:   []float64{2, 4, 4, 4, 5, 5, 7, 9},
			skew: 0.8184875533567997,
			kurt: 0.940625,
		},
		{
			name: "mirrored data flips the sign of skewness only",
			xs:   []float64{-2, -4, -4, -4, -5, -5, -7, -9},
			skew: -0.8184875533567997,
			kurt: 0.940625,
		},
		{
			// By hand: mean 4, d = -3 -2 -1 6, Σd² = 50, Σd⁴ = 1394,
			// r = 4·1394/2500 = 2.2304, G2 = (5·(r−3)+6)·3/2 = 3.228.
			name: "four values, the fewest kurtosis accepts",
			xs:   []float64{1, 2, 3, 10},
			skew: 1.7636326148038877,
			kurt: 3.228,
		},
		{
			name: "NaN values are left out",
			xs:   []float64{diagNaN, 2, 4, 4, diagNaN, 4, 5, 5, 7, 9, diagNaN},
			skew: 0.8184875533567997,
			kurt: 0.940625,
		},
		{
			name: "three symmetric values: skewness 0, kurtosis undefined",
			xs:   []float64{1, 2, 3},
			skew: 0,
			kurt: diagNaN,
		},
		{
			name: "two values: both undefined",
			xs:   []float64{1, 2},
			skew: diagNaN,
			kurt: diagNaN,
		},
		{
			name: "three present values among NaNs: kurtosis undefined",
			xs:   []float64{1, diagNaN, 2, diagNaN, 3},
			skew: 0,
			kurt: diagNaN,
		},
		{
			// The floating-point mean of six 0.1s is 0.09999999999999999;
			// without an explicit constancy check skewness would come out
			// as 1/√n and kurtosis as a number too.
			name: "constant column",
			xs:   []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1},
			skew: diagNaN,
			kurt: diagNaN,
		},
		{
			name: "constant column with NaNs",
			xs:   []float64{7, diagNaN, 7, 7, 7},
			skew: diagNaN,
			kurt: diagNaN,
		},
		{
			name: "all NaN",
			xs:   []float64{diagNaN, diagNaN, diagNaN, diagNaN},
			skew: diagNaN,
			kurt: diagNaN,
		},
		{
			name: "empty",
			xs:   nil,
			skew: diagNaN,
			kurt: diagNaN,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scoring.Skewness(tt.xs); !diagClose(got, tt.skew, 1e-12) {
				t.Errorf("Skewness = %.17g, want %.17g", got, tt.skew)
			}
			if got := scoring.Kurtosis(tt.xs); !diagClose(got, tt.kurt, 1e-12) {
				t.Errorf("Kurtosis = %.17g, want %.17g", got, tt.kurt)
			}
		})
	}
}

func TestSkewnessKurtosisIgnoreShiftAndScale(t *testing.T) {
	// Both are standardised moments: an affine change of units with a
	// positive factor must not change them (a check against using raw
	// rather than central sums).
	base := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100}
	moved := make([]float64, len(base))
	for i, x := range base {
		moved[i] = 1000 + 3.5*x
	}
	if a, b := scoring.Skewness(base), scoring.Skewness(moved); !diagClose(a, b, 1e-9) {
		t.Errorf("Skewness changed under x → 1000 + 3.5x: %v vs %v", a, b)
	}
	if a, b := scoring.Kurtosis(base), scoring.Kurtosis(moved); !diagClose(a, b, 1e-9) {
		t.Errorf("Kurtosis changed under x → 1000 + 3.5x: %v vs %v", a, b)
	}
}

func TestAvailability(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"all present", []float64{1, 2, 3}, 1},
		{"half missing", []float64{1, diagNaN, 3, diagNaN}, 0.5},
		{"one of three present", []float64{diagNaN, 0, diagNaN}, 1.0 / 3},
		{"zero is a value, not missing", []float64{0, 0}, 1},
		{"all missing", []float64{diagNaN, diagNaN}, 0},
		{"empty column", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scoring.Availability(tt.xs); !diagClose(got, tt.want, 1e-15) {
				t.Errorf("Availability = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPearson(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		want float64
	}{
		{
			// By hand: dx = -2 -1 0 1 2, dy = -2 0 1 0 1, Σdxdy = 6,
			// Σdx² = 10, Σdy² = 6, r = 6/√60 = √0.6.
			name: "hand-checked five pairs",
			x:    []float64{1, 2, 3, 4, 5},
			y:    []float64{2, 4, 5, 4, 5},
			want: math.Sqrt(0.6),
		},
		{
			name: "pairs with a missing side are left out",
			x:    []float64{1, diagNaN, 2, 3, 4, 5, 7},
			y:    []float64{2, 8, 4, 5, 4, 5, diagNaN},
			want: math.Sqrt(0.6),
		},
		{
			name: "exact negative line",
			x:    []float64{1, 2, 3, 4},
			y:    []float64{10, 8, 6, 4},
			want: -1,
		},
		{
			name: "exact positive line in awkward decimals stays within [-1, 1]",
			x:    []float64{0.1, 0.2, 0.3, 0.7, 1.1},
			y:    []float64{0.3, 0.6, 0.9, 2.1, 3.3},
			want: 1,
		},
		{
			name: "extra values of the longer slice have no partner",
			x:    []float64{1, 2, 3, 4, 5, 100},
			y:    []float64{2, 4, 5, 4, 5},
			want: math.Sqrt(0.6),
		},
		{
			name: "two pairs are too few",
			x:    []float64{1, 2, 3},
			y:    []float64{1, diagNaN, 3},
			want: diagNaN,
		},
		{
			name: "constant side",
			x:    []float64{1, 2, 3, 4, 5, 6},
			y:    []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1},
			want: diagNaN,
		},
		{
			name: "constant once missing pairs are dropped",
			x:    []float64{1, 2, 3, 4},
			y:    []float64{5, 5, 5, diagNaN},
			want: diagNaN,
		},
		{
			name: "nil",
			x:    nil,
			y:    nil,
			want: diagNaN,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scoring.Pearson(tt.x, tt.y)
			if !diagClose(got, tt.want, 1e-12) {
				t.Errorf("Pearson = %.17g, want %.17g", got, tt.want)
			}
			if got > 1 || got < -1 {
				t.Errorf("Pearson = %.17g, outside [-1, 1]", got)
			}
		})
	}
}

func TestCorrelationFlags(t *testing.T) {
	// Six units. SH1 and SH2 are near copies; SH3 follows them loosely.
	// SA2 falls as the SA family score rises. References from Python's
	// statistics.correlation:
	//   r(SH1, SH2) = 0.9990489774358359   r(SH1, SH3) = 0.6961696279091428
	//   r(SH2, SH3) = 0.7014520639006228   r(SHi, SH score) ≥ 0.90
	//   r(SA2, SA score) = −1              r(SA1, SA2) = −1 (not collinear)
	cols := map[string][]float64{
		"SH1": {1, 2, 3, 4, 5, 6},
		"SH2": {1.1, 2, 3.1, 4, 5.2, 6},
		"SH3": {3, 1, 4, 1, 5, 9},
		"SA1": {10, 20, 30, 40, 50, 60},
		"SA2": {6, 5, 4, 3, 2, 1},
	}
	shScore := make([]float64, 6)
	for i := range shScore {
		shScore[i] = (cols["SH1"][i] + cols["SH2"][i] + cols["SH3"][i]) / 3
	}
	families := map[string]scoring.FamilyCols{
		"SH": {Score: shScore, Children: []string{"SH1", "SH2", "SH3"}},
		"SA": {Score: []float64{10, 20, 30, 40, 50, 60}, Children: []string{"SA1", "SA2"}},
	}
	both := []scoring.CorrelationFlag{
		{A: "SH1", B: "SH2", R: 0.9990489774358359, Kind: "collinear"},
		{A: "SA2", B: "SA", R: -1, Kind: "negative"},
	}

	// Children listed against the alphabet, a missing column, and a child
	// listed twice.
	oddCols := map[string][]float64{
		"X10": {1, 2, 3, 4, 5},
		"X9":  {1, 2, 3, 4, 5.5},
		"X2":  {5, 4, 3, 2, 1},
	}
	oddFamilies := map[string]scoring.FamilyCols{
		"X": {Score: []float64{1, 2, 3, 4, 5}, Children: []string{"X9", "X10", "X2", "Xgone", "X9"}},
	}

	tests := []struct {
		name        string
		cols        map[string][]float64
		familyOrder []string
		families    map[string]scoring.FamilyCols
		limit       float64
		want        []scoring.CorrelationFlag
	}{
		{
			name:        "near-identical siblings and a negative indicator, in family order",
			cols:        cols,
			familyOrder: []string{"SH", "SA"},
			families:    families,
			limit:       0.9,
			want:        both,
		},
		{
			name:        "family order is the caller's, not the alphabet",
			cols:        cols,
			familyOrder: []string{"SA", "SH"},
			families:    families,
			limit:       0.9,
			want:        []scoring.CorrelationFlag{both[1], both[0]},
		},
		{
			name:        "zero limit selects the default 0.9",
			cols:        cols,
			familyOrder: []string{"SH", "SA"},
			families:    families,
			limit:       0,
			want:        both,
		},
		{
			name:        "a lower limit also flags the looser sibling pairs",
			cols:        cols,
			familyOrder: []string{"SH", "SA"},
			families:    families,
			limit:       0.69,
			want: []scoring.CorrelationFlag{
				{A: "SH1", B: "SH2", R: 0.9990489774358359, Kind: "collinear"},
				{A: "SH1", B: "SH3", R: 0.6961696279091428, Kind: "collinear"},
				{A: "SH2", B: "SH3", R: 0.7014520639006228, Kind: "collinear"},
				{A: "SA2", B: "SA", R: -1, Kind: "negative"},
			},
		},
		{
			name:        "a limit just above the pair's r flags nothing collinear",
			cols:        cols,
			familyOrder: []string{"SH", "SA"},
			families:    families,
			limit:       0.9991,
			want:        both[1:],
		},
		{
			name:        "families missing from the order come after it, by code",
			cols:        cols,
			familyOrder: []string{"nope"},
			families:    families,
			limit:       0.9,
			want:        []scoring.CorrelationFlag{both[1], both[0]},
		},
		{
			// X9 and X10 are collinear (A is the earlier child, X9); X2 runs
			// against the family and against both siblings; the missing
			// column and the repeated X9 add nothing.
			name:        "child order, not the alphabet, and odd children",
			cols:        oddCols,
			familyOrder: []string{"X"},
			families:    oddFamilies,
			limit:       0.9,
			want: []scoring.CorrelationFlag{
				{A: "X9", B: "X10", R: scoring.Pearson(oddCols["X9"], oddCols["X10"]), Kind: "collinear"},
				{A: "X2", B: "X", R: -1, Kind: "negative"},
			},
		},
		{
			name:        "nothing to check",
			cols:        nil,
			familyOrder: nil,
			families:    nil,
			limit:       0.9,
			want:        nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Maps iterate in random order; repeat so that any dependence on
			// it shows.
			for range 20 {
				got := scoring.CorrelationFlags(tt.cols, tt.familyOrder, tt.families, tt.limit)
				if !slices.EqualFunc(got, tt.want, func(a, b scoring.CorrelationFlag) bool {
					return a.A == b.A && a.B == b.B && a.Kind == b.Kind && diagClose(a.R, b.R, 1e-12)
				}) {
					t.Fatalf("CorrelationFlags =\n%+v\nwant\n%+v", got, tt.want)
				}
			}
		})
	}
}

func TestCronbachAlpha(t *testing.T) {
	// Hand-checked scale: three items, four respondents.
	//   item 1: 1 2 3 4  mean 2.5, Σd² = 5, var 5/3
	//   item 2: 2 2 4 4  mean 3,   Σd² = 4, var 4/3
	//   item 3: 1 3 3 5  mean 3,   Σd² = 8, var 8/3
	//   totals: 4 7 10 13  mean 8.5, Σd² = 45, var 15
	//   α = 3/2 · (1 − (17/3)/15) = 3/2 · 28/45 = 14/15
	// Python's statistics.variance over Fractions gives 14/15 as well.
	scale := [][]float64{
		{1, 2, 3, 4},
		{2, 2, 4, 4},
		{1, 3, 3, 5},
	}
	tests := []struct {
		name  string
		items [][]float64
		want  float64
	}{
		{"hand-checked three-item scale", scale, 14.0 / 15},
		{
			name: "respondents with a missing answer are left out",
			items: [][]float64{
				{1, 2, 5, 3, 4, diagNaN},
				{2, 2, diagNaN, 4, 4, 1},
				{1, 3, 1, 3, 5, 5},
			},
			want: 14.0 / 15,
		},
		{
			name: "a respondent beyond a shorter item is incomplete",
			items: [][]float64{
				{1, 2, 3, 4, 5},
				{2, 2, 4, 4},
				{1, 3, 3, 5, 1},
			},
			want: 14.0 / 15,
		},
		{
			// By hand: item vars 5/3 and 5/3; totals 5 4 6 5, var 2/3;
			// α = 2 · (1 − (10/3)/(2/3)) = −8.
			name:  "items that contradict each other give a negative alpha",
			items: [][]float64{{1, 2, 3, 4}, {4, 2, 3, 1}},
			want:  -8,
		},
		{
			name:  "identical items give 1",
			items: [][]float64{{1, 2, 4, 5}, {1, 2, 4, 5}, {1, 2, 4, 5}},
			want:  1,
		},
		{"one item", [][]float64{{1, 2, 3}}, diagNaN},
		{"no items", nil, diagNaN},
		{"one complete respondent", [][]float64{{1, 2, diagNaN}, {3, diagNaN, 4}}, diagNaN},
		{"zero total variance", [][]float64{{1, 2, 3}, {3, 2, 1}}, diagNaN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scoring.CronbachAlpha(tt.items); !diagClose(got, tt.want, 1e-12) {
				t.Errorf("CronbachAlpha = %.17g, want %.17g", got, tt.want)
			}
		})
	}
}

func TestWilson(t *testing.T) {
	const z95 = 1.959963984540054
	tests := []struct {
		name         string
		successes, n int
		z            float64
		lo, hi       float64
		tol          float64
	}{
		// 0/n has the closed form lo = 0, hi = z²/(n+z²) =
		// 3.841458820694124/13.841458820694124; n/n the mirror image.
		{"0 of 10", 0, 10, z95, 0, 0.2775327998628892, 1e-12},
		{"10 of 10", 10, 10, z95, 0.7224672001371107, 1, 1e-12},
		// The doc formula and, independently, the form
		// (2s + z² ± z√(z² + 4s(n−s)/n)) / (2(n+z²)) both give
		// [0.722212, 0.874852]: to 4 dp [0.7222, 0.8749]. Not 0.8751: that
		// is neither this interval nor the continuity-corrected one (0.8789).
		{"81 of 100", 81, 100, z95, 0.7222, 0.8749, 5e-5},
		{"81 of 100 to 12 digits", 81, 100, z95, 0.7222115462093562, 0.8748524849023126, 1e-12},
		{"5 of 10 is symmetric about one half", 5, 10, z95, 0.236593090512564, 0.7634069094874361, 1e-12},
		// The illustrative examples of Newcombe, "Two-sided confidence
		// intervals for the single proportion: comparison of seven
		// methods", Statistics in Medicine 17 (1998) 857–872, with the
		// limits of his score method (no continuity correction), 4 dp.
		{"Newcombe 81 of 263", 81, 263, z95, 0.2553, 0.3662, 5e-5},
		{"Newcombe 15 of 148", 15, 148, z95, 0.0624, 0.1605, 5e-5},
		{"Newcombe 0 of 20", 0, 20, z95, 0, 0.1611, 5e-5},
		{"Newcombe 1 of 29", 1, 29, z95, 0.0061, 0.1718, 5e-5},
		{"z of 0 collapses to the proportion", 3, 4, 0, 0.75, 0.75, 1e-15},
		{"n of 0", 0, 0, z95, diagNaN, diagNaN, 0},
		{"more successes than trials", 11, 10, z95, diagNaN, diagNaN, 0},
		{"negative successes", -1, 10, z95, diagNaN, diagNaN, 0},
		{"negative n", 0, -5, z95, diagNaN, diagNaN, 0},
		{"negative z", 5, 10, -z95, diagNaN, diagNaN, 0},
		{"NaN z", 5, 10, diagNaN, diagNaN, diagNaN, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := scoring.Wilson(tt.successes, tt.n, tt.z)
			if !diagClose(lo, tt.lo, tt.tol) || !diagClose(hi, tt.hi, tt.tol) {
				t.Errorf("Wilson(%d, %d) = [%.17g, %.17g], want [%v, %v] ± %v",
					tt.successes, tt.n, lo, hi, tt.lo, tt.hi, tt.tol)
			}
			if lo < 0 || hi > 1 || lo > hi {
				t.Errorf("Wilson(%d, %d) = [%v, %v], not an interval inside [0, 1]", tt.successes, tt.n, lo, hi)
			}
		})
	}

	t.Run("bounds are exact at 0 and n", func(t *testing.T) {
		for n := 1; n <= 500; n++ {
			if lo, _ := scoring.Wilson(0, n, z95); lo != 0 {
				t.Fatalf("Wilson(0, %d) lo = %.17g, want exactly 0", n, lo)
			}
			if _, hi := scoring.Wilson(n, n, z95); hi != 1 {
				t.Fatalf("Wilson(%d, %d) hi = %.17g, want exactly 1", n, n, hi)
			}
		}
	})
}
