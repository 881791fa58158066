package survey

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"govkpi/scoring"
	"govkpi/survey/tabfile"
)

// importErrors returns "row:column:key" for each problem of an
// *ImportError, or fails the test.
func importErrors(t *testing.T, err error) []string {
	t.Helper()
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("want an *ImportError, got %v", err)
	}
	var out []string
	for _, r := range ie.Rows {
		out = append(out, fmt.Sprintf("%d:%s:%s", r.Row, r.Column, r.Key))
	}
	return out
}

func metricValueOf(t *testing.T, db *DB, period, dept, variable string) (float64, int64) {
	t.Helper()
	all, err := db.MetricValues(context.Background(), period)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range all {
		if v.DepartmentCode == dept && v.Variable == variable {
			return v.Value, v.BatchID
		}
	}
	return math.NaN(), 0
}

func TestMetricImport(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		mustDept(t, db, "LJ-GA", "澜江市公安局", "city", "LJ")
		mustDept(t, db, "LJ-ZSJ", "澜江市政务服务和数据管理局", "city", "LJ")

		// Every problem at once, by row and by the file's own column names,
		// and nothing stored.
		bad := "期间,部门编码,变量,数值,来源\n" +
			"2025,LJ-GA,sh_requests_received,120,共享交换平台\n" +
			"2025,LJ-XX,sh_requests_received,10,\n" + // unknown department
			"2025,LJ-GA,sh_nonsense,10,\n" + // unknown variable
			"2025,LJ-ZSJ,ef_items_total,-3,\n" + // negative
			"2025,LJ-ZSJ,ef_items_fully_online,2.5,\n" + // a count with a fraction
			"2025,LJ-GA,sh_requests_received,121,\n" + // duplicate of row 2
			"25年,LJ-GA,ef_items_total,10,\n" + // period
			"2025,LJ-GA,ef_cost_total,abc,\n" + // not a number
			"\n" + // blank lines are skipped, the numbering goes on
			"2025,LJ-ZSJ,sh_requests_received,,\n" // empty value
		_, err := db.ImportMetrics(ctx, strings.NewReader(bad), "bad.csv")
		got := importErrors(t, err)
		want := []string{"3:部门编码:imports.unknown_department", "4:变量:imports.unknown_variable", "5:数值:imports.negative",
			"6:数值:imports.not_whole", "7:变量:imports.duplicate_metric", "8:期间:imports.period", "9:数值:imports.not_number",
			"11:数值:err.required"}
		if !slices.Equal(got, want) {
			t.Fatalf("problems\n got %q\nwant %q", got, want)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM metric_values"); n != 0 {
			t.Fatalf("a refused file stored %d values", n)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM import_batches"); n != 0 {
			t.Fatal("a refused file left a batch")
		}

		// A part above its whole, within the file.
		_, err = db.ImportMetrics(ctx, strings.NewReader("period,department_code,variable,value\n"+
			"2025,LJ-GA,sh_requests_received,100\n2025,LJ-GA,sh_requests_answered_on_time,101\n"), "ratio.csv")
		if got := importErrors(t, err); !slices.Equal(got, []string{"2:value:imports.part_above_whole", "3:value:imports.part_above_whole"}) {
			t.Fatalf("part above whole: %q", got)
		}

		good := "period,department_code,variable,value,source\n" +
			"2025,LJ-GA,sh_requests_received,\"1,200\",共享交换平台\n" +
			"2025,LJ-GA,sh_requests_answered_on_time,1100,共享交换平台\n" +
			"2025,LJ-ZSJ,ef_items_total,300,事项系统\n" +
			"2025,LJ-ZSJ,ef_processing_days_mean,4.5,办件系统\n" +
			"2026年度,LJ-ZSJ,ef_items_total,310,事项系统\n"
		b1, err := db.ImportMetrics(ctx, strings.NewReader(good), "metrics-2025.csv")
		if err != nil {
			t.Fatal(err)
		}
		if b1.Rows != 5 || b1.Detail["2025"] != 4 || b1.Detail["2026"] != 1 || len(b1.FileHash) != 64 {
			t.Fatalf("batch %+v", b1)
		}
		if v, batch := metricValueOf(t, db, "2025", "LJ-GA", "sh_requests_received"); v != 1200 || batch != b1.ID {
			t.Fatalf("stored %v from batch %d", v, batch)
		}
		// The same file again stores nothing.
		_, err = db.ImportMetrics(ctx, strings.NewReader(good), "renamed.csv")
		if got := importErrors(t, err); len(got) != 1 || got[0] != "0::imports.same_file" {
			t.Fatalf("same file: %q", got)
		}

		// A later batch checks its parts against the values in force: 1,300
		// answered on time is above the 1,200 received stored before.
		_, err = db.ImportMetrics(ctx, strings.NewReader("period,department_code,variable,value\n2025,LJ-GA,sh_requests_answered_on_time,1300\n"), "x.csv")
		if got := importErrors(t, err); !slices.Equal(got, []string{"2:value:imports.part_above_whole"}) {
			t.Fatalf("against stored values: %q", got)
		}
		// A correction replaces the value it repeats; rolling it back brings
		// the first one back.
		b2, err := db.ImportMetrics(ctx, strings.NewReader("period,department_code,variable,value\n2025,LJ-ZSJ,ef_items_total,320\n"), "fix.csv")
		if err != nil {
			t.Fatal(err)
		}
		if v, batch := metricValueOf(t, db, "2025", "LJ-ZSJ", "ef_items_total"); v != 320 || batch != b2.ID {
			t.Fatalf("after the correction: %v from %d", v, batch)
		}
		ctx2 := WithActor(ctx, AuditEntry{ActorName: "cli"})
		if err := db.RollbackImport(ctx2, b2.ID); err != nil {
			t.Fatal(err)
		}
		if v, batch := metricValueOf(t, db, "2025", "LJ-ZSJ", "ef_items_total"); v != 300 || batch != b1.ID {
			t.Fatalf("after the rollback: %v from %d", v, batch)
		}
		if err := db.RollbackImport(ctx2, b2.ID); ErrorCode(err) != EConflict {
			t.Fatalf("rolled back twice: %v", err)
		}
		if err := db.RollbackImport(ctx2, 9999); ErrorCode(err) != ENotFound {
			t.Fatalf("unknown batch: %v", err)
		}
		// A rolled-back file may be imported again.
		if _, err := db.ImportMetrics(ctx, strings.NewReader("period,department_code,variable,value\n2025,LJ-ZSJ,ef_items_total,320\n"), "fix.csv"); err != nil {
			t.Fatalf("re-import after rollback: %v", err)
		}
		batches, err := db.ImportBatches(ctx, ImportMetrics, 10)
		if err != nil || len(batches) != 3 || batches[1].InForce() || !batches[0].InForce() {
			t.Fatalf("batches %+v %v", batches, err)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM audit_log WHERE action = ?", AuditImportRolledBack); n != 1 {
			t.Fatalf("%d rollback audit rows", n)
		}
	})
}

// A variable measured in percent takes 0–100; none of the default
// framework's metric variables is, so the rule is checked with one made up.
func TestMetricPercentRule(t *testing.T) {
	tb, err := tabfile.Read(strings.NewReader("period,department_code,variable,value\n2026,A,share,100\n2026,A,other,100.5\n"), "p.csv", tabfile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := tb.Columns(metricColumns, "period", "department", "variable", "value")
	vars := map[string]MetricVariable{
		"share": {Variable: scoring.Variable{Code: "share", Unit: "%"}},
		"other": {Variable: scoring.Variable{Code: "other", Unit: "%"}},
	}
	_, errs := checkMetricRows(tb, cols, map[string]int64{"A": 1}, vars)
	if len(errs) != 1 || errs[0].Row != 3 || errs[0].Key != "imports.above_100" {
		t.Fatalf("problems %+v", errs)
	}
}

// metricsXLSX builds a workbook of rows; numbers are stored as numbers.
func metricsXLSX(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestMetricImportXLSXFeedsTheCampaign(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		mustDept(t, db, "LJ-GA", "澜江市公安局", "city", "LJ")
		mustDept(t, db, "LJ-ZSJ", "澜江市政务服务和数据管理局", "city", "LJ")
		c, _ := feedCampaign(t, db, publishDefault(t, db, "self_assessment"), "SA2026", false, "LJ-GA", "LJ-ZSJ")
		book := metricsXLSX(t, [][]any{
			{"期间", "部门编码", "部门名称", "变量", "数值", "来源"},
			{2026, "LJ-GA", "澜江市公安局", "ef_items_total", 120, "事项系统"},
			{2026, "LJ-GA", "澜江市公安局", "ef_items_fully_online", 96, "事项系统"},
			{2025, "LJ-GA", "澜江市公安局", "ef_items_total", 100, "事项系统"}, // another year: not fed
			{2026, "LJ-ZSJ", "澜江市政务服务和数据管理局", "ef_processing_days_mean", 3.25, "办件系统"},
		})
		b, err := db.ImportMetrics(ctx, bytes.NewReader(book), "metrics.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		tb, rep, err := db.CampaignTable(ctx, c.ID, []string{"ef_items_total", "ef_items_fully_online", "ef_processing_days_mean"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.MetricsPeriod != "2026" || !slices.Equal(rep.MetricBatches, []int64{b.ID}) || len(rep.Unsupplied) != 0 {
			t.Fatalf("report %+v", rep)
		}
		if cell(t, tb, "LJ-GA", "ef_items_total") != 120 || cell(t, tb, "LJ-GA", "ef_items_fully_online") != 96 ||
			cell(t, tb, "LJ-ZSJ", "ef_processing_days_mean") != 3.25 || !math.IsNaN(cell(t, tb, "LJ-ZSJ", "ef_items_total")) {
			t.Fatalf("table %v", tb.Values)
		}
		// A workbook with a bad cell names its row and column too.
		book = metricsXLSX(t, [][]any{{"period", "department_code", "variable", "value"}, {2026, "LJ-GA", "ef_items_total", -1}})
		if got := importErrors(t, func() error { _, err := db.ImportMetrics(ctx, bytes.NewReader(book), "m.xlsx"); return err }()); !slices.Equal(got, []string{"2:value:imports.negative"}) {
			t.Fatalf("xlsx problem: %q", got)
		}
	})
}

func TestRatingImport(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		ga := mustDept(t, db, "LJ-GA", "澜江市公安局", "city", "LJ")
		loc := db.Zone()

		bad := "办件编号,部门编码,事项名称,渠道,评价等级,评价时间,评价内容,是否实名\n" +
			"C-1,LJ-GA,户籍迁移,窗口,非常满意,2026-03-02 10:15:00,,是\n" +
			"C-2,LJ-XX,户籍迁移,窗口,5,2026-03-02 10:16:00,,否\n" + // department
			"C-3,LJ-GA,户籍迁移,传真,5,2026-03-02 10:17:00,,否\n" + // channel
			"C-4,LJ-GA,户籍迁移,网上,6,2026-03-02 10:18:00,,否\n" + // level
			"C-5,LJ-GA,户籍迁移,网上,4,昨天,,否\n" + // time
			"C-1,LJ-GA,户籍迁移,网上,4,2026-03-02 10:19:00,,否\n" + // case repeated
			"C-7,LJ-GA,户籍迁移,网上,4,2026-03-02 10:20:00," + strings.Repeat("长", 2001) + ",否\n" + // comment too long
			"C-8,LJ-GA,户籍迁移,网上,4,2026-03-02 10:21:00,,也许\n" // identified
		_, err := db.ImportRatings(ctx, strings.NewReader(bad), "bad.csv", false)
		got := importErrors(t, err)
		want := []string{"3:部门编码:imports.unknown_department", "4:渠道:err.rating_channel", "5:评价等级:err.rating_level",
			"6:评价时间:imports.time", "7:办件编号:err.rating_case_repeated", "8:评价内容:err.rating_comment", "9:是否实名:imports.yes_no"}
		if !slices.Equal(got, want) {
			t.Fatalf("problems\n got %q\nwant %q", got, want)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM ratings"); n != 0 {
			t.Fatalf("a refused file stored %d ratings", n)
		}

		good := "case_id,department_code,service_item,channel,level,time,comment,identified\n" +
			"C-1,LJ-GA,户籍迁移,窗口,非常满意,2026-03-02 10:15:00,,是\n" +
			"C-2,LJ-GA,户籍迁移,APP,不满意,2026/3/2 23:30,<script>alert(1)</script>,否\n" +
			",LJ-GA,,自助终端,3,2026-03-03T01:00:00+08:00,,\n"
		res, err := db.ImportRatings(ctx, strings.NewReader(good), "ratings.csv", true)
		if err != nil {
			t.Fatal(err)
		}
		if res.Stored != 3 || res.Skipped != 0 || res.Batch.ID == 0 {
			t.Fatalf("result %+v", res)
		}
		c, _ := db.RatingCountsBetween(ctx, ga.ID, "2026-03-02", "2026-03-03")
		if c.N5 != 1 || c.N2 != 1 || c.N3 != 1 {
			t.Fatalf("rollups %+v", c)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM ratings WHERE comment = '<script>alert(1)</script>' AND channel = 'mobile' AND source = 'import'"); n != 1 {
			t.Fatal("the comment or channel was not stored faithfully")
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM rectifications"); n != 1 {
			t.Fatalf("%d tickets for one bad rating", n)
		}
		// The same file again: refused as a whole.
		_, err = db.ImportRatings(ctx, strings.NewReader(good), "again.csv", true)
		if got := importErrors(t, err); len(got) != 1 || got[0] != "0::imports.same_file" {
			t.Fatalf("same file: %q", got)
		}
		// An overlapping export: the case stored before is skipped.
		next := "case_id,department_code,channel,level,time\nC-2,LJ-GA,网上,2,2026-03-02 23:30:00\nC-9,LJ-GA,网上,5,2026-03-04 09:00:00\n"
		res, err = db.ImportRatings(ctx, strings.NewReader(next), "next.csv", false)
		if err != nil || res.Stored != 1 || res.Skipped != 1 {
			t.Fatalf("overlap: %+v %v", res, err)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM ratings"); n != 4 {
			t.Fatalf("%d ratings", n)
		}
		// An Excel date serial is read as the time it shows.
		book := metricsXLSX(t, [][]any{{"department_code", "channel", "level", "time"}, {"LJ-GA", "window", 4, 46085.5}})
		if _, err := db.ImportRatings(ctx, bytes.NewReader(book), "r.xlsx", false); err != nil {
			t.Fatal(err)
		}
		var at time.Time
		if err := db.R.Get(&at, "SELECT rated_at FROM ratings WHERE level = 4 AND channel = 'window'"); err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 3, 4, 12, 0, 0, 0, loc); !at.Equal(want) {
			t.Fatalf("serial 46085.5 read as %v, want %v", at.In(loc), want)
		}
		if err := db.RollbackImport(ctx, res.Batch.ID); ErrorCode(err) != EConflict {
			t.Fatal("a ratings batch was rolled back")
		}
	})
}

func TestImportsPage(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	c.signIn("admin")
	upload := func(path, name string, content []byte) resp {
		var b bytes.Buffer
		b.WriteString("--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + c.csrf + "\r\n")
		b.WriteString("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
		b.Write(content)
		b.WriteString("\r\n--XX--\r\n")
		req, _ := http.NewRequest("POST", app.ts.URL+path, &b)
		req.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
		return c.do(req)
	}
	if r := c.get("/admin/imports"); r.status != 200 || !strings.Contains(r.body, "sh_requests_answered_on_time") || !strings.Contains(r.body, "10个工作日内答复的共享申请数") {
		t.Fatalf("page: %d", r.status)
	}
	hostile := "period,department_code,variable,value\n2025,<img src=x onerror=alert(1)>,ef_items_total,1\n"
	r := upload("/admin/imports/metrics", "m.csv", []byte(hostile))
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "系统中没有部门编码 &lt;img src=x onerror=alert(1)&gt;") ||
		!strings.Contains(r.body, `<td class="num">2</td><td>department_code</td>`) || strings.Contains(r.body, "<img src=x") {
		t.Fatalf("bad file: %d\n%s", r.status, r.body)
	}
	r = upload("/admin/imports/metrics", "m.csv", []byte("period,department_code,variable,value\n2025,LJ-GA,ef_items_total,12\n"))
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/admin/imports?done=") {
		t.Fatalf("good file: %d %s", r.status, r.header.Get("Location"))
	}
	r = c.get(r.header.Get("Location"))
	if !strings.Contains(r.body, "已导入为批次 1") || !strings.Contains(r.body, "保存 1 个数值") || !strings.Contains(r.body, "m.csv") {
		t.Fatalf("after the import:\n%s", r.body)
	}
	if r := c.post("/admin/imports/1/rollback", nil); r.status != http.StatusSeeOther {
		t.Fatalf("rollback: %d", r.status)
	}
	if r := c.get("/admin/imports"); !strings.Contains(r.body, "已由 王考核 于") {
		t.Fatal("the rollback is not shown")
	}
	if r := c.post("/admin/imports/1/rollback", nil); r.status != http.StatusConflict {
		t.Fatalf("second rollback: %d", r.status)
	}
	if r := upload("/admin/imports/ratings", "old.xls", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest")); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "旧版 Excel") {
		t.Fatalf("xls: %d", r.status)
	}

	// The template workbook opens and its data sheet is what the importer
	// reads: filled in, it imports.
	r = c.get("/admin/imports/metrics-template.xlsx")
	if r.status != 200 {
		t.Fatalf("template: %d", r.status)
	}
	f, err := excelize.OpenReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	sheets := f.GetSheetList()
	rows, _ := f.GetRows(sheets[0])
	vars, _ := MetricVariables()
	if len(sheets) != 2 || len(rows) != len(vars)+1 || rows[0][2] != "variable" {
		t.Fatalf("template sheets %q, %d rows", sheets, len(rows))
	}
	// A second, independent reader sees the same data sheet.
	checkWithLibreOffice(t, []byte(r.body), rows)
	for i := 1; i < len(rows); i++ {
		f.SetCellStr(sheets[0], fmt.Sprintf("B%d", i+1), "LJ-ZSJ")
		f.SetCellInt(sheets[0], fmt.Sprintf("D%d", i+1), 0)
	}
	var buf bytes.Buffer
	f.Write(&buf)
	f.Close()
	if r := upload("/admin/imports/metrics", "filled.xlsx", buf.Bytes()); r.status != http.StatusSeeOther {
		t.Fatalf("filled template: %d\n%s", r.status, r.body)
	}

	// Only admins.
	for _, who := range []string{"evaluator", "official"} {
		o := app.client()
		o.signIn(who)
		if r := o.get("/admin/imports"); r.status != http.StatusForbidden {
			t.Fatalf("%s: %d", who, r.status)
		}
	}
}
