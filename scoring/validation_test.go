package scoring

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// validationDir returns ../shared/validation/<name> as seen from the
// repository root, skipping the test when it is absent outside CI.
func validationDir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "validation", name)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("validation data %s missing in CI: %v", dir, err)
		}
		t.Skipf("validation data %s not present (it lives beside the repository in ../shared)", dir)
	}
	return dir
}

// readMatrixCSV reads a CSV with a unit column first and numeric columns,
// keyed by unit then column.
func readMatrixCSV(t *testing.T, path string) (map[string]map[string]string, []string) {
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
	var units []string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for j, h := range recs[0] {
			row[h] = rec[j]
		}
		out[rec[0]] = row
		units = append(units, rec[0])
	}
	return out, units
}

func openFile(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestCOINrASEM reproduces COINr's ASEM index: min-max normalisation with
// directions, then weighted arithmetic means level by level.
func TestCOINrASEM(t *testing.T) {
	dir := validationDir(t, "coinr_asem")
	fw, err := ReadFrameworkCSV(openFile(t, filepath.Join(dir, "asem_imeta.csv")))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(fw.Indicators()); n != 49 {
		t.Fatalf("%d indicators, want 49", n)
	}
	data, err := ReadTableCSV(openFile(t, filepath.Join(dir, "asem_treated.csv")))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(fw, data, Options{Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	unitIndex := map[string]int{}
	for i, u := range res.Units {
		unitIndex[u.Code] = i
	}
	check := func(file string, tol float64) {
		want, units := readMatrixCSV(t, filepath.Join(dir, file))
		compared := 0
		for _, u := range units {
			i, ok := unitIndex[u]
			if !ok {
				t.Fatalf("%s: unit %s not scored", file, u)
			}
			for code, cell := range want[u] {
				if code == "uCode" {
					continue
				}
				got := res.NodeScores(code)
				if got == nil {
					t.Fatalf("%s: no node %s", file, code)
				}
				w, err := strconv.ParseFloat(cell, 64)
				if err != nil {
					t.Fatalf("%s %s %s: %q", file, u, code, cell)
				}
				if math.Abs(got[i]-w) > tol {
					t.Errorf("%s: %s %s = %.12g, want %.12g", file, u, code, got[i], w)
				}
				compared++
			}
		}
		if compared < 51*10 {
			t.Fatalf("%s: only %d values compared", file, compared)
		}
	}
	check("asem_normalised.csv", 1e-9)
	check("asem_aggregated.csv", 1e-9)

	pub, units := readMatrixCSV(t, filepath.Join(dir, "asem_published_results.csv"))
	for _, u := range units {
		i := unitIndex[u]
		for code, cell := range pub[u] {
			switch code {
			case "uCode":
			case "index_rank":
				if strconv.Itoa(res.Rank[i]) != cell {
					t.Errorf("%s rank %d, published %s", u, res.Rank[i], cell)
				}
			default:
				w, _ := strconv.ParseFloat(cell, 64)
				if got := res.NodeScores(code)[i]; math.Abs(got-w) > 0.005 {
					t.Errorf("published %s %s = %s, got %.4f", u, code, cell, got)
				}
			}
		}
	}
	// Under arithmetic means the contributions add up to the index.
	for i := range res.Units {
		sum := 0.0
		for _, c := range res.Explain[i].Contributions {
			sum += c.Contribution
		}
		if math.Abs(sum-res.RootScores()[i]) > 1e-9 {
			t.Fatalf("%s: contributions sum to %v, index %v", res.Units[i].Code, sum, res.RootScores()[i])
		}
	}
}
