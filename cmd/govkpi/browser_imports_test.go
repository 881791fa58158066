package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An admin imports platform metrics in the browser: a file with one bad row
// is refused, names the row and column and stores nothing; the corrected
// file is stored as a batch, shown in the list and rolled back from it. A
// ratings file goes the same way.
func TestBrowserImports(t *testing.T) {
	ctx := newBrowser(t)
	base, dbPath := startDemoDB(t)
	problems := watchProblems(t, ctx)
	db := openDemoDB(t, dbPath)
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	count := func(query string) int {
		var n int
		if err := db.R.Get(&n, query); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count("SELECT COUNT(*) FROM metric_values")
	if before == 0 {
		t.Fatal("the demo has no metrics")
	}

	open(t, ctx, base, "/login")
	signIn(t, ctx, "admin", demoPassword)
	open(t, ctx, base, "/admin/imports")
	if h := text(t, ctx, "main h1"); h != "数据导入" {
		t.Fatalf("heading %q", h)
	}
	if n := count("SELECT COUNT(*) FROM import_batches"); !strings.Contains(text(t, ctx, "main"), "demo-metrics-") || n != 2 {
		t.Errorf("the demo's two metric batches are not listed (%d batches)", n)
	}

	// One bad row (a negative count on row 3): nothing is stored.
	bad := file("metrics-bad.csv", "期间,部门编码,变量,数值,来源\n2026,LJ-GA,ef_items_total,130,事项系统\n2026,LJ-GA,ef_items_fully_online,-4,事项系统\n")
	navigating(t, ctx, "upload the bad metrics file",
		chromedp.SetUploadFiles(chromedp.CSS(`#metrics-file`), []string{bad}),
		chromedp.Click(chromedp.CSS(`form[action="/admin/imports/metrics"] button[type="submit"]`)))
	if row := text(t, ctx, "table.errors tbody tr"); !strings.Contains(row, "3") || !strings.Contains(row, "数值") || !strings.Contains(row, "数值不能为负") {
		t.Errorf("the problem row reads %q, want row 3, column 数值, 数值不能为负", row)
	}
	if n := count("SELECT COUNT(*) FROM metric_values"); n != before {
		t.Errorf("a refused file stored %d values", n-before)
	}
	pageFits(t, ctx, "imports page with problems")
	if got := problems.take(); len(got) != 1 || !strings.Contains(got[0], "422") {
		t.Errorf("the refused upload: %q, want only its 422", got)
	}
	screenshot(t, ctx, "imports-refused")

	// Corrected: stored as batch 3, listed, then rolled back.
	// The new total must stay above the demo's items handled in one visit,
	// which the import checks against the values in force.
	var items int
	if err := db.R.Get(&items, `SELECT CAST(m.value AS INTEGER) FROM metric_values m JOIN departments d ON d.id = m.department_id
		WHERE d.code = 'LJ-GA' AND m.period = '2026' AND m.variable = 'ef_items_total'`); err != nil {
		t.Fatal(err)
	}
	good := file("metrics-fix.csv", fmt.Sprintf("期间,部门编码,变量,数值,来源\n2026,LJ-GA,ef_items_total,%d,事项系统\n2026,LJ-GA,ef_items_fully_online,%d,事项系统\n", items+10, items/2))
	navigating(t, ctx, "upload the corrected metrics file",
		chromedp.SetUploadFiles(chromedp.CSS(`#metrics-file`), []string{good}),
		chromedp.Click(chromedp.CSS(`form[action="/admin/imports/metrics"] button[type="submit"]`)))
	if msg := text(t, ctx, ".flash.ok"); !strings.Contains(msg, "已导入为批次 3") || !strings.Contains(msg, "保存 2 个数值") {
		t.Errorf("after the import the page says %q", msg)
	}
	if row := text(t, ctx, "tr#batch-3"); !strings.Contains(row, "metrics-fix.csv") || !strings.Contains(row, "有效") {
		t.Errorf("batch 3 row %q", row)
	}
	screenshot(t, ctx, "imports-done")
	navigating(t, ctx, "roll batch 3 back",
		chromedp.Click(chromedp.CSS(`tr#batch-3 form[action="/admin/imports/3/rollback"] button`)))
	if row := text(t, ctx, "tr#batch-3"); !strings.Contains(row, "撤销") || strings.Contains(row, "有效") {
		t.Errorf("after the rollback batch 3 reads %q", row)
	}
	var inForce int
	if err := db.R.Get(&inForce, "SELECT COUNT(*) FROM import_batches WHERE id = 3 AND rolled_back_at IS NULL"); err != nil || inForce != 0 {
		t.Errorf("batch 3 is still in force (%v)", err)
	}

	// Ratings exported from another system, with Chinese headers.
	ratings := file("haochaping.csv", "办件编号,部门编码,事项名称,渠道,评价等级,评价时间,评价内容,是否实名\n"+
		"EXT-0001,LJ-GA,户籍迁移,窗口,非常满意,2026-03-02 10:15:00,,是\n"+
		"EXT-0002,LJ-GA,户籍迁移,网上,不满意,2026-03-02 11:40:00,<b>材料要求不清楚</b>,否\n")
	navigating(t, ctx, "upload the ratings file",
		chromedp.SetUploadFiles(chromedp.CSS(`#ratings-file`), []string{ratings}),
		chromedp.Click(chromedp.CSS(`form[action="/admin/imports/ratings"] button[type="submit"]`)))
	if msg := text(t, ctx, ".flash.ok"); !strings.Contains(msg, "保存 2 条评价") {
		t.Errorf("after the ratings import the page says %q", msg)
	}
	if n := count("SELECT COUNT(*) FROM ratings WHERE case_id LIKE 'EXT-%' AND source = 'import'"); n != 2 {
		t.Errorf("%d imported ratings stored", n)
	}
	pageFits(t, ctx, "imports page")
	problems.check(t, "imports page")
	screenshot(t, ctx, "imports")
}
