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

	"govkpi/scoring"
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
	// z lacks B: one of two indicators is below the 2/3 rule, so no score,
	// and the output says why.
	if res.Units[2].Score != nil || res.Units[2].Rank != 0 || !strings.Contains(out, `"insufficient_data": true`) {
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
		{[]string{"score", "--framework", "default", "--data", data, "--leave-one-out"}, "--format json"},
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
	// Cost columns under the textbook variant; text cells are refused.
	if _, err := runCmd(t, "", noEnv, "weights", "entropy", "--data", data, "--variant", "minmax", "--cost", "c1"); err != nil {
		t.Fatalf("--cost: %v", err)
	}
	if _, err := runCmd(t, "", noEnv, "weights", "entropy", "--data", data, "--cost", "c1"); exitCode(err) != 2 {
		t.Fatalf("--cost with classic: %v", err)
	}
	text := filepath.Join(dir, "t.csv")
	os.WriteFile(text, []byte("unit,c1\na,1\nb,x\n"), 0o600)
	if _, err := runCmd(t, "", noEnv, "weights", "entropy", "--data", text); err == nil || !strings.Contains(err.Error(), `row 3, column "c1"`) {
		t.Fatalf("text cell: %v", err)
	}
	// A matrix larger than the RI table: a clear error, no half JSON.
	var big strings.Builder
	for i := 0; i < 11; i++ {
		for j := 0; j < 11; j++ {
			if j > 0 {
				big.WriteString(",")
			}
			if i == 0 {
				big.WriteString("n" + strconv.Itoa(j))
			} else {
				big.WriteString("1")
			}
		}
		big.WriteString("\n")
	}
	for j := 0; j < 11; j++ {
		if j > 0 {
			big.WriteString(",")
		}
		big.WriteString("1")
	}
	big.WriteString("\n")
	bigPath := filepath.Join(dir, "big.csv")
	os.WriteFile(bigPath, []byte(big.String()), 0o600)
	out, err = runCmd(t, "", noEnv, "weights", "ahp", "--matrix", bigPath, "--ri", "dd1991")
	if exitCode(err) != 2 || out != "" {
		t.Fatalf("11 items with dd1991: %v (exit %d) %q", err, exitCode(err), out)
	}
}

// TestWeightsCommandsReproducePublished runs the commands on the published
// AHP (Saaty 2008 drinks) and entropy (Xu 2004) examples.
func TestWeightsCommandsReproducePublished(t *testing.T) {
	dir := t.TempDir()
	var ahp struct {
		Examples []struct {
			ID       string     `json:"id"`
			Items    []string   `json:"items"`
			Matrix   [][]string `json:"matrix"`
			Expected struct {
				Weights map[string]float64 `json:"weights_4dp_ahpy"`
				CR      float64            `json:"CR_donegan_dodd_RI_4dp"`
			} `json:"expected"`
		} `json:"examples"`
	}
	b, _ := os.ReadFile(validationPath(t, "ahp", "ahp_examples.json"))
	if err := json.Unmarshal(b, &ahp); err != nil {
		t.Fatal(err)
	}
	ex := ahp.Examples[0]
	if ex.ID != "saaty2008_drinks" {
		t.Fatalf("first example is %s", ex.ID)
	}
	var m strings.Builder
	m.WriteString("," + strings.Join(ex.Items, ",") + "\n")
	for i, row := range ex.Matrix {
		m.WriteString(ex.Items[i] + "," + strings.Join(row, ",") + "\n")
	}
	path := filepath.Join(dir, "drinks.csv")
	os.WriteFile(path, []byte(m.String()), 0o600)
	out, err := runCmd(t, "", noEnv, "weights", "ahp", "--matrix", path, "--ri", "dd1991")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Names   []string  `json:"names"`
		Weights []float64 `json:"weights"`
		CR      float64   `json:"cr"`
	}
	json.Unmarshal([]byte(out), &res)
	for i, name := range res.Names {
		if w := ex.Expected.Weights[name]; math.Abs(res.Weights[i]-w) > 0.00005 {
			t.Errorf("%s: %.5f, published %.4f", name, res.Weights[i], w)
		}
	}
	if math.Abs(res.CR-ex.Expected.CR) > 0.00005 {
		t.Errorf("CR %.5f, published %.4f", res.CR, ex.Expected.CR)
	}

	var ent struct {
		Cases []struct {
			ID       string      `json:"id"`
			Matrix   [][]float64 `json:"matrix"`
			Expected []float64   `json:"expected"`
			Decimals int         `json:"decimals"`
		} `json:"cases"`
	}
	b, _ = os.ReadFile(validationPath(t, "entropy", "entropy_examples.json"))
	if err := json.Unmarshal(b, &ent); err != nil {
		t.Fatal(err)
	}
	for _, c := range ent.Cases {
		var d strings.Builder
		d.WriteString("unit")
		for j := range c.Matrix[0] {
			d.WriteString(",c" + strconv.Itoa(j+1))
		}
		d.WriteString("\n")
		for i, row := range c.Matrix {
			d.WriteString("a" + strconv.Itoa(i+1))
			for _, v := range row {
				d.WriteString("," + strconv.FormatFloat(v, 'g', -1, 64))
			}
			d.WriteString("\n")
		}
		p := filepath.Join(dir, c.ID+".csv")
		os.WriteFile(p, []byte(d.String()), 0o600)
		out, err := runCmd(t, "", noEnv, "weights", "entropy", "--data", p)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Weights []struct {
				Weight float64 `json:"weight"`
			} `json:"weights"`
		}
		json.Unmarshal([]byte(out), &got)
		tol := 0.5 * math.Pow(10, -float64(c.Decimals))
		for j, w := range c.Expected {
			if math.Abs(got.Weights[j].Weight-w) > tol+1e-12 {
				t.Errorf("%s c%d: %.6f, published %v", c.ID, j+1, got.Weights[j].Weight, w)
			}
		}
	}
}

// TestScoreDefaultFramework scores a CSV of the default framework's variables
// and checks scores, levels and explanations come out.
func TestScoreDefaultFramework(t *testing.T) {
	fw, err := scoring.DefaultFramework()
	if err != nil {
		t.Fatal(err)
	}
	var d strings.Builder
	d.WriteString("unit,name")
	for _, v := range fw.Variables {
		d.WriteString("," + v.Code)
	}
	d.WriteString("\n")
	for i := 0; i < 3; i++ {
		d.WriteString("D" + strconv.Itoa(i) + ",部门" + strconv.Itoa(i))
		for _, v := range fw.Variables {
			val := 200 + 40*i
			switch {
			case strings.HasSuffix(v.Code, "_level"):
				val = 2 + i
			case strings.Contains(v.Code, "total") || strings.Contains(v.Code, "inventory") || strings.Contains(v.Code, "received") ||
				strings.Contains(v.Code, "required") || strings.Contains(v.Code, "statutory") || strings.Contains(v.Code, "ceiling"):
				val = 400
			}
			d.WriteString("," + strconv.Itoa(val))
		}
		d.WriteString("\n")
	}
	path := filepath.Join(t.TempDir(), "vars.csv")
	os.WriteFile(path, []byte(d.String()), 0o600)
	out, err := runCmd(t, "", noEnv, "score", "--framework", "default", "--data", path, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Framework string `json:"framework"`
		Units     []struct {
			Score       *float64        `json:"score"`
			Level       string          `json:"level"`
			Rank        int             `json:"rank"`
			Explanation json.RawMessage `json:"explanation"`
		} `json:"units"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Framework != "DGMI" || len(res.Units) != 3 {
		t.Fatalf("%+v", res)
	}
	for i, u := range res.Units {
		if u.Score == nil || *u.Score < 0 || *u.Score > 100 || u.Level == "" || u.Rank == 0 || !strings.Contains(string(u.Explanation), `"contributions"`) {
			t.Fatalf("unit %d: %+v", i, u)
		}
	}
}

func TestScoreOptions(t *testing.T) {
	dir := t.TempDir()
	fw := filepath.Join(dir, "f.yaml")
	os.WriteFile(fw, []byte(`
code: T
version: "1"
root:
  code: T
  children:
    - {code: F1, children: [{code: A}, {code: B}]}
    - {code: F2, children: [{code: C}]}
`), 0o600)
	now := filepath.Join(dir, "now.csv")
	os.WriteFile(now, []byte("unit,group,A,B,C\nx,g,1,5,3\ny,g,3,,1\nz,h,2,2,2\n"), 0o600)
	before := filepath.Join(dir, "before.csv")
	os.WriteFile(before, []byte("unit,group,A,B,C\nx,g,3,5,3\ny,g,1,1,1\nz,h,2,2,2\n"), 0o600)
	out, err := runCmd(t, "", noEnv, "score", "--framework", fw, "--data", now, "--previous", before,
		"--impute-group-mean", "--leave-one-out", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Units []struct {
			Code   string `json:"code"`
			Values []struct {
				Code    string   `json:"code"`
				Raw     *float64 `json:"raw"`
				Imputed bool     `json:"imputed"`
			} `json:"values"`
			Explanation struct {
				Change *struct {
					RankBefore int `json:"rank_before"`
				} `json:"change"`
			} `json:"explanation"`
		} `json:"units"`
		LeaveOneOut []struct {
			Node string `json:"node"`
		} `json:"leave_one_out"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Units[1].Values[1].Raw == nil || *res.Units[1].Values[1].Raw != 5 || !res.Units[1].Values[1].Imputed || res.Units[0].Values[1].Imputed {
		t.Fatalf("y's missing B was not imputed from its group (x has 5): %+v", res.Units[1].Values)
	}
	if res.Units[0].Explanation.Change == nil || res.Units[0].Explanation.Change.RankBefore == 0 {
		t.Fatal("no change against the previous period")
	}
	if len(res.LeaveOneOut) != 2 || res.LeaveOneOut[0].Node != "F1" {
		t.Fatalf("leave-one-out: %+v", res.LeaveOneOut)
	}
}
