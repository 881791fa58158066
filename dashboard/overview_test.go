package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"govkpi/scoring"
	"govkpi/static"
	"govkpi/survey"
	"govkpi/survey/instrument"
)

// overviewCharts are the overview's charts, by id.
var overviewCharts = []string{"ranking", "bands", "boxplot", "quadrant", "trend", "rollup", "heatmap"}

// chartBlocks returns each chart's decoded options by chart id.
func chartBlocks(t *testing.T, body string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	re := regexp.MustCompile(`(?s)<script type="application/json" id="chart-([a-z]+)">(.*?)</script>`)
	for _, b := range re.FindAllStringSubmatch(body, -1) {
		var option map[string]any
		if err := json.Unmarshal([]byte(b[2]), &option); err != nil {
			t.Fatalf("chart %s is not JSON: %v", b[1], err)
		}
		out[b[1]] = option
	}
	return out
}

// stringsIn collects every string in a decoded JSON value, keys included.
func stringsIn(v any, out map[string]bool) {
	switch x := v.(type) {
	case string:
		out[x] = true
	case []any:
		for _, e := range x {
			stringsIn(e, out)
		}
	case map[string]any:
		for k, e := range x {
			out[k] = true
			stringsIn(e, out)
		}
	}
}

// csvRows reads a chart's CSV download: the BOM, then rows.
func csvRows(t *testing.T, c *http.Client, u string) [][]string {
	t.Helper()
	status, body := get(t, c, u)
	if status != 200 || !strings.HasPrefix(body, "\xef\xbb\xbf") {
		t.Fatalf("%s: %d %q", u, status, body[:min(len(body), 80)])
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(body, "\xef\xbb\xbf"), "\r\n"), "\r\n") {
		rows = append(rows, strings.Split(line, ","))
	}
	return rows
}

// setCategory gives departments a category before the run's model is
// first read.
func setCategory(t *testing.T, db *survey.DB, category string, codes ...string) {
	t.Helper()
	ctx := context.Background()
	for _, code := range codes {
		d, err := db.FindDepartmentByCode(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateDepartment(ctx, d.ID, survey.DepartmentInput{Code: d.Code, NameZh: d.NameZh, NameEn: d.NameEn,
			Level: d.Level, ParentCode: d.ParentCode, Category: category, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
}

// Every chart of the overview carries the hostile, the formula-like and the
// Chinese names as JSON strings that read back exactly, the page shows them
// only as text, and every chart's CSV downloads with its BOM.
func TestOverviewChartsInert(t *testing.T) {
	ts, runID, db := testRunDB(t)
	setCategory(t, db, "公安", "LJ-A", "LJ-B")
	admin := signedIn(t, ts, "admin")
	path := ts.URL + "/dashboard/runs/" + itoa(runID)
	status, body := get(t, admin, path)
	if status != 200 {
		t.Fatalf("overview: %d\n%s", status, body)
	}
	if strings.Contains(body, "<script>alert(1)") {
		t.Fatal("a department's name became markup")
	}
	if !strings.Contains(body, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("no data table shows the hostile name as text")
	}
	blocks := chartBlocks(t, body)
	for _, id := range overviewCharts {
		option, ok := blocks[id]
		if !ok {
			t.Fatalf("no %s chart; have %d", id, len(blocks))
		}
		got := map[string]bool{}
		stringsIn(option, got)
		switch id {
		case "ranking", "heatmap":
			for _, name := range []string{evil, formula, "澜江市政务服务和数据管理局"} {
				if !got[name] {
					t.Errorf("%s: no string is exactly %q", id, name)
				}
			}
		case "rollup":
			if !got["澜江市人民政府"] {
				t.Errorf("rollup: no parent name")
			}
		}
	}
	// The click-through maps name departments exactly too.
	// (The test run has no citizen ratings, so no department has the
	// satisfaction the quadrant needs: TestOverviewQuadrantAndRanking
	// checks its names.)
	links := regexp.MustCompile(`(?s)<script type="application/json" id="chart-([a-z]+)-links">(.*?)</script>`).FindAllStringSubmatch(body, -1)
	if len(links) < 2 {
		t.Fatalf("%d click maps", len(links))
	}
	for _, l := range links {
		if m := clickLinks(t, l[2]); !strings.HasSuffix(m[evil], "/departments/LJ-A") {
			t.Fatalf("%s links: %v", l[1], m)
		}
	}
	for _, id := range overviewCharts {
		rows := csvRows(t, admin, path+"/"+id+".csv?category=%E5%85%AC%E5%AE%89")
		if len(rows) < 2 && id != "quadrant" {
			t.Fatalf("%s.csv has no rows", id)
		}
	}
	if status, _ := get(t, admin, path+"/nothing.csv"); status != http.StatusNotFound {
		t.Fatalf("unknown chart: %d", status)
	}
	if status, _ := get(t, admin, path+"/ranking.csv?level=%3Cscript%3E&hpage=-4&all=zz"); status != 200 {
		t.Fatalf("odd query: %d", status)
	}
}

// The URL's filter narrows every chart: a category keeps only its
// departments, links keep the filter, and a value the run does not have
// is no match rather than an error.
func TestOverviewFilters(t *testing.T) {
	ts, runID, db := testRunDB(t)
	setCategory(t, db, "公安", "LJ-A", "LJ-B")
	setCategory(t, db, "政务服务", "LJ-C")
	admin := signedIn(t, ts, "admin")
	path := ts.URL + "/dashboard/runs/" + itoa(runID)

	codes := func(rows [][]string) []string {
		var out []string
		for _, r := range rows[1:] {
			out = append(out, r[1])
		}
		slices.Sort(out)
		return out
	}
	if got := codes(csvRows(t, admin, path+"/ranking.csv")); !slices.Equal(got, []string{"LJ-A", "LJ-B", "LJ-C"}) {
		t.Fatalf("unfiltered ranking %v", got)
	}
	if got := codes(csvRows(t, admin, path+"/ranking.csv?category=%E5%85%AC%E5%AE%89")); !slices.Equal(got, []string{"LJ-A", "LJ-B"}) {
		t.Fatalf("ranking of 公安 %v", got)
	}
	if got := codes(csvRows(t, admin, path+"/ranking.csv?group=city&category=%E6%94%BF%E5%8A%A1%E6%9C%8D%E5%8A%A1")); !slices.Equal(got, []string{"LJ-C"}) {
		t.Fatalf("ranking of 政务服务 %v", got)
	}
	rollup := csvRows(t, admin, path+"/rollup.csv?category=%E5%85%AC%E5%AE%89")
	if len(rollup) != 2 || rollup[1][0] != "LJ" || rollup[1][2] != "2" {
		t.Fatalf("rollup of 公安 %v", rollup)
	}

	status, body := get(t, admin, path+"?category=%E5%85%AC%E5%AE%89")
	if status != 200 {
		t.Fatalf("filtered page: %d", status)
	}
	if !strings.Contains(body, `<option value="公安" selected>`) || !strings.Contains(body, `/ranking.csv?category=%E5%85%AC%E5%AE%89"`) {
		t.Fatal("the page forgets its filter")
	}
	names := chartBlocks(t, body)["ranking"]["yAxis"].([]any)[0].(map[string]any)["data"].([]any)
	if len(names) != 2 || slices.Contains(names, any("澜江市政务服务和数据管理局")) {
		t.Fatalf("filtered ranking bars %v", names)
	}

	status, body = get(t, admin, path+"?level=nowhere")
	if status != 200 || !strings.Contains(body, `class="empty"`) {
		t.Fatalf("unknown level: %d", status)
	}
	if rows := csvRows(t, admin, path+"/ranking.csv?level=nowhere"); len(rows) != 1 {
		t.Fatalf("unknown level ranking %v", rows)
	}
	for _, id := range overviewCharts {
		csvRows(t, admin, path+"/"+id+".csv?level=nowhere")
	}
}

// The roll-up counts the departments under each parent with their mean,
// lowest, highest and spread.
func TestOverviewRollup(t *testing.T) {
	ts, runID := testRun(t)
	admin := signedIn(t, ts, "admin")
	rows := csvRows(t, admin, ts.URL+"/dashboard/runs/"+itoa(runID)+"/rollup.csv")
	ranking := csvRows(t, admin, ts.URL+"/dashboard/runs/"+itoa(runID)+"/ranking.csv")
	if len(rows) != 2 || rows[1][0] != "LJ" || rows[1][1] != "澜江市人民政府" || rows[1][2] != "3" {
		t.Fatalf("rollup %v", rows)
	}
	var scores []float64
	for _, r := range ranking[1:] {
		v, _ := strconv.ParseFloat(r[3], 64)
		scores = append(scores, v)
	}
	lo, hi := slices.Min(scores), slices.Max(scores)
	mean := (scores[0] + scores[1] + scores[2]) / 3
	got := func(k int) float64 { v, _ := strconv.ParseFloat(rows[1][k], 64); return v }
	if math.Abs(got(3)-mean) > 0.01 || math.Abs(got(4)-lo) > 0.01 || math.Abs(got(5)-hi) > 0.01 || got(6) <= 0 {
		t.Fatalf("rollup %v; scores %v", rows[1], scores)
	}
}

// syntheticModel scores n made-up departments with the default framework:
// department 0 has the hostile name; they spread over 20 parents, two
// levels and five categories, one of them none.
func syntheticModel(t testing.TB, n int) *Model {
	t.Helper()
	fw, err := scoring.DefaultFramework()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	var cols []string
	for _, v := range fw.Variables {
		cols = append(cols, v.Code)
	}
	units := make([]scoring.Unit, n)
	depts := map[string]survey.Department{}
	for i := range units {
		code := fmt.Sprintf("D%05d", i)
		name := "部门 " + code
		if i == 0 {
			name = evil
		}
		level := []string{"city", "district"}[i%2]
		cat := []string{"公安", "教育", "卫生", "民政", ""}[i%5]
		units[i] = scoring.Unit{Code: code, Name: name, Group: level}
		parent := fmt.Sprintf("P%02d", i%20)
		depts[code] = survey.Department{Code: code, NameZh: name, Level: level, Category: cat, ParentCode: parent, ParentZh: "上级 " + parent}
	}
	table := scoring.NewTable(units, cols)
	for j, v := range fw.Variables {
		for i := range units {
			x := 100 + 900*rng.Float64()
			if v.Unit == "级" {
				x = float64(1 + rng.IntN(5))
			}
			if rng.Float64() < 0.03 {
				x = math.NaN()
			}
			table.Values[j][i] = x
		}
	}
	res, err := scoring.Run(fw, table, scoring.Options{})
	if err != nil {
		t.Fatal(err)
	}
	root := res.RootScores()
	out := &survey.RunOutcome{Bands: res.Bands.Bands}
	for i, u := range units {
		ru := survey.RunUnit{Code: u.Code, Name: u.Name, Group: u.Group, Rank: res.Rank[i]}
		if !math.IsNaN(root[i]) {
			s := root[i]
			ru.Score = &s
			b, _ := res.Bands.Of(s)
			ru.Level = b.Code
		}
		out.Units = append(out.Units, ru)
	}
	slices.SortStableFunc(out.Units, func(a, b survey.RunUnit) int {
		switch {
		case a.Rank == b.Rank:
			return 0
		case a.Rank == 0:
			return 1
		case b.Rank == 0:
			return -1
		}
		return a.Rank - b.Rank
	})
	m := &Model{Run: &survey.AssessmentRun{ID: 7, State: survey.RunDraft, Coverage: fmt.Sprintf(`{"assigned":%d,"counted":%d,"missing":0.03}`, n, n)},
		Campaign: &survey.Campaign{ID: 3, Period: "2026 年度", OpensAt: time.Now()},
		Outcome:  out, Framework: fw, Table: table, Result: res, Depts: depts, index: map[string]int{}}
	for i, u := range units {
		m.index[u.Code] = i
	}
	return m
}

// importMetrics imports a year's platform metrics for LJ-A, LJ-B and
// LJ-C, as testRunDB does for 2026.
func importMetrics(t *testing.T, db *survey.DB, year string) {
	t.Helper()
	vars, err := survey.MetricVariables()
	if err != nil {
		t.Fatal(err)
	}
	within := map[string]string{}
	for _, v := range vars {
		within[v.Code] = v.Within
	}
	var b strings.Builder
	b.WriteString("period,department_code,variable,value\n")
	for i, code := range []string{"LJ-A", "LJ-B", "LJ-C"} {
		share := 0.5 * (0.5 + 0.2*float64(i))
		for _, v := range vars {
			x := 1000.0
			for w := v.Within; w != ""; w = within[w] {
				x *= share
			}
			fmt.Fprintf(&b, "%s,%s,%s,%d\n", year, code, v.Code, int(x))
		}
	}
	if _, err := db.ImportMetrics(context.Background(), strings.NewReader(b.String()), "metrics-"+year+".csv"); err != nil {
		t.Fatal(err)
	}
}

func testT(key string, args ...any) string { return key + fmt.Sprint(args...) }

// The heatmap sends at most 50 departments and 20,000 cells a page, its
// pages cover every department once in ranking order, and a page past the
// end shows the last.
func TestOverviewHeatmapPages(t *testing.T) {
	m := syntheticModel(t, 5000)
	inds := len(m.Framework.Indicators())
	seen := map[string]int{}
	var order []string
	pages := 0
	for page := 1; ; page++ {
		o := newOverview(m, "zh-CN", testT, overviewFilter{HPage: page})
		c, hp := o.heatmapChart()
		data := c.Options["series"]
		raw, _ := json.Marshal(data)
		var series []struct {
			Data []struct {
				Name  string `json:"name"`
				Value []any  `json:"value"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &series); err != nil || len(series) != 1 {
			t.Fatalf("heatmap series: %v", err)
		}
		cells := len(series[0].Data)
		if cells > overviewMaxCells || len(c.Rows) > heatmapRows || cells != len(c.Rows)*inds {
			t.Fatalf("page %d: %d cells, %d rows", page, cells, len(c.Rows))
		}
		if hp.page != page || hp.total != 5000 || hp.from != (page-1)*heatmapRows+1 || hp.to != hp.from+len(c.Rows)-1 {
			t.Fatalf("page %d: %+v", page, hp)
		}
		for _, cell := range series[0].Data {
			if len(cell.Value) != 3 || cell.Name == "" {
				t.Fatalf("cell %+v", cell)
			}
		}
		for _, r := range c.Rows {
			seen[r[1]]++
			order = append(order, r[1])
		}
		pages++
		if hp.page == hp.pages {
			break
		}
	}
	if pages != 100 || len(seen) != 5000 {
		t.Fatalf("%d pages, %d departments", pages, len(seen))
	}
	for k, u := range m.Outcome.Units {
		if order[k] != u.Code {
			t.Fatalf("heatmap row %d is %s, ranking has %s", k, order[k], u.Code)
		}
	}
	_, hp := newOverview(m, "zh-CN", testT, overviewFilter{HPage: 999}).heatmapChart()
	if hp.page != 100 || hp.from != 4951 || hp.to != 5000 {
		t.Fatalf("page past the end: %+v", hp)
	}
}

// Every box is [min, Q1, median, Q3, max] in order, counts add up to the
// scored departments of each family, and the five numbers are right on a
// worked example.
func TestOverviewBoxplot(t *testing.T) {
	if got := ovFiveNumbers([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}); got != (boxStats{1, 3.25, 5.5, 7.75, 10}) {
		t.Fatalf("five numbers of 1..10: %v", got)
	}
	if got := ovFiveNumbers([]float64{42}); got != (boxStats{42, 42, 42, 42, 42}) {
		t.Fatalf("five numbers of one value: %v", got)
	}
	m := syntheticModel(t, 600)
	o := newOverview(m, "zh-CN", testT, overviewFilter{})
	c := o.boxplotChart()
	cats := map[string]bool{}
	perFamily := map[string]int{}
	for _, r := range c.Rows {
		cats[r[1]] = true
		n, _ := strconv.Atoi(r[2])
		perFamily[r[0]] += n
		var v []float64
		for _, cell := range r[3:] {
			x, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				t.Fatalf("row %v", r)
			}
			v = append(v, x)
		}
		if !slices.IsSorted(v) {
			t.Fatalf("box out of order: %v", r)
		}
	}
	if len(cats) != 5 || !cats[ovNoCategory] {
		t.Fatalf("categories %v", cats)
	}
	for _, f := range o.families() {
		want := 0
		for _, v := range m.Result.NodeScores(f.Code) {
			if !math.IsNaN(v) {
				want++
			}
		}
		if perFamily[f.Name("zh-CN")] != want {
			t.Fatalf("family %s: %d in boxes, %d scored", f.Code, perFamily[f.Name("zh-CN")], want)
		}
	}
	// The chart's boxes are the table's numbers.
	raw, _ := json.Marshal(c.Options["series"])
	var series []struct {
		Data []struct {
			Value any `json:"value"`
		} `json:"data"`
	}
	json.Unmarshal(raw, &series)
	if len(series) != len(o.families()) {
		t.Fatalf("%d box series", len(series))
	}
	box := series[0].Data[0].Value.([]any)
	if fmt.Sprint(box[2]) != strings.TrimSuffix(strings.TrimSuffix(c.Rows[0][5], "0"), ".") {
		t.Fatalf("first box %v, table %v", box, c.Rows[0])
	}
}

// The quadrant has every department with the three families once, sizes
// from 6 to 30 pixels, and the medians as its mark lines; the ranking's
// default is its two ends.
func TestOverviewQuadrantAndRanking(t *testing.T) {
	m := syntheticModel(t, 400)
	o := newOverview(m, "zh-CN", testT, overviewFilter{})
	c, ok := o.quadrantChart()
	if !ok {
		t.Fatal("no quadrant with the default framework")
	}
	raw, _ := json.Marshal(c.Options["series"])
	var series []struct {
		Data []struct {
			Name       string    `json:"name"`
			Value      []float64 `json:"value"`
			SymbolSize int       `json:"symbolSize"`
		} `json:"data"`
		MarkLine *struct {
			Data []map[string]any `json:"data"`
		} `json:"markLine"`
	}
	if err := json.Unmarshal(raw, &series); err != nil {
		t.Fatal(err)
	}
	points := 0
	for _, s := range series {
		for _, d := range s.Data {
			points++
			if d.SymbolSize < 6 || d.SymbolSize > 30 || len(d.Value) != 3 {
				t.Fatalf("point %+v", d)
			}
		}
	}
	if points != len(c.Rows) || points < 300 || series[0].MarkLine == nil || len(series[0].MarkLine.Data) != 2 {
		t.Fatalf("%d points, %d rows, mark line %+v", points, len(c.Rows), series[0].MarkLine)
	}

	// The hostile name is a JSON string that reads back exactly, in the
	// data and in the click-through map.
	b, err := json.Marshal(c.Options)
	if err != nil {
		t.Fatal(err)
	}
	var back any
	json.Unmarshal(b, &back)
	names := map[string]bool{}
	stringsIn(back, names)
	if !names[evil] || !strings.HasSuffix(c.Click[evil], "/departments/D00000") {
		t.Fatal("the quadrant lost the hostile name")
	}

	r := o.rankingChart()
	if len(r.Rows) != 2*rankingEnds || r.Rows[0][0] != "1" || r.Rows[len(r.Rows)-1][1] != o.units[o.scored-1].Code {
		t.Fatalf("ranking ends: %d rows, first %v", len(r.Rows), r.Rows[0])
	}
	all := newOverview(m, "zh-CN", testT, overviewFilter{All: true}).rankingChart()
	if len(all.Rows) != 400 || all.Options["dataZoom"] == nil {
		t.Fatalf("whole ranking: %d rows", len(all.Rows))
	}
	// A framework without the three families has no quadrant.
	small, err := scoring.ReadFrameworkYAML(strings.NewReader("code: T\nversion: \"1\"\nvariables:\n  - {code: x}\n" +
		"root:\n  code: T\n  children:\n    - code: SH\n      children:\n        - {code: I1, formula: x, normalise: {method: minmax}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	bare := &Model{Run: m.Run, Campaign: m.Campaign, Outcome: m.Outcome, Framework: small, Table: m.Table, Result: m.Result,
		Depts: m.Depts, index: m.index}
	if _, ok := newOverview(bare, "zh-CN", testT, overviewFilter{}).quadrantChart(); ok {
		t.Fatal("a quadrant without satisfaction and efficiency")
	}
}

// The trend reads a second, earlier published campaign: two points in
// period order, the change tile is this run's mean less the earlier run's,
// and a filter narrows the earlier period's mean too.
func TestOverviewTrend(t *testing.T) {
	ts, runID, db := testRunDB(t)
	ctx := context.Background()
	setCategory(t, db, "公安", "LJ-A", "LJ-B")
	head, err := db.FindAssessmentRunHead(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	now, err := db.FindCampaignByID(ctx, head.CampaignID)
	if err != nil {
		t.Fatal(err)
	}
	admin := signedIn(t, ts, "admin")
	path := ts.URL + "/dashboard/runs/" + itoa(runID)
	if rows := csvRows(t, admin, path+"/trend.csv"); len(rows) != 2 {
		t.Fatalf("one period: %v", rows)
	}

	// The year before: the same departments, lower maturity.
	opens := time.Now().Add(-400 * 24 * time.Hour).Truncate(time.Second)
	c, err := db.CreateCampaign(ctx, survey.CampaignInput{Code: "SA2025", NameZh: "2025 年度自评", Period: "2025 年度",
		InstrumentID: now.InstrumentID, FrameworkVersion: "DGMI 2026.1", OpensAt: opens, ClosesAt: time.Now().Add(24 * time.Hour)})
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
	sa := defaults["self_assessment"]
	assignments, err := db.CampaignAssignments(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range assignments {
		answers := instrument.Answers{}
		for _, sec := range sa.Sections {
			for _, q := range sec.Questions {
				answers[q.Name] = sampleAnswer(q)
				if q.Type == instrument.TypeMaturity {
					answers[q.Name] = "1"
					answers[q.Name+"_evidence"] = "见附件"
				}
			}
		}
		if _, err := db.SubmitResponse(ctx, a.ID, "client-2025-"+a.DepartmentCode, answers); err != nil {
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
	published, err := db.FindAssessmentRun(ctx, earlier.ID)
	if err != nil {
		t.Fatal(err)
	}
	out, err := published.Outcome()
	if err != nil {
		t.Fatal(err)
	}
	meanOf := func(units []survey.RunUnit, codes ...string) float64 {
		sum, n := 0.0, 0
		for _, u := range units {
			if u.Score != nil && slices.Contains(codes, u.Code) {
				sum += *u.Score
				n++
			}
		}
		return sum / float64(n)
	}
	before := meanOf(out.Units, "LJ-A", "LJ-B", "LJ-C")
	if math.IsNaN(before) {
		t.Fatal("the earlier run scored nobody")
	}

	rows := csvRows(t, admin, path+"/trend.csv")
	if len(rows) != 3 || rows[1][0] != "2025 年度" || !strings.HasPrefix(rows[2][0], "2026 年度") || !strings.Contains(rows[2][0], "(") {
		t.Fatalf("trend %v", rows)
	}
	if rows[1][1] != strconv.FormatFloat(before, 'f', 1, 64) {
		t.Fatalf("earlier mean %s, want %.1f", rows[1][1], before)
	}
	_, body := get(t, admin, path)
	current, _ := db.FindAssessmentRun(ctx, runID)
	curOut, _ := current.Outcome()
	change := fmt.Sprintf("%+.1f", meanOf(curOut.Units, "LJ-A", "LJ-B", "LJ-C")-before)
	// html/template writes a plus sign as &#43;.
	if !strings.Contains(body, `<span class="tile-value">`+strings.ReplaceAll(change, "+", "&#43;")+`</span>`) || !strings.Contains(body, "2025 年度") {
		i := strings.Index(body, `class="tiles"`)
		t.Fatalf("no change tile %s in the page: %s", change, body[i:i+900])
	}

	filtered := csvRows(t, admin, path+"/trend.csv?category=%E5%85%AC%E5%AE%89")
	if want := strconv.FormatFloat(meanOf(out.Units, "LJ-A", "LJ-B"), 'f', 1, 64); filtered[1][1] != want {
		t.Fatalf("filtered earlier mean %v, want %s", filtered[1], want)
	}
}

// BenchmarkOverviewCharts builds every chart of the overview of 5,000
// departments and encodes its options, as a page does (the trend's query
// aside).
func BenchmarkOverviewCharts(b *testing.B) {
	m := syntheticModel(b, 5000)
	for b.Loop() {
		o := newOverview(m, "zh-CN", testT, overviewFilter{})
		q, _ := o.quadrantChart()
		h, _ := o.heatmapChart()
		o.coverage()
		for _, c := range []ChartView{o.rankingChart(), o.bandChart(), o.boxplotChart(), q, h, o.rollupChart(),
			o.trendChart([]trendPoint{o.currentPoint()})} {
			if _, err := json.Marshal(c.Options); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkOverviewPage builds and renders the whole overview of 5,000
// departments, tables included, with two earlier periods in its trend
// (the trend's query aside).
func BenchmarkOverviewPage(b *testing.B) {
	m := syntheticModel(b, 5000)
	cat, err := static.NewCatalogue()
	if err != nil {
		b.Fatal(err)
	}
	r, err := static.NewRenderer(cat, static.NewAssets(), nil)
	if err != nil {
		b.Fatal(err)
	}
	var trend []survey.TrendRun
	for k, period := range []string{"2024 年度", "2025 年度"} {
		tr := survey.TrendRun{CampaignID: int64(k + 1), Period: period, OpensAt: m.Campaign.OpensAt.AddDate(k-2, 0, 0),
			Index: m.Result.RootScores(), Families: map[string][]float64{}}
		for _, u := range m.Table.Units {
			tr.Units = append(tr.Units, survey.TrendUnit{Code: u.Code, Group: u.Group})
		}
		for _, f := range m.Framework.Root.Children {
			tr.Families[f.Code] = m.Result.NodeScores(f.Code)
		}
		trend = append(trend, tr)
	}
	for b.Loop() {
		page := r.NewPage("zh-CN")
		page.Data = newOverview(m, "zh-CN", page.T, overviewFilter{}).view(page, trend)
		w := httptest.NewRecorder()
		if err := r.Render(w, 200, "dashboard_run", page); err != nil {
			b.Fatal(err)
		}
	}
}
