package scoring

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func fp(v float64) *float64 { return &v }

var nan = math.NaN()

func closeTo(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) < 1e-9
}

func TestNormalise(t *testing.T) {
	cases := []struct {
		name string
		raw  []float64
		dir  int
		m    Normalisation
		want []float64
	}{
		{"minmax", []float64{2, 4, 6}, 1, Normalisation{Method: NormMinMax}, []float64{0, 50, 100}},
		{"minmax lower is better", []float64{2, 4, 6}, -1, Normalisation{Method: NormMinMax}, []float64{100, 50, 0}},
		{"minmax keeps missing", []float64{2, nan, 6}, 1, Normalisation{Method: NormMinMax}, []float64{0, nan, 100}},
		{"minmax constant column", []float64{5, 5, 5}, 1, Normalisation{Method: NormMinMax}, []float64{50, 50, 50}},
		{"minmax all missing", []float64{nan, nan}, 1, Normalisation{Method: NormMinMax}, []float64{nan, nan}},
		{"minmax one unit", []float64{7}, 1, Normalisation{Method: NormMinMax}, []float64{50}},
		{"minmax1", []float64{0, 1, 2}, 1, Normalisation{Method: NormMinMax1}, []float64{1, 50.5, 100}},
		{"zscore sample sd", []float64{1, 2, 3}, 1, Normalisation{Method: NormZScore}, []float64{-1, 0, 1}},
		{"zscore rescaled", []float64{1, 2, 3}, -1, Normalisation{Method: NormZScore, Rescale: true, Mean: 50, SD: 10}, []float64{60, 50, 40}},
		{"goalposts truncate", []float64{-0.1, 0.25, 0.5, 1.2}, 1, Normalisation{Method: NormGoalposts, Worst: fp(0), Best: fp(1)}, []float64{0, 25, 50, 100}},
		{"goalposts reversed", []float64{0, 0.05, 0.2}, 1, Normalisation{Method: NormGoalposts, Worst: fp(0.1), Best: fp(0)}, []float64{100, 50, 0}},
		{"target constant", []float64{10, 15, 20, 25}, -1, Normalisation{Method: NormTarget, Target: fp(10), Worst: fp(20)}, []float64{100, 50, 0, 0}},
		{"rank percentile", []float64{10, 20, 20, 40}, 1, Normalisation{Method: NormRank}, []float64{0, 50, 50, 100}},
		{"log then minmax", []float64{0, math.E - 1, math.E*math.E - 1}, 1, Normalisation{Method: NormMinMax, Log: true}, []float64{0, 50, 100}},
		{"none", []float64{12.5, nan}, 1, Normalisation{Method: NormNone}, []float64{12.5, nan}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := append([]float64(nil), c.raw...)
			got, err := normaliseColumn(in, c.dir, c.m, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range c.want {
				if !closeTo(got[i], c.want[i]) {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
			for i := range in {
				if !closeTo(in[i], c.raw[i]) {
					t.Fatal("the input was modified")
				}
			}
		})
	}
	t.Run("log of a value at -1 refused", func(t *testing.T) {
		if _, err := normaliseColumn([]float64{-1, 2}, 1, Normalisation{Method: NormMinMax, Log: true}, nil, nil); err == nil {
			t.Fatal("log(1 + -1) accepted")
		}
	})
	t.Run("per-unit targets", func(t *testing.T) {
		got, _ := normaliseColumn([]float64{5, 8}, -1, Normalisation{Method: NormTarget, TargetVar: "t", WorstVar: "w"}, []float64{5, 4}, []float64{10, 12})
		if !closeTo(got[0], 100) || !closeTo(got[1], 50) {
			t.Fatalf("got %v", got)
		}
	})
}

// TestMinMaxUnitInvariant: changing the unit of measure (×1000, +offset)
// leaves min-max scores unchanged.
func TestMinMaxUnitInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for trial := 0; trial < 50; trial++ {
		x := make([]float64, 20)
		y := make([]float64, 20)
		for i := range x {
			x[i] = rng.Float64() * 100
			y[i] = x[i]*1000 + 42
		}
		a, _ := normaliseColumn(x, 1, Normalisation{Method: NormMinMax}, nil, nil)
		b, _ := normaliseColumn(y, 1, Normalisation{Method: NormMinMax}, nil, nil)
		for i := range a {
			if math.Abs(a[i]-b[i]) > 1e-9 {
				t.Fatalf("trial %d: %v vs %v", trial, a[i], b[i])
			}
		}
	}
}

const smallYAML = `
code: T
version: "1"
root:
  code: T
  children:
    - code: F1
      children:
        - {code: A, direction: 1}
        - {code: B, direction: -1}
        - {code: C}
    - code: F2
      weight: 3
      children:
        - {code: D}
`

func smallTable(rows map[string][4]float64, order []string) *Table {
	var units []Unit
	for _, u := range order {
		units = append(units, Unit{Code: u})
	}
	t := NewTable(units, []string{"A", "B", "C", "D"})
	for i, u := range order {
		for j := 0; j < 4; j++ {
			t.Values[j][i] = rows[u][j]
		}
	}
	return t
}

func mustYAML(t *testing.T, s string) *Framework {
	t.Helper()
	f, err := ReadFrameworkYAML(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestAggregation(t *testing.T) {
	f := mustYAML(t, smallYAML)
	tab := smallTable(map[string][4]float64{
		"u1": {0, 10, 0, 0},
		"u2": {10, 0, 10, 10},
		"u3": {5, 5, nan, 5},   // one of three missing: 2/3 present, scored
		"u4": {nan, nan, 5, 5}, // two of three missing: F1 insufficient
	}, []string{"u1", "u2", "u3", "u4"})
	res, err := Run(f, tab, Options{Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	f1, root := res.NodeScores("F1"), res.RootScores()
	if !closeTo(f1[0], 0) || !closeTo(f1[1], 100) {
		t.Fatalf("F1 = %v", f1)
	}
	// u3: A and B at 50 → F1 50 with C left out and weights re-normalised.
	if !closeTo(f1[2], 50) {
		t.Fatalf("u3 F1 = %v, want 50", f1[2])
	}
	if !math.IsNaN(f1[3]) {
		t.Fatalf("u4 F1 = %v, want no score (below 2/3)", f1[3])
	}
	// Root: weights F1 1, F2 3.
	if !closeTo(root[1], 100) || !closeTo(root[2], (50+3*50)/4.0) {
		t.Fatalf("root = %v", root)
	}
	// u4: only F2 of two families: 1/2 < 2/3, so no index either.
	if !math.IsNaN(root[3]) || res.Rank[3] != 0 {
		t.Fatalf("u4 root %v rank %d", root[3], res.Rank[3])
	}
	if res.Rank[1] != 1 {
		t.Fatalf("ranks %v", res.Rank)
	}
	// Effective weights of present indicators sum to 1.
	for i := 0; i < 3; i++ {
		sum := 0.0
		for _, n := range f.Indicators() {
			sum += res.EffWeight[n.index][i]
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Fatalf("unit %d: effective weights sum to %v", i, sum)
		}
	}
	t.Run("geometric needs positive values", func(t *testing.T) {
		if _, err := Run(f, tab, Options{Aggregate: AggGeom}); err == nil || !strings.Contains(err.Error(), "geometric") {
			t.Fatalf("zero under a geometric mean: %v", err)
		}
		r, err := Run(f, tab, Options{Aggregate: AggGeom, Normalise: NormMinMax1})
		if err != nil {
			t.Fatal(err)
		}
		if v := r.NodeScores("F1")[1]; !closeTo(v, 100) {
			t.Fatalf("geometric of 100s = %v", v)
		}
	})
	t.Run("drop", func(t *testing.T) {
		r, _ := Run(f, tab, Options{Drop: []string{"F2"}})
		if !closeTo(r.RootScores()[0], r.NodeScores("F1")[0]) {
			t.Fatal("dropping F2 did not leave the index equal to F1")
		}
	})
}

// TestImprovingNeverLowers is the monotonicity property: raising a
// higher-is-better raw value (or lowering a lower-is-better one) never lowers
// the unit's index or worsens its rank.
func TestImprovingNeverLowers(t *testing.T) {
	f := mustYAML(t, smallYAML)
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		rows := map[string][4]float64{}
		order := []string{"a", "b", "c", "d", "e"}
		for _, u := range order {
			rows[u] = [4]float64{rng.Float64() * 10, rng.Float64() * 10, rng.Float64() * 10, rng.Float64() * 10}
		}
		before, err := Run(f, smallTable(rows, order), Options{})
		if err != nil {
			t.Fatal(err)
		}
		u := rng.IntN(len(order))
		col := rng.IntN(4)
		r := rows[order[u]]
		step := rng.Float64() * 5
		if col == 1 { // B is lower-is-better
			r[col] -= step
		} else {
			r[col] += step
		}
		rows[order[u]] = r
		after, _ := Run(f, smallTable(rows, order), Options{})
		if after.RootScores()[u] < before.RootScores()[u]-1e-9 {
			// Min-max is relative: raising the maximum rescales others, but the
			// improving unit itself never falls.
			t.Fatalf("trial %d: score fell %v → %v", trial, before.RootScores()[u], after.RootScores()[u])
		}
		if after.Rank[u] > before.Rank[u] {
			t.Fatalf("trial %d: rank worsened %d → %d", trial, before.Rank[u], after.Rank[u])
		}
		for _, s := range after.Score {
			for _, v := range s {
				if !math.IsNaN(v) && (v < -1e-9 || v > 100+1e-9) {
					t.Fatalf("score %v outside [0,100]", v)
				}
			}
		}
	}
}

func TestDeterministicOutput(t *testing.T) {
	f := mustYAML(t, smallYAML)
	rows := map[string][4]float64{"x": {1, 2, 3, 4}, "y": {4, 3, 2, 1}, "z": {2, 2, 2, 2}}
	var outs []string
	for i := 0; i < 3; i++ {
		tab := smallTable(rows, []string{"x", "y", "z"})
		res, err := Run(f, tab, Options{Explain: true})
		if err != nil {
			t.Fatal(err)
		}
		res.Diagnose()
		s, err := Sensitise(f, tab, Options{}, SensitivityOptions{Draws: 200, Seed: 9})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		res.WriteJSON(&b, s)
		res.WriteCSV(&b, s)
		outs = append(outs, b.String())
	}
	if outs[0] != outs[1] || outs[1] != outs[2] {
		t.Fatal("the same input gave different output")
	}
	if !strings.Contains(outs[0], `"rank_median"`) || strings.Contains(outs[0], "NaN") {
		t.Fatal("JSON lacks sensitivity or contains NaN")
	}
}

func TestSensitivity(t *testing.T) {
	f := mustYAML(t, smallYAML)
	rows := map[string][4]float64{"x": {10, 0, 10, 0}, "y": {0, 10, 0, 10}, "z": {5, 5, 5, 5}, "w": {9, 1, 9, 9}}
	tab := smallTable(rows, []string{"x", "y", "z", "w"})
	s1, err := Sensitise(f, tab, Options{}, SensitivityOptions{Draws: 500, Seed: 3, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := Sensitise(f, tab, Options{}, SensitivityOptions{Draws: 500, Seed: 3, Workers: 4})
	for i := range s1.Median {
		if s1.Median[i] != s2.Median[i] || s1.Q05[i] != s2.Q05[i] || s1.Q95[i] != s2.Q95[i] {
			t.Fatal("the result depends on the number of workers")
		}
		if s1.Q05[i] > s1.Median[i] || s1.Median[i] > s1.Q95[i] {
			t.Fatalf("quantiles out of order: %v %v %v", s1.Q05[i], s1.Median[i], s1.Q95[i])
		}
	}
	// w dominates on every indicator but B: it stays first in every draw.
	if s1.Q95[3] != 1 || s1.Nominal[3] != 1 {
		t.Fatalf("the dominant unit moved: nominal %d, q95 %v", s1.Nominal[3], s1.Q95[3])
	}
	full, err := Sensitise(f, tab, Options{}, SensitivityOptions{Draws: 50, Seed: 3, Normalisations: []string{NormMinMax, NormRank}})
	if err != nil || full.Draws != 50 {
		t.Fatalf("varying normalisation: %v", err)
	}
	shifts, err := LeaveOneOut(f, tab, Options{}, nil)
	if err != nil || len(shifts) != 2 || shifts[0].Node != "F1" {
		t.Fatalf("leave-one-out: %+v %v", shifts, err)
	}
}

func TestFrameworkValidation(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"duplicate code": {`
code: T
version: "1"
root: {code: T, children: [{code: A}, {code: A}]}`, `node "A" appears twice`},
		"negative weight": {`
code: T
version: "1"
root: {code: T, children: [{code: A, weight: -1}, {code: B}]}`, `weight -1 is negative`},
		"all zero weights": {`
code: T
version: "1"
root: {code: T, children: [{code: A, weight: 0}, {code: B, weight: 0}]}`, `all zero`},
		"unknown variable": {`
code: T
version: "1"
variables: [{code: x}]
root: {code: T, children: [{code: A, formula: "x / y"}]}`, `unknown variable "y"`},
		"bad formula": {`
code: T
version: "1"
root: {code: T, children: [{code: A, formula: "x / / y"}]}`, `formula`},
		"unknown key": {`
code: T
version: "1"
root: {code: T, colour: red, children: [{code: A}]}`, `colour`},
		"bad method": {`
code: T
version: "1"
root: {code: T, children: [{code: A, normalise: {method: cubic}}]}`, `normalisation "cubic"`},
		"goalposts missing": {`
code: T
version: "1"
root: {code: T, children: [{code: A, normalise: {method: goalposts, worst: 0}}]}`, `goalposts need worst and best`},
		"ahp not reciprocal": {`
code: T
version: "1"
root:
  code: T
  ahp: {names: [A, B], matrix: [["1", "3"], ["3", "1"]]}
  children: [{code: A}, {code: B}]`, `reciprocal`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ReadFrameworkYAML(strings.NewReader(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a message with %q", err, c.want)
			}
		})
	}
	t.Run("ahp sets weights", func(t *testing.T) {
		f := mustYAML(t, `
code: T
version: "1"
root:
  code: T
  ahp: {names: [A, B], matrix: [["1", "3"], ["1/3", "1"]]}
  children: [{code: A}, {code: B}]`)
		if w := f.Node("A").W(); math.Abs(w-0.75) > 1e-9 {
			t.Fatalf("A weight %v, want 0.75", w)
		}
	})
}

func TestFrameworkCSVErrors(t *testing.T) {
	cases := map[string]struct{ csv, want string }{
		"unknown parent":   {"iCode,Level,Parent\nA,1,X\nIdx,2,\n", `row 2, column Parent: unknown parent "X"`},
		"duplicate":        {"iCode,Level,Parent\nA,1,Idx\nA,1,Idx\nIdx,2,\n", `row 3: iCode "A" already on row 2`},
		"bad direction":    {"iCode,Level,Parent,Direction\nA,1,Idx,2\nIdx,2,,1\n", `row 2, column Direction`},
		"two roots":        {"iCode,Level,Parent\nA,1,Idx\nIdx,2,\nOther,2,\n", `exactly one node without a parent`},
		"missing column":   {"iCode,Parent\nA,Idx\n", `missing column "level"`},
		"parent not above": {"iCode,Level,Parent\nA,1,B\nB,1,Idx\nIdx,2,\n", `not above level 1`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ReadFrameworkCSV(strings.NewReader(c.csv))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestTableErrors(t *testing.T) {
	cases := map[string]struct{ csv, want string }{
		"no unit column":   {"x,y\n1,2\n", "no unit column"},
		"duplicate unit":   {"uCode,x\nA,1\nA,2\n", `row 3, column "uCode": unit "A" already on row 2`},
		"short row":        {"uCode,x,y\nA,1\n", "row 2: 2 cells, the header has 3"},
		"empty":            {"", "empty"},
		"duplicate column": {"uCode,x,x\nA,1,2\n", `column "x": column appears twice`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ReadTableCSV(strings.NewReader(c.csv))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
	t.Run("text in a used column", func(t *testing.T) {
		tab, err := ReadTableCSV(strings.NewReader("unit,name,A,B,C,D\nu1,甲,1,2,x,4\nu2,乙,NA,,3,5\n"))
		if err != nil {
			t.Fatal(err)
		}
		if tab.Units[0].Name != "甲" || !math.IsNaN(tab.Values[0][1]) || !math.IsNaN(tab.Values[1][1]) {
			t.Fatal("names or missing cells read wrong")
		}
		_, err = Run(mustYAML(t, smallYAML), tab, Options{})
		if err == nil || !strings.Contains(err.Error(), `row 2, column "C": "x" is not a number`) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestFormulaNilIsMissing(t *testing.T) {
	f := mustYAML(t, `
code: T
version: "1"
root:
  code: T
  children:
    - {code: A, normalise: {method: none}, formula: "lvl >= 1 ? (lvl - 1) / 4 * 100 : nil"}
    - {code: B, normalise: {method: none}, formula: "x / y"}
`)
	tab := NewTable([]Unit{{Code: "u1"}, {Code: "u2"}}, []string{"lvl", "x", "y"})
	tab.Values[0] = []float64{0, 5}
	tab.Values[1] = []float64{1, 1}
	tab.Values[2] = []float64{0, 4}
	res, err := Run(f, tab, Options{MinAvailability: fp(0)})
	if err != nil {
		t.Fatal(err)
	}
	a, b := res.NodeScores("A"), res.NodeScores("B")
	if !math.IsNaN(a[0]) || a[1] != 100 || !math.IsNaN(b[0]) || b[1] != 0.25 {
		t.Fatalf("A %v B %v: nil and a zero denominator must give no value", a, b)
	}
}

func TestDataWeightingAndNodeBands(t *testing.T) {
	f := mustYAML(t, `
code: T
version: "1"
root:
  code: T
  weighting: {method: entropy}
  children:
    - {code: F1, bands: national, children: [{code: A}]}
    - {code: F2, children: [{code: B}]}
`)
	tab := NewTable([]Unit{{Code: "u1"}, {Code: "u2"}, {Code: "u3"}}, []string{"A", "B"})
	tab.Values[0] = []float64{1, 2, 3}      // spread: minmax 0, 50, 100
	tab.Values[1] = []float64{10, 10, 10.0} // constant: every unit 50, no information
	res, err := Run(f, tab, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := res.Weights()
	if w["F2"] > 1e-12 || math.Abs(w["F1"]-1) > 1e-12 {
		t.Fatalf("entropy should give the constant family no weight: %v", w)
	}
	if !closeTo(res.RootScores()[2], 100) {
		t.Fatalf("index follows F1 alone: %v", res.RootScores())
	}
	if b, _ := res.BandsOf(f.Node("F1")).Of(95); b.Code != res.BandsOf(f.Node("F1")).Bands[2].Code {
		t.Fatalf("F1's own band set not used: %+v", b)
	}
	if _, err := ReadFrameworkYAML(strings.NewReader("code: T\nversion: \"1\"\nroot: {code: T, weighting: {method: magic}, children: [{code: A}]}")); err == nil {
		t.Fatal("an unknown weighting was accepted")
	}
}
