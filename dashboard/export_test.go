package dashboard

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"govkpi/static"
	"govkpi/survey"
)

// exportFrozen is what the run kept, read from the database without the
// dashboard: each department's index to two decimals and its rank, by
// code. Exports must say the same.
func exportFrozen(t *testing.T, db *survey.DB, runID int64) map[string]survey.RunUnit {
	t.Helper()
	run, err := db.FindAssessmentRun(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := run.Outcome()
	if err != nil {
		t.Fatal(err)
	}
	units := map[string]survey.RunUnit{}
	for _, u := range out.Units {
		units[u.Code] = u
	}
	if len(units) != 3 {
		t.Fatalf("the test run has %d departments", len(units))
	}
	return units
}

func exportScore(u survey.RunUnit) string {
	if u.Score == nil {
		return ""
	}
	return profFixed(*u.Score)
}

// exportFetch GETs u with the language header lang ("" for none) and returns
// the status, content type and body.
func exportFetch(t *testing.T, c *http.Client, u, lang string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), b
}

// exportOpenXLSX fetches a workbook and opens it with excelize.
func exportOpenXLSX(t *testing.T, c *http.Client, u, lang string) (*excelize.File, []byte) {
	t.Helper()
	status, ctype, body := exportFetch(t, c, u, lang)
	if status != http.StatusOK || ctype != xlsxType {
		t.Fatalf("%s: %d %s\n%.300s", u, status, ctype, body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	t.Cleanup(func() { f.Close() })
	return f, body
}

// exportNoFormulas fails when any cell of any sheet holds a formula, or a
// catalogue key left untranslated.
func exportNoFormulas(t *testing.T, f *excelize.File) {
	t.Helper()
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				cell := wbCell(c+1, r+1)
				if fm, err := f.GetCellFormula(sheet, cell); err != nil || fm != "" {
					t.Errorf("%s!%s is a formula %q (%v)", sheet, cell, fm, err)
				}
				if strings.HasPrefix(v, "wb.") || strings.HasPrefix(v, "prof.") {
					t.Errorf("%s!%s is an untranslated key %q", sheet, cell, v)
				}
			}
		}
	}
}

// exportLibreOffice converts every sheet of a workbook to CSV with
// LibreOffice, an independent reader of the file, and returns the sheets'
// records in order; nil when LibreOffice is not installed (outside CI,
// which installs it: there a missing soffice fails).
//
// soffice --convert-to csv writes the first sheet only, unless the CSV
// filter's options name a sheet: the twelfth token is the sheet's number
// from 1, or -1 for every sheet, each to <name>-<sheet name>.csv
// (LibreOffice 7.2 and later). One run with -1 converts them all; the
// sheets are then read back by their names. The other tokens: comma,
// double quote, UTF-8, from line 1, no column formats, language default,
// quote text cells, detect special numbers, save cells as shown.
func exportLibreOffice(t *testing.T, xlsx []byte, sheets []string) [][][]string {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("soffice not on PATH: CI must install libreoffice-calc-nogui")
		}
		t.Log("soffice not on PATH: LibreOffice check skipped")
		return nil
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "book.xlsx")
	if err := os.WriteFile(in, xlsx, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,true,false,false,-1", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	var out [][][]string
	for _, s := range sheets {
		b, err := os.ReadFile(filepath.Join(dir, "book-"+s+".csv"))
		if err != nil {
			files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
			t.Fatalf("LibreOffice wrote %q: %v", files, err)
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("LibreOffice csv of %s: %v", s, err)
		}
		out = append(out, recs)
	}
	return out
}

// exportColumn is the index of the header cell head in row, or fails.
func exportColumn(t *testing.T, row []string, head string) int {
	t.Helper()
	k := slices.Index(row, head)
	if k < 0 {
		t.Fatalf("no column %q in %q", head, row)
	}
	return k
}

// exportAudit are the audit entries of action, newest first.
func exportAudit(t *testing.T, db *survey.DB, action string) []survey.AuditEntry {
	t.Helper()
	rows, err := db.FindAudit(context.Background(), survey.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The run's workbook: the ranking has every department with the run's
// scores and ranks, its band cells coloured by rules with the palette's
// colours, its header row frozen; the hostile names are text in every
// reader; each sheet LibreOffice reads agrees; the export is audited.
func TestExportRunXLSX(t *testing.T) {
	ts, runID, db := testRunDB(t)
	frozen := exportFrozen(t, db, runID)
	admin := signedIn(t, ts, "admin")
	base := ts.URL + "/dashboard/runs/" + itoa(runID)
	f, body := exportOpenXLSX(t, admin, base+"/export.xlsx", "")

	sheets := []string{"排名", "维度", "指标", "指标原始值", "方法"}
	if got := f.GetSheetList(); !slices.Equal(got, sheets) {
		t.Fatalf("sheets %q, want %q", got, sheets)
	}
	exportNoFormulas(t, f)
	rows, err := f.GetRows("排名")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("ranking rows %q", rows)
	}
	codeCol, nameCol, scoreCol, rankCol := exportColumn(t, rows[0], "代码"), exportColumn(t, rows[0], "部门"),
		exportColumn(t, rows[0], "指数得分（0–100 分）"), exportColumn(t, rows[0], "排名")
	names := map[string]string{}
	for _, row := range rows[1:] {
		u := frozen[row[codeCol]]
		if row[scoreCol] != exportScore(u) || row[rankCol] != strconv.Itoa(u.Rank) {
			t.Errorf("%s: score %q rank %q, the run has %s and %d", u.Code, row[scoreCol], row[rankCol], exportScore(u), u.Rank)
		}
		names[row[codeCol]] = row[nameCol]
	}
	if names["LJ-A"] != evil || names["LJ-B"] != formula || names["LJ-C"] != "澜江市政务服务和数据管理局" {
		t.Fatalf("names %q", names)
	}
	// The score is a number cell with two decimals shown.
	cell := wbCell(scoreCol+1, 2)
	if typ, _ := f.GetCellType("排名", cell); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("score cell %s is of type %v", cell, typ)
	}
	if panes, err := f.GetPanes("排名"); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("ranking panes %+v %v", panes, err)
	}
	if w, _ := f.GetColWidth("排名", "C"); w < wbTextWidth("澜江市政务服务和数据管理局") {
		t.Errorf("the name column is %v wide", w)
	}

	// One rule per band on the band column, each filling with the band's
	// palette colour, lowest band first.
	bandCol := exportColumn(t, rows[0], "等级")
	formats, err := f.GetConditionalFormats("排名")
	if err != nil {
		t.Fatal(err)
	}
	col, _ := excelize.ColumnNumberToName(bandCol + 1)
	rules := formats[col+"2:"+col+"4"]
	if len(rules) < 3 {
		t.Fatalf("conditional formats %+v", formats)
	}
	for k, rule := range rules {
		if rule.Format == nil {
			t.Fatalf("rule %d has no format", k)
		}
		style, err := f.GetConditionalStyle(*rule.Format)
		if err != nil || len(style.Fill.Color) == 0 || !strings.EqualFold(strings.TrimPrefix(style.Fill.Color[0], "#"), strings.TrimPrefix(palette[k], "#")) {
			t.Errorf("rule %d %+v fills with %+v (%v), want %s", k, rule, style, err, palette[k])
		}
	}
	// Every band a department is in has its rule.
	for _, row := range rows[1:] {
		if !slices.ContainsFunc(rules, func(r excelize.ConditionalFormatOptions) bool { return r.Value == `"`+row[bandCol]+`"` }) {
			t.Errorf("band %q has no colour rule", row[bandCol])
		}
	}

	lo := exportLibreOffice(t, body, sheets)
	if lo != nil {
		ranking, families, methodology := lo[0], lo[1], lo[4]
		if len(ranking) != 4 {
			t.Fatalf("LibreOffice ranking %q", ranking)
		}
		for _, row := range ranking[1:] {
			u := frozen[row[codeCol]]
			if row[scoreCol] != exportScore(u) || row[rankCol] != strconv.Itoa(u.Rank) || row[nameCol] != names[u.Code] {
				t.Errorf("LibreOffice reads %q; the run has %s, rank %d", row, exportScore(u), u.Rank)
			}
		}
		fScore := exportColumn(t, families[0], "指数得分（0–100 分）")
		for _, row := range families[1:] {
			if u := frozen[row[0]]; row[fScore] != exportScore(u) {
				t.Errorf("LibreOffice families %q, the run has %s", row, exportScore(u))
			}
		}
		if len(lo[2]) != 4 || len(lo[3]) != 4 || len(lo[2][0]) != len(lo[3][0]) {
			t.Errorf("indicator sheets %d and %d rows", len(lo[2]), len(lo[3]))
		}
		// The index first, with no parent, then its tree.
		if len(methodology) < 30 || methodology[1][2] != "" || methodology[2][2] != methodology[1][0] {
			t.Errorf("methodology %q", methodology[:3])
		}
	}

	// The export is on record.
	found := false
	for _, e := range exportAudit(t, db, survey.AuditExported) {
		found = found || e.ObjectType == "run" && e.ObjectID == itoa(runID) && e.ActorName == "admin" && strings.Contains(e.Detail, "xlsx")
	}
	if !found {
		t.Error("the workbook's export is not audited")
	}

	// English on request.
	en, _ := exportOpenXLSX(t, admin, base+"/export.xlsx", "en")
	if got := en.GetSheetList(); !slices.Equal(got, []string{"Ranking", "Families", "Indicators", "Raw values", "Methodology"}) {
		t.Errorf("English sheets %q", got)
	}
}

// One department's workbook: the summary names it as text and has its
// score, with a native radar and bar chart whose series read the sheet's
// cells; the indicators and answers sheets are there; LibreOffice agrees.
func TestExportScorecardXLSX(t *testing.T) {
	ts, runID, db := testRunDB(t)
	frozen := exportFrozen(t, db, runID)
	admin := signedIn(t, ts, "admin")
	base := ts.URL + "/dashboard/runs/" + itoa(runID) + "/departments/"
	for _, code := range []string{"LJ-B", "LJ-A", "LJ-C"} {
		t.Run(code, func(t *testing.T) {
			f, body := exportOpenXLSX(t, admin, base+code+"/scorecard.xlsx", "")
			sheets := []string{"摘要", "指标", "答卷"}
			if got := f.GetSheetList(); !slices.Equal(got, sheets) {
				t.Fatalf("sheets %q", got)
			}
			exportNoFormulas(t, f)
			summary, _ := f.GetRows("摘要")
			facts := map[string]string{}
			for _, row := range summary {
				if len(row) < 2 {
					continue
				}
				if _, seen := facts[row[0]]; !seen {
					facts[row[0]] = row[1]
				}
			}
			u := frozen[code]
			if facts["代码"] != code || facts["指数得分（0–100 分）"] != exportScore(u) || facts["排名（共 3 个部门）"] != strconv.Itoa(u.Rank) {
				t.Errorf("summary facts %q; the run has %s, rank %d", facts, exportScore(u), u.Rank)
			}
			if code == "LJ-B" && (summary[0][0] != formula || facts["部门"] != formula) {
				t.Errorf("the formula-like name reads %q / %q", summary[0][0], facts["部门"])
			}
			if code == "LJ-A" && summary[0][0] != evil {
				t.Errorf("the hostile name reads %q", summary[0][0])
			}
			exportChartsOf(t, body)

			inds, _ := f.GetRows("指标")
			if len(inds) < 20 || inds[0][0] != "代码" || inds[0][3] != "原始值" {
				t.Errorf("indicators sheet %q", inds[:min(2, len(inds))])
			}
			answers, _ := f.GetRows("答卷")
			evidence := 0
			for _, row := range answers {
				if len(row) > 3 && row[3] == "见附件" {
					evidence++
				}
			}
			if evidence == 0 {
				t.Errorf("no evidence in the answers sheet: %q", answers[:min(4, len(answers))])
			}

			if lo := exportLibreOffice(t, body, sheets); lo != nil {
				got := map[string]string{}
				for _, row := range lo[0] {
					if len(row) < 2 {
						continue
					}
					if _, seen := got[row[0]]; !seen {
						got[row[0]] = row[1]
					}
				}
				if lo[0][0][0] != summary[0][0] || got["指数得分（0–100 分）"] != exportScore(u) || got["部门"] != facts["部门"] {
					t.Errorf("LibreOffice reads the summary %q", lo[0][:4])
				}
				if len(lo[1]) != len(inds) {
					t.Errorf("LibreOffice reads %d indicator rows, excelize %d", len(lo[1]), len(inds))
				}
			}
		})
	}
	found := false
	for _, e := range exportAudit(t, db, survey.AuditExported) {
		found = found || e.ObjectType == "department" && e.ObjectID == "LJ-B" && strings.Contains(e.Detail, "xlsx")
	}
	if !found {
		t.Error("the scorecard's export is not audited")
	}
	// English, and an unknown department.
	en, _ := exportOpenXLSX(t, admin, base+"LJ-C/scorecard.xlsx", "en")
	if got := en.GetSheetList(); !slices.Equal(got, []string{"Summary", "Indicators", "Answers"}) {
		t.Errorf("English sheets %q", got)
	}
	if status, _ := get(t, admin, base+"LJ-NONE/scorecard.xlsx"); status != http.StatusNotFound {
		t.Errorf("unknown department: %d", status)
	}
	if status, _ := get(t, admin, ts.URL+"/dashboard/runs/999/export.xlsx"); status != http.StatusNotFound {
		t.Errorf("unknown run: %d", status)
	}
}

// exportChartsOf checks the workbook's first sheet draws a radar and a bar
// chart, and that every reference in the charts is to the sheet's cells:
// a series name written as text would be read as a formula.
func exportChartsOf(t *testing.T, xlsx []byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		for _, f := range zr.File {
			if f.Name == name {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				b, _ := io.ReadAll(rc)
				return string(b)
			}
		}
		return ""
	}
	rels := read("xl/worksheets/_rels/sheet1.xml.rels")
	m := regexp.MustCompile(`Target="\.\./drawings/(drawing\d+\.xml)"`).FindStringSubmatch(rels)
	if m == nil {
		t.Fatalf("the summary sheet has no drawing: %s", rels)
	}
	drawingRels := read("xl/drawings/_rels/" + m[1] + ".rels")
	charts := regexp.MustCompile(`Target="\.\./charts/(chart\d+\.xml)"`).FindAllStringSubmatch(drawingRels, -1)
	kinds := map[string]bool{}
	ref := regexp.MustCompile(`^'摘要'!\$[A-Z]+\$\d+(:\$[A-Z]+\$\d+)?$`)
	for _, c := range charts {
		doc := read("xl/charts/" + c[1])
		kinds["radar"] = kinds["radar"] || strings.Contains(doc, "<radarChart>")
		kinds["bar"] = kinds["bar"] || strings.Contains(doc, "<barChart>")
		fs := regexp.MustCompile(`<f>(.*?)</f>`).FindAllStringSubmatch(doc, -1)
		if len(fs) == 0 {
			t.Errorf("%s reads no cells", c[1])
		}
		for _, f := range fs {
			if !ref.MatchString(strings.ReplaceAll(f[1], "&#39;", "'")) {
				t.Errorf("%s refers to %q", c[1], f[1])
			}
		}
	}
	if !kinds["radar"] || !kinds["bar"] {
		t.Errorf("charts on the summary: %v (%d)", kinds, len(charts))
	}
}

// The run's CSVs: scores (one row per department, the run's numbers, the
// formula-like name neutralised) and indicators (one row per department
// and indicator); both audited.
func TestExportRunCSV(t *testing.T) {
	ts, runID, db := testRunDB(t)
	frozen := exportFrozen(t, db, runID)
	admin := signedIn(t, ts, "admin")
	base := ts.URL + "/dashboard/runs/" + itoa(runID) + "/export/"

	scores := profCSV(t, admin, base+"scores.csv")
	if len(scores) != 4 {
		t.Fatalf("scores.csv %q", scores)
	}
	head := scores[0]
	codeCol, nameCol, scoreCol, rankCol := exportColumn(t, head, "代码"), exportColumn(t, head, "部门"),
		exportColumn(t, head, "指数得分（0–100 分）"), exportColumn(t, head, "排名")
	names := map[string]string{}
	for _, row := range scores[1:] {
		if len(row) != len(head) {
			t.Fatalf("row %q, head %q", row, head)
		}
		u := frozen[row[codeCol]]
		if row[scoreCol] != exportScore(u) || row[rankCol] != strconv.Itoa(u.Rank) {
			t.Errorf("%q; the run has %s, rank %d", row, exportScore(u), u.Rank)
		}
		names[row[codeCol]] = row[nameCol]
	}
	if names["LJ-B"] != "'"+formula || names["LJ-A"] != evil {
		t.Errorf("names %q", names)
	}
	if len(head) < 12 {
		t.Errorf("no family columns: %q", head)
	}

	inds := profCSV(t, admin, base+"indicators.csv")
	perDept := map[string]int{}
	for _, row := range inds[1:] {
		perDept[row[0]]++
		if row[0] == "LJ-B" && row[1] != "'"+formula {
			t.Fatalf("indicator row %q", row)
		}
	}
	n := perDept["LJ-A"]
	if n < 20 || perDept["LJ-B"] != n || perDept["LJ-C"] != n || len(inds) != 1+3*n {
		t.Errorf("indicator rows per department %v of %d", perDept, len(inds))
	}
	for _, what := range []string{"scores", "indicators"} {
		found := false
		for _, e := range exportAudit(t, db, survey.AuditExported) {
			found = found || e.ObjectType == "run" && e.ObjectID == itoa(runID) && strings.Contains(e.Detail, what+" (csv)")
		}
		if !found {
			t.Errorf("%s.csv not audited", what)
		}
	}
	if status, _ := get(t, admin, base+"other.csv"); status != http.StatusNotFound {
		t.Errorf("other.csv: %d", status)
	}
}

// An official reads their own department's workbook in a published run,
// not another's (404, audited as refused), nor the run's exports (403);
// nothing of a draft.
func TestExportOfficialAccess(t *testing.T) {
	ts, runID, db := testRunDB(t)
	official := signedIn(t, ts, "official")
	run := ts.URL + "/dashboard/runs/" + itoa(runID)
	own, other := run+"/departments/LJ-C/scorecard.xlsx", run+"/departments/LJ-A/scorecard.xlsx"
	if status, _ := get(t, official, own); status != http.StatusNotFound {
		t.Errorf("own scorecard of a draft: %d", status)
	}
	if err := db.PublishAssessment(context.Background(), runID); err != nil {
		t.Fatal(err)
	}
	before := len(exportAudit(t, db, survey.AuditExportRefused))
	if status, _, body := exportFetch(t, official, own, ""); status != http.StatusOK || !bytes.HasPrefix(body, []byte("PK")) {
		t.Errorf("own scorecard: %d", status)
	}
	if status, _ := get(t, official, other); status != http.StatusNotFound {
		t.Errorf("another department's scorecard: %d", status)
	}
	refused := exportAudit(t, db, survey.AuditExportRefused)
	if len(refused) != before+1 || refused[0].ObjectID != "LJ-A" || refused[0].ActorName != "official" {
		t.Errorf("refusals on record: %+v", refused)
	}
	for _, u := range []string{run + "/export.xlsx", run + "/export/scores.csv", run + "/export/indicators.csv"} {
		if status, _ := get(t, official, u); status != http.StatusForbidden {
			t.Errorf("official GET %s: %d", strings.TrimPrefix(u, ts.URL), status)
		}
	}
	// The pages link the downloads for whom may have them.
	_, page := get(t, official, run)
	if strings.Contains(page, "/export.xlsx") {
		t.Error("the official's overview links the run's workbook")
	}
	admin := signedIn(t, ts, "admin")
	_, page = get(t, admin, run)
	for _, link := range []string{"/export.xlsx", "/export/scores.csv", "/export/indicators.csv"} {
		if !strings.Contains(page, itoa(runID)+link) {
			t.Errorf("the overview lacks %s", link)
		}
	}
	_, page = get(t, official, run+"/departments/LJ-C")
	if !strings.Contains(page, "/departments/LJ-C/scorecard.xlsx") {
		t.Error("the profile lacks its workbook")
	}
}

// The cells a workbook writes stay what they are: a formula-like name is a
// string cell, read back as the same text by excelize.
func TestExportCellsStayText(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{formula, "+1", "-2", "@x", 1.5}); err != nil {
		t.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("Sheet2"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("Sheet2", "A1", formula); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	for _, cell := range []string{"Sheet1!A1", "Sheet1!B1", "Sheet1!C1", "Sheet1!D1", "Sheet2!A1"} {
		sheet, ref, _ := strings.Cut(cell, "!")
		fm, _ := back.GetCellFormula(sheet, ref)
		typ, _ := back.GetCellType(sheet, ref)
		if fm != "" || (typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString) {
			t.Errorf("%s: formula %q, type %v", cell, fm, typ)
		}
	}
	if v, _ := back.GetCellValue("Sheet1", "A1"); v != formula {
		t.Errorf("streamed A1 reads %q", v)
	}
	if v, _ := back.GetCellValue("Sheet2", "A1"); v != formula {
		t.Errorf("A1 reads %q", v)
	}
}

// The ranking's change is from the campaign just before the run's, not a
// later one, computed from the rounded scores as the profile does; a
// department new in this period has none.
func TestExportRankingChange(t *testing.T) {
	m := syntheticModel(t, 12)
	root := m.Result.RootScores()
	trend := func(period string, years int, delta float64) survey.TrendRun {
		tr := survey.TrendRun{CampaignID: int64(10 + years), Period: period, OpensAt: m.Campaign.OpensAt.AddDate(years, 0, 0)}
		for i, u := range m.Table.Units[1:] { // the first department is new
			tr.Units = append(tr.Units, survey.TrendUnit{Code: u.Code, Group: u.Group})
			tr.Index = append(tr.Index, root[i+1]-delta)
		}
		return tr
	}
	runs := []survey.TrendRun{trend("2024 年度", -2, 5), trend("2025 年度", -1, 1.25), trend("2027 年度", 1, -3)}
	f, err := runWorkbook(m, exportPage(t), runs)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	back, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	rows, err := back.GetRows("排名")
	if err != nil {
		t.Fatal(err)
	}
	change := exportColumn(t, rows[0], "较2025 年度变化（分）")
	code := exportColumn(t, rows[0], "代码")
	for _, row := range rows[1:] {
		i, _ := m.UnitIndex(row[code])
		want := ""
		if i > 0 && !math.IsNaN(root[i]) {
			want = profSigned(profRound(root[i]) - profRound(root[i]-1.25))
		}
		got := ""
		if change < len(row) {
			got = row[change]
		}
		if got != want {
			t.Errorf("%s: change %q, want %q", row[code], got, want)
		}
	}
	if len(rows) != 13 {
		t.Errorf("%d rows", len(rows))
	}
}

// exportPage is a page in Chinese for benchmarks and tests of the
// workbooks' builders.
func exportPage(b testing.TB) *static.Page {
	cat, err := static.NewCatalogue()
	if err != nil {
		b.Fatal(err)
	}
	r, err := static.NewRenderer(cat, static.NewAssets(), nil)
	if err != nil {
		b.Fatal(err)
	}
	return r.NewPage("zh-CN")
}

// BenchmarkRunXLSX5000 builds and writes the run workbook of 5,000
// departments × 33 indicators, with an earlier period for the changes.
func BenchmarkRunXLSX5000(b *testing.B) {
	m := syntheticModel(b, 5000)
	page := exportPage(b)
	prev := survey.TrendRun{CampaignID: 1, Period: "2025 年度", OpensAt: m.Campaign.OpensAt.AddDate(-1, 0, 0), Index: m.Result.RootScores()}
	for _, u := range m.Table.Units {
		prev.Units = append(prev.Units, survey.TrendUnit{Code: u.Code, Group: u.Group})
	}
	b.ReportAllocs()
	var size int64
	for b.Loop() {
		f, err := runWorkbook(m, page, []survey.TrendRun{prev})
		if err != nil {
			b.Fatal(err)
		}
		var n exportCounter
		if err := f.Write(&n); err != nil {
			b.Fatal(err)
		}
		size = int64(n)
		f.Close()
	}
	b.ReportMetric(float64(size)/1e6, "MB-file")
}

// BenchmarkScorecardXLSX builds and writes one department's workbook in a
// run of 5,000 departments (answers aside: they are one query).
func BenchmarkScorecardXLSX(b *testing.B) {
	m := syntheticModel(b, 5000)
	page := exportPage(b)
	pr := newProfiler(m, page)
	b.ReportAllocs()
	for b.Loop() {
		f, err := deptWorkbook(pr, 1, nil, &profileAnswers{Assigned: true})
		if err != nil {
			b.Fatal(err)
		}
		if err := f.Write(io.Discard); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

type exportCounter int64

func (c *exportCounter) Write(p []byte) (int, error) {
	*c += exportCounter(len(p))
	return len(p), nil
}
