package dashboard

import (
	"bytes"
	"context"
	"html"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"govkpi/static"
	"govkpi/survey"
)

func repURL(ts *httptest.Server, runID int64) string {
	return ts.URL + "/dashboard/runs/" + itoa(runID) + "/report"
}

// repRanking reads the ranking table's rows: rank cell, department name
// (as text, unescaped) and score.
func repRanking(t *testing.T, body string) [][3]string {
	t.Helper()
	table := regexp.MustCompile(`(?s)<table[^>]*id="rep-ranking"[^>]*>.*?<tbody>(.*?)</tbody>`).FindStringSubmatch(body)
	if table == nil {
		t.Fatal("no ranking table on the page")
	}
	row := regexp.MustCompile(`(?s)<tr[^>]*>\s*<td class="num">(.*?)</td>\s*<th scope="row">(?:<a [^>]*>)?(.*?)(?:</a>)?<span class="sc-family">.*?</th>\s*<td>.*?</td>\s*<td class="num">(.*?)</td>`)
	var out [][3]string
	for _, m := range row.FindAllStringSubmatch(table[1], -1) {
		out = append(out, [3]string{m[1], html.UnescapeString(m[2]), m[3]})
	}
	return out
}

// The report ranks every department in the run's order, shows the
// hostile names as text, links its stylesheets, says it is a draft, and
// is audited as an export of the run.
func TestReportPage(t *testing.T) {
	ts, runID, db := testRunDB(t)
	admin := signedIn(t, ts, "admin")
	status, body := get(t, admin, repURL(ts, runID))
	if status != http.StatusOK {
		t.Fatalf("report: %d\n%s", status, body)
	}
	profInert(t, body)
	rows := repRanking(t, body)
	if len(rows) != 3 {
		t.Fatalf("%d ranking rows: %q", len(rows), rows)
	}
	frozen := exportFrozen(t, db, runID)
	names := map[string]string{"LJ-A": evil, "LJ-B": formula, "LJ-C": "澜江市政务服务和数据管理局"}
	seen := map[string]bool{}
	for k, row := range rows {
		code := ""
		for c, n := range names {
			if n == row[1] {
				code = c
			}
		}
		if code == "" {
			t.Fatalf("row %d names %q, no department of the run", k, row[1])
		}
		seen[code] = true
		u := frozen[code]
		if want := strconv.Itoa(u.Rank); !strings.HasPrefix(row[0], want) {
			t.Errorf("%s: rank %q, frozen %d", code, row[0], u.Rank)
		}
		if want := exportScore(u); row[2] != want {
			t.Errorf("%s: score %q, frozen %q", code, row[2], want)
		}
		if k > 0 {
			prev, _ := strconv.ParseFloat(rows[k-1][2], 64)
			here, _ := strconv.ParseFloat(row[2], 64)
			if here > prev {
				t.Errorf("row %d (%s) scores above the row before it", k, code)
			}
		}
	}
	if len(seen) != 3 {
		t.Errorf("departments ranked: %v", seen)
	}
	for _, want := range []string{
		"&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;", "=HYPERLINK(&#34;x&#34;)",
		"2026 年度自评 排名通报", "2026 年度", "第 " + itoa(runID) + " 次计算", "DGMI",
		`id="rep-draft"`, "不得印发", `id="rep-no-previous"`, `id="rep-caveat"`,
		"/dashboard/runs/" + itoa(runID) + "/methodology", "/report.pdf", "/css/scorecard.css", "/css/report.css",
		"本期共有 3 个部门参加考核",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// The band chart: JSON the names cannot break, and its table's counts
	// add up to the departments scored.
	blocks := chartBlocks(t, body)
	if _, ok := blocks["bands"]; !ok || len(blocks) != 1 {
		t.Errorf("chart blocks %v", len(blocks))
	}
	bands := regexp.MustCompile(`(?s)<table class="data" id="rep-bands">.*?</table>`).FindString(body)
	total := 0
	for _, m := range regexp.MustCompile(`<td class="num">(\d+)</td><td class="num">[\d.]+%</td></tr>`).FindAllStringSubmatch(bands, -1) {
		n, _ := strconv.Atoi(m[1])
		total += n
	}
	if total != 6 { // each band's count, then the total row's 3
		t.Errorf("band counts add up to %d, want 3 + the total row's 3\n%s", total, bands)
	}
	if n := len(scAudit(t, db, survey.AuditExported, itoa(runID))); n != 1 {
		t.Errorf("%d export.created rows for the report, want 1", n)
	}
	// The overview links the report.
	if _, overview := get(t, admin, ts.URL+"/dashboard/runs/"+itoa(runID)); !strings.Contains(overview, `href="/dashboard/runs/`+itoa(runID)+`/report"`) {
		t.Error("the overview does not link the report")
	}
	if status, _ := get(t, admin, ts.URL+"/dashboard/runs/999/report"); status != http.StatusNotFound {
		t.Errorf("unknown run: %d", status)
	}
	// English.
	req, _ := http.NewRequest("GET", repURL(ts, runID), nil)
	req.Header.Set("Accept-Language", "en")
	res, err := signedIn(t, ts, "evaluator").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("evaluator: %d", res.StatusCode)
	}
}

// An official reads a published run's report, not a draft's, as page or
// PDF; and the overview shows them the link.
func TestReportOfficial(t *testing.T) {
	ts, runID, db := testRunDB(t)
	official := signedIn(t, ts, "official")
	for _, u := range []string{repURL(ts, runID), repURL(ts, runID) + ".pdf"} {
		if status, body := get(t, official, u); status != http.StatusNotFound || strings.Contains(body, "alert(1)") {
			t.Errorf("official, draft (%s): %d", u, status)
		}
	}
	if err := db.PublishAssessment(context.Background(), runID); err != nil {
		t.Fatal(err)
	}
	status, body := get(t, official, repURL(ts, runID))
	if status != http.StatusOK || !strings.Contains(body, "已发布") || strings.Contains(body, `id="rep-draft"`) ||
		strings.Contains(body, "不得印发") || len(repRanking(t, body)) != 3 {
		t.Fatalf("official, published: %d", status)
	}
	if _, overview := get(t, official, ts.URL+"/dashboard/runs/"+itoa(runID)); !strings.Contains(overview, "/report\"") {
		t.Error("the official's overview does not link the report")
	}
}

// Against a previous period: each change is the rounded scores'
// difference, a department new in this period has none, the most
// improved and declined are the five largest each way in order, shared
// ranks are marked; and the page of 5,000 departments builds fast.
func TestReportChanges(t *testing.T) {
	m := syntheticModel(t, 40)
	root := m.Result.RootScores()
	prev := survey.TrendRun{CampaignID: 1, Period: "2025 年度", OpensAt: m.Campaign.OpensAt.AddDate(-1, 0, 0)}
	for i, u := range m.Table.Units[1:] { // the first department is new
		prev.Units = append(prev.Units, survey.TrendUnit{Code: u.Code, Group: u.Group})
		// Changes from -9.75 to +9.25 in steps of 0.5 by position.
		prev.Index = append(prev.Index, root[i+1]-(float64(i%40)-19.5)/2)
	}
	later := survey.TrendRun{CampaignID: 9, Period: "2027 年度", OpensAt: m.Campaign.OpensAt.AddDate(1, 0, 0)}
	if got := reportPrevious(m.Campaign, []survey.TrendRun{prev, later}); got == nil || got.Period != "2025 年度" {
		t.Fatalf("previous period: %+v", got)
	}
	if got := reportPrevious(m.Campaign, []survey.TrendRun{later}); got != nil {
		t.Fatalf("a later period taken as the previous: %+v", got)
	}
	page := exportPage(t)
	v := reportOf(m, page, &prev, time.Now())
	if v.Previous != "2025 年度" || len(v.Rows) != 40 {
		t.Fatalf("previous %q, %d rows", v.Previous, len(v.Rows))
	}
	for _, row := range v.Rows {
		i, _ := m.UnitIndex(row.Code)
		want := ""
		if i > 0 && !math.IsNaN(root[i]) {
			want = profSigned(profRound(root[i]) - profRound(prev.Index[i-1]))
		}
		if row.Change != want {
			t.Errorf("%s: change %q, want %q", row.Code, row.Change, want)
		}
	}
	check := func(name string, got []reportRow, sign float64) {
		if len(got) != reportTop {
			t.Fatalf("%s: %d rows", name, len(got))
		}
		var all []float64
		for _, row := range v.Rows {
			if !math.IsNaN(row.delta) && sign*row.delta > 0 {
				all = append(all, sign*row.delta)
			}
		}
		for k, row := range got {
			if k > 0 && sign*row.delta > sign*got[k-1].delta {
				t.Errorf("%s: row %d rises above the one before", name, k)
			}
			beaten := 0
			for _, d := range all {
				if d > sign*row.delta {
					beaten++
				}
			}
			if beaten > k {
				t.Errorf("%s: row %d (%s, %s) has %d larger changes left out", name, k, row.Code, row.Change, beaten)
			}
		}
	}
	check("improved", v.Improved, 1)
	check("declined", v.Declined, -1)
	if v.Improved[0].Change != "+9.25" || v.Declined[0].Change != "-9.75" {
		t.Errorf("largest changes %q and %q", v.Improved[0].Change, v.Declined[0].Change)
	}
	if !strings.Contains(v.Summary, "2025 年度") {
		t.Errorf("the summary does not name the previous period: %s", v.Summary)
	}

	// Shared ranks are marked, and only they.
	m.Outcome.Units[1].Rank, m.Outcome.Units[2].Rank = 2, 2
	v = reportOf(m, page, nil, time.Now())
	for k, row := range v.Rows[:4] {
		if tied := k == 1 || k == 2; row.Tied != tied {
			t.Errorf("row %d tied %v", k, row.Tied)
		}
	}
	if !v.Ties || v.Improved != nil || v.Declined != nil {
		t.Error("no tie noted, or movers without a previous period")
	}
}

// The report of 5,000 departments, every one in its table, builds and
// renders in well under a second (logged, not asserted).
func TestReportScale(t *testing.T) {
	m := syntheticModel(t, 5000)
	page := exportPage(t)
	prev := survey.TrendRun{CampaignID: 1, Period: "2025 年度", OpensAt: m.Campaign.OpensAt.AddDate(-1, 0, 0)}
	for i, u := range m.Table.Units {
		prev.Units = append(prev.Units, survey.TrendUnit{Code: u.Code, Group: u.Group})
		prev.Index = append(prev.Index, m.Result.RootScores()[i]-1)
	}
	cat, err := static.NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	r, err := static.NewRenderer(cat, static.NewAssets(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for run := range 2 {
		start := time.Now()
		page = r.NewPage("zh-CN")
		page.Data = reportOf(m, page, &prev, time.Now())
		built := time.Since(start)
		w := httptest.NewRecorder()
		if err := r.Render(w, 200, "report", page); err != nil {
			t.Fatal(err)
		}
		body := w.Body.String()
		t.Logf("report of 5,000 departments (pass %d): built in %v, rendered in %v, %d KB", run+1, built, time.Since(start), len(body)/1024)
		if n := strings.Count(body, `<span class="sc-family">D`); n != 5000 {
			t.Fatalf("%d departments in the table", n)
		}
		if strings.Contains(body, "<script>alert(1)") {
			t.Fatal("the hostile name became markup")
		}
	}
}

// A report print token serves the report, for the print route's reader:
// an official's token for a draft is refused.
func TestReportPrintToken(t *testing.T) {
	ts, runID := testRun(t)
	tokens := scPrinter(t, scServer(t, ts)).tokens
	anon := &http.Client{}
	admin := &survey.Account{ID: 1, Username: "admin", Role: survey.RoleAdmin}
	token := tokens.issue(printJob{kind: printReport, run: runID, lang: "zh-CN", reader: admin})
	status, body := get(t, anon, ts.URL+"/print/"+token)
	if status != http.StatusOK || !strings.Contains(body, `id="rep-ranking"`) || len(repRanking(t, body)) != 3 {
		t.Fatalf("report print: %d", status)
	}
	profInert(t, body)
	if strings.Contains(body, "data-print") || strings.Contains(body, "/departments/") {
		t.Error("the print page has the toolbar or links a PDF cannot open")
	}
	official := &survey.Account{ID: 3, Username: "official", Role: survey.RoleOfficial, DepartmentCode: "LJ-C"}
	token = tokens.issue(printJob{kind: printReport, run: runID, lang: "zh-CN", reader: official})
	if status, _ := get(t, anon, ts.URL+"/print/"+token); status != http.StatusNotFound {
		t.Errorf("an official's report token for a draft: %d", status)
	}
	// A token with no kind is still a scorecard's.
	token = tokens.issue(printJob{run: runID, code: "LJ-C", lang: "en", reader: admin})
	if _, body := get(t, anon, ts.URL+"/print/"+token); !strings.Contains(body, "Appendix B") {
		t.Error("a token without a kind did not print the scorecard")
	}
}

func TestReportDisposition(t *testing.T) {
	got := reportDisposition(7, formula, "2026 年度", "排名通报")
	want := `attachment; filename="report-run7.pdf"; filename*=UTF-8''%3DHYPERLINK%28%22x%22%29-2026%20%E5%B9%B4%E5%BA%A6-%E6%8E%92%E5%90%8D%E9%80%9A%E6%8A%A5.pdf`
	if got != want {
		t.Errorf("disposition\n got %s\nwant %s", got, want)
	}
}

// Without Chromium the report's PDF answers 503 naming the packages.
func TestReportPDFWithoutChromium(t *testing.T) {
	ts, runID := testRun(t)
	scPrinter(t, scServer(t, ts)).find = func() string { return "" }
	admin := signedIn(t, ts, "admin")
	status, body := get(t, admin, repURL(ts, runID)+".pdf")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "chromium") || !strings.Contains(body, "fonts-noto-cjk") {
		t.Fatalf("PDF without Chromium: %d\n%s", status, body)
	}
}

// The PDF is the report printed by Chromium: the campaign's name, every
// department's name as text, page numbers, and an audit row.
func TestReportPDF(t *testing.T) {
	pdfBrowser(t)
	ts, runID, db := testRunDB(t)
	admin := signedIn(t, ts, "admin")
	start := time.Now()
	res, err := admin.Get(repURL(ts, runID) + ".pdf")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	res.Body.Close()
	pdf := buf.Bytes()
	t.Logf("report PDF: %d bytes in %v", len(pdf), time.Since(start))
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("report PDF: %d %s %q", res.StatusCode, res.Header.Get("Content-Type"), pdf[:min(len(pdf), 16)])
	}
	cd := res.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, `attachment; filename="report-run`+itoa(runID)+`.pdf"`) || !strings.Contains(cd, "filename*=UTF-8''2026%20") {
		t.Errorf("Content-Disposition %q", cd)
	}
	text := repPDFText(t, pdf)
	scKeep(t, "report-draft", pdf)
	// pdftotext keeps or drops the spaces of "第 1 页 / 共 2 页" by the
	// glyphs' gaps, which differ from page to page of the same print.
	if !regexp.MustCompile(`第\s*1\s*页\s*/\s*共\s*\d+\s*页`).MatchString(text) {
		t.Errorf("no page numbers in the PDF's text:\n%s", text)
	}
	for _, want := range []string{"2026 年度自评", evil, formula, "澜江市政务服务和数据管理局", "排名通报", "不得印发"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
	if n := len(scAudit(t, db, survey.AuditExported, itoa(runID))); n != 1 {
		t.Errorf("%d export.created rows for the PDF, want 1", n)
	}

	// Published, in English, for the official.
	if err := db.PublishAssessment(context.Background(), runID); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", repURL(ts, runID)+".pdf", nil)
	req.Header.Set("Accept-Language", "en")
	res, err = signedIn(t, ts, "official").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	buf.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("official's PDF: %d\n%s", res.StatusCode, buf.String())
	}
	text = repPDFText(t, buf.Bytes())
	scKeep(t, "report-published-en", buf.Bytes())
	for _, want := range []string{"Ranking report", "Page 1 of", "澜江市政务服务和数据管理局"} {
		if !strings.Contains(text, want) {
			t.Errorf("the English PDF's text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "NOT FOR CIRCULATION") {
		t.Error("a published report is marked as a draft")
	}
}

func repPDFText(t *testing.T, pdf []byte) string {
	t.Helper()
	return pdfText(t, "the report", pdf)
}
