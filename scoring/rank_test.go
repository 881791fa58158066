package scoring

import (
	"math"
	"slices"
	"testing"
)

// nanScore is shorthand for a missing score in the tables below.
var nanScore = math.NaN()

// sumAtRunTime keeps 0.1+0.2 a run-time sum: as a constant expression Go
// would compute it exactly and the float-noise cases would test nothing.
func sumAtRunTime(a, b float64) float64 { return a + b }

// floatsMatchNaN reports whether a and b hold the same values within tol, with
// NaN equal to NaN.
func floatsMatchNaN(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) {
			if math.IsNaN(a[i]) != math.IsNaN(b[i]) {
				return false
			}
			continue
		}
		if a[i] != b[i] && math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}

func TestCompetitionRanks(t *testing.T) {
	noisy := sumAtRunTime(0.1, 0.2)
	if noisy == 0.3 {
		t.Fatal("0.1+0.2 == 0.3 at run time; the float-noise case below would prove nothing")
	}
	tests := []struct {
		name   string
		scores []float64
		want   []int
	}{
		{name: "empty input", scores: nil, want: []int{}},
		{name: "one unit", scores: []float64{42}, want: []int{1}},
		{name: "distinct scores", scores: []float64{3, 9, 1, 5}, want: []int{3, 1, 4, 2}},
		{name: "ties share a rank and the next skips (1-2-2-4)", scores: []float64{9, 7, 7, 3}, want: []int{1, 2, 2, 4}},
		{name: "ties out of order", scores: []float64{3, 7, 9, 7}, want: []int{4, 2, 1, 2}},
		{name: "tie at the top skips rank 2", scores: []float64{5, 5, 4}, want: []int{1, 1, 3}},
		{name: "three-way tie skips two ranks", scores: []float64{8, 6, 6, 6, 2}, want: []int{1, 2, 2, 2, 5}},
		{name: "all tied", scores: []float64{5, 5, 5, 5}, want: []int{1, 1, 1, 1}},
		{name: "NaN among scores is unranked and takes no place", scores: []float64{nanScore, 4, nanScore, 6, 4, 1}, want: []int{0, 2, 0, 1, 2, 4}},
		{name: "all NaN", scores: []float64{nanScore, nanScore}, want: []int{0, 0}},
		{name: "float noise ties (0.1+0.2 with 0.3)", scores: []float64{noisy, 0.3, 0.2}, want: []int{1, 1, 3}},
		{name: "difference below 1e-9 ties", scores: []float64{0.3, 0.3 + 1e-12}, want: []int{1, 1}},
		{name: "difference of 1e-8 does not tie", scores: []float64{0.3, 0.30000001}, want: []int{2, 1}},
		{name: "negative and infinite scores", scores: []float64{-1, math.Inf(1), 0, math.Inf(-1)}, want: []int{3, 1, 2, 4}},
		{name: "large scores", scores: []float64{2e15, 1e300, 2e15}, want: []int{2, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.scores)
			got := CompetitionRanks(tt.scores)
			if !slices.Equal(got, tt.want) {
				t.Errorf("CompetitionRanks(%v) = %v, want %v", tt.scores, got, tt.want)
			}
			if !floatsMatchNaN(in, tt.scores, 0) {
				t.Errorf("CompetitionRanks modified its input: %v, was %v", tt.scores, in)
			}
		})
	}
}

func TestGroupRanks(t *testing.T) {
	tests := []struct {
		name      string
		scores    []float64
		groups    []string
		wantRanks []int
		wantSizes []int
	}{
		{name: "empty input", wantRanks: []int{}, wantSizes: []int{}},
		{name: "one unit", scores: []float64{7}, groups: []string{"a"}, wantRanks: []int{1}, wantSizes: []int{1}},
		{
			name:      "two groups with sizes",
			scores:    []float64{90, 80, 85, 80, 70},
			groups:    []string{"a", "b", "a", "b", "a"},
			wantRanks: []int{1, 1, 2, 1, 3},
			wantSizes: []int{3, 2, 3, 2, 3},
		},
		{
			name:      "empty group name is a group",
			scores:    []float64{1, 2, 3},
			groups:    []string{"", "x", ""},
			wantRanks: []int{2, 1, 1},
			wantSizes: []int{2, 1, 2},
		},
		{
			name:      "ties within a group skip the next rank",
			scores:    []float64{5, 5, 4, 9},
			groups:    []string{"g", "g", "g", "h"},
			wantRanks: []int{1, 1, 3, 1},
			wantSizes: []int{3, 3, 3, 1},
		},
		{
			name:      "NaN is unranked and not counted in the size",
			scores:    []float64{5, nanScore, 3, nanScore},
			groups:    []string{"a", "a", "a", "b"},
			wantRanks: []int{1, 0, 2, 0},
			wantSizes: []int{2, 2, 2, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ranks, sizes := GroupRanks(tt.scores, tt.groups)
			if !slices.Equal(ranks, tt.wantRanks) {
				t.Errorf("ranks = %v, want %v", ranks, tt.wantRanks)
			}
			if !slices.Equal(sizes, tt.wantSizes) {
				t.Errorf("sizes = %v, want %v", sizes, tt.wantSizes)
			}
		})
	}
}

func TestGroupRanksPanicsOnLengthMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("GroupRanks with 2 scores and 1 group did not panic")
		}
	}()
	GroupRanks([]float64{1, 2}, []string{"a"})
}

func TestPercentRanks(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		want   []float64
	}{
		{name: "empty input", scores: nil, want: []float64{}},
		{name: "one unit", scores: []float64{3}, want: []float64{100}},
		{name: "one ranked unit among NaN", scores: []float64{nanScore, 7}, want: []float64{nanScore, 100}},
		{name: "all NaN", scores: []float64{nanScore, nanScore}, want: []float64{nanScore, nanScore}},
		{name: "two units", scores: []float64{1, 2}, want: []float64{0, 100}},
		{name: "distinct scores", scores: []float64{10, 40, 20, 30}, want: []float64{0, 100, 100.0 / 3, 200.0 / 3}},
		// 7 is above one of the three others and ties with one: (1 + ½)/3 = 50 %.
		{name: "ties count half", scores: []float64{9, 7, 7, 3}, want: []float64{100, 50, 50, 0}},
		{name: "all tied", scores: []float64{5, 5, 5}, want: []float64{50, 50, 50}},
		{name: "NaN among scores", scores: []float64{nanScore, 1, 2, nanScore, 3}, want: []float64{nanScore, 0, 50, nanScore, 100}},
		{name: "float noise ties", scores: []float64{sumAtRunTime(0.1, 0.2), 0.3, 0}, want: []float64{75, 75, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PercentRanks(tt.scores)
			if !floatsMatchNaN(got, tt.want, 1e-12) {
				t.Errorf("PercentRanks(%v) = %v, want %v", tt.scores, got, tt.want)
			}
		})
	}
}

func TestQuantile(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		p    float64
		want float64
	}{
		{name: "empty input", xs: nil, p: 0.5, want: nanScore},
		{name: "all NaN", xs: []float64{nanScore, nanScore}, p: 0.5, want: nanScore},
		{name: "n=1", xs: []float64{7}, p: 0.3, want: 7},
		{name: "p=0 is the minimum", xs: []float64{3, 1, 2}, p: 0, want: 1},
		{name: "p=1 is the maximum", xs: []float64{3, 1, 2}, p: 1, want: 3},
		{name: "median of an odd count", xs: []float64{5, 1, 3}, p: 0.5, want: 3},
		// h = 3 × 0.5 = 1.5 → 2 + 0.5 × (3 − 2).
		{name: "median of an even count interpolates", xs: []float64{4, 1, 3, 2}, p: 0.5, want: 2.5},
		// h = 4 × 0.3 = 1.2 → 20 + 0.2 × (30 − 20).
		{name: "interpolation between order statistics", xs: []float64{50, 10, 40, 20, 30}, p: 0.3, want: 22},
		// numpy.quantile(range(1, 11), 0.9) = 9.1: h = 8.1 → 9 + 0.1 × 1.
		{name: "0.9 quantile as numpy", xs: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, p: 0.9, want: 9.1},
		// R quantile(c(1, 2, 4, 8), 0.25, type = 7) = 1.75: h = 0.75.
		{name: "first quartile as R type 7", xs: []float64{8, 4, 2, 1}, p: 0.25, want: 1.75},
		// Without NaN: {1, 3}; h = 0.5 → 2.
		{name: "NaN ignored", xs: []float64{nanScore, 3, nanScore, 1}, p: 0.5, want: 2},
		{name: "infinite neighbour not reached", xs: []float64{1, math.Inf(1)}, p: 0, want: 1},
		{name: "p below 0", xs: []float64{1, 2}, p: -0.1, want: nanScore},
		{name: "p above 1", xs: []float64{1, 2}, p: 1.1, want: nanScore},
		{name: "p NaN", xs: []float64{1, 2}, p: nanScore, want: nanScore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.xs)
			got := Quantile(tt.xs, tt.p)
			if !floatsMatchNaN([]float64{got}, []float64{tt.want}, 1e-12) {
				t.Errorf("Quantile(%v, %v) = %v, want %v", tt.xs, tt.p, got, tt.want)
			}
			if !floatsMatchNaN(in, tt.xs, 0) {
				t.Errorf("Quantile modified its input: %v, was %v", tt.xs, in)
			}
		})
	}
}
