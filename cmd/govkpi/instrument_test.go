package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstrumentCheck(t *testing.T) {
	out, err := runCmd(t, "", noEnv, "instrument", "check", filepath.Join("..", "..", "survey", "instrument", "questionnaires", "self_assessment.yaml"))
	if err != nil || !strings.Contains(out, "DGMI-SA") || !strings.Contains(out, "5 sections, 15 questions") {
		t.Fatalf("%v\n%s", err, out)
	}
	gps := validationPath(t, "xlsform", "gps_questions.xlsx")
	out, err = runCmd(t, "", noEnv, "instrument", "check", gps)
	if err == nil || exitCode(err) != 1 || !strings.Contains(out, `survey sheet, row 2, column type: type "geopoint"`) {
		t.Fatalf("geopoint: %v (exit %d)\n%s", err, exitCode(err), out)
	}
	for _, f := range []string{"cascading_select.xlsx", "sample_xlsform.xlsx", "number_decimal_range_question_types.xlsx", "calculations_constraints_matrix.xlsx"} {
		if out, err := runCmd(t, "", noEnv, "instrument", "check", validationPath(t, "xlsform", f)); err != nil {
			t.Errorf("%s: %v\n%s", f, err, out)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("code: X\nversion: \"1\"\ntitle: 测试\nsections:\n  - code: s\n    title: 节\n    questions:\n      - {name: a, type: integer, label: 甲, relevant: \"${nowhere} = 1\"}\n"), 0o600)
	out, err = runCmd(t, "", noEnv, "instrument", "check", bad)
	if exitCode(err) != 1 || !strings.Contains(out, "nowhere") {
		t.Fatalf("unknown reference: %v\n%s", err, out)
	}
	if _, err := runCmd(t, "", noEnv, "instrument", "check", "/no/such/file.yaml"); exitCode(err) != 2 {
		t.Fatalf("missing file: %v", err)
	}
	// import stores a draft; a published version cannot be imported again.
	db := filepath.Join(t.TempDir(), "i.db")
	sa := filepath.Join("..", "..", "survey", "instrument", "questionnaires", "citizen.yaml")
	out, err = runCmd(t, "", noEnv, "instrument", "import", "--db", db, sa)
	if err != nil || !strings.Contains(out, "stored as draft 1") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err = runCmd(t, "", noEnv, "instrument", "import", "--db", db, sa); err != nil || !strings.Contains(out, "stored as draft 1") {
		t.Fatalf("re-import of a draft: %v\n%s", err, out)
	}
	if _, err := runCmd(t, "", noEnv, "instrument", "import", "--db", db); exitCode(err) != 2 {
		t.Fatalf("import without a file: %v", err)
	}
	xls := filepath.Join(t.TempDir(), "old.xls")
	os.WriteFile(xls, []byte{0xD0, 0xCF, 0x11, 0xE0}, 0o600)
	if out, err := runCmd(t, "", noEnv, "instrument", "check", xls); exitCode(err) != 1 || !strings.Contains(out, ".xlsx") {
		t.Fatalf(".xls: %v\n%s", err, out)
	}
}
