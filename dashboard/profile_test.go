package dashboard

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"govkpi/scoring"
	"govkpi/static"
	"govkpi/survey"
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
	if len(cs) != 2 || cs["chart-radar"] == nil || cs["chart-contributions"] == nil {
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
