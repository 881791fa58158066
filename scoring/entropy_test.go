package scoring

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// entropyExamplesFile mirrors shared/validation/entropy/entropy_examples.json.
type entropyExamplesFile struct {
	Cases []struct {
		ID             string                   `json:"id"`
		Matrix         [][]float64              `json:"matrix"`
		Expected       []json.Number            `json:"expected"`
		Decimals       int                      `json:"decimals"`
		HelperComputed map[string][]json.Number `json:"helper_computed"`
	} `json:"cases"`
}

func TestEntropyPublishedExamples(t *testing.T) {
	var f entropyExamplesFile
	dec := json.NewDecoder(strings.NewReader(string(weightsValidationFile(t, "entropy/entropy_examples.json"))))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("entropy_examples.json: %v", err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("entropy_examples.json has no cases")
	}
	for _, c := range f.Cases {
		t.Run(c.ID, func(t *testing.T) {
			if c.Decimals <= 0 {
				t.Fatalf("case %s does not state its decimals", c.ID)
			}
			w, err := EntropyWeights(c.Matrix, nil, EntropyClassic)
			if err != nil {
				t.Fatal(err)
			}
			if len(w) != len(c.Expected) {
				t.Fatalf("%d weights, %d published", len(w), len(c.Expected))
			}
			for j, num := range c.Expected {
				if !weightsWithin(w[j], weightsFloat(t, num), c.Decimals) {
					t.Errorf("w[%d] = %.8f, published %s (%d decimals)", j, w[j], num, c.Decimals)
				}
			}

			e, d, err := entropyDivergence(c.Matrix, nil, EntropyClassic)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]float64{"weights": w, "entropy_E": e, "divergence_d": d}
			for key, want := range c.HelperComputed {
				g, ok := got[key]
				if !ok {
					t.Errorf("unknown helper_computed key %q", key)
					continue
				}
				for j, num := range want {
					if dd := weightsPrintedDecimals(t, num); !weightsWithin(g[j], weightsFloat(t, num), dd) {
						t.Errorf("%s[%d] = %.12g, given %s", key, j, g[j], num)
					}
				}
			}
		})
	}
}

func TestEntropyWeights(t *testing.T) {
	nan := math.NaN()
	// h returns the normalised entropy −(1/ln m) Σ p ln p of shares p.
	h := func(p ...float64) float64 {
		s := 0.0
		for _, v := range p {
			if v > 0 {
				s -= v * math.Log(v)
			}
		}
		return s / math.Log(float64(len(p)))
	}
	// wOf turns divergences into weights.
	wOf := func(d ...float64) []float64 { return ahpNormalised(d...) }

	tests := []struct {
		name    string
		x       [][]float64
		dirs    []int
		variant string
		want    []float64
		wantErr string
	}{
		{
			name: "constant column gets weight 0", variant: EntropyClassic,
			x:    [][]float64{{1, 5}, {2, 5}, {3, 5}},
			want: []float64{1, 0},
		},
		{
			name: "zero column gets weight 0", variant: EntropyClassic,
			x:    [][]float64{{1, 0, 2}, {2, 0, 2}, {4, 0, 2}},
			want: []float64{1, 0, 0},
		},
		{
			name: "all-equal columns give equal weights", variant: EntropyClassic,
			x:    [][]float64{{2, 7, 0}, {2, 7, 0}, {2, 7, 0}},
			want: []float64{1.0 / 3, 1.0 / 3, 1.0 / 3},
		},
		{
			name: "all-equal columns under minmax", variant: EntropyMinMax,
			x:    [][]float64{{-2, 7}, {-2, 7}},
			want: []float64{0.5, 0.5},
		},
		{
			name: "two units", variant: EntropyClassic,
			x:    [][]float64{{1, 1}, {3, 1}},
			want: []float64{1, 0},
		},
		{
			name: "classic by hand", variant: EntropyClassic,
			x:    [][]float64{{1, 2}, {2, 2}, {3, 4}},
			want: wOf(1-h(1.0/6, 2.0/6, 3.0/6), 1-h(0.25, 0.25, 0.5)),
		},
		{
			name: "classic ignores directions", variant: EntropyClassic,
			x: [][]float64{{1, 2}, {2, 2}, {3, 4}}, dirs: []int{-1, 1},
			want: wOf(1-h(1.0/6, 2.0/6, 3.0/6), 1-h(0.25, 0.25, 0.5)),
		},
		{
			// Column 1 has values for units 1..3 (m = 3), column 2 for units
			// 2 and 4 (m = 2).
			name: "missing values", variant: EntropyClassic,
			x:    [][]float64{{1, nan}, {2, 4}, {3, nan}, {nan, 8}},
			want: wOf(1-h(1.0/6, 2.0/6, 3.0/6), 1-h(1.0/3, 2.0/3)),
		},
		{
			// Benefit column 1, 2, 3 scales to 0, ½, 1; cost column 10, 20,
			// 40 scales to 1, ⅔, 0.
			name: "minmax with a cost column", variant: EntropyMinMax,
			x: [][]float64{{1, 10}, {2, 20}, {3, 40}}, dirs: []int{1, -1},
			want: wOf(1-h(0, 1.0/3, 2.0/3), 1-h(0.6, 0.4, 0)),
		},
		{
			name: "minmax accepts negative values", variant: EntropyMinMax,
			x:    [][]float64{{-1, 10}, {0, 20}, {1, 40}},
			want: wOf(1-h(0, 1.0/3, 2.0/3), 1-h(0, 1.0/4, 3.0/4)),
		},
		{
			name: "minmax with missing values", variant: EntropyMinMax,
			x:    [][]float64{{nan, 1}, {5, 2}, {7, nan}, {6, 3}},
			want: wOf(1-h(0, 2.0/3, 1.0/3), 1-h(0, 1.0/3, 2.0/3)),
		},

		{name: "negative value refused under classic", variant: EntropyClassic, x: [][]float64{{1, 2}, {-3, 4}}, wantErr: "unit 2, criterion 1: -3 is negative"},
		{name: "one unit", variant: EntropyClassic, x: [][]float64{{1, 2}}, wantErr: "1 units, at least 2"},
		{name: "no units", variant: EntropyMinMax, x: nil, wantErr: "0 units"},
		{name: "one value in a column", variant: EntropyClassic, x: [][]float64{{1, nan}, {2, 3}}, wantErr: "criterion 2 has a value for 1 units"},
		{name: "no criteria", variant: EntropyClassic, x: [][]float64{{}, {}}, wantErr: "no criteria"},
		{name: "ragged rows", variant: EntropyClassic, x: [][]float64{{1, 2}, {1}}, wantErr: "unit 2 has 1 values, unit 1 has 2"},
		{name: "infinite value", variant: EntropyMinMax, x: [][]float64{{1}, {math.Inf(1)}}, wantErr: "unit 2, criterion 1: +Inf"},
		{name: "unknown variant", variant: "shannon", x: [][]float64{{1}, {2}}, wantErr: `unknown variant "shannon"`},
		{name: "empty variant", variant: "", x: [][]float64{{1}, {2}}, wantErr: "unknown variant"},
		{name: "bad direction", variant: EntropyMinMax, x: [][]float64{{1}, {2}}, dirs: []int{0}, wantErr: "criterion 1: direction 0"},
		{name: "directions length", variant: EntropyMinMax, x: [][]float64{{1}, {2}}, dirs: []int{1, 1}, wantErr: "2 directions for 1 criteria"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := EntropyWeights(tt.x, tt.dirs, tt.variant)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("EntropyWeights = %v, %v; want error containing %q", w, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(w) != len(tt.want) {
				t.Fatalf("weights %v, want %v", w, tt.want)
			}
			for j := range w {
				if math.Abs(w[j]-tt.want[j]) > 1e-12 {
					t.Errorf("w[%d] = %.17g, want %.17g", j, w[j], tt.want[j])
				}
			}
		})
	}
}

// TestEntropyInvariances checks what each variant must not depend on:
// classic weights ignore a positive scale factor per column; minmax weights
// ignore any increasing affine map, and a cost column equals its negation
// read as a benefit column.
func TestEntropyInvariances(t *testing.T) {
	base := [][]float64{{3, 40, 0.2}, {5, 10, 0.9}, {4, 25, 0.4}, {9, 30, 0.1}, {1, 15, 0.6}}
	transform := func(f func(j int, v float64) float64) [][]float64 {
		out := make([][]float64, len(base))
		for i, row := range base {
			out[i] = make([]float64, len(row))
			for j, v := range row {
				out[i][j] = f(j, v)
			}
		}
		return out
	}
	tests := []struct {
		name    string
		variant string
		x       [][]float64
		dirsX   []int
		y       [][]float64
		dirsY   []int
	}{
		{name: "classic column scale", variant: EntropyClassic, x: base,
			y: transform(func(j int, v float64) float64 { return v * float64(10*j+1) })},
		{name: "minmax affine map", variant: EntropyMinMax, x: base,
			y: transform(func(j int, v float64) float64 { return 7*v - 100*float64(j) })},
		{name: "minmax cost is negated benefit", variant: EntropyMinMax, x: base, dirsX: []int{1, -1, -1},
			y: transform(func(j int, v float64) float64 {
				if j > 0 {
					return -v
				}
				return v
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wx, err := EntropyWeights(tt.x, tt.dirsX, tt.variant)
			if err != nil {
				t.Fatal(err)
			}
			wy, err := EntropyWeights(tt.y, tt.dirsY, tt.variant)
			if err != nil {
				t.Fatal(err)
			}
			for j := range wx {
				if math.Abs(wx[j]-wy[j]) > 1e-12 {
					t.Errorf("w[%d]: %.15g vs %.15g", j, wx[j], wy[j])
				}
			}
		})
	}

	t.Run("the variants differ", func(t *testing.T) {
		c, _ := EntropyWeights(base, nil, EntropyClassic)
		m, _ := EntropyWeights(base, nil, EntropyMinMax)
		if math.Abs(c[0]-m[0]) < 1e-6 {
			t.Errorf("classic %v and minmax %v should differ on this data", c, m)
		}
	})
}

// TestEntropyWeightsSumToOneProperty draws random positive matrices, some
// with missing values, and checks both variants give non-negative weights
// summing to 1.
func TestEntropyWeightsSumToOneProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2026))
	for trial := range 2000 {
		m, k := 2+rng.IntN(40), 1+rng.IntN(12)
		x := make([][]float64, m)
		for i := range x {
			x[i] = make([]float64, k)
			for j := range x[i] {
				x[i][j] = rng.Float64() * math.Pow(10, float64(rng.IntN(7)-3))
				if i >= 2 && rng.IntN(10) == 0 {
					x[i][j] = math.NaN() // units 1 and 2 keep every value
				}
			}
		}
		dirs := make([]int, k)
		for j := range dirs {
			dirs[j] = 1 - 2*rng.IntN(2)
		}
		for _, variant := range []string{EntropyClassic, EntropyMinMax} {
			w, err := EntropyWeights(x, dirs, variant)
			if err != nil {
				t.Fatalf("trial %d %s: %v", trial, variant, err)
			}
			sum := 0.0
			for j, v := range w {
				if !(v >= 0) {
					t.Fatalf("trial %d %s: w[%d] = %v", trial, variant, j, v)
				}
				sum += v
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Fatalf("trial %d %s (m=%d, k=%d): weights sum to %.17g", trial, variant, m, k, sum)
			}
		}
	}
}

func TestMixWeights(t *testing.T) {
	subj := []float64{0.5, 0.3, 0.2}
	obj := []float64{0.1, 0.1, 0.8}
	tests := []struct {
		name    string
		s, o    []float64
		alpha   float64
		want    []float64
		wantErr string
	}{
		{name: "alpha 0 is objective", s: subj, o: obj, alpha: 0, want: obj},
		{name: "alpha 1 is subjective", s: subj, o: obj, alpha: 1, want: subj},
		{name: "half and half", s: subj, o: obj, alpha: 0.5, want: []float64{0.3, 0.2, 0.5}},
		{name: "alpha 0.7", s: subj, o: obj, alpha: 0.7, want: []float64{0.38, 0.24, 0.38}},
		{name: "points out of 100", s: []float64{50, 30, 20}, o: obj, alpha: 0.5, want: []float64{0.3, 0.2, 0.5}},
		{name: "zero weight kept", s: []float64{1, 0}, o: []float64{1, 0}, alpha: 0.4, want: []float64{1, 0}},
		{name: "single criterion", s: []float64{3}, o: []float64{0.2}, alpha: 0.5, want: []float64{1}},

		{name: "alpha below 0", s: subj, o: obj, alpha: -0.1, wantErr: "want a value in [0,1]"},
		{name: "alpha above 1", s: subj, o: obj, alpha: 1.01, wantErr: "want a value in [0,1]"},
		{name: "alpha NaN", s: subj, o: obj, alpha: math.NaN(), wantErr: "want a value in [0,1]"},
		{name: "lengths differ", s: subj, o: obj[:2], alpha: 0.5, wantErr: "3 subjective and 2 objective"},
		{name: "empty", s: nil, o: nil, alpha: 0.5, wantErr: "no weights"},
		{name: "negative weight", s: []float64{1, -1}, o: []float64{1, 1}, alpha: 0.5, wantErr: "subjective weight 2 is -1"},
		{name: "NaN weight", s: []float64{1, 1}, o: []float64{math.NaN(), 1}, alpha: 0.5, wantErr: "objective weight 1 is NaN"},
		{name: "all zero", s: []float64{1, 1}, o: []float64{0, 0}, alpha: 0.5, wantErr: "objective weights are all 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MixWeights(tt.s, tt.o, tt.alpha)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("MixWeights = %v, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			sum := 0.0
			for j := range got {
				sum += got[j]
				if math.Abs(got[j]-tt.want[j]) > 1e-12 {
					t.Errorf("w[%d] = %.17g, want %.17g", j, got[j], tt.want[j])
				}
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("weights sum to %.17g", sum)
			}
		})
	}
}
