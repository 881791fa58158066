package scoring

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// frameworkJSON is the whole framework as JSON, AHP consistency ratios
// and derived weights included, for comparing two frameworks field by field.
func frameworkJSON(t *testing.T, f *Framework) string {
	t.Helper()
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// roundTrip writes f, reads it back and checks the two are the same and
// that writing again gives the same text (the form is canonical).
func roundTrip(t *testing.T, f *Framework) (*Framework, string) {
	t.Helper()
	var first bytes.Buffer
	if err := f.WriteYAML(&first); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFrameworkYAML(bytes.NewReader(first.Bytes()))
	if err != nil {
		t.Fatalf("reading the written framework: %v\n%s", err, first.String())
	}
	if a, b := frameworkJSON(t, f), frameworkJSON(t, back); a != b {
		t.Fatalf("the framework read back differs from the one written:\n%s", firstDiff(a, b))
	}
	var second bytes.Buffer
	if err := back.WriteYAML(&second); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Fatalf("writing twice gives different text:\n%s", firstDiff(first.String(), second.String()))
	}
	return back, first.String()
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return "line " + strconv.Itoa(i+1) + ":\n- " + la[i] + "\n+ " + lb[i]
		}
	}
	return "lengths differ"
}

func TestWriteYAMLRoundTrip(t *testing.T) {
	t.Run("built-in default", func(t *testing.T) {
		f, err := DefaultFramework()
		if err != nil {
			t.Fatal(err)
		}
		back, text := roundTrip(t, f)
		if len(back.Variables) != len(f.Variables) || len(back.Indicators()) != 33 {
			t.Fatalf("read back %d variables and %d indicators", len(back.Variables), len(back.Indicators()))
		}
		sh1 := back.Node("SH1")
		if sh1.Formula != f.Node("SH1").Formula || sh1.Card == nil || sh1.Card.DefinitionZh == "" ||
			sh1.Normalise.Method != NormGoalposts || *sh1.Normalise.Best != 1 {
			t.Fatalf("SH1 read back as %+v", sh1)
		}
		// Chinese is written as text, not escapes, so the file stays readable.
		if !strings.Contains(text, "数字政府成熟度指数") {
			t.Fatal("the Chinese names are not written as text")
		}
	})

	t.Run("COINr ASEM metadata", func(t *testing.T) {
		dir := validationDir(t, "coinr_asem")
		f, err := ReadFrameworkCSV(openFile(t, filepath.Join(dir, "asem_imeta.csv")))
		if err != nil {
			t.Fatal(err)
		}
		back, _ := roundTrip(t, f)
		if back.Code != f.Code || len(back.Indicators()) != len(f.Indicators()) || len(back.Indicators()) < 40 {
			t.Fatalf("read back %s with %d indicators, want %s with %d", back.Code, len(back.Indicators()), f.Code, len(f.Indicators()))
		}
	})

	t.Run("AHP matrices, odd weights, bands and options", func(t *testing.T) {
		f := mustYAML(t, `
code: T
version: "1.0"
name_zh: "测试: 指标体系"
bands: un
min_availability: 0.5
variables:
  - {code: a_num, name_zh: 分子, source: metrics}
  - {code: a_den, unit: "件"}
root:
  code: IDX
  aggregate: geom
  ahp: {names: [F1, F2, F3], matrix: [["1", "3", "5"], ["1/3", "1", "2"], ["1/5", "1/2", "1"]], ri: dd1991, max_cr: 0.2}
  children:
    - code: F1
      bands: national
      weighting: {method: entropy-minmax, alpha: 0.4}
      children:
        - code: A
          weight: 0.1234567890123
          direction: -1
          formula: a_num / a_den
          normalise: {method: target, target: 0.95, worst_var: a_den, log: true}
          min_sample: {variable: a_den, min: 100}
          card: {definition_zh: "多行\n说明", period: "2026"}
        - code: B
          weight: 1e-7
          normalise: {method: zscore, rescale: true, mean: 50, sd: 10}
    - code: F2
      children: [{code: C, normalise: {method: none}}, {code: D, normalise: {method: rank}}]
    - code: F3
      children: [{code: E, normalise: {method: goalposts, worst: 100, best: 0}}]
`)
		cr := f.Root.AHP.CR
		back, text := roundTrip(t, f)
		if back.Root.AHP.CR != cr || cr == 0 || back.Root.AHP.RI != "dd1991" {
			t.Fatalf("AHP read back with CR %v (was %v), RI %q", back.Root.AHP.CR, cr, back.Root.AHP.RI)
		}
		if w := back.Node("F1").W(); math.Abs(w-f.Node("F1").W()) > 0 || w < 0.5 {
			t.Fatalf("F1 weight %v", w)
		}
		// The AHP children's weights follow from the matrix, so they are
		// not written; a weight set by hand is, exactly.
		if strings.Count(text, "weight:") != 2 {
			t.Fatalf("want only A's and B's weights written:\n%s", text)
		}
		if *back.Node("A").Weight != 0.1234567890123 || *back.Node("B").Weight != 1e-7 {
			t.Fatal("hand-set weights changed")
		}
	})

	t.Run("writing leaves the framework as it was", func(t *testing.T) {
		f := mustYAML(t, `
code: T
version: "2"
root:
  code: IDX
  ahp: {names: [A, B], matrix: [["1", "3"], ["1/3", "1"]]}
  children: [{code: A}, {code: B}]`)
		before := frameworkJSON(t, f)
		if err := f.WriteYAML(&bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		if frameworkJSON(t, f) != before || f.Node("A").Weight == nil {
			t.Fatal("WriteYAML changed the framework")
		}
	})
}
