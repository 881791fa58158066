package dashboard

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"govkpi/scoring"
	"govkpi/static"
	"govkpi/survey"
	"govkpi/survey/instrument"
)

var profChartRE = regexp.MustCompile(`(?s)<script type="application/json" id="(chart-[a-z-]+)">(.*?)</script>`)

// profCharts decodes every chart's options on a page, by element id.
func profCharts(t *testing.T, body string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, b := range profChartRE.FindAllStringSubmatch(body, -1) {
		if strings.HasSuffix(b[1], "-links") {
			continue // a chart's click-through map, not a chart
		}
		var option map[string]any
		if err := json.Unmarshal([]byte(b[2]), &option); err != nil {
			t.Fatalf("%s is not JSON: %v\n%s", b[1], err, b[2])
		}
		out[b[1]] = option
	}
	return out
}

// profInert fails unless every script element on the page is one the
// templates wrote: a name breaking out would add a closing tag or markup.
func profInert(t *testing.T, body string) {
	t.Helper()
	if strings.Contains(body, "<script>alert(1)") {
		t.Fatal("the hostile name became markup")
	}
	if open, closing := strings.Count(body, "<script"), strings.Count(body, "</script>"); open != closing {
		t.Fatalf("%d script elements opened, %d closed", open, closing)
	}
}

// profCSV fetches a CSV, checks it is UTF-8 with a BOM and CRLF line ends,
// and returns its records.
func profCSV(t *testing.T, c *http.Client, u string) [][]string {
	t.Helper()
	status, body := get(t, c, u)
	if status != http.StatusOK {
		t.Fatalf("%s: %d\n%s", u, status, body)
	}
	if !strings.HasPrefix(body, "\xef\xbb\xbf") {
		t.Fatalf("%s has no BOM", u)
	}
	if strings.Count(body, "\n") != strings.Count(body, "\r\n") {
		t.Fatalf("%s: lines do not end with CRLF", u)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\xef\xbb\xbf"))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return recs
}

// profAxes is how many families and pillars the run's framework has.
func profAxes(t *testing.T) int {
	t.Helper()
	fw, err := scoring.DefaultFramework()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, node := range fw.Order() {
		if !node.IsIndicator() && node.Parent() != nil {
			n++
		}
	}
	return n
}

// radarSeries returns each series' name and values.
func radarSeries(t *testing.T, option map[string]any) ([]string, [][]any) {
	t.Helper()
	var names []string
	var values [][]any
	for _, s := range option["series"].([]any) {
		sm := s.(map[string]any)
		names = append(names, sm["name"].(string))
		values = append(values, sm["data"].([]any)[0].(map[string]any)["value"].([]any))
	}
	return names, values
}

func profNumber(v any) string {
	if f, ok := v.(float64); ok {
		return profFixed(f)
	}
	return ""
}

// The profile of the department named to break out of a script element
// shows the name as text everywhere, draws its radar with the department,
// its peers' median and the best, and serves the charts' exact numbers.
func TestProfileHostileNameInert(t *testing.T) {
	ts, runID := testRun(t)
	admin := signedIn(t, ts, "admin")
	base := ts.URL + "/dashboard/runs/" + itoa(runID) + "/departments/LJ-A"
	status, body := get(t, admin, base)
	if status != http.StatusOK {
		t.Fatalf("profile: %d\n%s", status, body)
	}
	profInert(t, body)
	if !strings.Contains(body, "<h1>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h1>") {
		t.Fatal("the heading does not show the hostile name as text")
	}
	cs := profCharts(t, body)
	if len(cs) != 3 || cs["chart-radar"] == nil || cs["chart-contributions"] == nil || cs["chart-trend"] == nil {
		t.Fatalf("charts %v", cs)
	}
	names, values := radarSeries(t, cs["chart-radar"])
	if len(names) != 3 || names[0] != evil {
		t.Fatalf("radar series %q", names)
	}
	axes := profAxes(t)
	if ind := cs["chart-radar"]["radar"].(map[string]any)["indicator"].([]any); len(ind) != axes {
		t.Fatalf("%d radar axes, want %d", len(ind), axes)
	}
	// The radar's CSV is the chart's numbers: one row per axis, the
	// department, the peer median and the best in that order.
	recs := profCSV(t, admin, base+"/radar.csv")
	if len(recs) != 1+axes {
		t.Fatalf("radar.csv: %d records", len(recs))
	}
	for a, rec := range recs[1:] {
		for s := range names {
			if got := profNumber(values[s][a]); got != rec[1+s] {
				t.Fatalf("axis %s, series %d: chart %q, CSV %q", rec[0], s, got, rec[1+s])
			}
		}
	}
	// The contributions chart's bars are the CSV's rows.
	recs = profCSV(t, admin, base+"/contributions.csv")
	bars := 0
	for _, s := range cs["chart-contributions"]["series"].([]any) {
		for _, d := range s.(map[string]any)["data"].([]any) {
			if _, ok := d.(map[string]any)["value"].(float64); ok {
				bars++
			}
		}
	}
	if bars == 0 || bars != len(recs)-1 {
		t.Fatalf("%d bars, %d CSV rows", bars, len(recs)-1)
	}
	// Every indicator row links to its provenance.
	recs = profCSV(t, admin, base+"/indicators.csv")
	for _, rec := range recs[1:] {
		if !strings.Contains(body, `href="/dashboard/runs/`+itoa(runID)+`/departments/LJ-A/indicators/`+rec[0]+`"`) {
			t.Fatalf("no provenance link for %s", rec[0])
		}
	}
	if status, _ := get(t, admin, base+"/nothing.csv"); status != http.StatusNotFound {
		t.Fatalf("unknown chart: %d", status)
	}
}

// A CSV cell from a department named like a spreadsheet formula is
// neutralised, and the formula-named department's profile renders.
func TestProfileFormulaNameCSV(t *testing.T) {
	ts, runID := testRun(t)
	admin := signedIn(t, ts, "admin")
	status, body := get(t, admin, ts.URL+"/dashboard/runs/"+itoa(runID)+"/departments/LJ-B")
	if status != http.StatusOK || !strings.Contains(body, "=HYPERLINK(&#34;x&#34;)") {
		t.Fatalf("profile of LJ-B: %d", status)
	}
	q := url.Values{"d": {"LJ-B", "LJ-C"}}.Encode()
	_, raw := get(t, admin, ts.URL+"/dashboard/runs/"+itoa(runID)+"/compare/radar.csv?"+q)
	if !strings.Contains(raw, `'=HYPERLINK(""x"")`) || strings.Contains(raw, "\n=HYPERLINK") || strings.Contains(raw, ",=HYPERLINK") {
		t.Fatalf("the formula is not neutralised:\n%s", raw)
	}
}

func TestProfileRoles(t *testing.T) {
	ts, runID, db := testRunDB(t)
	run := ts.URL + "/dashboard/runs/" + itoa(runID)
	admin := signedIn(t, ts, "admin")
	if status, _ := get(t, admin, run+"/departments/NOPE"); status != http.StatusNotFound {
		t.Fatalf("unknown department: %d", status)
	}
	if status, _ := get(t, signedIn(t, ts, "evaluator"), run+"/departments/LJ-A"); status != http.StatusOK {
		t.Fatalf("evaluator: %d", status)
	}
	official := signedIn(t, ts, "official")
	own := run + "/departments/LJ-C"
	if status, _ := get(t, official, own); status != http.StatusNotFound {
		t.Fatalf("official, own department in a draft: %d", status)
	}
	if err := db.PublishAssessment(context.Background(), runID); err != nil {
		t.Fatal(err)
	}
	status, body := get(t, official, own)
	if status != http.StatusOK {
		t.Fatalf("official, own department published: %d", status)
	}
	if strings.Contains(body, "/compare?") {
		t.Fatal("an official is offered a comparison they may not open")
	}
	for _, u := range []string{own + "/radar.csv", own + "/indicators/SH1"} {
		if status, _ := get(t, official, u); status != http.StatusOK {
			t.Fatalf("official, %s: %d", u, status)
		}
	}
	for _, u := range []string{run + "/departments/LJ-A", run + "/departments/LJ-A/radar.csv",
		run + "/departments/LJ-A/indicators/SH1", run + "/departments/NOPE"} {
		if status, _ := get(t, official, u); status != http.StatusNotFound {
			t.Fatalf("official, %s: %d", u, status)
		}
	}
	if status, _ := get(t, official, run+"/compare?d=LJ-C&d=LJ-A"); status == http.StatusOK {
		t.Fatal("an official opened a comparison")
	}
}

// The provenance page shows the indicator's formula and, for each
// variable it reads, this department's value from the run's table.
func TestProvenanceShowsInputs(t *testing.T) {
	ts, runID, db := testRunDB(t)
	m, err := newModels(db, 1).Load(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	i, _ := m.UnitIndex("LJ-A")
	admin := signedIn(t, ts, "admin")
	base := ts.URL + "/dashboard/runs/" + itoa(runID) + "/departments/LJ-A/indicators/"
	checked := 0
	for _, code := range []string{"SH1", "EF8", "MA1"} {
		n := m.Framework.Node(code)
		status, body := get(t, admin, base+code)
		if status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", code, status, body)
		}
		profInert(t, body)
		if !strings.Contains(body, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Fatalf("%s: the department's name is not shown as text", code)
		}
		if n.Formula != "" && !strings.Contains(body, "<code>"+templateEscape(n.Formula)+"</code>") {
			t.Fatalf("%s: no formula %q", code, n.Formula)
		}
		for _, v := range (&profiler{}).inputs(n) {
			col, ok := m.Table.Column(v)
			if !ok || profRaw(col[i]) == "" {
				continue
			}
			want := `<th scope="row"><code>` + v + `</code></th>`
			cell := `<td class="num">` + profRaw(col[i]) + `</td>`
			at := strings.Index(body, want)
			if at < 0 || !strings.Contains(body[at:], cell) || strings.Index(body[at:], cell) > strings.Index(body[at:], "</tr>") {
				t.Fatalf("%s: variable %s with value %s not shown", code, v, profRaw(col[i]))
			}
			checked++
		}
	}
	if checked < 6 {
		t.Fatalf("only %d variable values checked", checked)
	}
	for _, bad := range []string{"NOPE", "SH"} {
		if status, _ := get(t, admin, base+bad); status != http.StatusNotFound {
			t.Fatalf("node %s: %d", bad, status)
		}
	}
}

// templateEscape is how html/template writes text a formula may hold.
func templateEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

func TestCompareChoice(t *testing.T) {
	ts, runID := testRun(t)
	admin := signedIn(t, ts, "admin")
	page := ts.URL + "/dashboard/runs/" + itoa(runID) + "/compare"

	status, body := get(t, admin, page)
	if status != http.StatusOK || strings.Contains(body, `role="alert" id="compare-error"`) || len(profCharts(t, body)) != 0 {
		t.Fatalf("the empty form: %d", status)
	}
	cases := []struct {
		name  string
		codes []string
		msg   string
	}{
		{"one", []string{"LJ-A"}, "请选择 2 至 5 个部门进行对比。"},
		{"six", []string{"LJ-A", "LJ-B", "LJ-C", "LJ-X", "LJ-Y", "LJ-Z"}, "最多对比 5 个部门，当前选择了 6 个。"},
		{"unknown", []string{"LJ-A", "LJ-Q"}, "本次考核中没有编码为 LJ-Q 的部门。"},
		{"twice", []string{"LJ-A", "LJ-A"}, "部门 LJ-A 被选择了两次。"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := url.Values{"d": c.codes}.Encode()
			status, body := get(t, admin, page+"?"+q)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d", status)
			}
			if !strings.Contains(body, `id="compare-error">`+c.msg+"</div>") {
				t.Fatalf("no error message %q", c.msg)
			}
			for _, code := range c.codes {
				if !strings.Contains(body, `name="d" type="text" list="compare-departments" value="`+code+`"`) {
					t.Fatalf("the choice %s is not kept", code)
				}
			}
			if len(profCharts(t, body)) != 0 {
				t.Fatal("charts drawn for an invalid choice")
			}
			if status, _ := get(t, admin, page+"/radar.csv?"+q); status != http.StatusBadRequest {
				t.Fatalf("CSV of an invalid choice: %d", status)
			}
		})
	}
}

func TestCompareThree(t *testing.T) {
	ts, runID := testRun(t)
	admin := signedIn(t, ts, "admin")
	page := ts.URL + "/dashboard/runs/" + itoa(runID) + "/compare"
	q := url.Values{"d": {"LJ-C", "LJ-A", "LJ-B"}}.Encode()
	status, body := get(t, admin, page+"?"+q)
	if status != http.StatusOK {
		t.Fatalf("compare: %d\n%s", status, body)
	}
	profInert(t, body)
	cs := profCharts(t, body)
	names, values := radarSeries(t, cs["chart-radar"])
	if len(names) != 3 || names[0] != "澜江市政务服务和数据管理局" || names[1] != evil || names[2] != formula {
		t.Fatalf("radar series %q", names)
	}
	// A click on a department's line opens its profile.
	m := regexp.MustCompile(`(?s)<script type="application/json" id="chart-radar-links">(.*?)</script>`).FindStringSubmatch(body)
	var links map[string]string
	if m != nil {
		links = clickLinks(t, m[1])
	}
	if m == nil || links[evil] != "/dashboard/runs/"+itoa(runID)+"/departments/LJ-A" {
		t.Fatalf("radar click-through %v", links)
	}
	// The radar's CSV: a row per department, its code then name then axes.
	recs := profCSV(t, admin, page+"/radar.csv?"+q)
	if len(recs) != 4 || recs[1][0] != "LJ-C" || recs[2][1] != evil {
		t.Fatalf("radar.csv %q", recs)
	}
	for s := range names {
		for a, v := range values[s] {
			if got := profNumber(v); got != recs[1+s][2+a] {
				t.Fatalf("department %d axis %d: chart %q, CSV %q", s, a, got, recs[1+s][2+a])
			}
		}
	}
	// Differences: one series per department after the baseline, each the
	// department's score minus the baseline's.
	diff := cs["chart-differences"]["series"].([]any)
	if len(diff) != 2 {
		t.Fatalf("%d difference series", len(diff))
	}
	recs = profCSV(t, admin, page+"/differences.csv?"+q)
	if len(recs) != 3 || recs[1][0] != "LJ-A" {
		t.Fatalf("differences.csv %q", recs)
	}
	for s, ser := range diff {
		for k, d := range ser.(map[string]any)["data"].([]any) {
			if got := profNumber(d.(map[string]any)["value"]); strings.TrimPrefix(recs[1+s][2+k], "'") != got {
				t.Fatalf("difference %d,%d: chart %q, CSV %q", s, k, got, recs[1+s][2+k])
			}
		}
	}
	// The indicator table: three departments, the best of a row marked in
	// words, and the CSV naming the best.
	if !strings.Contains(body, `<strong class="badge ok">最高</strong>`) {
		t.Fatal("no row's best is marked in words")
	}
	recs = profCSV(t, admin, page+"/indicators.csv?"+q)
	if len(recs[0]) != 6 || recs[0][2] != "LJ-C" || len(recs) < 2 {
		t.Fatalf("indicators.csv head %q", recs[0])
	}
	for _, rec := range recs[1:] {
		best := ""
		for _, v := range rec[2:5] {
			if v != "" && (best == "" || profLess(best, v)) {
				best = v
			}
		}
		for k, v := range rec[2:5] {
			if (v == best && v != "") != strings.Contains(" "+rec[5]+" ", " "+recs[0][2+k]+" ") {
				t.Fatalf("row %s: best %q, marked %q", rec[0], best, rec[5])
			}
		}
	}
	// The form keeps the choice, in order.
	for k, code := range []string{"LJ-C", "LJ-A", "LJ-B"} {
		if !strings.Contains(body, `id="d`+itoa(int64(k+1))+`" name="d" type="text" list="compare-departments" value="`+code+`"`) {
			t.Fatalf("slot %d does not keep %s", k+1, code)
		}
	}
}

// profLess compares two printed numbers.
func profLess(a, b string) bool {
	var x, y float64
	json.Unmarshal([]byte(a), &x)
	json.Unmarshal([]byte(b), &y)
	return x < y
}

// The what-if table and the English messages render: the test run has no
// department that one indicator alone could lift a band.
func TestProfileWhatIfRenders(t *testing.T) {
	cat, err := static.NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	r, err := static.NewRenderer(cat, static.NewAssets(), nil)
	if err != nil {
		t.Fatal(err)
	}
	page := r.NewPage("en")
	page.Title = "title.dashboard_profile"
	page.Data = profileView{Run: &survey.AssessmentRun{ID: 7}, Campaign: &survey.Campaign{NameEn: "Self-assessment"},
		Code: "LJ-A", Name: evil, Score: "38.29", Rank: 3, Ranked: 3, LikelyLo: 2, LikelyHi: 3, Draws: 500, Perturb: 25,
		NextBand: "Convenient", GapToNext: "1.71",
		WhatIf: []profileWhatIf{{Name: "Catalogue coverage", URL: "/x", From: "40.00", To: "95.00", RawFrom: "0.4", RawTo: "0.95", Unit: "比例"}}}
	rec := httptest.NewRecorder()
	if err := r.Render(rec, http.StatusOK, "dashboard_profile", page); err != nil {
		t.Fatal(err)
	}
	body := rec.Body.String()
	profInert(t, body)
	for _, want := range []string{"1.71 points short of the band “Convenient”.", "40.00 → 95.00", "0.4 → 0.95 比例",
		"rank 3 (likely 2–3)", "between 2 and 3 in 90% of the draws"} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q", want)
		}
	}
}

var (
	profTableRE = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	profCellRE  = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
	profTagRE   = regexp.MustCompile(`<[^>]*>`)
)

// profTable returns the body rows of the table with id on the page, each
// cell's text as the page writes it (escaped), tags removed.
func profTable(t *testing.T, body, id string) [][]string {
	t.Helper()
	start := strings.Index(body, `id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no table %s", id)
	}
	table := body[start : start+strings.Index(body[start:], "</table>")]
	if k := strings.Index(table, "<tbody>"); k >= 0 {
		table = table[k:]
	}
	var out [][]string
	for _, row := range profTableRE.FindAllStringSubmatch(table, -1) {
		var cells []string
		for _, c := range profCellRE.FindAllStringSubmatch(row[1], -1) {
			cells = append(cells, strings.TrimSpace(profTagRE.ReplaceAllString(c[1], "")))
		}
		out = append(out, cells)
	}
	return out
}

// profCampaign returns the run's campaign.
func profCampaign(t *testing.T, db *survey.DB, runID int64) *survey.Campaign {
	t.Helper()
	ctx := context.Background()
	head, err := db.FindAssessmentRunHead(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.FindCampaignByID(ctx, head.CampaignID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// LJ-C's answers are reopened and sent again by its official with a
// hostile evidence text, then approved: the profile lists every maturity
// question with the level answered and the evidence as text, the
// respondent, and the other answers folded away.
func TestProfileAnswersEvidence(t *testing.T) {
	ts, runID, db := testRunDB(t)
	ctx := context.Background()
	camp := profCampaign(t, db, runID)
	official, err := db.FindAccountByUsername(ctx, "official")
	if err != nil {
		t.Fatal(err)
	}
	list, err := db.CampaignAssignments(ctx, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	var assignment int64
	for _, a := range list {
		if a.DepartmentCode == "LJ-C" {
			assignment = a.ID
		}
	}
	defaults, err := instrument.DefaultInstruments()
	if err != nil {
		t.Fatal(err)
	}
	sa := defaults["self_assessment"]
	const hostile = "<img src=x onerror=alert(1)></td></table><script>alert(2)</script>\n第二行"
	var maturity []*instrument.Question
	answers := instrument.Answers{}
	for _, sec := range sa.Sections {
		for _, q := range sec.Questions {
			answers[q.Name] = sampleAnswer(q)
			if q.Type == instrument.TypeMaturity {
				maturity = append(maturity, q)
				answers[q.Name], answers[q.Name+"_evidence"] = "5", "见附件"
			}
		}
	}
	if len(maturity) < 2 {
		t.Fatalf("%d maturity questions", len(maturity))
	}
	answers[maturity[0].Name], answers[maturity[0].Name+"_evidence"] = "4", hostile
	answers[maturity[1].Name], answers[maturity[1].Name+"_evidence"] = "0", ""
	if err := db.Review(ctx, assignment, survey.ReviewReopen, "请补充佐证"); err != nil {
		t.Fatal(err)
	}
	by := survey.WithActor(ctx, survey.AuditEntry{ActorID: sql.NullInt64{Int64: official.ID, Valid: true}})
	if _, err := db.SubmitResponse(by, assignment, "client-LJ-C-2", answers); err != nil {
		t.Fatal(err)
	}
	if err := db.Review(ctx, assignment, survey.ReviewApprove, ""); err != nil {
		t.Fatal(err)
	}

	admin := signedIn(t, ts, "admin")
	page := ts.URL + "/dashboard/runs/" + itoa(runID) + "/departments/LJ-C"
	status, body := get(t, admin, page)
	if status != http.StatusOK {
		t.Fatalf("profile: %d\n%s", status, body)
	}
	profInert(t, body)
	if strings.Contains(body, "<img src=x") || strings.Contains(body, "<script>alert(2)") {
		t.Fatal("the evidence became markup")
	}
	rows := profTable(t, body, "maturity-answers")
	if len(rows) != len(maturity) {
		t.Fatalf("%d maturity rows, want %d", len(rows), len(maturity))
	}
	for k, q := range maturity {
		if !strings.HasPrefix(rows[k][0], templateEscape(q.Label.Zh)) {
			t.Fatalf("row %d is %q, want the question %q", k, rows[k][0], q.Label.Zh)
		}
	}
	level4 := ""
	for _, l := range maturity[0].Levels {
		if l.Level == 4 {
			level4 = "4 · " + l.Description.Zh
		}
	}
	if rows[0][1] != templateEscape(level4) || rows[0][2] != templateEscape(hostile) {
		t.Fatalf("first maturity row %q", rows[0])
	}
	if rows[1][1] != "0 · 不了解或不适用" || rows[1][2] != "未提供" || rows[2][1][:1] != "5" || rows[2][2] != "见附件" {
		t.Fatalf("second and third rows %q %q", rows[1], rows[2])
	}
	// The evidence keeps its line break (the cell is white-space: pre-wrap).
	if !strings.Contains(body, `<td class="text">`+templateEscape(hostile)+`</td>`) {
		t.Fatal("the evidence is not shown whole as text")
	}
	for _, want := range []string{"<dd>official</dd>", `<span class="badge ok">已批准</span>`, "<summary>其他问题的答案（",
		`href="/admin/assignments/` + itoa(assignment) + `"`, `/departments/LJ-C/indicators/MA1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q", want)
		}
	}

	// Its official reads the same answers once the run is published, with
	// no link to the review pages they may not open.
	if err := db.PublishAssessment(ctx, runID); err != nil {
		t.Fatal(err)
	}
	status, body = get(t, signedIn(t, ts, "official"), page)
	if status != http.StatusOK || !strings.Contains(body, `<td class="text">`+templateEscape(hostile)+`</td>`) {
		t.Fatalf("official: %d, evidence shown %v", status, strings.Contains(body, "onerror"))
	}
	if strings.Contains(body, "/admin/assignments/") {
		t.Fatal("an official is sent to the review page")
	}
}

// Ratings stored for LJ-C in the campaign's rating period, and one the
// day before it, are counted by level on its profile as stored; its two
// bad ones open tickets, listed with their due dates and links that its
// official may follow.
func TestProfileRatingsAndTickets(t *testing.T) {
	ts, runID, db := testRunDB(t)
	ctx := context.Background()
	dept, err := db.FindDepartmentByCode(ctx, "LJ-C")
	if err != nil {
		t.Fatal(err)
	}
	zone := db.Zone()
	from, _ := profCampaign(t, db, runID).RatingPeriod(zone)
	counts := map[int]int{5: 4, 4: 3, 3: 2, 2: 1, 1: 1}
	var batch []survey.RatingInput
	for level, n := range counts {
		for k := range n {
			in := survey.RatingInput{DepartmentID: dept.ID, Channel: "window", Level: level,
				At: from.AddDate(0, 2, 9+k).Add(10 * time.Hour)}
			if level <= 2 {
				in.Reasons = []string{"time"}
			}
			batch = append(batch, in)
		}
	}
	// The evening before the period starts: not counted.
	batch = append(batch, survey.RatingInput{DepartmentID: dept.ID, Channel: "online", Level: 5, At: from.Add(-time.Hour)})
	if _, err := db.StoreRatings(ctx, batch, zone, true); err != nil {
		t.Fatal(err)
	}
	tickets, err := db.FindRectifications(ctx, survey.RectificationFilter{DepartmentID: dept.ID})
	if err != nil || len(tickets) != 2 {
		t.Fatalf("tickets %d, %v", len(tickets), err)
	}

	admin := signedIn(t, ts, "admin")
	page := ts.URL + "/dashboard/runs/" + itoa(runID) + "/departments/LJ-C"
	status, body := get(t, admin, page)
	if status != http.StatusOK {
		t.Fatalf("profile: %d\n%s", status, body)
	}
	rows := profTable(t, body, "ratings-summary")
	want := [][]string{{"非常满意", "4", "36.4%"}, {"满意", "3", "27.3%"}, {"基本满意", "2", "18.2%"},
		{"不满意", "1", "9.1%"}, {"非常不满意", "1", "9.1%"}}
	for k, w := range want {
		if strings.Join(rows[k], "|") != strings.Join(w, "|") {
			t.Fatalf("ratings row %d %q, want %q", k, rows[k], w)
		}
	}
	if strings.Join(rows[5], "|") != "合计|11|100%" || rows[6][2] != "63.6%" {
		t.Fatalf("total and satisfied %q %q", rows[5], rows[6])
	}
	// The bar chart draws the same counts, and its CSV has them.
	cs := profCharts(t, body)
	bars := cs["chart-ratings"]["series"].([]any)[0].(map[string]any)["data"].([]any)
	recs := profCSV(t, admin, page+"/ratings.csv")
	if len(bars) != 5 || len(recs) != 6 {
		t.Fatalf("%d bars, %d CSV records", len(bars), len(recs))
	}
	for k, b := range bars {
		v := b.(map[string]any)["value"].(float64)
		if strconv.Itoa(int(v)) != want[k][1] || recs[1+k][0] != want[k][0] || recs[1+k][1] != want[k][1] {
			t.Fatalf("bar %d: chart %v, CSV %q, want %q", k, v, recs[1+k], want[k])
		}
	}

	// Both tickets are open: counted, listed earliest due first with their
	// due dates (the test server shows times in UTC) and their links.
	overdue := 0
	for _, tk := range tickets {
		if tk.Overdue {
			overdue++
		}
	}
	if !strings.Contains(body, fmt.Sprintf("共 2 件未办结，其中 %d 件已逾期。", overdue)) {
		t.Fatal("no ticket counts")
	}
	listed := profTable(t, body, "open-tickets")
	if len(listed) != 2 {
		t.Fatalf("%d tickets listed", len(listed))
	}
	for k, tk := range tickets {
		due := tk.DueAt.UTC().Format("2006年1月2日 15:04")
		if listed[k][0] != "#"+itoa(tk.ID) || !strings.HasPrefix(listed[k][3], due) || listed[k][2] != "待整改" {
			t.Fatalf("ticket %d listed as %q, want #%d due %s", k, listed[k], tk.ID, due)
		}
		if !strings.Contains(body, `<a href="/tickets/`+itoa(tk.ID)+`">`) {
			t.Fatalf("no link to ticket %d", tk.ID)
		}
	}
	// Another department has none.
	if _, other := get(t, admin, ts.URL+"/dashboard/runs/"+itoa(runID)+"/departments/LJ-A"); !strings.Contains(other, "没有未办结的整改单。") ||
		!strings.Contains(other, "统计期内没有评价。") || profCharts(t, other)["chart-ratings"] != nil {
		t.Fatal("LJ-A's profile shows ratings or tickets it does not have")
	}

	// LJ-C's official sees the tickets in the published run and may open
	// the links they are given.
	if err := db.PublishAssessment(ctx, runID); err != nil {
		t.Fatal(err)
	}
	official := signedIn(t, ts, "official")
	status, body = get(t, official, page)
	if status != http.StatusOK || len(profTable(t, body, "open-tickets")) != 2 || !strings.Contains(body, `<a href="/tickets">`) {
		t.Fatalf("official: %d", status)
	}
	if status, _ := get(t, official, ts.URL+"/tickets/"+itoa(tickets[0].ID)); status != http.StatusOK {
		t.Fatalf("official opening their ticket: %d", status)
	}
}

// profTrendSeries returns the trend chart's x labels and each series'
// values as the CSV prints them.
func profTrendSeries(t *testing.T, option map[string]any) ([]string, [][]string) {
	t.Helper()
	var labels []string
	for _, l := range option["xAxis"].([]any)[0].(map[string]any)["data"].([]any) {
		labels = append(labels, l.(string))
	}
	var series [][]string
	for _, s := range option["series"].([]any) {
		var vals []string
		for _, d := range s.(map[string]any)["data"].([]any) {
			vals = append(vals, profNumber(d.(map[string]any)["value"]))
		}
		series = append(series, vals)
	}
	return labels, series
}

// profTrendMatches fails unless the trend's CSV is the chart: a row per
// period, the index then each family.
func profTrendMatches(t *testing.T, c *http.Client, page string, option map[string]any) [][]string {
	t.Helper()
	labels, series := profTrendSeries(t, option)
	recs := profCSV(t, c, page+"/trend.csv")
	if len(recs) != 1+len(labels) || len(recs[0]) != 1+len(series) {
		t.Fatalf("trend.csv %q for %d periods and %d series", recs, len(labels), len(series))
	}
	for k, label := range labels {
		if recs[1+k][0] != label {
			t.Fatalf("period %d: chart %q, CSV %q", k, label, recs[1+k][0])
		}
		for s := range series {
			if series[s][k] != recs[1+k][1+s] {
				t.Fatalf("period %s, series %d: chart %q, CSV %q", label, s, series[s][k], recs[1+k][1+s])
			}
		}
	}
	return recs
}

// LJ-C's trend: one point while its campaign is the only one, with a note
// and no change; two once an earlier campaign is published, the earlier
// point LJ-C's published score, and the change tile their difference.
func TestProfileTrend(t *testing.T) {
	ts, runID, db := testRunDB(t)
	ctx := context.Background()
	admin := signedIn(t, ts, "admin")
	page := ts.URL + "/dashboard/runs/" + itoa(runID) + "/departments/LJ-C"
	_, body := get(t, admin, page)
	option := profCharts(t, body)["chart-trend"]
	if labels, series := profTrendSeries(t, option); len(labels) != 1 || len(series[0]) != 1 || series[0][0] == "" ||
		labels[0] != "2026 年度 (草稿)" {
		t.Fatalf("one period: labels %q, series %q", labels, series)
	}
	profTrendMatches(t, admin, page, option)
	if !strings.Contains(body, "目前只有本期一期结果") || !strings.Contains(body, `<span class="tile-value">—</span>`+"\n    "+`<span class="tile-note">没有更早一期的结果</span>`) {
		t.Fatal("a single period has no note, or a change")
	}

	// The year before, published: every maturity level 1.
	now := profCampaign(t, db, runID)
	c, err := db.CreateCampaign(ctx, survey.CampaignInput{Code: "SA2025", NameZh: "2025 年度自评", Period: "2025 年度",
		InstrumentID: now.InstrumentID, FrameworkVersion: now.FrameworkVersion, OpensAt: now.OpensAt.AddDate(-1, 0, 0),
		ClosesAt: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AssignDepartments(ctx, c.ID, survey.DepartmentSelection{Codes: []string{"LJ-A", "LJ-B", "LJ-C"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetCampaignStatus(ctx, c.ID, "open"); err != nil {
		t.Fatal(err)
	}
	defaults, _ := instrument.DefaultInstruments()
	list, err := db.CampaignAssignments(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		answers := instrument.Answers{}
		for _, sec := range defaults["self_assessment"].Sections {
			for _, q := range sec.Questions {
				answers[q.Name] = sampleAnswer(q)
				if q.Type == instrument.TypeMaturity {
					answers[q.Name] = "1"
				}
			}
		}
		if _, err := db.SubmitResponse(ctx, a.ID, "prof-2025-"+a.DepartmentCode, answers); err != nil {
			t.Fatal(err)
		}
		if err := db.Review(ctx, a.ID, survey.ReviewApprove, ""); err != nil {
			t.Fatal(err)
		}
	}
	importMetrics(t, db, "2025")
	earlier, err := db.ComputeAssessment(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PublishAssessment(ctx, earlier.ID); err != nil {
		t.Fatal(err)
	}
	before := math.NaN()
	published, _ := db.FindAssessmentRun(ctx, earlier.ID)
	out, err := published.Outcome()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range out.Units {
		if u.Code == "LJ-C" && u.Score != nil {
			before = *u.Score
		}
	}
	if math.IsNaN(before) {
		t.Fatal("LJ-C has no score in the earlier run")
	}

	_, body = get(t, admin, page)
	profInert(t, body)
	option = profCharts(t, body)["chart-trend"]
	labels, series := profTrendSeries(t, option)
	if len(labels) != 2 || labels[0] != "2025 年度" || labels[1] != "2026 年度 (草稿)" || len(series[0]) != 2 {
		t.Fatalf("two periods: labels %q, series %q", labels, series)
	}
	recs := profTrendMatches(t, admin, page, option)
	if recs[1][1] != profFixed(before) {
		t.Fatalf("the earlier index %s, want LJ-C's published %s", recs[1][1], profFixed(before))
	}
	prev, _ := strconv.ParseFloat(recs[1][1], 64)
	cur, _ := strconv.ParseFloat(recs[2][1], 64)
	change := strings.ReplaceAll(profSigned(cur-prev), "+", "&#43;") // as html/template writes it
	if !strings.Contains(body, `<span class="tile-value">`+change+`</span>`+"\n    "+`<span class="tile-note">上期：2025 年度</span>`) {
		t.Fatalf("no change tile %s", change)
	}
	if strings.Contains(body, "目前只有本期一期结果") {
		t.Fatal("two periods still noted as one")
	}
}

// The sections' other states render in English: no answers submitted, a
// campaign not assigned, more open tickets than listed.
func TestProfileSectionsRender(t *testing.T) {
	cat, err := static.NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	r, err := static.NewRenderer(cat, static.NewAssets(), nil)
	if err != nil {
		t.Fatal(err)
	}
	render := func(v profileView) string {
		t.Helper()
		page := r.NewPage("en")
		page.Title = "title.dashboard_profile"
		v.Run, v.Campaign, v.Code, v.Name = &survey.AssessmentRun{ID: 7}, &survey.Campaign{NameEn: "Self-assessment"}, "LJ-A", evil
		page.Data = v
		rec := httptest.NewRecorder()
		if err := r.Render(rec, http.StatusOK, "dashboard_profile", page); err != nil {
			t.Fatal(err)
		}
		body := rec.Body.String()
		profInert(t, body)
		return body
	}
	first := make([]profileTicket, profTicketsShown)
	for k := range first {
		first[k] = profileTicket{ID: int64(k + 1), URL: "/tickets/" + itoa(int64(k+1)), State: "Open", Rating: "Dissatisfied"}
	}
	body := render(profileView{Change: "-2.50", Previous: "2025",
		Answers: &profileAnswers{Assigned: true, State: "Not started"},
		Ratings: &profileRatings{From: "2026-01-01", To: "2026-12-31"},
		Tickets: &profileTickets{Total: 12, Overdue: 3, First: first}})
	for _, want := range []string{"The department has not submitted its answers (state: Not started).",
		"No ratings in this period.", "Ratings from 2026-01-01 to 2026-12-31", "12 not closed, 3 of them overdue.",
		"The 10 due first are listed.", `<span class="tile-value">-2.50</span>`, "previous: 2025"} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q", want)
		}
	}
	if n := len(profTable(t, body, "open-tickets")); n != profTicketsShown {
		t.Errorf("%d tickets listed", n)
	}
	body = render(profileView{Answers: &profileAnswers{}})
	if !strings.Contains(body, "This campaign&#39;s questionnaire was not assigned to the department.") ||
		strings.Contains(body, `id="tickets-title"`) {
		t.Error("not assigned: wrong message, or tickets shown without being read")
	}
}
