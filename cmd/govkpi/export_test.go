package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"govkpi/survey"
)

// exportDemo copies the seeded demo database and returns its path, a run
// of it and the codes of that run's departments.
func exportDemo(t *testing.T) (dbPath string, run int64, codes []string) {
	t.Helper()
	dbPath = filepath.Join(t.TempDir(), "demo.db")
	copySeededDemo(t, dbPath)
	db := openDemoDB(t, dbPath)
	runs, err := db.ListedRuns(context.Background(), true)
	if err != nil || len(runs) == 0 {
		t.Fatalf("the demo has no runs: %v", err)
	}
	r, err := db.FindAssessmentRun(context.Background(), runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	table, err := r.InputsTable()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range table.Units {
		codes = append(codes, u.Code)
	}
	db.Close() // the command opens it itself
	return dbPath, r.ID, codes
}

func runExport(args ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"export"}, args...), func(string) string { return "" }, &out)
	return out.String(), err
}

func TestExportCommand(t *testing.T) {
	dbPath, runID, codes := exportDemo(t)
	id := strconv.FormatInt(runID, 10)
	dir := t.TempDir()

	t.Run("run workbook", func(t *testing.T) {
		out := filepath.Join(dir, "run.xlsx")
		if msg, err := runExport("--db", dbPath, "--run", id, "--format", "xlsx", "--lang", "en", "--out", out); err != nil {
			t.Fatalf("%v\n%s", err, msg)
		}
		st, err := os.Stat(out)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, %v; want mode 0600", out, st.Mode(), err)
		}
		f, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) < 3 {
			t.Fatalf("the run's workbook has sheets %v", sheets)
		}
		rows, err := f.GetRows(sheets[0])
		if err != nil || len(rows) < len(codes)+1 {
			t.Fatalf("ranking sheet: %d rows for %d departments (%v)", len(rows), len(codes), err)
		}
	})

	t.Run("department workbook", func(t *testing.T) {
		out := filepath.Join(dir, "dept.xlsx")
		if msg, err := runExport("--db", dbPath, "--run", id, "--format", "xlsx", "--department", codes[0], "--out", out); err != nil {
			t.Fatalf("%v\n%s", err, msg)
		}
		f, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cells, err := f.SearchSheet(f.GetSheetList()[0], codes[0])
		if err != nil || len(cells) == 0 {
			t.Fatalf("the department's workbook does not name %s (%v)", codes[0], err)
		}
	})

	t.Run("scores csv", func(t *testing.T) {
		out := filepath.Join(dir, "scores.csv")
		if msg, err := runExport("--db", dbPath, "--run", id, "--format", "csv", "--out", out); err != nil {
			t.Fatalf("%v\n%s", err, msg)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("\ufeff")) {
			t.Fatal("the CSV has no byte order mark")
		}
		rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, r := range rows[1:] {
			got[r[0]] = true
		}
		for _, c := range codes {
			if !got[c] {
				t.Errorf("the scores CSV lacks department %s", c)
			}
		}
		if len(rows) != len(codes)+1 {
			t.Errorf("the scores CSV has %d rows, want a head and %d departments", len(rows), len(codes))
		}
	})

	t.Run("existing file refused", func(t *testing.T) {
		out := filepath.Join(dir, "kept.xlsx")
		os.WriteFile(out, []byte("keep me"), 0o644)
		_, err := runExport("--db", dbPath, "--run", id, "--format", "xlsx", "--out", out)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("an existing --out: %v, want a usage error", err)
		}
		if b, _ := os.ReadFile(out); string(b) != "keep me" {
			t.Fatalf("the existing file was changed: %q", b)
		}
	})

	t.Run("unknown run", func(t *testing.T) {
		out := filepath.Join(dir, "none.xlsx")
		_, err := runExport("--db", dbPath, "--run", "987654", "--format", "xlsx", "--out", out)
		if err == nil || !strings.Contains(err.Error(), "987654") || strings.Contains(err.Error(), "err.") {
			t.Fatalf("an unknown run: %v, want an error naming it", err)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a failed export left %s behind", out)
		}
		_, err = runExport("--db", dbPath, "--run", id, "--format", "xlsx", "--department", "NO-SUCH", "--out", out)
		if err == nil || !strings.Contains(err.Error(), `"NO-SUCH"`) {
			t.Fatalf("an unknown department: %v, want an error naming it", err)
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		out := filepath.Join(dir, "bad")
		for name, args := range map[string][]string{
			"no run":                   {"--format", "xlsx", "--out", out},
			"no format":                {"--run", id, "--out", out},
			"no out":                   {"--run", id, "--format", "xlsx"},
			"unknown format":           {"--run", id, "--format", "docx", "--out", out},
			"pdf without dept":         {"--run", id, "--format", "pdf", "--out", out},
			"csv of a dept":            {"--run", id, "--format", "csv", "--department", codes[0], "--out", out},
			"unknown language":         {"--run", id, "--format", "csv", "--lang", "fr", "--out", out},
			"indicators of a workbook": {"--run", id, "--format", "xlsx", "--what", "indicators", "--out", out},
		} {
			_, err := runExport(append([]string{"--db", dbPath}, args...)...)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("%s: %v, want a usage error", name, err)
			}
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a refused export left %s behind", out)
		}
	})

	t.Run("audited as cli", func(t *testing.T) {
		db := openDemoDB(t, dbPath)
		entries, err := db.FindAudit(context.Background(), survey.AuditFilter{Action: "export.", Actor: "cli"})
		if err != nil {
			t.Fatal(err)
		}
		var details []string
		for _, e := range entries {
			details = append(details, e.Detail)
		}
		all := strings.Join(details, "\n")
		for _, want := range []string{"run " + id + " workbook (xlsx)", "run " + id + " scorecard (xlsx)", "run " + id + " scores (csv)"} {
			if !strings.Contains(all, want) {
				t.Errorf("no audit entry %q by cli; entries:\n%s", want, all)
			}
		}
	})
}

// TestExportCommandPDF prints one scorecard through the command's own
// loopback server.
func TestExportCommandPDF(t *testing.T) {
	findBrowser(t)
	dbPath, runID, codes := exportDemo(t)
	out := filepath.Join(t.TempDir(), "card.pdf")
	msg, err := runExport("--db", dbPath, "--run", strconv.FormatInt(runID, 10), "--format", "pdf",
		"--department", codes[len(codes)-1], "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("%s is not a PDF (%v)", out, err)
	}
}
