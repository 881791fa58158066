package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"govkpi/survey"
)

// govkpi import refuses a bad file with each problem by row and column and
// stores nothing, stores a good one as a batch, and refuses it the second
// time.
func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "g.db")
	db, err := survey.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportDepartments(context.Background(), strings.NewReader("code,name_zh,level\nLJ-GA,澜江市公安局,city\n")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.csv", "period,department_code,variable,value\n2026,LJ-GA,ef_items_total,-1\n2026,LJ-XX,ef_items_total,3\n")
	out, err := runCmd(t, "", noEnv, "import", "metrics", "--db", dbPath, "--lang", "en", bad)
	if exitCode(err) != 1 || !strings.Contains(out, bad+":2:value: The value cannot be negative") ||
		!strings.Contains(out, bad+":3:department_code: No department has the code LJ-XX") {
		t.Fatalf("bad file: %v\n%s", err, out)
	}
	good := write("good.csv", "period,department_code,variable,value\n2026,LJ-GA,ef_items_total,30\n")
	if out, err := runCmd(t, "", noEnv, "import", "metrics", "--db", dbPath, good); err != nil || !strings.Contains(out, "stored as batch 1: 1 rows") {
		t.Fatalf("good file: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "", noEnv, "import", "metrics", "--db", dbPath, good); exitCode(err) != 1 || !strings.Contains(out, "该文件已作为批次 1") {
		t.Fatalf("same file: %v\n%s", err, out)
	}
	ratings := write("r.csv", "case_id,department_code,channel,level,time\nX-1,LJ-GA,窗口,1,2026-03-02 10:00:00\n")
	if out, err := runCmd(t, "", noEnv, "import", "ratings", "--db", dbPath, "--tickets", ratings); err != nil || !strings.Contains(out, "stored as batch 2") {
		t.Fatalf("ratings: %v\n%s", err, out)
	}
	if _, err := runCmd(t, "", noEnv, "import", "nonsense"); exitCode(err) != 2 {
		t.Fatalf("unknown subcommand: %v", err)
	}
	if _, err := runCmd(t, "", noEnv, "import", "metrics", "--db", dbPath, filepath.Join(dir, "missing.csv")); exitCode(err) != 2 {
		t.Fatalf("missing file: %v", err)
	}
	db, err = survey.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tickets int
	if err := db.R.Get(&tickets, "SELECT COUNT(*) FROM rectifications"); err != nil || tickets != 1 {
		t.Fatalf("%d tickets (%v)", tickets, err)
	}
}
