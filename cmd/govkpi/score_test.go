package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func validationPath(t *testing.T, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "..", "shared", "validation"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("validation data missing in CI: %v", err)
		}
		t.Skipf("validation data not present: %v", err)
	}
	return p
}

// TestScoreReproducesASEM runs the README's command on COINr's ASEM files
// and compares every aggregated value.
func TestScoreReproducesASEM(t *testing.T) {
	meta := validationPath(t, "coinr_asem", "asem_imeta.csv")
	data := validationPath(t, "coinr_asem", "asem_treated.csv")
	out := filepath.Join(t.TempDir(), "out.csv")
	if _, err := runCmd(t, "", noEnv, "score", "--framework", meta, "--data", data, "--out", out); err != nil {
		t.Fatal(err)
	}
	got := readCSVMap(t, out)
	want := readCSVMap(t, validationPath(t, "coinr_asem", "asem_aggregated.csv"))
	n := 0
	for unit, row := range want {
		for col, cell := range row {
			w, _ := strconv.ParseFloat(cell, 64)
			g, err := strconv.ParseFloat(got[unit][col], 64)
			if err != nil || math.Abs(g-w) > 1e-9 {
				t.Fatalf("%s %s: got %q, want %s", unit, col, got[unit][col], cell)
			}
			n++
		}
	}
	if n < 51*50 || got["CHE"]["rank"] != "1" {
		t.Fatalf("compared %d values; CHE rank %q", n, got["CHE"]["rank"])
	}
}

func readCSVMap(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, r := range recs[1:] {
		row := map[string]string{}
		for j, h := range recs[0][1:] {
			row[h] = r[j+1]
		}
		out[r[0]] = row
	}
	return out
}

func TestScoreJSONAndSensitivity(t *testing.T) {
	dir := t.TempDir()
	fw := filepath.Join(dir, "f.yaml")
	os.WriteFile(fw, []byte(`
code: T
version: "1"
root:
  code: T
  children:
    - {code: A}
    - {code: B, direction: -1}
`), 0o600)
	data := filepath.Join(dir, "d.csv")
	os.WriteFile(data, []byte("unit,name,group,A,B\nx,甲,g1,1,5\ny,乙,g1,3,2\nz,丙,g2,2,\n"), 0o600)
	out, err := runCmd(t, "", noEnv, "score", "--framework", fw, "--data", data, "--format", "json", "--sensitivity", "100", "--seed", "4")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Units []struct {
			Code       string   `json:"code"`
			Score      *float64 `json:"score"`
			Rank       int      `json:"rank"`
			Level      string   `json:"level"`
			RankMedian *float64 `json:"rank_median"`
		} `json:"units"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(res.Units) != 3 || res.Units[1].Rank != 1 || res.Units[1].Level == "" || res.Units[1].RankMedian == nil {
		t.Fatalf("%+v", res.Units)
	}
	// z lacks B: one of two indicators is below the 2/3 rule, so no score.
	if res.Units[2].Score != nil || res.Units[2].Rank != 0 {
		t.Fatalf("z: %+v", res.Units[2])
	}
}

func TestScoreBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("iCode,Level,Parent\nA,1,Nowhere\nIdx,2,\n"), 0o600)
	data := filepath.Join(dir, "d.csv")
	os.WriteFile(data, []byte("uCode,A\nx,1\nx,2\n"), 0o600)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"score", "--framework", bad, "--data", data}, `row 2, column Parent: unknown parent "Nowhere"`},
		{[]string{"score", "--framework", filepath.Join(dir, "none.yaml"), "--data", data}, "no such file"},
		{[]string{"score", "--framework", "default", "--data", data}, `row 3, column "uCode": unit "x" already on row 2`},
		{[]string{"score", "--framework", "default"}, "--data are required"},
		{[]string{"score", "--framework", "default", "--data", data, "--normalise", "cubic"}, "--normalise"},
		{[]string{"weights", "ahp", "--matrix", data}, "d.csv"},
		{[]string{"weights", "entropy"}, "--data is required"},
	}
	for _, c := range cases {
		_, err := runCmd(t, "", noEnv, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || exitCode(err) != 2 {
			t.Errorf("%v: got %v (exit %d), want %q and exit 2", c.args, err, exitCode(err), c.want)
		}
	}
}

func TestWeightsCommands(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "m.csv")
	os.WriteFile(good, []byte(",A,B,C\nA,1,3,5\nB,1/3,1,2\nC,1/5,1/2,1\n"), 0o600)
	out, err := runCmd(t, "", noEnv, "weights", "ahp", "--matrix", good)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var res struct {
		Names      []string  `json:"names"`
		Weights    []float64 `json:"weights"`
		LambdaMax  float64   `json:"lambda_max"`
		CR         float64   `json:"cr"`
		Consistent bool      `json:"consistent"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Weights) != 3 || !res.Consistent || res.Weights[0] < 0.6 {
		t.Fatalf("%v %+v", err, res)
	}
	incons := filepath.Join(dir, "i.csv")
	os.WriteFile(incons, []byte("A,B,C\n1,9,1/9\n1/9,1,9\n9,1/9,1\n"), 0o600)
	out, err = runCmd(t, "", noEnv, "weights", "ahp", "--matrix", incons)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "reconsider") || !strings.Contains(out, `"consistent": false`) {
		t.Fatalf("inconsistent matrix: %v (exit %d)\n%s", err, exitCode(err), out)
	}
	data := filepath.Join(dir, "e.csv")
	os.WriteFile(data, []byte("unit,c1,c2\na,1,5\nb,2,5\nc,3,5\n"), 0o600)
	out, err = runCmd(t, "", noEnv, "weights", "entropy", "--data", data)
	if err != nil || !strings.Contains(out, `"column": "c1"`) {
		t.Fatalf("entropy: %v\n%s", err, out)
	}
	var ent struct {
		Weights []struct {
			Column string  `json:"column"`
			Weight float64 `json:"weight"`
		} `json:"weights"`
	}
	json.Unmarshal([]byte(out), &ent)
	if ent.Weights[0].Weight != 1 || ent.Weights[1].Weight != 0 {
		t.Fatalf("a constant column should get weight 0: %+v", ent.Weights)
	}
}
