package scoring

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchSetup builds a framework of 4 families × 10 indicators and a table of
// units with random values, 2% missing.
func benchSetup(b *testing.B, units int) (*Framework, *Table) {
	b.Helper()
	var y strings.Builder
	y.WriteString("code: B\nversion: \"1\"\nroot:\n  code: B\n  children:\n")
	var cols []string
	for f := 0; f < 4; f++ {
		fmt.Fprintf(&y, "    - code: F%d\n      children:\n", f)
		for i := 0; i < 10; i++ {
			code := fmt.Sprintf("I%d_%d", f, i)
			dir := 1
			if i%4 == 3 {
				dir = -1
			}
			fmt.Fprintf(&y, "        - {code: %s, direction: %d}\n", code, dir)
			cols = append(cols, code)
		}
	}
	fw, err := ReadFrameworkYAML(strings.NewReader(y.String()))
	if err != nil {
		b.Fatal(err)
	}
	us := make([]Unit, units)
	for i := range us {
		us[i] = Unit{Code: fmt.Sprintf("U%05d", i), Group: fmt.Sprintf("G%d", i%12)}
	}
	t := NewTable(us, cols)
	rng := rand.New(rand.NewPCG(1, 1))
	for j := range cols {
		for i := range us {
			if rng.Float64() > 0.02 {
				t.Values[j][i] = rng.Float64() * 100
			}
		}
	}
	return fw, t
}

// BenchmarkBaselineSum is the raw baseline: one pass summing every value of
// the same table, the least any scoring could cost.
func BenchmarkBaselineSum(b *testing.B) {
	_, t := benchSetup(b, 5000)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		s := 0.0
		for _, col := range t.Values {
			for _, v := range col {
				if v == v {
					s += v
				}
			}
		}
		_ = s
	}
}

// BenchmarkRun5000x40 is a full run with explanations.
func BenchmarkRun5000x40(b *testing.B) {
	fw, t := benchSetup(b, 5000)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := Run(fw, t, Options{Explain: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiagnose5000x40 is the data checks of such a run.
func BenchmarkDiagnose5000x40(b *testing.B) {
	fw, t := benchSetup(b, 5000)
	r, err := Run(fw, t, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		r.Diagnose()
	}
}

// BenchmarkSensitivity1000 is 1,000 Monte Carlo draws over the weights.
func BenchmarkSensitivity1000(b *testing.B) {
	fw, t := benchSetup(b, 5000)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		if _, err := Sensitise(fw, t, Options{}, SensitivityOptions{Draws: 1000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
