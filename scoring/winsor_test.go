package scoring_test

import (
	"math"
	"slices"
	"testing"

	"govkpi/scoring"
)

// diagRepeat returns n copies of v.
func diagRepeat(v float64, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = v
	}
	return xs
}

// diagSameFloats reports whether a and b hold the same values, NaN matching
// NaN.
func diagSameFloats(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool {
		return x == y || (math.IsNaN(x) && math.IsNaN(y))
	})
}

// Expected columns and statistics were computed independently with a
// Python transcription of COINr's winsorise() loop (R/treat.R) over the
// Excel SKEW/KURT formulas (see TestSkewnessKurtosis); the treated values
// can be read off by hand.
func TestWinsorise(t *testing.T) {
	tail := []float64{1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 20, 30, 50, 100, 200, 500, 1000}
	tailTreated := []float64{1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 20, 30, 50, 100, 100, 100, 100}

	withNaN := slices.Insert(slices.Clone(tail), 3, math.NaN())
	withNaN = append([]float64{math.NaN()}, withNaN...)
	withNaNTreated := slices.Insert(slices.Clone(tailTreated), 3, math.NaN())
	withNaNTreated = append([]float64{math.NaN()}, withNaNTreated...)

	excel := []float64{3, 4, 5, 2, 3, 4, 5, 6, 4, 7}
	heavy := append(diagRepeat(1, 50), 1000, 1001, 1002, 1003, 1004, 1005, 1006)
	heavyTreated := append(diagRepeat(1, 50), 1000, 1001, 1001, 1001, 1001, 1001, 1001)
	tied := append(diagRepeat(1, 50), 2, 1000, 1000, 1001, 1002, 1003, 1004)

	tests := []struct {
		name                 string
		xs                   []float64
		skewLimit, kurtLimit float64
		maxPoints            int
		want                 []float64
		points               int
		skewBefore, kurtBef  float64
		skewAfter, kurtAfter float64
	}{
		{
			// 1000 → 500, then both → 200, then all three → 100: three
			// steps, three points, each now equal to the 4th highest value.
			name: "long right tail: three points to the next-highest value",
			xs:   tail, skewLimit: 2, kurtLimit: 3.5, maxPoints: 5,
			want: tailTreated, points: 3,
			skewBefore: 3.838264337172819, kurtBef: 15.466557396034649,
			skewAfter: 1.8021386005396283, kurtAfter: 1.6718202747107807,
		},
		{
			name: "NaNs are ignored and stay where they were",
			xs:   withNaN, skewLimit: 2, kurtLimit: 3.5, maxPoints: 5,
			want: withNaNTreated, points: 3,
			skewBefore: 3.838264337172819, kurtBef: 15.466557396034649,
			skewAfter: 1.8021386005396283, kurtAfter: 1.6718202747107807,
		},
		{
			name: "zero limits select COINr's defaults",
			xs:   tail, skewLimit: 0, kurtLimit: 0, maxPoints: 0,
			want: tailTreated, points: 3,
			skewBefore: 3.838264337172819, kurtBef: 15.466557396034649,
			skewAfter: 1.8021386005396283, kurtAfter: 1.6718202747107807,
		},
		{
			name: "a cap of two stops after two points though still skewed",
			xs:   tail, skewLimit: 2, kurtLimit: 3.5, maxPoints: 2,
			want:       []float64{1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 20, 30, 50, 100, 200, 200, 200},
			points:     2,
			skewBefore: 3.838264337172819, kurtBef: 15.466557396034649,
			skewAfter: 2.2407206060074505, kurtAfter: 3.6822819415914365,
		},
		{
			// The example in COINr's winsorise() documentation.
			name: "COINr's own example: 1 to 10, 30, 100",
			xs:   []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100}, skewLimit: 2, kurtLimit: 3.5, maxPoints: 5,
			want:       []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 30},
			points:     1,
			skewBefore: 3.0632410342394985, kurtBef: 9.741390834569142,
			skewAfter: 1.71203806008905, kurtAfter: 1.8157805377242022,
		},
		{
			name: "long left tail: the lowest value rises to the next-lowest",
			xs:   []float64{-100, -30, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, skewLimit: 2, kurtLimit: 3.5, maxPoints: 5,
			want:       []float64{-30, -30, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			points:     1,
			skewBefore: -2.894966560644487, kurtBef: 8.65036082873121,
			skewAfter: -1.8826888048451635, kurtAfter: 2.2192871956224467,
		},
		{
			name: "tied maxima move together and count one point each",
			xs:   []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 500, 500}, skewLimit: 2, kurtLimit: 3.5, maxPoints: 5,
			want:       []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 20, 20},
			points:     2,
			skewBefore: 3.0501334716601374, kurtBef: 8.050935763624146,
			skewAfter: -0.09449573196380354, kurtAfter: -1.2937726367728524,
		},
		{
			// A heavy cluster of outliers: five points move and the column
			// still fails the test, which is where COINr turns to a log
			// transform.
			name: "stops at five points though still skewed",
			xs:   heavy, skewLimit: 2, kurtLimit: 3.5, maxPoints: 5,
			want: heavyTreated, points: 5,
			skewBefore: 2.3610604544343112, kurtBef: 3.7034231818137746,
			skewAfter: 2.3610397876908293, kurtAfter: 3.7032773492696984,
		},
		{
			// Four steps move four points to 1000, where two values already
			// sat; the fifth step then moves all six at once (to 2), taking
			// Points to 6, as COINr's nwin would.
			name: "a tie on the last allowed step can pass the cap",
			xs:   tied, skewLimit: 2, kurtLimit: 3.5, maxPoints: 5,
			want:       append(diagRepeat(1, 50), diagRepeat(2, 7)...),
			points:     6,
			skewBefore: 2.6425453507222283, kurtBef: 5.163096734639475,
			skewAfter: 2.3610391324846725, kurtAfter: 3.7032727272727337,
		},
		{
			name: "no outliers: nothing applied",
			xs:   excel, skewLimit: 2, kurtLimit: 3.5, maxPoints: 5,
			want: excel, points: 0,
			skewBefore: 0.3595430714067978, kurtBef: -0.15179963720841272,
			skewAfter: 0.3595430714067978, kurtAfter: -0.15179963720841272,
		},
		{
			// Skewness 2.03 is over 2 but kurtosis 2.58 is under 3.5; both
			// must fail for treatment.
			name: "skewed but not heavy-tailed: nothing applied",
			xs:   []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, 100}, skewLimit: 2, kurtLimit: 3.5, maxPoints: 5,
			want:       []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, 100},
			points:     0,
			skewBefore: 2.0297931901774704, kurtBef: 2.5771858357018136,
			skewAfter: 2.0297931901774704, kurtAfter: 2.5771858357018136,
		},
		{
			name: "three values: kurtosis undefined, nothing applied",
			xs:   []float64{1, 2, 1000}, skewLimit: 2, kurtLimit: 3.5, maxPoints: 5,
			want:       []float64{1, 2, 1000},
			points:     0,
			skewBefore: scoring.Skewness([]float64{1, 2, 1000}), kurtBef: math.NaN(),
			skewAfter: scoring.Skewness([]float64{1, 2, 1000}), kurtAfter: math.NaN(),
		},
		{
			name: "constant column: nothing applied",
			xs:   []float64{4, 4, math.NaN(), 4, 4}, skewLimit: 2, kurtLimit: 3.5, maxPoints: 5,
			want:       []float64{4, 4, math.NaN(), 4, 4},
			points:     0,
			skewBefore: math.NaN(), kurtBef: math.NaN(),
			skewAfter: math.NaN(), kurtAfter: math.NaN(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.xs)
			got := scoring.Winsorise(tt.xs, tt.skewLimit, tt.kurtLimit, tt.maxPoints)

			if !diagSameFloats(tt.xs, in) {
				t.Errorf("input modified: %v, was %v", tt.xs, in)
			}
			if !diagSameFloats(got.Treated, tt.want) {
				t.Errorf("Treated = %v, want %v", got.Treated, tt.want)
			}
			if got.Points != tt.points {
				t.Errorf("Points = %d, want %d", got.Points, tt.points)
			}
			if got.Applied != (tt.points > 0) {
				t.Errorf("Applied = %v, want %v", got.Applied, tt.points > 0)
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{
				{"SkewBefore", got.SkewBefore, tt.skewBefore},
				{"KurtBefore", got.KurtBefore, tt.kurtBef},
				{"SkewAfter", got.SkewAfter, tt.skewAfter},
				{"KurtAfter", got.KurtAfter, tt.kurtAfter},
			} {
				if !diagClose(c.got, c.want, 1e-9) {
					t.Errorf("%s = %.17g, want %.17g", c.what, c.got, c.want)
				}
			}
			if got.Applied && !(math.Abs(got.SkewAfter) < math.Abs(got.SkewBefore) && got.KurtAfter < got.KurtBefore) {
				t.Errorf("treatment did not reduce skew and kurtosis: %+v", got)
			}
			if len(tt.xs) > 0 && &got.Treated[0] == &tt.xs[0] {
				t.Error("Treated shares the input's backing array")
			}
		})
	}
}

func TestWinsoriseNil(t *testing.T) {
	got := scoring.Winsorise(nil, 2, 3.5, 5)
	if len(got.Treated) != 0 || got.Points != 0 || got.Applied {
		t.Errorf("Winsorise(nil) = %+v, want an empty, untreated result", got)
	}
}
